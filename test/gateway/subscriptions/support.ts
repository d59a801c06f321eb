import WebSocket from 'ws';
import { SseParser } from '../../../lib/events/sse';

/** One result a subscriber received: its event id (extensions.eventId, or the SSE `id:`) and its data. */
export interface Received {
  eventId: string | undefined;
  data: any;
  errors?: any[];
}

/** What a subscriber saw: results in order, the error that ended it, how its connection closed. */
export interface Subscriber {
  results: Received[];
  error: any[] | undefined;
  completed: boolean;
  closeCode: number | undefined;
  /** The last event id received (where to resume). */
  lastEventId(): string | undefined;
  /** Resolves once `count` results arrived; rejects when the subscription ended first or the time is up. */
  until(count: number, timeoutMs?: number): Promise<Received[]>;
  /** Resolves once the subscription ended (error, complete or close). */
  ended(timeoutMs?: number): Promise<void>;
  close(): void;
}

function tracker(close: () => void): Subscriber & { push(r: Received): void; end(): void } {
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((w) => w());
  const subscriber = {
    results: [] as Received[],
    error: undefined as any[] | undefined,
    completed: false,
    closeCode: undefined as number | undefined,
    lastEventId: () => subscriber.results.at(-1)?.eventId,
    push(result: Received) {
      subscriber.results.push(result);
      wake();
    },
    end: wake,
    async until(count: number, timeoutMs = 20_000) {
      await waitFor(() => subscriber.results.length >= count, () => subscriber.error !== undefined || subscriber.completed || subscriber.closeCode !== undefined, timeoutMs, () => `${count} results (got ${subscriber.results.length}, error ${JSON.stringify(subscriber.error)}, close ${subscriber.closeCode})`);
      return subscriber.results;
    },
    async ended(timeoutMs = 20_000) {
      await waitFor(() => subscriber.error !== undefined || subscriber.completed || subscriber.closeCode !== undefined, () => false, timeoutMs, () => 'the subscription to end');
    },
    close,
  };
  async function waitFor(done: () => boolean, failed: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (failed()) throw new Error(`ended before ${what()}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
      await new Promise<void>((resolve) => {
        waiters.add(resolve);
        setTimeout(resolve, 50);
      }).finally(() => waiters.clear());
    }
  }
  return subscriber;
}

/**
 * A graphql-transport-ws subscriber on a raw `ws` socket (one operation),
 * optionally resuming with `extensions.resumeFrom`. `subscribed` resolves once
 * the server acknowledged the connection and the subscribe was sent.
 */
export function wsSubscribe(
  httpUrl: string,
  query: string,
  options: { variables?: Record<string, unknown>; resumeFrom?: string; token?: string } = {},
): Subscriber & { subscribed: Promise<void> } {
  const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const subscriber = tracker(() => socket.close());
  const subscribed = new Promise<void>((resolve, reject) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: options.token ? { authorization: `Bearer ${options.token}` } : {} })));
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw));
      if (message.type === 'connection_ack') {
        const extensions = options.resumeFrom === undefined ? undefined : { resumeFrom: options.resumeFrom };
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: options.variables ?? {}, extensions } }));
        resolve();
      } else if (message.type === 'next') {
        subscriber.push({ eventId: message.payload.extensions?.eventId, data: message.payload.data, errors: message.payload.errors });
      } else if (message.type === 'error') {
        subscriber.error = message.payload;
        subscriber.end();
      } else if (message.type === 'complete') {
        subscriber.completed = true;
        subscriber.end();
      }
    });
    socket.on('error', (error) => reject(error));
    socket.on('close', (code) => {
      subscriber.closeCode = code;
      subscriber.end();
      reject(new Error(`closed with ${code} before the subscription started`));
    });
  });
  subscribed.catch(() => {});
  return Object.assign(subscriber, { subscribed });
}

/** A GraphQL over SSE subscriber (distinct connections mode), optionally resuming with `Last-Event-ID`. */
export function sseSubscribe(
  httpUrl: string,
  query: string,
  options: { variables?: Record<string, unknown>; lastEventId?: string; token?: string } = {},
): Subscriber & { opened: Promise<number> } {
  const controller = new AbortController();
  const subscriber = tracker(() => controller.abort());
  const headers: Record<string, string> = { accept: 'text/event-stream', 'content-type': 'application/json' };
  if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const opened = fetch(httpUrl, { method: 'POST', headers, body: JSON.stringify({ query, variables: options.variables ?? {} }), signal: controller.signal }).then(async (res) => {
    const parser = new SseParser(({ event, data, id }) => {
      if (event === 'complete') {
        subscriber.completed = true;
        subscriber.end();
        return;
      }
      const payload = JSON.parse(data);
      if (payload.data === undefined && payload.errors) {
        subscriber.error = payload.errors;
        subscriber.end();
        return;
      }
      subscriber.push({ eventId: id, data: payload.data, errors: payload.errors });
    });
    if (res.status !== 200) {
      subscriber.error = ((await res.json()) as any).errors;
      subscriber.end();
      return res.status;
    }
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.push(decoder.decode(chunk, { stream: true }));
      } catch {
        // aborted
      }
      subscriber.closeCode ??= 1000;
      subscriber.end();
    })();
    return res.status;
  });
  opened.catch(() => {});
  return Object.assign(subscriber, { opened });
}

/** The ids of a list of results, and a check that they strictly increase (in order, no duplicates). */
export function idsOf(results: readonly Received[]): string[] {
  return results.map((r) => r.eventId!);
}

/** Waits (polling) until `condition` holds. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
