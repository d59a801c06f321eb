import Redis from 'ioredis';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import type { Logger } from '../logger';
import { parseDomainEvent, type DomainEvent } from './catalogue';

/**
 * Receives the events of one channel. `json` is the event as published, so a
 * forwarder (an SSE stream, a socket) writes it without serializing again.
 * Every subscriber of a channel gets the same parsed object: never mutate it.
 */
export type EventHandler = (event: DomainEvent, json: string) => void;

/** Stops one subscription. */
export type Unsubscribe = () => Promise<void>;

/**
 * Where domain events travel: Redis pub/sub between processes
 * (RedisEventBus), or within one process (InProcessEventBus). Delivery is at
 * most once: an event published while a subscriber is disconnected is lost
 * to it. Events carry an id, so a consumer can drop the rare duplicate a
 * retried publish may cause.
 */
export interface EventBus {
  /** Serializes `event` once and publishes it on `channel`; rejects when the bus cannot take it. */
  publish(channel: string, event: DomainEvent): Promise<void>;
  /** Resolves once events published on `channel` from then on reach `onEvent`. */
  subscribe(channel: string, onEvent: EventHandler): Promise<Unsubscribe>;
  /** Ends every subscription and releases connections. Safe to call twice. */
  close(): Promise<void>;
}

/** A handler's exception is its own problem: it never reaches the publisher or the other handlers. */
function deliver(handler: EventHandler, event: DomainEvent, json: string, channel: string, logger: Logger | undefined): void {
  try {
    handler(event, json);
  } catch (error) {
    logger?.error('event handler failed', { channel, eventId: event.id, error });
  }
}

export class EventBusClosedError extends Error {
  constructor() {
    super('The event bus is closed');
    this.name = 'EventBusClosedError';
  }
}

/**
 * Events within one process (embedded mode). Subscribers receive the event
 * as a Redis subscriber would, parsed from the JSON published, so both buses
 * hand out the same shapes; handlers run synchronously, in subscription order,
 * inside publish().
 */
export class InProcessEventBus implements EventBus {
  private readonly subscriptions = new Map<string, Set<{ onEvent: EventHandler }>>();
  private closed = false;

  constructor(private readonly options: { logger?: Logger } = {}) {}

  async publish(channel: string, event: DomainEvent): Promise<void> {
    if (this.closed) throw new EventBusClosedError();
    // Nobody listening: nothing to serialize.
    if (!this.subscriptions.get(channel)?.size) return;
    this.dispatch(channel, JSON.stringify(event));
  }

  /**
   * Publishes an event that is already JSON (one relayed from a subgraph's
   * `/events` stream) without serializing it again. Rejects what is not an event.
   */
  async publishSerialized(channel: string, json: string): Promise<void> {
    if (this.closed) throw new EventBusClosedError();
    if (!this.subscriptions.get(channel)?.size) return;
    if (parseDomainEvent(json) === null) throw new Error(`Not a domain event on ${channel}: ${json.slice(0, 100)}`);
    this.dispatch(channel, json);
  }

  async subscribe(channel: string, onEvent: EventHandler): Promise<Unsubscribe> {
    if (this.closed) throw new EventBusClosedError();
    let handlers = this.subscriptions.get(channel);
    if (!handlers) this.subscriptions.set(channel, (handlers = new Set()));
    // One entry per subscription: the same function subscribed twice is called twice.
    const subscription = { onEvent };
    handlers.add(subscription);
    return async () => {
      handlers!.delete(subscription);
      if (handlers!.size === 0 && this.subscriptions.get(channel) === handlers) this.subscriptions.delete(channel);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscriptions.clear();
  }

  /** One parse for all subscribers: the copy they share is what a Redis subscriber would get. */
  private dispatch(channel: string, json: string): void {
    const event = JSON.parse(json) as DomainEvent;
    for (const { onEvent } of [...(this.subscriptions.get(channel) ?? [])]) deliver(onEvent, event, json, channel, this.options.logger);
  }
}

export interface RedisEventBusOptions {
  logger?: Logger;
  /**
   * Delay before reconnection attempt `attempt` (1, 2, ...). Both connections
   * retry forever: the subscriber re-subscribes its channels on every
   * reconnection (ioredis `autoResubscribe`). Default: min(100 ms x attempt, 2 s).
   */
  reconnectDelayMs?: (attempt: number) => number;
  /** How long one PUBLISH may take before it fails (ioredis `commandTimeout` of the publisher). Default: 1 000 ms. */
  publishTimeoutMs?: number;
  /** How long `connect` waits for Redis. Default: 5 000 ms. */
  connectTimeoutMs?: number;
}

const DEFAULT_RECONNECT_DELAY_MS = (attempt: number) => Math.min(attempt * 100, 2_000);
const DEFAULT_PUBLISH_TIMEOUT_MS = 1_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** How long close() lets QUIT take before dropping the connection (Redis may be gone). */
const QUIT_TIMEOUT_MS = 1_000;

/** `redis://user:secret@host:6379/0` without credentials, for logs. */
function describe(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(unparseable Redis URL)';
  }
}

/** What the subscriber's deserializer hands our listener: the raw JSON and the event, or null when it is not one. */
interface ReceivedMessage {
  json: string;
  event: DomainEvent | null;
}

/**
 * Events over Redis pub/sub (graphql-redis-subscriptions' RedisPubSub on two
 * ioredis connections made from one URL: a publisher, and a subscriber that
 * connects on the first subscribe). The event is serialized once, by
 * publish(); each process's subscriber parses each message once for all of
 * its handlers, and holds one Redis subscription per channel however many
 * handlers listen on it.
 */
export class RedisEventBus implements EventBus {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly pubsub: RedisPubSub,
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly logger: Logger | undefined,
  ) {}

  /** Connects the publisher and waits until Redis answers, so a wrong URL fails at start-up. */
  static async connect(url: string, options: RedisEventBusOptions = {}): Promise<RedisEventBus> {
    const { logger } = options;
    const where = describe(url);
    const retryStrategy = options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS;
    const publisher = new Redis(url, {
      retryStrategy,
      // A publish waiting out an outage fails after one reconnection attempt or the timeout; the caller decides whether to retry.
      maxRetriesPerRequest: 1,
      commandTimeout: options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS,
      connectionName: 'events-publisher',
    });
    const subscriber = new Redis(url, {
      retryStrategy,
      lazyConnect: true,
      // A SUBSCRIBE issued during an outage waits for Redis rather than fail.
      maxRetriesPerRequest: null,
      // The default; it is what brings the subscription back after a Redis restart.
      autoResubscribe: true,
      connectionName: 'events-subscriber',
    });
    watchConnection(publisher, 'publisher', where, logger);
    watchConnection(subscriber, 'subscriber', where, logger);

    const pubsub = new RedisPubSub({
      publisher,
      subscriber,
      // publish() hands over the JSON it made; RedisPubSub would otherwise stringify it again.
      serializer: (json: string) => json,
      deserializer: (source: string | Buffer): ReceivedMessage => {
        const json = source.toString();
        return { json, event: parseDomainEvent(json) };
      },
    });
    const bus = new RedisEventBus(pubsub, publisher, subscriber, logger);
    try {
      await waitUntilReady(publisher, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    } catch (error) {
      publisher.disconnect();
      subscriber.disconnect();
      throw new Error(`Cannot connect to Redis at ${where} for events: ${(error as Error).message}`);
    }
    return bus;
  }

  async publish(channel: string, event: DomainEvent): Promise<void> {
    await this.publishSerialized(channel, JSON.stringify(event));
  }

  /** Publishes an event that is already JSON, without serializing it again. */
  async publishSerialized(channel: string, json: string): Promise<void> {
    if (this.closing) throw new EventBusClosedError();
    await this.pubsub.publish(channel, json);
  }

  async subscribe(channel: string, onEvent: EventHandler): Promise<Unsubscribe> {
    if (this.closing) throw new EventBusClosedError();
    const id = await this.pubsub.subscribe<ReceivedMessage | string>(channel, (message) => {
      // RedisPubSub passes the raw message on when the deserializer throws; ours never does, but stay safe.
      const received = typeof message === 'string' ? { json: message, event: parseDomainEvent(message) } : message;
      if (received.event === null) {
        this.logger?.warn('dropped a message that is not a domain event', { channel, message: received.json.slice(0, 200) });
        return;
      }
      deliver(onEvent, received.event, received.json, channel, this.logger);
    });
    let subscribed = true;
    return async () => {
      if (!subscribed || this.closing) return;
      subscribed = false;
      this.pubsub.unsubscribe(id);
    };
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([quitOrDisconnect(this.publisher), quitOrDisconnect(this.subscriber)]).then(() => undefined);
    return this.closing;
  }
}

/** Logs the start of an outage (not every failed reconnection), with the error that ended the connection, and the recovery. */
function watchConnection(client: Redis, role: string, where: string, logger: Logger | undefined): void {
  let everReady = false;
  let reconnecting = false;
  let lastError: string | undefined;
  // Without a listener, ioredis would report connection errors as unhandled 'error' events.
  client.on('error', (error: Error) => (lastError = error.message));
  client.on('reconnecting', () => {
    if (reconnecting || !everReady) return;
    reconnecting = true;
    logger?.warn('event bus lost its redis connection; reconnecting', { role, redis: where, error: lastError });
  });
  client.on('ready', () => {
    if (reconnecting) logger?.info('event bus reconnected to redis', { role, redis: where });
    everReady = true;
    reconnecting = false;
    lastError = undefined;
  });
}

function waitUntilReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError: Error | undefined;
    const onError = (error: Error) => (lastError = error);
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      client.off('error', onError);
      reject(lastError ?? new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      client.off('error', onError);
      resolve();
    };
    client.once('ready', onReady);
    client.on('error', onError);
  });
}

/** QUIT, or drop the connection when Redis does not answer in time (it may be down). */
async function quitOrDisconnect(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'wait') {
    // A lazy connection that never connected.
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), QUIT_TIMEOUT_MS)));
  try {
    const outcome = await Promise.race([client.quit().catch(() => 'failed' as const), timedOut]);
    if (outcome !== 'OK') client.disconnect();
  } finally {
    clearTimeout(timer);
  }
}
