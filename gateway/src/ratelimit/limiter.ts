import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { Logger } from '../../../lib/logger';
import { assertCost, assertTier } from './bucket';
import { createMemoryStore } from './memory-store';
import { CONNECT_TIMEOUT_MS, createLimiterRedis, createRedisStore } from './redis-store';
import type { LimiterStore, RateLimiter, RateLimiterHealth, RateLimiterOptions, SubscriptionStart } from './types';

/** Default `subscriptionTtlMs`: a crashed replica's subscriptions stop counting after this long. */
export const DEFAULT_SUBSCRIPTION_TTL_MS = 30_000;
/** While Redis is down, a PING this often checks whether it answers again (besides one on each ioredis `ready`). */
const PROBE_INTERVAL_MS = 500;

/**
 * The token-bucket limiter. With `redisUrl` the buckets are shared by every
 * replica; when Redis does not answer (down, erroring, slower than
 * COMMAND_TIMEOUT_MS) each call is answered from in-process buckets instead,
 * so no request ever fails or waits because of the limiter's store. Each
 * replica then limits on its own until Redis answers again.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const ttlMs = options.subscriptionTtlMs ?? DEFAULT_SUBSCRIPTION_TTL_MS;
  if (!(Number.isFinite(ttlMs) && ttlMs > 0)) throw new RangeError('subscriptionTtlMs must be a positive number');
  const memory = createMemoryStore({ now });
  const shared = options.redisUrl ? sharedStore(options.redisUrl, options.logger.child({ component: 'ratelimit' }), now) : undefined;
  const counters = { debits: 0, refusals: 0, fallbacks: 0 };
  const heartbeats = new Set<NodeJS.Timeout>();

  /** Runs `op` on Redis when it is usable, else (or when it fails) on the in-process store. */
  const withStore = async <T>(op: (store: LimiterStore) => Promise<T>): Promise<{ value: T; store: LimiterStore }> => {
    if (shared) {
      if (shared.usable()) {
        try {
          return { value: await op(shared.store), store: shared.store };
        } catch (error) {
          shared.failed(error);
        }
      }
      counters.fallbacks++;
    }
    return { value: await op(memory), store: memory };
  };
  const count = (allowed: boolean) => (allowed ? counters.debits++ : counters.refusals++);

  /** Holds a slot in the store it was taken in; the heartbeat keeps it from expiring. */
  const subscriptionHandle = (store: LimiterStore, key: string, id: string) => {
    const report = (error: unknown) => (store === shared?.store ? shared.failed(error) : undefined);
    const heartbeat = setInterval(() => store.keepSubscription(key, id, ttlMs).catch(report), Math.max(1, Math.floor(ttlMs / 3)));
    heartbeat.unref();
    heartbeats.add(heartbeat);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      heartbeats.delete(heartbeat);
      // If this fails the slot is freed by its expiry instead.
      await store.endSubscription(key, id).catch(report);
    };
  };

  return {
    async debit(key, tier, cost) {
      assertTier(tier);
      assertCost(cost);
      const { value: decision } = await withStore((store) => store.debit(key, tier, cost));
      count(decision.allowed);
      return decision;
    },
    async settle(key, tier, points) {
      if (!(Number.isFinite(points) && points !== 0)) return;
      try {
        assertTier(tier);
        await withStore((store) => store.settle(key, tier, points));
      } catch (error) {
        options.logger.warn('rate limit settlement failed', { error });
      }
    },
    async startSubscription(key, tier, cost): Promise<SubscriptionStart> {
      assertTier(tier);
      assertCost(cost);
      const id = randomUUID();
      const { value, store } = await withStore((s) => s.startSubscription(key, tier, cost, id, ttlMs));
      count(value.outcome === 'STARTED');
      if (value.outcome !== 'STARTED') return { allowed: false, reason: value.outcome, decision: value.decision };
      return { allowed: true, decision: value.decision, release: subscriptionHandle(store, key, id) };
    },
    health: () => shared?.health() ?? { store: 'memory', degraded: false },
    stats: () => ({ ...counters }),
    async close() {
      for (const heartbeat of heartbeats) clearInterval(heartbeat);
      heartbeats.clear();
      await shared?.close();
    },
  };
}

/**
 * The Redis connection and its state. `starting` until the first `ready`
 * (calls are answered in-process meanwhile, silently), `up` while Redis
 * answers, `down` from the first failure until a PING succeeds again. Each
 * transition to `down` and back is logged once.
 */
function sharedStore(url: string, logger: Logger, now: () => number) {
  const redis: Redis = createLimiterRedis(url);
  const store = createRedisStore(redis);
  let state: 'starting' | 'up' | 'down' = 'starting';
  let since: number | undefined;
  let closing = false;
  let probing = false;
  let probes: NodeJS.Timeout | undefined;

  const down = (error: unknown) => {
    if (closing || state === 'down') return;
    state = 'down';
    since = now();
    probes = setInterval(probe, PROBE_INTERVAL_MS);
    probes.unref();
    logger.warn('rate limiter: Redis unavailable, limiting in-process (per replica) until it answers', {
      error: error instanceof Error ? error.message : String(error),
    });
  };
  const up = () => {
    if (closing || state === 'up') return;
    if (state === 'down') logger.info('rate limiter: Redis answers again, limits are shared across replicas', { degradedMs: now() - (since ?? now()) });
    state = 'up';
    since = undefined;
    clearInterval(probes);
  };
  const probe = () => {
    if (probing || closing) return;
    probing = true;
    redis
      .ping()
      .then(up, () => undefined)
      .finally(() => (probing = false));
  };

  // Without a listener ioredis prints every connection error; failures are reported through `down`.
  redis.on('error', (error: Error) => {
    if (state === 'starting') down(error);
  });
  redis.on('ready', probe);
  redis.on('close', () => {
    if (state === 'up') down(new Error('connection closed'));
  });
  const startup = setTimeout(() => {
    if (state === 'starting') down(new Error(`not ready within ${CONNECT_TIMEOUT_MS} ms`));
  }, CONNECT_TIMEOUT_MS);
  startup.unref();

  return {
    store,
    usable: () => state === 'up',
    failed: down,
    health(): RateLimiterHealth {
      if (state === 'up') return { store: 'redis', degraded: false };
      return state === 'down' ? { store: 'memory', degraded: true, since } : { store: 'memory', degraded: false };
    },
    async close() {
      closing = true;
      clearTimeout(startup);
      clearInterval(probes);
      if (redis.status === 'end') return;
      if (redis.status !== 'ready') return void redis.disconnect();
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}
