import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteHandler } from '../http/routes';
import { HttpError, TransportErrorCode } from '../http/errors';
import type { Logger } from '../logger';
import type { EventBus, Unsubscribe } from './bus';
import { SSE_CONTENT_TYPE, SSE_OPENED, SSE_PING, formatSseEvent } from './sse';

export interface EventStreamOptions {
  /** Where the events come from: each stream subscribes to it for the channels it asks for. */
  bus: EventBus;
  /** The channels served; asking for another is 400 BAD_REQUEST. A request without `channels` gets all of them. */
  channels: readonly string[];
  /**
   * Runs before anything else; throws an HttpError (401) to refuse the
   * request, or answers when the credential expires (unix ms): the stream ends then.
   */
  authorize(req: IncomingMessage): Promise<number | undefined>;
  /** How often an idle stream gets a `: ping` comment. Default: 15 000 ms. */
  keepAliveMs?: number;
  /** A client that falls this far behind (bytes its socket has not taken) is disconnected; it reconnects. Default: 1 MiB. */
  maxBufferedBytes?: number;
  logger: Logger;
}

export interface EventStreamEndpoint {
  /** `GET /events?channels=<comma list>` */
  route: RouteHandler;
  /** Ends every open stream cleanly and refuses new ones (503), so a shutdown does not wait for streams that never end. */
  close(): Promise<void>;
  /** Streams open now. */
  openStreams(): number;
}

const DEFAULT_KEEP_ALIVE_MS = 15_000;
const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * Serves events from a bus as Server-Sent Events: `event: <channel>` and
 * `data: <the event's JSON as published>` per event, a `: ping` comment every
 * keep-alive interval. The response starts only once every channel is
 * subscribed, so a client whose request has been answered misses nothing
 * published after that.
 */
export function createEventStreamEndpoint(options: EventStreamOptions): EventStreamEndpoint {
  const { bus, logger } = options;
  const keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
  const maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const served = new Set(options.channels);
  const open = new Set<{ end(): void }>();
  let closed = false;

  const route: RouteHandler = async (req, res) => {
    if (req.method !== 'GET') throw new HttpError(405, TransportErrorCode.MethodNotAllowed, `Method ${req.method} is not allowed; use GET`, { allow: 'GET' });
    const expiresAt = await options.authorize(req);
    const channels = requestedChannels(req, options.channels);
    const unknown = channels.filter((channel) => !served.has(channel));
    if (unknown.length > 0) {
      throw new HttpError(400, TransportErrorCode.BadRequest, `Unknown event channel(s): ${unknown.join(', ')}; this endpoint serves ${options.channels.join(', ')}`);
    }
    if (closed) throw new HttpError(503, TransportErrorCode.ServiceUnavailable, 'Shutting down');
    await serveStream(res, channels, expiresAt);
  };

  async function serveStream(res: ServerResponse, channels: string[], expiresAt: number | undefined): Promise<void> {
    // Events that arrive before the headers are written wait here, in order.
    let pending: string[] | null = [];
    let ended = false;
    const unsubscribes: Unsubscribe[] = [];
    let keepAlive: NodeJS.Timeout | undefined;
    let expiry: NodeJS.Timeout | undefined;

    const write = (chunk: string) => {
      if (ended) return;
      if (pending) return void pending.push(chunk);
      if (res.writableLength > maxBufferedBytes) {
        logger.warn('event stream client too slow; disconnecting it', { bufferedBytes: res.writableLength, channels });
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
        // Also releases a subscription made after an earlier end() (one that was in flight then).
        for (const unsubscribe of unsubscribes.splice(0)) {
          unsubscribe().catch((error: unknown) => logger.warn('event stream could not unsubscribe', { error }));
        }
        if (res.headersSent && !res.writableEnded && !res.destroyed) res.end();
      },
    };
    open.add(stream);
    res.once('close', stream.end);

    try {
      for (const channel of channels) {
        unsubscribes.push(await bus.subscribe(channel, (_event, json) => write(formatSseEvent(channel, json))));
        // The client went away, or the endpoint closed, while we subscribed.
        if (ended) break;
      }
    } catch (error) {
      stream.end();
      logger.warn('event stream could not subscribe', { channels, error });
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
    res.write(SSE_OPENED);
    const early = pending;
    pending = null;
    for (const chunk of early) write(chunk);
    keepAlive = setInterval(() => write(SSE_PING), keepAliveMs);
    keepAlive.unref();
    if (expiresAt !== undefined) {
      expiry = setTimeout(stream.end, Math.max(0, expiresAt - Date.now()));
      expiry.unref();
    }
    logger.debug('event stream opened', { channels });
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

/** `?channels=a,b` (repeatable), trimmed, without duplicates; all of `fallback` when absent or empty. */
function requestedChannels(req: IncomingMessage, fallback: readonly string[]): string[] {
  const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const channels = params
    .getAll('channels')
    .flatMap((value) => value.split(','))
    .map((channel) => channel.trim())
    .filter((channel) => channel !== '');
  return channels.length === 0 ? [...fallback] : [...new Set(channels)];
}
