import type { Logger } from '../logger';
import { channelOf, type DomainEvent } from './catalogue';
import {
  DEFAULT_IN_PROCESS_RETENTION,
  EventLogClosedError,
  EventsExpiredError,
  LOG_START,
  compareEventIds,
  lengthTrimSlack,
  type EntryHandler,
  type EventLog,
  type FollowOptions,
  type LogEntry,
  type LogRetention,
  type Unfollow,
} from './log';

interface ChannelLog {
  /** Oldest first. */
  entries: LogEntry[];
  /** The newest id trimmed (LOG_START when none): positions before it are expired. */
  horizon: string;
  followers: Set<{ onEntry: EntryHandler }>;
}

export interface InProcessEventLogOptions {
  /** Default: DEFAULT_IN_PROCESS_RETENTION (10,000 entries or 24 h per channel). */
  retention?: LogRetention;
  logger?: Logger;
  /** The clock ids are made from (tests). Default: Date.now. */
  now?: () => number;
}

/**
 * The event log of one process (embedded mode, no Redis), with the semantics
 * of RedisEventLog: ids `<ms>-<seq>` (from one counter for every channel, so
 * they also order entries across channels), bounded retention, reads from any
 * retained position, followers that catch up then go live. `appendNow` is
 * synchronous, so an in-process store appends inside the same synchronous
 * step as its change: no await between the change and its event. Followers
 * are called synchronously, in order, inside the append, each with the event
 * parsed from its JSON (as a Redis follower would get it).
 */
export class InProcessEventLog implements EventLog {
  private readonly channels = new Map<string, ChannelLog>();
  private readonly retention: LogRetention;
  private readonly now: () => number;
  private lastMs = 0;
  private seq = 0;
  private closed = false;

  constructor(private readonly options: InProcessEventLogOptions = {}) {
    this.retention = options.retention ?? DEFAULT_IN_PROCESS_RETENTION;
    this.now = options.now ?? Date.now;
  }

  /** Appends in order and returns the entries; followers have been called when it returns. */
  appendNow(events: readonly DomainEvent[]): LogEntry[] {
    if (this.closed) throw new EventLogClosedError();
    const appended = events.map((event) => {
      const json = JSON.stringify(event);
      const entry: LogEntry = { id: this.nextId(), event: JSON.parse(json) as DomainEvent, json };
      const log = this.channelLog(channelOf(event));
      log.entries.push(entry);
      this.trim(log);
      return { log, entry };
    });
    for (const { log, entry } of appended) {
      for (const follower of [...log.followers]) this.deliver(follower.onEntry, entry);
    }
    return appended.map(({ entry }) => entry);
  }

  async append(events: readonly DomainEvent[]): Promise<string[]> {
    return this.appendNow(events).map((entry) => entry.id);
  }

  readNow(channel: string, afterId: string, limit: number): LogEntry[] {
    const log = this.channels.get(channel);
    if (!log) return [];
    if (compareEventIds(afterId, log.horizon) < 0) throw new EventsExpiredError(channel, afterId);
    const start = firstAfter(log.entries, afterId);
    return log.entries.slice(start, start + limit);
  }

  async read(channel: string, afterId: string, limit: number): Promise<LogEntry[]> {
    return this.readNow(channel, afterId, limit);
  }

  async lastId(channel: string): Promise<string> {
    const entries = this.channels.get(channel)?.entries;
    return entries?.length ? entries[entries.length - 1].id : LOG_START;
  }

  /** Catching up is synchronous here: nothing can be appended between the read and going live. */
  async follow(channel: string, onEntry: EntryHandler, options: FollowOptions = {}): Promise<Unfollow> {
    if (this.closed) throw new EventLogClosedError();
    if (options.after !== undefined) {
      for (const entry of this.readNow(channel, options.after, Number.MAX_SAFE_INTEGER)) this.deliver(onEntry, entry);
    }
    const log = this.channelLog(channel);
    // One entry per follow: the same function followed twice is called twice.
    const follower = { onEntry };
    log.followers.add(follower);
    return async () => {
      log.followers.delete(follower);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const log of this.channels.values()) log.followers.clear();
  }

  private channelLog(channel: string): ChannelLog {
    let log = this.channels.get(channel);
    if (!log) this.channels.set(channel, (log = { entries: [], horizon: LOG_START, followers: new Set() }));
    return log;
  }

  /** Monotonic even if the clock steps back: the ms part never decreases, the sequence breaks ties. */
  private nextId(): string {
    const now = this.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else {
      this.seq++;
    }
    return `${this.lastMs}-${this.seq}`;
  }

  /** As the Redis script trims: length in steps (most appends trim nothing), age entry by entry; the newest trimmed id becomes the horizon. */
  private trim(log: ChannelLog): void {
    const { maxLength, maxAgeMs } = this.retention;
    let drop = log.entries.length > maxLength + lengthTrimSlack(maxLength) ? log.entries.length - maxLength : 0;
    const cutoff = this.now() - maxAgeMs;
    while (drop < log.entries.length - 1 && Number(log.entries[drop].id.slice(0, log.entries[drop].id.indexOf('-'))) < cutoff) drop++;
    if (drop === 0) return;
    log.horizon = log.entries[drop - 1].id;
    log.entries.splice(0, drop);
  }

  /** A follower's exception is its own problem: it never reaches the appender or the other followers. */
  private deliver(onEntry: EntryHandler, entry: LogEntry): void {
    try {
      onEntry(entry);
    } catch (error) {
      this.options.logger?.error('event log follower failed', { channel: channelOf(entry.event), entryId: entry.id, error });
    }
  }
}

/** Index of the first entry after `afterId` (binary search: ids increase). */
function firstAfter(entries: readonly LogEntry[], afterId: string): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareEventIds(entries[middle].id, afterId) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
