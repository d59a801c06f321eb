import { channelOf, type DomainEvent } from '../../lib/events/catalogue';
import { DEFAULT_REDIS_RETENTION, horizonKeyOf, streamKeyOf, type LogRetention } from '../../lib/events/log';
import type { RedisArg } from './redis';

/**
 * How stores append the domain events of their changes to the channel logs
 * (lib/events/log.ts), in the same atomic step as the change: a change is
 * never made without its event, nor an event appended without its change.
 *
 * - In-process stores change their maps without an await, and append in that
 *   same synchronous step (`EventAppender`, an InProcessEventLog).
 * - Redis stores append inside the Lua script that makes the change
 *   (APPEND_EVENT_LUA), with the keys and arguments `RedisEventScripts` gives.
 *   Each script builds its events from a template the store makes with the
 *   subgraph's event builders (`../<name>/events.ts`) and fills in what only
 *   the script knows (ids it assigns, totals after the change).
 */

/** Where an in-process store appends, synchronously. */
export interface EventAppender {
  appendNow(events: readonly DomainEvent[]): unknown;
}

/** Counts appended events (`events_published_total`). */
export type AppendedCounter = (channel: string, count: number) => void;

/** What a Redis store's scripts need to append events of a channel. */
export class RedisEventScripts {
  constructor(
    readonly retention: LogRetention = DEFAULT_REDIS_RETENTION,
    private readonly counter: AppendedCounter = () => {},
  ) {}

  /** The channel's stream and horizon, to declare among a script's KEYS (in this order). */
  keys(channel: string): [string, string] {
    return [streamKeyOf(channel), horizonKeyOf(channel)];
  }

  /** maxLength, maxAgeMs: to pass among a script's ARGV (in this order). */
  retentionArgs(): [RedisArg, RedisArg] {
    return [this.retention.maxLength, this.retention.maxAgeMs];
  }

  /** A script appended `count` events on `channel`. */
  appended(channel: string, count: number): void {
    if (count > 0) this.counter(channel, count);
  }
}

/** An in-process appender that counts what it appends. */
export function countingAppender(target: EventAppender, counter: AppendedCounter): EventAppender {
  return {
    appendNow(events) {
      const result = target.appendNow(events);
      for (const event of events) counter(channelOf(event), 1);
      return result;
    },
  };
}

/**
 * The log retention set in a subgraph's environment: `EVENTS_LOG_MAX_LENGTH`
 * (entries per channel) and `EVENTS_LOG_MAX_AGE_SECONDS`; what is unset takes
 * the default of the subgraph's log (Redis or in-process). Throws naming the
 * variable for a bad value.
 */
export function readLogRetention(env: NodeJS.ProcessEnv): Partial<LogRetention> {
  const positive = (name: string, scale: number) => {
    const value = env[name];
    if (value === undefined || value === '') return undefined;
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`Invalid configuration: ${name} must be a positive integer (got "${value}")`);
    return Number(value) * scale;
  };
  const maxLength = positive('EVENTS_LOG_MAX_LENGTH', 1);
  const maxAgeMs = positive('EVENTS_LOG_MAX_AGE_SECONDS', 1000);
  return { ...(maxLength !== undefined && { maxLength }), ...(maxAgeMs !== undefined && { maxAgeMs }) };
}
