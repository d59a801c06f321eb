import type { DomainEvent } from './catalogue';

/**
 * The durable log of each event channel: every domain event is appended to
 * its channel's log in the same atomic step as the change that caused it,
 * and announced for live delivery. Consumers follow a channel from a
 * position and can read it again from any position still retained, so a
 * consumer that was away (a gateway whose Redis connection dropped, a client
 * that reconnects) catches up instead of missing events.
 *
 * Two implementations with the same semantics: RedisEventLog (./redis-log:
 * a Redis Stream per channel, announced on pub/sub) and InProcessEventLog
 * (./memory-log: embedded mode, one process).
 */

/** One entry of a channel's log. */
export interface LogEntry {
  /** The entry's position: `<ms>-<seq>`, increasing within the channel (a Redis Stream id). Clients resume from it. */
  readonly id: string;
  /** Parsed once per receiving process and shared by its handlers: never mutate it. */
  readonly event: DomainEvent;
  /** The event's JSON as appended. */
  readonly json: string;
}

export type EntryHandler = (entry: LogEntry) => void;

/** Stops following. Safe to call twice. */
export type Unfollow = () => Promise<void>;

export interface FollowOptions {
  /**
   * Start after this entry: the entries after it still retained are delivered
   * first, then live ones, each once and in order. Default: the newest entry
   * when the follow starts (live from now). An `after` older than retention
   * rejects with EventsExpiredError.
   */
  after?: string;
}

export interface EventLog {
  /** Appends events to their channels' logs (in order, atomically) and announces them; resolves with their ids. */
  append(events: readonly DomainEvent[]): Promise<string[]>;
  /**
   * Up to `limit` entries of `channel` after `afterId`, oldest first. Rejects
   * with EventsExpiredError when entries after `afterId` are no longer retained.
   */
  read(channel: string, afterId: string, limit: number): Promise<LogEntry[]>;
  /** The id of the channel's newest entry, or LOG_START when it has none. */
  lastId(channel: string): Promise<string>;
  /** Entries as they are appended, in log order, each exactly once, without gaps (see FollowOptions). */
  follow(channel: string, onEntry: EntryHandler, options?: FollowOptions): Promise<Unfollow>;
  /** Stops every follower and releases connections. Safe to call twice. */
  close(): Promise<void>;
}

/** `extensions.code` (and the /events 410 code) for a position older than what the log retains: refetch, then follow from now. */
export const EVENTS_EXPIRED = 'EVENTS_EXPIRED';

export class EventsExpiredError extends Error {
  constructor(
    readonly channel: string,
    readonly afterId: string,
  ) {
    super(`Events of ${channel} after ${afterId} are no longer retained`);
    this.name = 'EventsExpiredError';
  }
}

export class EventLogClosedError extends Error {
  constructor() {
    super('The event log is closed');
    this.name = 'EventLogClosedError';
  }
}

/** The position before a channel's first entry. */
export const LOG_START = '0-0';

const EVENT_ID = /^(\d{1,15})-(\d{1,15})$/;

/** `<ms>-<seq>`, as Redis Stream ids are written (both parts fit a double exactly). */
export function isEventId(value: unknown): value is string {
  return typeof value === 'string' && EVENT_ID.test(value);
}

/** Negative when `a` comes before `b`, zero when equal, positive after. Both must be event ids. */
export function compareEventIds(a: string, b: string): number {
  if (a === b) return 0;
  const dashA = a.indexOf('-');
  const dashB = b.indexOf('-');
  const msA = Number(a.slice(0, dashA));
  const msB = Number(b.slice(0, dashB));
  if (msA !== msB) return msA - msB;
  return Number(a.slice(dashA + 1)) - Number(b.slice(dashB + 1));
}

/**
 * How much of each channel's log is kept: entries beyond `maxLength` (the
 * oldest first) and entries older than `maxAgeMs` are trimmed as new ones are
 * appended, so each bound holds at least (a channel nobody appends to keeps
 * its entries). A client whose position was trimmed gets EVENTS_EXPIRED.
 */
export interface LogRetention {
  /** Entries kept per channel. */
  maxLength: number;
  /** Age (from the entry's id, i.e. when it was appended) after which an entry may be trimmed. */
  maxAgeMs: number;
}

/** Redis (subgraph env `EVENTS_LOG_MAX_LENGTH`, `EVENTS_LOG_MAX_AGE_SECONDS`): 100,000 entries or 24 h per channel. */
export const DEFAULT_REDIS_RETENTION: LogRetention = { maxLength: 100_000, maxAgeMs: 24 * 60 * 60 * 1000 };
/** In-process (embedded mode, same env): 10,000 entries or 24 h per channel, in the subgraph's memory. */
export const DEFAULT_IN_PROCESS_RETENTION: LogRetention = { maxLength: 10_000, maxAgeMs: 24 * 60 * 60 * 1000 };

/** Length trims happen in steps of this share of maxLength (at least one entry), so most appends trim nothing. */
export function lengthTrimSlack(maxLength: number): number {
  return Math.max(1, Math.floor(maxLength / 100));
}

// ---------------------------------------------------------------- Redis layout

/**
 * A channel's Redis Stream. The channel is the hash tag, so a channel's keys
 * (its stream and its trim horizon) share one Redis Cluster slot and one
 * script may touch both.
 */
export const streamKeyOf = (channel: string): string => `events:{${channel}}`;
/** The newest id trimmed from a channel's stream ('0-0' when none): positions before it are expired. */
export const horizonKeyOf = (channel: string): string => `events:{${channel}}:trimmed`;

/**
 * Lua functions a script that appends events starts with (a store's write
 * script, so the change and its event are one atomic step). The event goes to
 * the channel's stream, the stream is trimmed to its retention (the newest
 * trimmed id kept as the horizon), and the entry is announced on the pub/sub
 * channel as `<id> <previous id> <event JSON>`: the previous id lets every
 * follower notice an announcement it missed.
 *
 *   appendEvent(streamKey, horizonKey, channel, json, maxLength, maxAgeMs) -> id
 */
export const APPEND_EVENT_LUA = `
if redis.replicate_commands then redis.replicate_commands() end
local function eventIdParts(id)
  local ms, seq = string.match(id, '^(%d+)%-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function eventIdBefore(a, b)
  local am, as = eventIdParts(a)
  local bm, bs = eventIdParts(b)
  return am < bm or (am == bm and as < bs)
end
local function trimEventLog(stream, horizonKey, maxLength, maxAgeMs)
  local horizon = nil
  local length = redis.call('XLEN', stream)
  if length > maxLength + math.max(1, math.floor(maxLength / 100)) then
    local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', length - maxLength)
    horizon = oldest[#oldest][1]
  end
  local now = redis.call('TIME')
  local cutoffMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - maxAgeMs
  local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
  if #first > 0 and eventIdParts(first[1][1]) < cutoffMs then
    local aged = redis.call('XREVRANGE', stream, '(' .. string.format('%.0f', cutoffMs) .. '-0', '-', 'COUNT', 1)
    if #aged > 0 and (horizon == nil or eventIdBefore(horizon, aged[1][1])) then horizon = aged[1][1] end
  end
  if horizon then
    local ms, seq = eventIdParts(horizon)
    redis.call('XTRIM', stream, 'MINID', string.format('%.0f', ms) .. '-' .. string.format('%.0f', seq + 1))
    redis.call('SET', horizonKey, horizon)
  end
end
local function appendEvent(stream, horizonKey, channel, json, maxLength, maxAgeMs)
  local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
  local previous = '0-0'
  if #last > 0 then previous = last[1][1] end
  local id = redis.call('XADD', stream, '*', 'e', json)
  trimEventLog(stream, horizonKey, tonumber(maxLength), tonumber(maxAgeMs))
  redis.call('PUBLISH', channel, id .. ' ' .. previous .. ' ' .. json)
  return id
end
`;

/**
 * Reads a channel's stream after a position, with its horizon, atomically.
 * KEYS: stream, horizon. ARGV: after id, count. Answers { horizon, entries }.
 */
export const READ_LOG_LUA = `
local horizon = redis.call('GET', KEYS[2]) or '0-0'
return { horizon, redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2]) }`;

/** An announcement on a channel's pub/sub: `<id> <previous id> <event JSON>`. */
export interface Announcement {
  id: string;
  previous: string;
  json: string;
}

export function formatAnnouncement(id: string, previous: string, json: string): string {
  return `${id} ${previous} ${json}`;
}

/** Null when `message` is not an announcement. */
export function parseAnnouncement(message: string): Announcement | null {
  const first = message.indexOf(' ');
  const second = first === -1 ? -1 : message.indexOf(' ', first + 1);
  if (second === -1) return null;
  const id = message.slice(0, first);
  const previous = message.slice(first + 1, second);
  if (!isEventId(id) || !isEventId(previous)) return null;
  return { id, previous, json: message.slice(second + 1) };
}
