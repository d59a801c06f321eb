import type { Logger } from '../../../lib/logger';
import { startRedis, type RedisServer } from '../../support/redis';
import { createRateLimiter, type RateLimiter, type RateLimiterOptions, type Tier } from '../../../gateway/src/ratelimit';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields?: Record<string, unknown>;
}

/** A Logger that keeps its lines (children included) for assertions. */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger: Logger & { lines: LogLine[] } = {
    lines,
    debug: (msg, fields) => void lines.push({ level: 'debug', msg, fields }),
    info: (msg, fields) => void lines.push({ level: 'info', msg, fields }),
    warn: (msg, fields) => void lines.push({ level: 'warn', msg, fields }),
    error: (msg, fields) => void lines.push({ level: 'error', msg, fields }),
    child: () => logger,
  };
  return logger;
}

export function tier(budget: Partial<Tier> = {}): Tier {
  return { name: 'test', capacity: 10, refillPerSecond: 1, maxSubscriptions: 2, ...budget };
}

/** Polls `check` until it passes (returns its value) or `timeoutMs` runs out (throws its last error). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** A clock the test moves by hand. */
export function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

let counter = 0;
/** A client key no other test uses. */
export function uniqueKey(label: string): string {
  return `sub:${label}-${process.pid}-${++counter}`;
}

export type Replica = RateLimiter & { logger: ReturnType<typeof recordingLogger> };

/**
 * Gateway replicas, each a limiter with its own Redis connection and its own
 * recording logger. `closeAll` (in afterEach) closes them, so jest exits with
 * no connection left open.
 */
export function replicaPool() {
  const open: RateLimiter[] = [];
  const start = (redisUrl: string | undefined, options: Partial<RateLimiterOptions> = {}): Replica => {
    const logger = recordingLogger();
    const limiter = Object.assign(createRateLimiter({ redisUrl, logger, ...options }), { logger });
    open.push(limiter);
    return limiter;
  };
  return {
    start,
    /** A replica whose Redis connection is up (until then calls are answered in-process). */
    startShared: async (redisUrl: string, options: Partial<RateLimiterOptions> = {}): Promise<Replica> => {
      const replica = start(redisUrl, options);
      await eventually(() => expect(replica.health()).toEqual({ store: 'redis', degraded: false }), 5_000, 10);
      return replica;
    },
    closeAll: async () => {
      await Promise.all(open.splice(0).map((limiter) => limiter.close()));
    },
  };
}

/** The log lines of a replica whose message contains `text`. */
export function linesAbout(replica: Replica, text: string): LogLine[] {
  return replica.logger.lines.filter((line) => line.msg.includes(text));
}

/** ioredis' default `disconnectTimeout`. */
const IOREDIS_DISCONNECT_TIMEOUT_MS = 2_000;

/**
 * startRedis, whose destroy() also lets jest exit cleanly: test/support/redis.ts
 * polls a (re)starting server with clients it disconnect()s after a refused
 * connection, which arms ioredis' 2 s disconnect timer; destroy() waits out
 * what is left of it after the last (re)start.
 */
export async function startTestRedis(): Promise<RedisServer> {
  const server = await startRedis();
  let launchedAt = Date.now();
  return {
    ...server,
    restart: async () => {
      await server.restart();
      launchedAt = Date.now();
    },
    destroy: async () => {
      await server.destroy();
      const pending = launchedAt + IOREDIS_DISCONNECT_TIMEOUT_MS - Date.now();
      if (pending > 0) await new Promise((r) => setTimeout(r, pending));
    },
  };
}
