import { z } from 'zod';
import { parseJsonBody, readBody } from '../../../lib/http/body';
import { HttpError, TransportErrorCode, sendJson } from '../../../lib/http/errors';
import type { RouteHandler } from '../../../lib/http/routes';
import type { Logger } from '../../../lib/logger';
import type { Authenticator } from '../auth/authenticate';
import type { EntityCache, InvalidationRequest } from './entity-cache';

export const INVALIDATION_PATH = '/invalidation';

/** Requests are small: a few thousand entities at most per call. */
const MAX_BODY_BYTES = 256 * 1024;

const name = z.string().regex(/^[_A-Za-z][_0-9A-Za-z]*$/, 'a GraphQL name');
const InvalidationRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('entity'), type: name, key: z.record(z.string(), z.unknown()).refine((key) => Object.keys(key).length > 0, 'a key needs at least one field'), subgraph: name.optional() }).strict(),
  z.object({ kind: z.literal('type'), type: name, subgraph: name.optional() }).strict(),
  z.object({ kind: z.literal('subgraph'), subgraph: name }).strict(),
]);
const InvalidationListSchema = z.array(InvalidationRequestSchema).min(1).max(10_000);

export interface InvalidationEndpointOptions {
  cache: EntityCache;
  authenticator: Authenticator;
  /** The scope a caller needs (`entityCache.invalidationScope`). */
  scope: string;
  logger: Logger;
}

/**
 * `POST /invalidation` for operators, in the shape of Apollo Router's
 * invalidation endpoint: one request or a list, each
 * `{ "kind": "entity", "type": "Product", "key": { "id": "p-1" } }`,
 * `{ "kind": "type", "type": "Product" }` or `{ "kind": "subgraph", "subgraph": "inventory" }`;
 * answers `{ "count": <entries deleted> }`. A token (or API key) with the
 * configured scope is required: 401 without a credential, 403 without the scope.
 */
export function invalidationRoute(options: InvalidationEndpointOptions): Record<string, RouteHandler> {
  return {
    [INVALIDATION_PATH]: async (req, res) => {
      if (req.method !== 'POST') throw new HttpError(405, TransportErrorCode.MethodNotAllowed, 'POST an invalidation request (README "Caching")', { allow: 'POST' });
      const caller = await options.authenticator.fromRequest(req);
      if (!caller.authenticated) {
        throw new HttpError(401, TransportErrorCode.Unauthenticated, `Cache invalidation needs a token with scope ${options.scope}`, { 'www-authenticate': 'Bearer realm="graphql"' });
      }
      if (!caller.scopes.has(options.scope)) throw new HttpError(403, TransportErrorCode.Forbidden, `Cache invalidation needs scope ${options.scope}`);
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new HttpError(415, TransportErrorCode.UnsupportedMediaType, 'Send Content-Type: application/json');
      const body = parseJsonBody(await readBody(req, MAX_BODY_BYTES));
      const parsed = InvalidationListSchema.safeParse(Array.isArray(body) ? body : [body]);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = (Array.isArray(body) ? issue.path : issue.path.slice(1)).join('.');
        throw new HttpError(400, TransportErrorCode.BadRequest, `Invalid invalidation request${where ? ` at ${where}` : ''}: ${issue.message}`);
      }
      const requests = parsed.data as InvalidationRequest[];
      let count: number;
      try {
        count = await options.cache.invalidateRequests(requests);
      } catch (error) {
        options.logger.error('cache invalidation failed', { error: (error as Error).message });
        throw new HttpError(503, TransportErrorCode.ServiceUnavailable, 'The cache store cannot be reached; try again', { 'retry-after': '1' });
      }
      options.logger.info('cache invalidated by an operator', { subject: caller.subject, requests: requests.length, count });
      sendJson(res, 200, { count });
    },
  };
}
