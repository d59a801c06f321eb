import type { Logger } from '../logger';
import { parseDomainEvent, type DomainEvent } from './catalogue';
import { EventsExpiredError, isEventId, type LogEntry } from './log';
import { SSE_CONTENT_TYPE, SSE_POSITION_EVENT, SseParser, type SseMessage } from './sse';

/** Receives one event of a subgraph's stream; `json` is the event as the subgraph sent it, `id` its log entry id. */
export type SubgraphEventHandler = (channel: string, event: DomainEvent, json: string, id: string | undefined) => void;

export interface SubgraphEventsOptions {
  /** Delay before the first reconnection; doubles per failed attempt, with jitter. Default: 250 ms. */
  initialBackoffMs?: number;
  /** Longest delay between reconnection attempts. Default: 10 000 ms. */
  maxBackoffMs?: number;
  /**
   * A stream silent this long (no event, no ping) is taken for dead and
   * reconnected; a subgraph pings every 15 s. Default: 45 000 ms.
   */
  idleTimeoutMs?: number;
  /** Called each time a stream opens (the subgraph follows every channel): first connection and every reconnection. */
  onOpen?: () => void;
  /**
   * Where to start: the first connection sends it as `Last-Event-ID`, so the
   * entries after it are replayed first. Default: from the newest entry.
   * Either way every reconnection resumes from the last id received (one
   * channel per stream resumes exactly; see lib/events/sse-server).
   */
  lastEventId?: string;
}

const DEFAULT_INITIAL_BACKOFF_MS = 250;
const DEFAULT_MAX_BACKOFF_MS = 10_000;
const DEFAULT_IDLE_TIMEOUT_MS = 45_000;

/** The `/events` endpoint of a subgraph served at `graphqlUrl` (`http://host:4002/graphql` -> `http://host:4002/events`). */
export function eventsUrlOf(graphqlUrl: string): string {
  const url = new URL(graphqlUrl);
  url.pathname = url.pathname.replace(/\/graphql\/?$/, '') + '/events';
  url.search = '';
  return url.toString();
}

class StreamRefused extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`HTTP ${status}: ${body.slice(0, 200)}`);
    this.name = 'StreamRefused';
  }
}

/**
 * Follows a subgraph's `/events` stream (embedded mode, where events do not
 * travel through Redis): connects with streaming fetch, parses the
 * Server-Sent Events, hands each event to `onEvent`, and reconnects with
 * exponential backoff whenever the stream drops, ends, is refused or goes
 * silent. `headers()` is called for every connection (the gateway's signed
 * identity expires, and the subgraph ends the stream then; a stream that
 * ends cleanly is followed again at once). Every reconnection sends the last
 * id received (an event's, or the position the stream opened at) as
 * `Last-Event-ID`, so the subgraph replays what was appended meanwhile; a
 * position the subgraph no longer retains (410 EVENTS_EXPIRED) is logged as
 * lost events and the stream is followed from the newest entry.
 * Returns close(), which stops the stream and resolves once it is stopped.
 */
export function subscribeToSubgraphEvents(
  url: string,
  channels: readonly string[],
  headers: () => Record<string, string> | Promise<Record<string, string>>,
  onEvent: SubgraphEventHandler,
  logger: Logger,
  options: SubgraphEventsOptions = {},
): () => Promise<void> {
  const initialBackoffMs = options.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS;
  const maxBackoffMs = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const target = new URL(url);
  target.searchParams.set('channels', channels.join(','));

  let stopped = false;
  let connection: AbortController | undefined;
  let wake: (() => void) | undefined;
  let lastEventId = options.lastEventId;

  const dispatch = ({ event: channel, data, id }: SseMessage) => {
    if (id !== undefined && isEventId(id)) lastEventId = id;
    if (channel === SSE_POSITION_EVENT) return;
    const event = parseDomainEvent(data);
    if (event === null) {
      logger.warn('dropped a subgraph stream message that is not a domain event', { url, channel, data: data.slice(0, 200) });
      return;
    }
    try {
      onEvent(channel, event, data, id);
    } catch (error) {
      logger.error('subgraph event handler failed', { url, channel, eventId: event.id, error });
    }
  };

  /** One connection, until it ends or fails: resolves when it ended, rejects when it failed; `opened` says whether it got that far. */
  const follow = async (controller: AbortController, state: { opened: boolean }): Promise<void> => {
    let idle: NodeJS.Timeout | undefined;
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => controller.abort(new Error(`no data for ${idleTimeoutMs} ms`)), idleTimeoutMs);
    };
    try {
      armIdle();
      const resume: Record<string, string> = lastEventId === undefined ? {} : { 'last-event-id': lastEventId };
      const res = await fetch(target, { headers: { accept: SSE_CONTENT_TYPE, ...resume, ...(await headers()) }, signal: controller.signal });
      if (res.status === 410 && lastEventId !== undefined) {
        logger.error('the subgraph no longer retains the events after our last id; they are lost to this gateway, following from now', { url, channels, lastEventId });
        lastEventId = undefined;
        throw new StreamRefused(res.status, await res.text().catch(() => ''));
      }
      if (res.status !== 200 || !res.body) throw new StreamRefused(res.status, await res.text().catch(() => ''));
      state.opened = true;
      options.onOpen?.();
      const parser = new SseParser(dispatch);
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        armIdle();
        parser.push(decoder.decode(chunk, { stream: true }));
      }
    } finally {
      clearTimeout(idle);
    }
  };

  const run = async () => {
    let failures = 0;
    while (!stopped) {
      const controller = new AbortController();
      connection = controller;
      const state = { opened: false };
      try {
        await follow(controller, state);
        // The subgraph ends a stream when the identity that opened it expires: follow on at once with a fresh one.
        if (!stopped) logger.debug('subgraph event stream ended; reconnecting', { url });
        continue;
      } catch (error) {
        if (stopped) break;
        const reason = controller.signal.aborted ? (controller.signal.reason as Error)?.message : (error as Error).message;
        // A refusal (401: the secrets differ; 400: a channel it does not publish) is a configuration problem.
        const fields = { url, channels, reason };
        if (error instanceof StreamRefused && error.status === 410) {
          // Logged where it was found; follow from now at once.
          failures = 0;
          continue;
        }
        if (error instanceof StreamRefused && error.status < 500) logger.error('subgraph refused the event stream; retrying', fields);
        else logger.warn('subgraph event stream failed; reconnecting', fields);
      }
      if (stopped) break;
      // A stream that opened resets the backoff: its end is a fresh outage.
      failures = state.opened ? 0 : failures + 1;
      const ceiling = Math.min(maxBackoffMs, initialBackoffMs * 2 ** failures);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  };
  const done = run();

  return async () => {
    stopped = true;
    connection?.abort(new Error('closed'));
    wake?.();
    await done;
  };
}

/**
 * Reads up to `limit` entries of one channel after `afterId` from a
 * subgraph's `/events` (`?limit=`): how a gateway in embedded mode replays
 * events for a client that resumes. Rejects with EventsExpiredError when the
 * subgraph no longer retains them (410).
 */
export async function readSubgraphEvents(
  url: string,
  channel: string,
  afterId: string,
  limit: number,
  headers: Record<string, string>,
  timeoutMs = 10_000,
): Promise<LogEntry[]> {
  const target = new URL(url);
  target.searchParams.set('channels', channel);
  target.searchParams.set('after', afterId);
  target.searchParams.set('limit', String(limit));
  const res = await fetch(target, { headers: { accept: SSE_CONTENT_TYPE, ...headers }, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  if (res.status === 410) throw new EventsExpiredError(channel, afterId);
  if (res.status !== 200) throw new Error(`reading events from ${url} failed: HTTP ${res.status}: ${text.slice(0, 200)}`);
  const entries: LogEntry[] = [];
  const parser = new SseParser(({ event: name, data, id }) => {
    const event = name === channel ? parseDomainEvent(data) : null;
    if (event !== null && id !== undefined && isEventId(id)) entries.push({ id, event, json: data });
  });
  parser.push(text);
  return entries;
}
