import Redis from 'ioredis';
import type { SubscriptionStart } from '../../../gateway/src/ratelimit';
import type { RedisServer } from '../../support/redis';
import { eventually, replicaPool, startTestRedis, tier, uniqueKey } from './support';

type Started = Extract<SubscriptionStart, { allowed: true }>;

function started(start: SubscriptionStart): Started {
  if (!start.allowed) throw new Error(`expected the subscription to start, got ${start.reason}`);
  return start;
}

describe('the per-client subscription cap, shared by replicas through a real Redis', () => {
  let redis: RedisServer;
  let raw: Redis;
  const replicas = replicaPool();

  beforeAll(async () => {
    redis = await startTestRedis();
    raw = new Redis(redis.url);
  });
  afterEach(() => replicas.closeAll());
  afterAll(async () => {
    raw.disconnect();
    await redis.destroy();
  });

  it('counts the subscriptions of every replica: the third is refused with TOO_MANY_SUBSCRIPTIONS, a release frees a slot', async () => {
    const [a, b] = [await replicas.startShared(redis.url), await replicas.startShared(redis.url)];
    const key = uniqueKey('cap');
    const budget = tier({ capacity: 100, refillPerSecond: 0.001, maxSubscriptions: 2 });
    const first = started(await a.startSubscription(key, budget, 10));
    expect(first.decision).toMatchObject({ allowed: true, remaining: 90 });
    started(await b.startSubscription(key, budget, 10));

    const third = await a.startSubscription(key, budget, 10);
    expect(third).toMatchObject({ allowed: false, reason: 'TOO_MANY_SUBSCRIPTIONS', decision: { allowed: false, remaining: 80 } });
    expect(await b.startSubscription(key, budget, 10)).toMatchObject({ allowed: false, reason: 'TOO_MANY_SUBSCRIPTIONS' });

    await first.release();
    await first.release();
    expect(started(await b.startSubscription(key, budget, 10)).decision.remaining).toBe(70);
    expect(await a.startSubscription(key, budget, 10)).toMatchObject({ allowed: false, reason: 'TOO_MANY_SUBSCRIPTIONS' });
    expect(a.stats()).toEqual({ debits: 1, refusals: 2, fallbacks: 0 });
  });

  it('refuses a subscription the shared bucket cannot pay with RATE_LIMITED, taking no slot', async () => {
    const [a, b] = [await replicas.startShared(redis.url), await replicas.startShared(redis.url)];
    const key = uniqueKey('rate');
    const budget = tier({ capacity: 10, refillPerSecond: 0.001, maxSubscriptions: 1 });
    await a.debit(key, budget, 8);
    const refused = await b.startSubscription(key, budget, 5);
    expect(refused).toMatchObject({ allowed: false, reason: 'RATE_LIMITED', decision: { allowed: false, remaining: 2 } });
    expect(refused.decision.retryAfterMs).toBeGreaterThan(0);
    expect(await raw.exists(`gw:rl:{${key}}:subs`)).toBe(0);
    started(await b.startSubscription(key, budget, 2));
  });

  it('keeps the slots in a sorted set gw:rl:{key}:subs scored by expiry, gone once every slot is released', async () => {
    const a = await replicas.startShared(redis.url, { subscriptionTtlMs: 10_000 });
    const key = uniqueKey('layout');
    const budget = tier({ capacity: 100, maxSubscriptions: 5 });
    const handles = [started(await a.startSubscription(key, budget, 1)), started(await a.startSubscription(key, budget, 1))];
    const slots = await raw.zrange(`gw:rl:{${key}}:subs`, 0, -1, 'WITHSCORES');
    expect(slots).toHaveLength(4);
    const [seconds] = await raw.time();
    const expiry = Number(slots[1]);
    expect(expiry).toBeGreaterThan(Number(seconds) * 1000 + 5_000);
    expect(expiry).toBeLessThan(Number(seconds) * 1000 + 11_000);
    const ttl = await raw.pttl(`gw:rl:{${key}}:subs`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10_000);
    await Promise.all(handles.map((handle) => handle.release()));
    expect(await raw.exists(`gw:rl:{${key}}:subs`)).toBe(0);
  });

  it('stops counting the subscriptions of a replica that died without releasing them, after their ttl', async () => {
    const crashing = await replicas.startShared(redis.url, { subscriptionTtlMs: 600 });
    const survivor = await replicas.startShared(redis.url, { subscriptionTtlMs: 600 });
    const key = uniqueKey('crash');
    const budget = tier({ capacity: 100, maxSubscriptions: 2 });
    started(await crashing.startSubscription(key, budget, 1));
    started(await crashing.startSubscription(key, budget, 1));
    await crashing.close(); // no release: its heartbeats stop

    expect(await survivor.startSubscription(key, budget, 1)).toMatchObject({ allowed: false, reason: 'TOO_MANY_SUBSCRIPTIONS' });
    const later = await eventually(async () => started(await survivor.startSubscription(key, budget, 1)), 5_000, 100);
    await later.release();
  });

  it('keeps counting a live subscription past its ttl: the handle renews it', async () => {
    const holder = await replicas.startShared(redis.url, { subscriptionTtlMs: 600 });
    const other = await replicas.startShared(redis.url, { subscriptionTtlMs: 600 });
    const key = uniqueKey('heartbeat');
    const budget = tier({ capacity: 100, maxSubscriptions: 1 });
    const live = started(await holder.startSubscription(key, budget, 1));
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await other.startSubscription(key, budget, 1)).toMatchObject({ allowed: false, reason: 'TOO_MANY_SUBSCRIPTIONS' });
    await live.release();
    started(await other.startSubscription(key, budget, 1));
  });
});
