import Redis, { type ChainableCommander } from 'ioredis';
import type { Logger } from '../../lib/logger';

/** How long start-up waits for Redis before giving up. */
const CONNECT_TIMEOUT_MS = 5_000;
/** A command is retried over this many reconnections before its request fails. */
const MAX_RETRIES_PER_REQUEST = 3;

/** `redis://user:secret@host:6379/0` without its credentials, for logs and errors. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

/**
 * Connects to Redis and waits until it answers, so a wrong REDIS_URL fails
 * start-up at once instead of the first request. Once connected, ioredis
 * reconnects on its own; commands issued meanwhile are retried a few times.
 */
export async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const where = describeRedisUrl(url);
  let everConnected = false;
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
    // No retries before the first connection: start-up fails fast and leaves no timer behind.
    retryStrategy: (attempt) => (everConnected ? Math.min(attempt * 200, 2_000) : null),
  });
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => {
    lastError = error;
    if (everConnected) logger.warn('redis connection error', { redis: where, error: error.message });
  });
  redis.once('ready', () => (everConnected = true));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    // Disconnecting a connection that already ended would arm ioredis' 2 s disconnect timer.
    if (redis.status !== 'end') redis.disconnect();
    throw new Error(`Cannot connect to Redis at ${where} (REDIS_URL): ${(lastError ?? (error as Error)).message}`);
  }
  logger.info('connected to redis', { redis: where });
  return redis;
}

/** QUIT (lets pending replies arrive), or drop the connection if Redis is gone. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}

export type RedisArg = string | number;

/**
 * A Lua script registered with ioredis `defineCommand`: sent as EVALSHA
 * (EVAL the first time on a connection), so each call is one round trip and
 * runs atomically on the server. Keys are declared, never built inside Lua.
 */
export interface RedisScript<TResult> {
  (keys: readonly string[], args: readonly RedisArg[]): Promise<TResult>;
  /** Adds a call to `pipeline`, to be sent in its round trip. */
  queue(pipeline: ChainableCommander, keys: readonly string[], args: readonly RedisArg[]): void;
}

type ScriptCommand<T> = (...args: RedisArg[]) => T;

export function defineScript<TResult>(redis: Redis, name: string, lua: string): RedisScript<TResult> {
  redis.defineCommand(name, { lua });
  const commandOf = <T>(target: Redis | ChainableCommander) => (target as unknown as Record<string, ScriptCommand<T>>)[name].bind(target);
  const run = commandOf<Promise<TResult>>(redis);
  const script = (keys: readonly string[], args: readonly RedisArg[]) => run(keys.length, ...keys, ...args);
  script.queue = (pipeline: ChainableCommander, keys: readonly string[], args: readonly RedisArg[]) => {
    commandOf<unknown>(pipeline)(keys.length, ...keys, ...args);
  };
  return script;
}

/** ioredis reports per-command errors of a pipeline in its results; surface the first. */
export async function execOrThrow(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
