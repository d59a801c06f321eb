import Redis from 'ioredis';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import type { Logger } from '../logger';
import { channelOf, parseDomainEvent, type DomainEvent } from './catalogue';
import { followFrom } from './follow';
import {
  APPEND_EVENT_LUA,
  DEFAULT_REDIS_RETENTION,
  EventLogClosedError,
  EventsExpiredError,
  LOG_START,
  READ_LOG_LUA,
  compareEventIds,
  horizonKeyOf,
  parseAnnouncement,
  streamKeyOf,
  type Announcement,
  type EntryHandler,
  type EventLog,
  type FollowOptions,
  type LogEntry,
  type LogRetention,
  type Unfollow,
} from './log';

export interface RedisEventLogOptions {
  logger?: Logger;
  /** What `append` keeps per channel (subgraph stores pass theirs to their own scripts). Default: DEFAULT_REDIS_RETENTION. */
  retention?: LogRetention;
  /** Delay before reconnection attempt `attempt` (1, 2, ...); both connections retry forever. Default: min(100 ms × attempt, 2 s). */
  reconnectDelayMs?: (attempt: number) => number;
  /** How long one command (append, read) may take before it fails. Default: 1 000 ms. */
  commandTimeoutMs?: number;
  /** How long `connect` waits for Redis. Default: 5 000 ms. */
  connectTimeoutMs?: number;
  /** The subscriber connection's CLIENT SETNAME (operators find it in CLIENT LIST). Default: `events-subscriber`. */
  subscriberName?: string;
}

const DEFAULT_RECONNECT_DELAY_MS = (attempt: number) => Math.min(attempt * 100, 2_000);
const DEFAULT_COMMAND_TIMEOUT_MS = 1_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** How long close() lets QUIT take before dropping the connection (Redis may be gone). */
const QUIT_TIMEOUT_MS = 1_000;
/** Entries read per round trip when filling a gap. */
const FILL_BATCH = 1_000;
/** Announcements held while a gap is filled; beyond it they are dropped and read from the stream instead. */
const MAX_HELD_ANNOUNCEMENTS = 10_000;
/** Retries of a failed fill: min(250 ms × attempt, 2 s). */
const fillRetryDelayMs = (attempt: number) => Math.min(attempt * 250, 2_000);

const APPEND_LUA = `${APPEND_EVENT_LUA}
local ids = {}
for i = 1, #KEYS / 2 do
  ids[i] = appendEvent(KEYS[2 * i - 1], KEYS[2 * i], ARGV[2 * i + 1], ARGV[2 * i + 2], ARGV[1], ARGV[2])
end
return ids`;

type RawEntry = [id: string, fields: string[]];

interface RedisLogCommands {
  eventLogAppend(keyCount: number, ...args: Array<string | number>): Promise<string[]>;
  eventLogRead(keyCount: number, ...args: Array<string | number>): Promise<[string, RawEntry[]]>;
}

/**
 * The event log in Redis: one Stream per channel (`events:{<channel>}`),
 * trimmed to its retention, each append announced on the channel's pub/sub
 * (subgraph stores append in their own write scripts, with APPEND_EVENT_LUA).
 *
 * Followers (the gateway's one per channel per process, a subgraph's
 * `/events` streams) are fed by graphql-redis-subscriptions' RedisPubSub on a
 * subscriber connection: one Redis subscription per channel per process,
 * however many follow it. Each channel's feed keeps the id of the last entry
 * it delivered; an announcement whose previous id is not that one reveals a
 * gap (announcements are lost while the subscriber connection is down), and
 * after every reconnection of the subscriber the feed reads what it missed
 * from the stream (XRANGE) before going on with live announcements, in order
 * and without duplicates.
 */
export class RedisEventLog implements EventLog {
  private readonly feeds = new Map<string, Promise<ChannelFeed>>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly commands: Redis & RedisLogCommands,
    private readonly subscriber: Redis,
    private readonly pubsub: RedisPubSub,
    private readonly retention: LogRetention,
    private readonly logger: Logger | undefined,
  ) {
    let everReady = false;
    subscriber.on('ready', () => {
      const reconnected = everReady;
      everReady = true;
      if (!reconnected) return;
      // ioredis re-subscribes right after 'ready'; a PING answered after that SUBSCRIBE means announcements flow again.
      process.nextTick(() => {
        this.subscriber
          .ping()
          .catch(() => undefined)
          .then(() => {
            for (const feed of this.feeds.values()) void feed.then((f) => f.refill('the subscriber connection was re-established'), () => undefined);
          });
      });
    });
  }

  /** Connects the command connection and waits until Redis answers, so a wrong URL fails at start-up. */
  static async connect(url: string, options: RedisEventLogOptions = {}): Promise<RedisEventLog> {
    const { logger } = options;
    const where = describeRedisUrl(url);
    const retryStrategy = options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS;
    const commands = new Redis(url, {
      retryStrategy,
      // A command waiting out an outage fails after one reconnection attempt or the timeout; the caller decides.
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      connectionName: 'events-log',
    });
    const subscriber = new Redis(url, {
      retryStrategy,
      lazyConnect: true,
      // A SUBSCRIBE issued during an outage waits for Redis rather than fail.
      maxRetriesPerRequest: null,
      // The default; it is what brings the subscriptions back after a reconnection.
      autoResubscribe: true,
      connectionName: options.subscriberName ?? 'events-subscriber',
    });
    watchConnection(commands, 'log', where, logger);
    watchConnection(subscriber, 'subscriber', where, logger);
    commands.defineCommand('eventLogAppend', { lua: APPEND_LUA });
    commands.defineCommand('eventLogRead', { lua: READ_LOG_LUA });
    const pubsub = new RedisPubSub({
      publisher: commands,
      subscriber,
      // Announcements are parsed by the feed; nothing is published through RedisPubSub (appends announce themselves).
      serializer: (message: string) => message,
      deserializer: (source: string | Buffer) => source.toString(),
    });
    try {
      await waitUntilReady(commands, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    } catch (error) {
      commands.disconnect();
      subscriber.disconnect();
      throw new Error(`Cannot connect to Redis at ${where} for events: ${(error as Error).message}`);
    }
    return new RedisEventLog(commands as Redis & RedisLogCommands, subscriber, pubsub, options.retention ?? DEFAULT_REDIS_RETENTION, logger);
  }

  async append(events: readonly DomainEvent[]): Promise<string[]> {
    if (this.closing) throw new EventLogClosedError();
    if (events.length === 0) return [];
    const keys = events.flatMap((event) => [streamKeyOf(channelOf(event)), horizonKeyOf(channelOf(event))]);
    const args = events.flatMap((event) => [channelOf(event), JSON.stringify(event)]);
    return this.commands.eventLogAppend(keys.length, ...keys, this.retention.maxLength, this.retention.maxAgeMs, ...args);
  }

  async read(channel: string, afterId: string, limit: number): Promise<LogEntry[]> {
    if (this.closing) throw new EventLogClosedError();
    const [horizon, raw] = await this.commands.eventLogRead(2, streamKeyOf(channel), horizonKeyOf(channel), afterId, limit);
    if (compareEventIds(afterId, horizon) < 0) throw new EventsExpiredError(channel, afterId);
    return parseEntries(channel, raw, this.logger);
  }

  async lastId(channel: string): Promise<string> {
    const [last] = (await this.commands.xrevrange(streamKeyOf(channel), '+', '-', 'COUNT', 1)) as RawEntry[];
    return last ? last[0] : LOG_START;
  }

  async follow(channel: string, onEntry: EntryHandler, options: FollowOptions = {}): Promise<Unfollow> {
    if (this.closing) throw new EventLogClosedError();
    let feedPromise = this.feeds.get(channel);
    if (!feedPromise) {
      feedPromise = ChannelFeed.start(channel, this.pubsub, this.logger, (after, limit) => this.readForFill(channel, after, limit), () => (this.closing ? Promise.reject(new EventLogClosedError()) : this.lastId(channel)));
      this.feeds.set(channel, feedPromise);
      feedPromise.catch(() => this.feeds.get(channel) === feedPromise && this.feeds.delete(channel));
    }
    const feed = await feedPromise;
    const detach =
      options.after === undefined
        ? feed.attach(onEntry)
        : await followFrom((after, limit) => this.read(channel, after, limit), (handler) => feed.attach(handler), options.after, onEntry);
    let following = true;
    return async () => {
      if (!following) return;
      following = false;
      detach();
      // An idle feed is dropped (UNSUBSCRIBE) only while the subscriber is connected and the log open: RedisPubSub leaves
      // the rejection of an UNSUBSCRIBE that cannot be sent unhandled. Otherwise it stays, idle, until the next follow or close().
      if (feed.idle() && this.feeds.get(channel) === feedPromise && !this.closing && this.subscriber.status === 'ready') {
        this.feeds.delete(channel);
        feed.stop();
      }
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // No UNSUBSCRIBE: the subscriber connection is about to quit (RedisPubSub would leave its rejection unhandled).
      for (const feed of this.feeds.values()) void feed.then((f) => f.stop(false), () => undefined);
      this.feeds.clear();
      await Promise.all([quitOrDisconnect(this.commands), quitOrDisconnect(this.subscriber)]);
    })();
    return this.closing;
  }

  /** A fill reads past a trimmed horizon too: what is gone is gone (logged), the rest still arrives. */
  private async readForFill(channel: string, afterId: string, limit: number): Promise<LogEntry[]> {
    const [horizon, raw] = await this.commands.eventLogRead(2, streamKeyOf(channel), horizonKeyOf(channel), afterId, limit);
    if (compareEventIds(afterId, horizon) < 0) {
      this.logger?.error('events were trimmed from the log before this process could read them; they are lost to it', { channel, after: afterId, horizon });
    }
    return parseEntries(channel, raw, this.logger);
  }
}

function parseEntries(channel: string, raw: RawEntry[], logger: Logger | undefined): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const [id, fields] of raw) {
    const json = fields[fields.indexOf('e') + 1];
    const event = json === undefined ? null : parseDomainEvent(json);
    if (event === null) {
      logger?.warn('skipped a log entry that is not a domain event', { channel, entryId: id });
      continue;
    }
    entries.push({ id, event, json });
  }
  return entries;
}

/**
 * One channel's live feed in this process: its Redis subscription, the id of
 * the last entry delivered, and its followers. Announcements are delivered
 * when they follow that id; one that does not (a gap), and every
 * reconnection, switch the feed to filling: announcements are held while the
 * stream is read from the last id, then the held ones go on.
 */
class ChannelFeed {
  private readonly followers = new Set<{ onEntry: EntryHandler }>();
  private lastId = LOG_START;
  private state: 'filling' | 'live' | 'stopped' = 'filling';
  private held: Announcement[] = [];
  private heldOverflowed = false;
  private fillAgain = false;
  private subscriptionId: number | undefined;

  private constructor(
    private readonly channel: string,
    private readonly pubsub: RedisPubSub,
    private readonly logger: Logger | undefined,
    private readonly readLog: (after: string, limit: number) => Promise<LogEntry[]>,
  ) {}

  /**
   * Subscribes, then takes the stream's newest id as the starting point:
   * everything after it comes live or through a fill (announcements that
   * arrive meanwhile are held). Retries the read while Redis cannot answer.
   */
  static async start(
    channel: string,
    pubsub: RedisPubSub,
    logger: Logger | undefined,
    readLog: (after: string, limit: number) => Promise<LogEntry[]>,
    newestId: () => Promise<string>,
  ): Promise<ChannelFeed> {
    const feed = new ChannelFeed(channel, pubsub, logger, readLog);
    feed.subscriptionId = await pubsub.subscribe<string>(channel, (message) => feed.onMessage(message));
    for (let attempt = 1; ; attempt++) {
      try {
        feed.lastId = await newestId();
        break;
      } catch (error) {
        if (error instanceof EventLogClosedError) {
          // The subscriber connection is quitting: no UNSUBSCRIBE (see follow).
          feed.stop(false);
          throw error;
        }
        logger?.warn('cannot read the event log yet; retrying', { channel, attempt, error: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, fillRetryDelayMs(attempt)).unref());
      }
    }
    feed.goLive();
    return feed;
  }

  attach(onEntry: EntryHandler): () => void {
    const follower = { onEntry };
    this.followers.add(follower);
    return () => this.followers.delete(follower);
  }

  idle(): boolean {
    return this.followers.size === 0;
  }

  stop(unsubscribe = true): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.followers.clear();
    if (unsubscribe && this.subscriptionId !== undefined) this.pubsub.unsubscribe(this.subscriptionId);
  }

  /** Reads whatever was appended since the last delivered entry (after a reconnection). */
  refill(reason: string): void {
    if (this.state === 'stopped') return;
    this.logger?.info('catching up on events from the log', { channel: this.channel, after: this.lastId, reason });
    this.startFill();
  }

  private onMessage(message: string): void {
    const announcement = parseAnnouncement(message);
    if (announcement === null) {
      this.logger?.warn('dropped a message that is not an event announcement', { channel: this.channel, message: message.slice(0, 200) });
      return;
    }
    if (this.state === 'filling') return this.hold(announcement);
    if (this.state === 'live') this.apply(announcement);
  }

  private hold(announcement: Announcement): void {
    if (this.held.length >= MAX_HELD_ANNOUNCEMENTS) {
      this.held = [];
      this.heldOverflowed = true;
    }
    this.held.push(announcement);
  }

  private apply(announcement: Announcement): void {
    if (compareEventIds(announcement.id, this.lastId) <= 0) return;
    if (compareEventIds(announcement.previous, this.lastId) > 0) {
      // Something between our last entry and this one never reached us.
      this.logger?.warn('missed event announcements; filling the gap from the log', { channel: this.channel, after: this.lastId, next: announcement.id });
      this.hold(announcement);
      this.startFill();
      return;
    }
    const event = parseDomainEvent(announcement.json);
    this.lastId = announcement.id;
    if (event === null) {
      this.logger?.warn('skipped an announced entry that is not a domain event', { channel: this.channel, entryId: announcement.id });
      return;
    }
    this.deliver({ id: announcement.id, event, json: announcement.json });
  }

  private deliver(entry: LogEntry): void {
    this.lastId = entry.id;
    for (const { onEntry } of [...this.followers]) {
      try {
        onEntry(entry);
      } catch (error) {
        this.logger?.error('event log follower failed', { channel: this.channel, entryId: entry.id, error });
      }
    }
  }

  private startFill(): void {
    if (this.state === 'filling') {
      this.fillAgain = true;
      return;
    }
    this.state = 'filling';
    void this.fill();
  }

  /** Reads the stream after the last delivered entry until caught up, retrying while Redis is unreachable, then releases what was held. */
  private async fill(): Promise<void> {
    for (let attempt = 0; this.state === 'filling'; ) {
      try {
        this.fillAgain = false;
        for (;;) {
          const entries = await this.readLog(this.lastId, FILL_BATCH);
          if (this.state !== 'filling') return;
          for (const entry of entries) if (compareEventIds(entry.id, this.lastId) > 0) this.deliver(entry);
          if (entries.length < FILL_BATCH) break;
        }
        // Held announcements dropped on overflow, or a reconnection during the read: read once more.
        if (this.heldOverflowed || this.fillAgain) {
          this.heldOverflowed = false;
          continue;
        }
        this.goLive();
        return;
      } catch (error) {
        if (this.state !== 'filling') return;
        attempt++;
        this.logger?.warn('cannot read the event log yet; retrying', { channel: this.channel, attempt, error: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, fillRetryDelayMs(attempt)).unref());
      }
    }
  }

  private goLive(): void {
    this.state = 'live';
    const held = this.held;
    this.held = [];
    // Applying one may reveal a gap and start filling again: the rest is held again then.
    for (const announcement of held) {
      if (this.state === 'live') this.apply(announcement);
      else if (this.state === 'filling') this.hold(announcement);
    }
  }
}

/** `redis://user:secret@host:6379/0` without credentials, for logs. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(unparseable Redis URL)';
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
    logger?.warn('event log lost its redis connection; reconnecting', { role, redis: where, error: lastError });
  });
  client.on('ready', () => {
    if (reconnecting) logger?.info('event log reconnected to redis', { role, redis: where });
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
