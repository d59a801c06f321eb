import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { request } from 'undici';
import type { Logger } from '../../../lib/logger';
import { SupergraphError } from '../federation/supergraph';

/** Called with a supergraph's text each time its source may have changed. */
export type OnSupergraph = (sdl: string, source: string) => void;

/** Coalesces the bursts of events one save makes (truncate, write, rename) into one read. */
const SETTLE_MS = 50;

/**
 * Watches a supergraph file. The directory is watched, not the file: an
 * atomic replace (write a temporary file, rename it over the old one, as
 * `npm run compose` and most deploy tools do) gives the path a new inode a
 * file watch would miss.
 */
export function watchSupergraphFile(path: string, onSupergraph: OnSupergraph, logger: Logger): () => void {
  const file = resolve(path);
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher;
  try {
    watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed !== name) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        readFile(file, 'utf8').then(
          (sdl) => onSupergraph(sdl, path),
          (error: Error) => logger.warn('supergraph file unreadable; the current supergraph keeps serving', { path, error: error.message }),
        );
      }, SETTLE_MS);
    });
  } catch (error) {
    logger.warn('cannot watch the supergraph file; hot reload is off', { path, error: (error as Error).message });
    return () => {};
  }
  watcher.on('error', (error) => logger.warn('supergraph file watch failed; hot reload is off', { path, error: error.message }));
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}

/** Fetches a supergraph from a URL; `etag` makes it a conditional GET, answered `undefined` when unchanged (304). */
export async function fetchSupergraph(url: string, etag?: string): Promise<{ sdl: string; etag?: string } | undefined> {
  let response;
  try {
    response = await request(url, { headers: etag ? { 'if-none-match': etag } : {}, headersTimeout: 10_000, bodyTimeout: 10_000 });
  } catch (error) {
    throw new SupergraphError(`Cannot fetch supergraph ${url}: ${(error as Error).message}`);
  }
  if (response.statusCode === 304) {
    await response.body.dump();
    return undefined;
  }
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new SupergraphError(`Cannot fetch supergraph ${url}: HTTP ${response.statusCode}`);
  }
  const header = response.headers.etag;
  return { sdl: await response.body.text(), etag: Array.isArray(header) ? header[0] : header };
}

/** Polls a supergraph URL every `intervalMs` with If-None-Match; failures are logged and the current supergraph keeps serving. */
export function pollSupergraphUrl(url: string, intervalMs: number, initialEtag: string | undefined, onSupergraph: OnSupergraph, logger: Logger): () => void {
  let etag = initialEtag;
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    fetchSupergraph(url, etag)
      .then((fetched) => {
        if (!fetched) return;
        etag = fetched.etag;
        onSupergraph(fetched.sdl, url);
      })
      .catch((error: Error) => logger.warn('supergraph poll failed; the current supergraph keeps serving', { url, error: error.message }))
      .finally(() => (polling = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
