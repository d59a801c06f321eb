import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteHandler } from '../http/routes';
import { HttpError, TransportErrorCode } from '../http/errors';
import type { Logger } from '../logger';
import { EVENTS_EXPIRED, EventsExpiredError, isEventId, type EventLog, type Unfollow } from './log';
import { SSE_CONTENT_TYPE, SSE_OPENED, SSE_PING, SSE_POSITION_EVENT, formatSseEvent } from './sse';

export interface EventStreamOptions {
  /** Where the events come from: each stream follows it for the channels it asks for. */
  log: EventLog;
  /** The channels served; asking for another is 400 BAD_REQUEST. A request without `channels` gets all of them. */
  channels: readonly string[];
  /**
   * Runs before anything else; throws an HttpError (401) to refuse the
   * request, or answers when the credential expires (unix ms): the stream ends then.
   */
  authorize(req: IncomingMessage): Promise<number | undefined>;
  /** How often an idle stream gets a `: ping` comment. Default: 15 000 ms. */
  keepAliveMs?: number;
  /** A client that falls this far behind (bytes its socket has not taken) is disconnected; it reconnects with its Last-Event-ID. Default: 1 MiB. */
  maxBufferedBytes?: number;
  logger: Logger;
}

export interface EventStreamEndpoint {
  /** `GET /events?channels=<comma list>` (see createEventStreamEndpoint) */
  route: RouteHandler;
  /** Ends every open stream cleanly and refuses new ones (503), so a shutdown does not wait for streams that never end. */
  close(): Promise<void>;
  /** Streams open now. */
  openStreams(): number;
}

const DEFAULT_KEEP_ALIVE_MS = 15_000;
const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
/** Most entries one read (`?limit=`) answers. */
export const MAX_READ_LIMIT = 10_000;

/**
 * Serves an event log as Server-Sent Events (`GET /events`):
 *
 * - A stream: per channel first `id: <position>`, `event: position`,
 *   `data: <channel>`, then per entry `id: <entry id>`, `event: <channel>`,
 *   `data: <the event's JSON as appended>`, and a `: ping` comment every
 *   keep-alive interval. The position is the channel's newest entry when the
 *   stream opened, or the `Last-Event-ID` header (or `?after=`) it resumes
 *   from: the entries after it are sent first, then live ones, each once and
 *   in order. Ids order the entries of one channel; a client that follows one
 *   channel per stream resumes exactly with its last id. The response starts
 *   only once every channel is followed.
 * - A read (`?limit=<n>`, one channel, `after` required): up to n entries
 *   after the position, in the same format, then the response ends.
 * - A position older than the log retains: 410 EVENTS_EXPIRED, before any stream.
 */
export function createEventStreamEndpoint(options: EventStreamOptions): EventStreamEndpoint {
  const { log, logger } = options;
  const keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
  const maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const served = new Set(options.channels);
  const open = new Set<{ end(): void }>();
  let closed = false;

  const route: RouteHandler = async (req, res) => {
    if (req.method !== 'GET') throw new HttpError(405, TransportErrorCode.MethodNotAllowed, `Method ${req.method} is not allowed; use GET`, { allow: 'GET' });
    const expiresAt = await options.authorize(req);
    const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const channels = requestedChannels(params, options.channels);
    const unknown = channels.filter((channel) => !served.has(channel));
    if (unknown.length > 0) {
      throw new HttpError(400, TransportErrorCode.BadRequest, `Unknown event channel(s): ${unknown.join(', ')}; this endpoint serves ${options.channels.join(', ')}`);
    }
    const after = positionOf(req, params);
    if (closed) throw new HttpError(503, TransportErrorCode.ServiceUnavailable, 'Shutting down');
    const limit = params.get('limit');
    if (limit !== null) return serveRead(res, channels, after, limit);
    await serveStream(res, channels, after, expiresAt);
  };

  async function serveRead(res: ServerResponse, channels: string[], after: string | undefined, limitParam: string): Promise<void> {
    const limit = Number(limitParam);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_READ_LIMIT) throw new HttpError(400, TransportErrorCode.BadRequest, `"limit" must be an integer from 1 to ${MAX_READ_LIMIT}`);
    if (channels.length !== 1 || after === undefined) throw new HttpError(400, TransportErrorCode.BadRequest, 'A read (limit) names one channel and the position to read after (Last-Event-ID or after)');
    const [channel] = channels;
    let entries;
    try {
      entries = await log.read(channel, after, limit);
    } catch (error) {
      throw refusalOf(error, channel);
    }
    res.writeHead(200, { 'content-type': `${SSE_CONTENT_TYPE}; charset=utf-8`, 'cache-control': 'no-cache' });
    res.end(entries.map((entry) => formatSseEvent(channel, entry.json, entry.id)).join(''));
  }

  async function serveStream(res: ServerResponse, channels: string[], after: string | undefined, expiresAt: number | undefined): Promise<void> {
    // Entries that arrive before the headers are written wait here, in order.
    let pending: string[] | null = [];
    let ended = false;
    const unfollows: Unfollow[] = [];
    const positions: string[] = [];
    let keepAlive: NodeJS.Timeout | undefined;
    let expiry: NodeJS.Timeout | undefined;

    const write = (chunk: string) => {
      if (ended) return;
      if (pending) return void pending.push(chunk);
      if (res.writableLength > maxBufferedBytes) {
        logger.warn('event stream client too slow; disconnecting it (it resumes from its last id)', { bufferedBytes: res.writableLength, channels });
        res.destroy();
        return;
      }
      res.write(chunk);
    };
    const stream = {
      /** Stops the stream; once it has started, ends the response cleanly (a started response is never an error). */
      end: () => {
        ended = true;
        clearInterval(keepAlive);
        clearTimeout(expiry);
        open.delete(stream);
        // Also releases a follow made after an earlier end() (one that was in flight then).
        for (const unfollow of unfollows.splice(0)) {
          unfollow().catch((error: unknown) => logger.warn('event stream could not stop following', { error }));
        }
        if (res.headersSent && !res.writableEnded && !res.destroyed) res.end();
      },
    };
    open.add(stream);
    res.once('close', stream.end);

    try {
      for (const channel of channels) {
        const position = after ?? (await log.lastId(channel));
        positions.push(formatSseEvent(SSE_POSITION_EVENT, channel, position));
        unfollows.push(await log.follow(channel, (entry) => write(formatSseEvent(channel, entry.json, entry.id)), { after: position }));
        // The client went away, or the endpoint closed, while we followed.
        if (ended) break;
      }
    } catch (error) {
      stream.end();
      if (error instanceof EventsExpiredError) throw refusalOf(error, error.channel);
      logger.warn('event stream could not follow the log', { channels, error });
      throw new HttpError(503, TransportErrorCode.ServiceUnavailable, 'Events are unavailable right now');
    }
    if (ended) {
      stream.end();
      if (res.destroyed) return;
      throw new HttpError(503, TransportErrorCode.ServiceUnavailable, 'Shutting down');
    }

    res.writeHead(200, {
      'content-type': `${SSE_CONTENT_TYPE}; charset=utf-8`,
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      // Proxies (nginx) must pass each event on at once.
      'x-accel-buffering': 'no',
    });
    res.write(SSE_OPENED + positions.join(''));
    const early = pending;
    pending = null;
    for (const chunk of early) write(chunk);
    keepAlive = setInterval(() => write(SSE_PING), keepAliveMs);
    keepAlive.unref();
    if (expiresAt !== undefined) {
      expiry = setTimeout(stream.end, Math.max(0, expiresAt - Date.now()));
      expiry.unref();
    }
    logger.debug('event stream opened', { channels, after });
  }

  return {
    route,
    async close() {
      closed = true;
      for (const stream of [...open]) stream.end();
    },
    openStreams: () => open.size,
  };
}

function refusalOf(error: unknown, channel: string): unknown {
  if (!(error instanceof EventsExpiredError)) return error;
  // A code of the events contract (lib/events/log.ts), answered in the transport's error shape.
  return new HttpError(410, EVENTS_EXPIRED as unknown as TransportErrorCode, `Events of ${channel} after ${error.afterId} are no longer retained; follow from now`);
}

/** The position to resume from: the `Last-Event-ID` header, else `?after=`; absent: from now. */
function positionOf(req: IncomingMessage, params: URLSearchParams): string | undefined {
  const header = req.headers['last-event-id'];
  const value = (Array.isArray(header) ? header[0] : header) ?? params.get('after') ?? undefined;
  if (value === undefined || value === '') return undefined;
  if (!isEventId(value)) throw new HttpError(400, TransportErrorCode.BadRequest, 'Last-Event-ID (or after) must be an event id <ms>-<seq>');
  return value;
}

/** `?channels=a,b` (repeatable), trimmed, without duplicates; all of `fallback` when absent or empty. */
function requestedChannels(params: URLSearchParams, fallback: readonly string[]): string[] {
  const channels = params
    .getAll('channels')
    .flatMap((value) => value.split(','))
    .map((channel) => channel.trim())
    .filter((channel) => channel !== '');
  return channels.length === 0 ? [...fallback] : [...new Set(channels)];
}
