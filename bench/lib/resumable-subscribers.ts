/**
 * Subscribers that resume, for the fault scenario of `npm run
 * bench:subscriptions`: raw graphql-transport-ws sockets in this thread (the
 * scenario is about correctness, not throughput), each remembering every
 * event id it received. When its connection ends (a replica stopping closes
 * it with 1001, after `complete`), it subscribes again on the next URL of its
 * list with `extensions.resumeFrom` = the last id it received.
 */
import WebSocket from 'ws';

export interface ResumableSubscribersOptions {
  /** ws:// URLs; subscriber i starts on urls[i % urls.length] and moves to the next one when its connection ends. */
  urls: string[];
  connectionParams: Record<string, unknown>;
  request: { query: string; variables?: Record<string, unknown> };
  subscribers: number;
  /** Handshakes in flight at once. Default: 50. */
  connectConcurrency?: number;
}

interface Client {
  /** Every event id received, in order (duplicates included: they are what is counted). */
  ids: string[];
  urlIndex: number;
  socket?: WebSocket;
  resumes: number;
  errors: string[];
  closed: boolean;
}

export class ResumableSubscribers {
  private readonly clients: Client[];
  private stopping = false;

  private constructor(private readonly options: ResumableSubscribersOptions) {
    this.clients = Array.from({ length: options.subscribers }, (_, i) => ({ ids: [], urlIndex: i % options.urls.length, resumes: 0, errors: [], closed: false }));
  }

  /** Connects and subscribes every subscriber; resolves once each one has subscribed (or failed). */
  static async open(options: ResumableSubscribersOptions): Promise<ResumableSubscribers> {
    const subscribers = new ResumableSubscribers(options);
    const queue = [...subscribers.clients];
    const concurrency = options.connectConcurrency ?? 50;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let client = queue.shift(); client; client = queue.shift()) await subscribers.connect(client).catch((error: Error) => client!.errors.push(error.message));
      }),
    );
    return subscribers;
  }

  /** Subscribers that have received at least one event. */
  receiving(): number {
    return this.clients.filter((c) => c.ids.length > 0).length;
  }

  /** How many resumed on another URL so far. */
  resumed(): number {
    return this.clients.filter((c) => c.resumes > 0).length;
  }

  /** Lost and duplicated deliveries against the ids every subscriber should have received (those after `after`, in order). */
  tally(expected: readonly string[]): { lost: number; duplicated: number; outOfOrder: number; complete: number; errors: string[] } {
    const wanted = new Set(expected);
    let lost = 0;
    let duplicated = 0;
    let outOfOrder = 0;
    let complete = 0;
    for (const client of this.clients) {
      const got = client.ids.filter((id) => wanted.has(id));
      const distinct = new Set(got);
      duplicated += got.length - distinct.size;
      lost += expected.length - distinct.size;
      const positions = got.map((id) => expected.indexOf(id));
      for (let i = 1; i < positions.length; i++) if (positions[i] <= positions[i - 1]) outOfOrder++;
      if (distinct.size === expected.length) complete++;
    }
    return { lost, duplicated, outOfOrder, complete, errors: this.clients.flatMap((c) => c.errors).slice(0, 5) };
  }

  /** Resolves once every subscriber has received all of `expected`, or after `timeoutMs`. */
  async waitFor(expected: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const last = expected.at(-1);
    while (Date.now() < deadline && last !== undefined && !this.clients.every((c) => c.ids.includes(last))) await new Promise((r) => setTimeout(r, 100));
  }

  async close(): Promise<void> {
    this.stopping = true;
    for (const client of this.clients) client.socket?.terminate();
  }

  private connect(client: Client): Promise<void> {
    const url = this.options.urls[client.urlIndex % this.options.urls.length];
    const resumeFrom = client.ids.at(-1);
    return new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
      client.socket = socket;
      let subscribed = false;
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: this.options.connectionParams })));
      socket.on('message', (raw) => {
        const message = JSON.parse(String(raw));
        if (message.type === 'connection_ack') {
          const payload = { ...this.options.request, ...(resumeFrom && { extensions: { resumeFrom } }) };
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload }));
          subscribed = true;
          resolve();
        } else if (message.type === 'next') {
          const id = message.payload?.extensions?.eventId;
          if (typeof id === 'string') client.ids.push(id);
        } else if (message.type === 'error') {
          client.errors.push(JSON.stringify(message.payload).slice(0, 200));
        }
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        if (!subscribed) return reject(new Error(`closed before subscribing on ${url}`));
        if (this.stopping) return;
        // The replica went away: resume on the next one, from the last id received.
        client.urlIndex++;
        client.resumes++;
        this.connect(client).catch((error: Error) => client.errors.push(error.message));
      });
    });
  }
}
