import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Caller } from '../auth/caller';
import type { CachePolicy } from './fetch-plan';

export const CACHE_CONTROL = 'cache-control';

/**
 * `Cache-Control` of an answer whose policy the entity cache computed: the
 * least maxAge of what it holds; `public` only for an anonymous caller's
 * answer made of PUBLIC parts (an authenticated caller's may differ from
 * anyone else's — authorization cuts — so shared caches must not keep it);
 * `no-store` when something in it may not be reused.
 */
export function cacheControlHeaders(policy: CachePolicy | null, caller: Caller): Record<string, string> {
  if (!policy) return { [CACHE_CONTROL]: 'no-store' };
  const visibility = policy.scope === 'PUBLIC' && !caller.authenticated ? 'public' : 'private';
  return { [CACHE_CONTROL]: `${visibility}, max-age=${policy.maxAge}` };
}

/**
 * HTTP caching of one JSON answer: an answer with errors is never reusable
 * (`no-store`, whatever its parts said); a public answer to a GET carries an
 * `ETag` (a hash of its data: `extensions` such as the settled cost may vary
 * between identical answers), and a request whose `If-None-Match` names it
 * is answered 304 without the body.
 */
export function httpCaching(
  req: IncomingMessage,
  headers: Readonly<Record<string, string>>,
  result: { readonly data?: unknown; readonly errors?: readonly unknown[] },
): { notModified: boolean; headers: Readonly<Record<string, string>> } {
  const cacheControl = headers[CACHE_CONTROL];
  if (cacheControl === undefined) return { notModified: false, headers };
  if (result.errors && result.errors.length > 0) return { notModified: false, headers: { ...headers, [CACHE_CONTROL]: 'no-store' } };
  if ((req.method !== 'GET' && req.method !== 'HEAD') || !cacheControl.startsWith('public')) return { notModified: false, headers };
  const etag = `"${createHash('sha256').update(JSON.stringify(result.data ?? null)).digest('base64url').slice(0, 27)}"`;
  const withEtag = { ...headers, etag };
  return { notModified: ifNoneMatchHolds(req.headers['if-none-match'], etag), headers: withEtag };
}

/** RFC 9110 13.1.2: `*`, or one of the listed tags (weak comparison: a `W/` prefix is ignored). */
function ifNoneMatchHolds(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
