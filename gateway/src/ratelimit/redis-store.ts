import type Redis from 'ioredis';
import { FAIL_FAST_CONNECT_TIMEOUT_MS, createFailFastRedis } from '../../../lib/redis/fail-fast';
import type { Decision, LimiterStore, StoreSubscriptionStart, Tier } from './types';

/** A command Redis has not answered by then counts as a failure (the call is answered in-process). */
export const COMMAND_TIMEOUT_MS = 100;
/** Time allowed to open a connection. */
export const CONNECT_TIMEOUT_MS = FAIL_FAST_CONNECT_TIMEOUT_MS;

/** `gw:rl:{<key>}`: the braces are a Redis Cluster hash tag, so a client's bucket and slots share a slot. */
export function bucketKey(clientKey: string): string {
  return `gw:rl:{${clientKey}}`;
}

/** The sorted set of a client's subscription slots: member = subscription id, score = expiry (ms, Redis time). */
export function subscriptionsKey(clientKey: string): string {
  return `gw:rl:{${clientKey}}:subs`;
}

/** A client for the limiter only: while Redis is down or slow a call fails at once and is answered in-process. */
export function createLimiterRedis(url: string): Redis {
  return createFailFastRedis(url, COMMAND_TIMEOUT_MS);
}

/**
 * The bucket arithmetic of bucket.ts in Lua. Time is Redis's own (TIME), so
 * replicas with skewed clocks agree. A bucket is a hash {tokens, ts}; a
 * missing bucket is full, so a full bucket is deleted and any other expires
 * (PEXPIRE) when it would be full again: idle clients leave nothing behind.
 * Needs Redis >= 5 (writes after TIME: effects replication is the default).
 */
const BUCKET_LUA = `
local EPSILON = 1e-9

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end

local function tokens_at(key, capacity, rate, now)
  local saved = redis.call('HMGET', key, 'tokens', 'ts')
  if not saved[1] then return capacity end
  local elapsed = math.max(0, now - tonumber(saved[2]))
  return math.min(capacity, tonumber(saved[1]) + elapsed * rate / 1000)
end

local function ms_until_full(tokens, capacity, rate)
  if tokens >= capacity - EPSILON then return 0 end
  return math.ceil((capacity - tokens) * 1000 / rate)
end

local function save(key, tokens, capacity, rate, now)
  local ttl = ms_until_full(tokens, capacity, rate)
  if ttl == 0 then
    redis.call('DEL', key)
  else
    redis.call('HSET', key, 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.3f', now))
    redis.call('PEXPIRE', key, ttl)
  end
end

-- { allowed (1/0), remaining (whole points), retryAfterMs (-1: never), resetMs }
local function decision(allowed, tokens, cost, capacity, rate)
  local retry = 0
  if allowed == 0 then
    if cost > capacity then retry = -1 else retry = math.max(0, math.ceil((cost - tokens) * 1000 / rate)) end
  end
  return { allowed, math.floor(tokens + EPSILON), retry, ms_until_full(tokens, capacity, rate) }
end

local function debit(key, capacity, rate, cost, now)
  local tokens = tokens_at(key, capacity, rate, now)
  if cost > capacity or tokens + EPSILON < cost then return decision(0, tokens, cost, capacity, rate) end
  local left = math.max(0, tokens - cost)
  save(key, left, capacity, rate, now)
  return decision(1, left, cost, capacity, rate)
end

-- a client's slots expire with the latest of them
local function expire_slots(key, now)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIRE', key, math.max(1, math.ceil(tonumber(last[2]) - now))) end
end
`;

/** KEYS: bucket. ARGV: capacity, refillPerSecond, cost. Returns a decision. */
export const DEBIT_LUA = `${BUCKET_LUA}
return debit(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), now_ms())`;

/**
 * KEYS: bucket. ARGV: capacity, refillPerSecond, points. Positive points go
 * back (a missing bucket is full: nothing to give back), negative ones are
 * taken down to an empty bucket at most.
 */
export const SETTLE_LUA = `${BUCKET_LUA}
local capacity, rate, points = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if points > 0 and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local now = now_ms()
save(KEYS[1], math.max(0, math.min(capacity, tokens_at(KEYS[1], capacity, rate, now) + points)), capacity, rate, now)
return 1`;

/**
 * KEYS: bucket, slots. ARGV: capacity, refillPerSecond, cost, maxSubscriptions, id, ttlMs.
 * Expired slots are dropped first; over the cap nothing is debited; a refused
 * debit takes no slot. Returns { outcome, remaining, retryAfterMs, resetMs }.
 */
export const START_SUBSCRIPTION_LUA = `${BUCKET_LUA}
local capacity, rate, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('%.3f', now))
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then
  local d = decision(0, tokens_at(KEYS[1], capacity, rate, now), cost, capacity, rate)
  return { 'TOO_MANY_SUBSCRIPTIONS', d[2], d[3], d[4] }
end
local d = debit(KEYS[1], capacity, rate, cost, now)
if d[1] == 0 then return { 'RATE_LIMITED', d[2], d[3], d[4] } end
redis.call('ZADD', KEYS[2], string.format('%.3f', now + tonumber(ARGV[6])), ARGV[5])
expire_slots(KEYS[2], now)
return { 'STARTED', d[2], d[3], d[4] }`;

/** KEYS: slots. ARGV: id, ttlMs. The heartbeat: the slot expires ttlMs from now (re-added if it already had). */
export const KEEP_SUBSCRIPTION_LUA = `${BUCKET_LUA}
local now = now_ms()
redis.call('ZADD', KEYS[1], string.format('%.3f', now + tonumber(ARGV[2])), ARGV[1])
expire_slots(KEYS[1], now)
return 1`;

type ScriptArg = string | number;
type Script<T> = (numberOfKeys: number, ...keysThenArgs: ScriptArg[]) => Promise<T>;
type DecisionReply = [number, number, number, number];
type StartReply = [StoreSubscriptionStart['outcome'], number, number, number];

const SCRIPTS = {
  gwRateLimitDebit: DEBIT_LUA,
  gwRateLimitSettle: SETTLE_LUA,
  gwRateLimitStartSubscription: START_SUBSCRIPTION_LUA,
  gwRateLimitKeepSubscription: KEEP_SUBSCRIPTION_LUA,
} as const;

/**
 * Buckets in Redis, shared by every replica: one EVALSHA per call (ioredis
 * `defineCommand` falls back to EVAL on NOSCRIPT, e.g. after a restart).
 * Errors propagate: the limiter decides what to do with them.
 */
export function createRedisStore(redis: Redis): LimiterStore {
  for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { lua });
  const script = <T>(name: keyof typeof SCRIPTS) => (redis as unknown as Record<string, Script<T>>)[name].bind(redis);
  const debit = script<DecisionReply>('gwRateLimitDebit');
  const settle = script<number>('gwRateLimitSettle');
  const start = script<StartReply>('gwRateLimitStartSubscription');
  const keep = script<number>('gwRateLimitKeepSubscription');

  const decisionOf = (tier: Tier, allowed: boolean, [remaining, retryAfterMs, resetMs]: number[]): Decision => ({
    allowed,
    remaining,
    capacity: tier.capacity,
    refillPerSecond: tier.refillPerSecond,
    retryAfterMs,
    resetMs,
  });

  return {
    async debit(key, tier, cost) {
      const [allowed, ...rest] = await debit(1, bucketKey(key), tier.capacity, tier.refillPerSecond, cost);
      return decisionOf(tier, allowed === 1, rest);
    },
    async settle(key, tier, points) {
      await settle(1, bucketKey(key), tier.capacity, tier.refillPerSecond, points);
    },
    async startSubscription(key, tier, cost, id, ttlMs) {
      const [outcome, ...rest] = await start(2, bucketKey(key), subscriptionsKey(key), tier.capacity, tier.refillPerSecond, cost, tier.maxSubscriptions, id, ttlMs);
      return { outcome, decision: decisionOf(tier, outcome === 'STARTED', rest) };
    },
    async keepSubscription(key, id, ttlMs) {
      await keep(1, subscriptionsKey(key), id, ttlMs);
    },
    async endSubscription(key, id) {
      await redis.zrem(subscriptionsKey(key), id);
    },
  };
}
