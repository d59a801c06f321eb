/**
 * The load generator of `npm run bench:subscriptions`: N real WebSocket
 * subscribers speaking graphql-transport-ws, one subscription per connection,
 * spread over worker threads so the main thread stays free to publish on time.
 *
 * It shares the CPUs with the servers it measures, so it is kept cheap: raw
 * `ws` sockets, no UTF-8 validation, and a `next` message is not parsed. Its
 * bytes are matched against the server's `next` prefix, then only the
 * timestamp field is cut out (and `"errors"` looked for); every subscriber's
 * first result is parsed in full once, to check its shape. Anything else
 * takes the slow path: JSON.parse and the protocol.
 *
 * Latency is receive time - the result's timestamp (`occurredAt`, stamped by
 * the publisher in this process with the same clock), for the results
 * stamped at or after the window start. Results before it (warm-up) only
 * show that a subscriber is receiving.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { GRAPHQL_TRANSPORT_WS_PROTOCOL, MessageType } from 'graphql-ws';
import WebSocket from 'ws';
import { LatencyHistogram } from './histogram';

export interface SubscribersOptions {
  /** ws://host:port/graphql */
  url: string;
  /** The `connection_init` payload (e.g. `{ token }`). */
  connectionParams: Record<string, unknown>;
  /** The `subscribe` payload, the same for every subscriber. */
  request: { query: string; variables?: Record<string, unknown> };
  /** Where under `data` a result holds its event's publish time (ISO 8601), e.g. ['stockChanged', 'occurredAt']; the fast path looks for its last key. */
  timestampPath: string[];
  /** A path under `data` every result must have a non-null value at, e.g. ['stockChanged', 'product', 'name']. */
  requiredPath: string[];
  subscribers: number;
  /** Worker threads the subscribers are spread over. */
  threads: number;
  /** Handshakes (WebSocket upgrade + connection_init/ack) in flight per thread. Default: 50. */
  connectConcurrency?: number;
  /** Time one subscriber has from opening its socket to `connection_ack`. Default: 30 000 ms. */
  connectTimeoutMs?: number;
}

/** What the subscribers saw, all threads together. */
export interface SubscriberStats {
  /** Connections acknowledged whose `subscribe` was sent. */
  subscribed: number;
  /** Subscribers that have received at least one result. */
  receiving: number;
  /** Connections that never got to `subscribe`: refused upgrade, socket error, close, no ack in time. */
  connectFailures: number;
  /** Subscribed sockets the server or the network closed. */
  dropped: number;
  /** graphql-ws `error` messages, and `complete`s the server sent on its own. */
  operationErrors: number;
  /** Results with `errors`, without the timestamp, or without a value at `requiredPath`. */
  badResults: number;
  /** The first few problems, for the report. */
  problems: string[];
  /** Results stamped at or after the window start. */
  windowResults: number;
  /** Fewest and most window results of one subscribed subscriber. */
  minPerSubscriber: number;
  maxPerSubscriber: number;
  /** Receive time (epoch ms) of the latest window result; 0 before any. */
  lastWindowReceiveAt: number;
  /** Publish-to-receive latency of the window results. */
  latency: LatencyHistogram;
}

const THREAD_KIND = 'bench-subscribers';
const MAX_PROBLEMS = 5;
const DEFAULT_CONNECT_CONCURRENCY = 50;
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** One subscription per connection: every subscriber uses this operation id. */
const OPERATION_ID = '1';

interface ThreadConfig extends Required<Omit<SubscribersOptions, 'threads' | 'subscribers'>> {
  subscribers: number;
}

type Command = { seq: number } & ({ kind: 'connect' } | { kind: 'window'; since: number } | { kind: 'stats' } | { kind: 'close' });

interface ThreadStats extends Omit<SubscriberStats, 'latency'> {
  latencyCounts: Uint32Array;
}

type Reply = { seq: number } & ({ kind: 'done' } | { kind: 'stats'; stats: ThreadStats });

/** The subscribers of one run, in their threads. */
export class Subscribers {
  private seq = 0;
  private readonly pending = new Map<number, { resolve(reply: Reply): void; reject(error: Error): void }>();
  private failure: Error | undefined;
  private closed = false;

  private constructor(private readonly workers: Worker[]) {
    for (const worker of workers) {
      worker.on('message', (reply: Reply) => {
        const waiter = this.pending.get(reply.seq);
        this.pending.delete(reply.seq);
        waiter?.resolve(reply);
      });
      const fail = (error: Error) => {
        this.failure ??= error;
        for (const waiter of this.pending.values()) waiter.reject(error);
        this.pending.clear();
      };
      worker.on('error', (error) => fail(new Error(`a subscriber thread failed: ${error.message}`)));
      worker.on('exit', (code) => this.closed || fail(new Error(`a subscriber thread exited (code ${code})`)));
    }
  }

  /**
   * Starts the threads and opens every subscriber: resolves once each one is
   * subscribed or has failed (see `stats()` for how many did).
   */
  static async open(options: SubscribersOptions): Promise<Subscribers> {
    const threads = Math.max(1, Math.min(options.threads, options.subscribers));
    const workers = Array.from({ length: threads }, (_, i) => {
      const config: ThreadConfig = {
        url: options.url,
        connectionParams: options.connectionParams,
        request: options.request,
        timestampPath: options.timestampPath,
        requiredPath: options.requiredPath,
        subscribers: Math.floor(options.subscribers / threads) + (i < options.subscribers % threads ? 1 : 0),
        connectConcurrency: options.connectConcurrency ?? DEFAULT_CONNECT_CONCURRENCY,
        connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      };
      return new Worker(__filename, { workerData: { kind: THREAD_KIND, config } });
    });
    const subscribers = new Subscribers(workers);
    try {
      await subscribers.all({ kind: 'connect' });
    } catch (error) {
      await subscribers.close();
      throw error;
    }
    return subscribers;
  }

  /** From now on, results stamped at or after `since` (epoch ms) are counted and timed; the counts start from zero. */
  async startWindow(since: number): Promise<void> {
    await this.all({ kind: 'window', since });
  }

  async stats(): Promise<SubscriberStats> {
    const replies = await this.all({ kind: 'stats' });
    const parts = replies.map((r) => (r.kind === 'stats' ? r.stats : undefined)).filter((s): s is ThreadStats => s !== undefined);
    const latency = new LatencyHistogram();
    for (const part of parts) latency.add(new LatencyHistogram(part.latencyCounts));
    const sum = (key: keyof Omit<ThreadStats, 'problems' | 'latencyCounts'>) => parts.reduce((total, p) => total + p[key], 0);
    return {
      subscribed: sum('subscribed'),
      receiving: sum('receiving'),
      connectFailures: sum('connectFailures'),
      dropped: sum('dropped'),
      operationErrors: sum('operationErrors'),
      badResults: sum('badResults'),
      problems: parts.flatMap((p) => p.problems).slice(0, MAX_PROBLEMS),
      windowResults: sum('windowResults'),
      minPerSubscriber: Math.min(...parts.map((p) => p.minPerSubscriber)),
      maxPerSubscriber: Math.max(...parts.map((p) => p.maxPerSubscriber)),
      lastWindowReceiveAt: Math.max(...parts.map((p) => p.lastWindowReceiveAt)),
      latency,
    };
  }

  /** How busy each thread's event loop has been (pass the previous reading to get the share since then). */
  eventLoopUtilization(since?: EventLoopUtilization[]): EventLoopUtilization[] {
    return this.workers.map((worker, i) => worker.performance.eventLoopUtilization(since?.[i]));
  }

  /** Closes every socket, then ends the threads. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.race([this.all({ kind: 'close' }).catch(() => {}), new Promise((r) => setTimeout(r, 5_000))]);
    this.closed = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    for (const waiter of this.pending.values()) waiter.reject(new Error('the subscribers were closed'));
    this.pending.clear();
  }

  private all(command: { kind: 'connect' } | { kind: 'window'; since: number } | { kind: 'stats' } | { kind: 'close' }): Promise<Reply[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('the subscribers were closed'));
    return Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<Reply>((resolve, reject) => {
            const seq = ++this.seq;
            this.pending.set(seq, { resolve, reject });
            worker.postMessage({ seq, ...command } satisfies Command);
          }),
      ),
    );
  }
}

// ---------------------------------------------------------------- the threads

interface Connection {
  socket: WebSocket;
  state: 'connecting' | 'subscribed' | 'failed' | 'dropped';
  timer?: NodeJS.Timeout;
  received: number;
  windowResults: number;
  /** Its first result was parsed and checked in full. */
  checked: boolean;
}

function runThread(config: ThreadConfig): void {
  const port = parentPort!;
  const connections: Connection[] = [];
  const initMessage = JSON.stringify({ type: MessageType.ConnectionInit, payload: config.connectionParams });
  const subscribeMessage = JSON.stringify({ id: OPERATION_ID, type: MessageType.Subscribe, payload: config.request });
  const pongMessage = JSON.stringify({ type: MessageType.Pong });
  // What the fast path looks for in a `next` message's bytes.
  const nextPrefix = Buffer.from(`{"id":"${OPERATION_ID}","type":"${MessageType.Next}","payload":`);
  const stampMark = Buffer.from(`"${config.timestampPath[config.timestampPath.length - 1]}":"`);
  const errorsMark = Buffer.from('"errors"');

  const stats = {
    subscribed: 0,
    receiving: 0,
    connectFailures: 0,
    dropped: 0,
    operationErrors: 0,
    badResults: 0,
    problems: [] as string[],
    windowResults: 0,
    lastWindowReceiveAt: 0,
  };
  let latency = new LatencyHistogram();
  let windowSince = Infinity;
  let closing = false;
  let onAllSettled: (() => void) | undefined;
  // Results of one event reach every subscriber with the same timestamp text: parse it once.
  let lastStamp = '';
  let lastStampMs = NaN;

  const problem = (text: string) => {
    if (stats.problems.length < MAX_PROBLEMS) stats.problems.push(text);
  };

  // ---- connecting, a bounded number of handshakes at a time
  let next = 0;
  let inFlight = 0;
  const launch = () => {
    while (!closing && inFlight < config.connectConcurrency && next < config.subscribers) {
      inFlight++;
      next++;
      open();
    }
    if (stats.subscribed + stats.connectFailures === config.subscribers) onAllSettled?.();
  };
  const settled = (connection: Connection, state: 'subscribed' | 'failed', why?: string) => {
    clearTimeout(connection.timer);
    connection.state = state;
    inFlight--;
    if (state === 'subscribed') stats.subscribed++;
    else {
      stats.connectFailures++;
      problem(`connect: ${why}`);
      connection.socket.terminate();
    }
    launch();
  };

  function open(): void {
    const socket = new WebSocket(config.url, GRAPHQL_TRANSPORT_WS_PROTOCOL, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: config.connectTimeoutMs,
    });
    const connection: Connection = { socket, state: 'connecting', received: 0, windowResults: 0, checked: false };
    connections.push(connection);
    connection.timer = setTimeout(() => settled(connection, 'failed', `no connection_ack within ${config.connectTimeoutMs} ms`), config.connectTimeoutMs);
    socket.on('open', () => socket.send(initMessage));
    socket.on('message', (data: Buffer) => receive(connection, data));
    socket.on('error', (error) => {
      if (connection.state === 'connecting') settled(connection, 'failed', error.message);
    });
    socket.on('close', (code, reason) => {
      if (closing) return;
      if (connection.state === 'connecting') settled(connection, 'failed', `closed ${code} ${reason.toString()}`.trim());
      else if (connection.state === 'subscribed') {
        connection.state = 'dropped';
        stats.dropped++;
        problem(`socket closed by the server or network: ${code} ${reason.toString()}`.trim());
      }
    });
  }

  // ---- receiving
  function receive(connection: Connection, data: Buffer): void {
    if (data.length > nextPrefix.length && data.compare(nextPrefix, 0, nextPrefix.length, 0, nextPrefix.length) === 0) {
      const receivedAt = performance.timeOrigin + performance.now();
      const at = data.indexOf(stampMark, nextPrefix.length);
      const end = at < 0 ? -1 : data.indexOf(0x22, at + stampMark.length); // the closing quote
      if (end < 0 || data.indexOf(errorsMark, nextPrefix.length) >= 0) return badResult(connection, data.toString());
      const stamp = data.toString('latin1', at + stampMark.length, end);
      if (stamp !== lastStamp) {
        lastStamp = stamp;
        lastStampMs = Date.parse(stamp);
      }
      if (!connection.checked && !checkShape(connection, data.toString())) return;
      result(connection, lastStampMs, receivedAt);
      return;
    }
    slowPath(connection, data.toString());
  }

  function slowPath(connection: Connection, text: string): void {
    let message: { type?: string; id?: string; payload?: unknown };
    try {
      message = JSON.parse(text);
    } catch {
      return badResult(connection, text);
    }
    switch (message.type) {
      case MessageType.ConnectionAck:
        if (connection.state !== 'connecting') return;
        connection.socket.send(subscribeMessage);
        settled(connection, 'subscribed');
        return;
      case MessageType.Ping:
        connection.socket.send(pongMessage);
        return;
      case MessageType.Pong:
        return;
      case MessageType.Next: {
        // A `next` the fast path did not recognise (other key order, say): same checks, from the parsed message.
        const receivedAt = performance.timeOrigin + performance.now();
        const stamp = valueAt(message.payload, ['data', ...config.timestampPath]);
        if (typeof stamp !== 'string' || hasErrors(message.payload)) return badResult(connection, text);
        if (!connection.checked && !checkShape(connection, text)) return;
        result(connection, Date.parse(stamp), receivedAt);
        return;
      }
      case MessageType.Error:
        stats.operationErrors++;
        problem(`error message: ${text.slice(0, 300)}`);
        return;
      case MessageType.Complete:
        stats.operationErrors++;
        problem('the server completed the subscription');
        return;
      default:
        problem(`unexpected message: ${text.slice(0, 200)}`);
    }
  }

  function result(connection: Connection, stampMs: number, receivedAt: number): void {
    if (connection.received++ === 0) stats.receiving++;
    if (!(stampMs >= windowSince)) return;
    connection.windowResults++;
    stats.windowResults++;
    stats.lastWindowReceiveAt = receivedAt;
    latency.record(receivedAt - stampMs);
  }

  /** Once per subscriber: the whole result parsed, no errors, a value at requiredPath. */
  function checkShape(connection: Connection, text: string): boolean {
    connection.checked = true;
    let payload: unknown;
    try {
      payload = (JSON.parse(text) as { payload?: unknown }).payload;
    } catch {
      payload = undefined;
    }
    const value = valueAt(payload, ['data', ...config.requiredPath]);
    if (value === null || value === undefined || hasErrors(payload)) {
      badResult(connection, text);
      return false;
    }
    return true;
  }

  function badResult(connection: Connection, text: string): void {
    if (connection.received++ === 0) stats.receiving++;
    stats.badResults++;
    problem(`bad result: ${text.slice(0, 300)}`);
  }

  // ---- commands from the main thread
  const reply = (message: Reply) => port.postMessage(message);
  port.on('message', (command: Command) => {
    switch (command.kind) {
      case 'connect':
        onAllSettled = () => {
          onAllSettled = undefined;
          reply({ seq: command.seq, kind: 'done' });
        };
        launch();
        return;
      case 'window':
        windowSince = command.since;
        stats.windowResults = 0;
        stats.lastWindowReceiveAt = 0;
        latency = new LatencyHistogram();
        for (const connection of connections) connection.windowResults = 0;
        reply({ seq: command.seq, kind: 'done' });
        return;
      case 'stats': {
        let min = Infinity;
        let max = 0;
        for (const connection of connections) {
          if (connection.state === 'connecting' || connection.state === 'failed') continue;
          min = Math.min(min, connection.windowResults);
          max = Math.max(max, connection.windowResults);
        }
        const latencyCounts = latency.counts.slice();
        port.postMessage(
          {
            seq: command.seq,
            kind: 'stats',
            stats: { ...stats, problems: [...stats.problems], minPerSubscriber: min === Infinity ? 0 : min, maxPerSubscriber: max, latencyCounts },
          } satisfies Reply,
          [latencyCounts.buffer],
        );
        return;
      }
      case 'close':
        closing = true;
        for (const connection of connections) {
          clearTimeout(connection.timer);
          connection.socket.terminate();
        }
        reply({ seq: command.seq, kind: 'done' });
        return;
    }
  });
}

function valueAt(value: unknown, path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function hasErrors(payload: unknown): boolean {
  const errors = valueAt(payload, ['errors']);
  return Array.isArray(errors) && errors.length > 0;
}

if (!isMainThread && (workerData as { kind?: string } | null)?.kind === THREAD_KIND) {
  runThread((workerData as { config: ThreadConfig }).config);
}
