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

/**
 * One page of a sorted set of ids scored by seq, with the set's size and the
 * documents of the ids (HMGET on a hash id -> JSON), in one round trip.
 * KEYS: the sorted set, the documents hash.
 * ARGV: 'asc' (after = lowest seq to include, e.g. '(17' or '-inf') or
 *       'desc' (after = highest seq to include, e.g. '(17' or '+inf'), after, limit.
 */
export const SEQ_PAGE_LUA = `
local ids
if ARGV[1] == 'desc' then
  ids = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[2], '-inf', 'LIMIT', 0, tonumber(ARGV[3]))
else
  ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], '+inf', 'LIMIT', 0, tonumber(ARGV[3]))
end
local out = { redis.call('ZCARD', KEYS[1]) }
if #ids > 0 then
  local docs = redis.call('HMGET', KEYS[2], unpack(ids))
  for i = 1, #docs do out[i + 1] = docs[i] end
end
return out`;

/** Reads a page with SEQ_PAGE_LUA: `first` documents after the cursor's seq, whether more follow, and the total. */
export async function readSeqPage<T>(
  script: RedisScript<Array<number | string | null>>,
  keys: { index: string; documents: string },
  { first, afterSeq, newestFirst }: { first: number; afterSeq?: number; newestFirst: boolean },
  parse: (json: string) => T,
): Promise<{ nodes: T[]; hasNextPage: boolean; totalCount: number }> {
  const after = afterSeq !== undefined ? `(${afterSeq}` : newestFirst ? '+inf' : '-inf';
  const [total, ...docs] = await script([keys.index, keys.documents], [newestFirst ? 'desc' : 'asc', after, first + 1]);
  const nodes = docs.filter((doc): doc is string => typeof doc === 'string').map(parse);
  return { nodes: nodes.slice(0, first), hasNextPage: nodes.length > first, totalCount: Number(total) };
}

/** Moves a counter up to at least ARGV[1], never down (seeded ids must never be handed out again). KEYS: the counter. */
export const RAISE_COUNTER_LUA = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return 1`;
