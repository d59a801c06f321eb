import Redis from 'ioredis';
import type { RedisServer } from '../../support/redis';
import { eventually, replicaPool, startTestRedis, tier, uniqueKey } from './support';

describe('buckets shared by replicas through a real Redis', () => {
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

  it('shares one budget: what replica A spends, replica B cannot', async () => {
    const [a, b] = [await replicas.startShared(redis.url), await replicas.startShared(redis.url)];
    const key = uniqueKey('shared');
    const budget = tier({ capacity: 3, refillPerSecond: 0.01 });
    expect(await a.debit(key, budget, 3)).toMatchObject({ allowed: true, remaining: 0 });
    const refused = await b.debit(key, budget, 1);
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    expect(refused.retryAfterMs).toBeGreaterThan(90_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(100_000);
    expect(b.stats()).toEqual({ debits: 0, refusals: 1, fallbacks: 0 });
    expect(a.stats()).toEqual({ debits: 1, refusals: 0, fallbacks: 0 });
  });

  it('refills the shared bucket over time', async () => {
    const [a, b] = [await replicas.startShared(redis.url), await replicas.startShared(redis.url)];
    const key = uniqueKey('refill');
    const budget = tier({ capacity: 2, refillPerSecond: 2 });
    expect(await a.debit(key, budget, 2)).toMatchObject({ allowed: true });
    expect(await b.debit(key, budget, 2)).toMatchObject({ allowed: false });
    await eventually(async () => expect(await b.debit(key, budget, 2)).toMatchObject({ allowed: true }), 5_000, 100);
  });

  it('debits atomically: of 50 concurrent debits against a budget of 10 × cost exactly 10 pass', async () => {
    const [a, b] = [await replicas.startShared(redis.url), await replicas.startShared(redis.url)];
    const key = uniqueKey('atomic');
    const budget = tier({ capacity: 30, refillPerSecond: 0.001 });
    const decisions = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).debit(key, budget, 3)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(a.stats().fallbacks + b.stats().fallbacks).toBe(0);
  });

  it('gives points back into the shared bucket, never above capacity, and forgets a bucket that is full again', async () => {
    const [a, b] = [await replicas.startShared(redis.url), await replicas.startShared(redis.url)];
    const key = uniqueKey('refund');
    const budget = tier({ capacity: 10, refillPerSecond: 0.001 });
    await a.debit(key, budget, 8);
    await b.settle(key, budget, 5);
    expect(await a.debit(key, budget, 0)).toMatchObject({ remaining: 7 });
    await b.settle(key, budget, 1_000);
    expect(await raw.exists(`gw:rl:{${key}}`)).toBe(0);
    expect(await a.debit(key, budget, 0)).toMatchObject({ remaining: 10, resetMs: 0 });
  });

  it('takes what a settlement finds owing from the shared bucket, down to empty and never below', async () => {
    const [a, b] = [await replicas.startShared(redis.url), await replicas.startShared(redis.url)];
    const key = uniqueKey('owing');
    const budget = tier({ capacity: 10, refillPerSecond: 0.001 });
    await b.settle(key, budget, -4);
    expect(await a.debit(key, budget, 0)).toMatchObject({ remaining: 6 });
    await b.settle(key, budget, -1_000);
    expect(await a.debit(key, budget, 1)).toMatchObject({ allowed: false, remaining: 0 });
  });

  it('keeps a bucket as a hash {tokens, ts} under gw:rl:{key} that expires when it would be full', async () => {
    const a = await replicas.startShared(redis.url);
    const key = uniqueKey('layout');
    const decision = await a.debit(key, tier({ capacity: 10, refillPerSecond: 1 }), 4);
    expect(decision).toMatchObject({ allowed: true, remaining: 6 });
    expect(decision.resetMs).toBeGreaterThan(3_900);
    expect(decision.resetMs).toBeLessThanOrEqual(4_000);
    const bucket = await raw.hgetall(`gw:rl:{${key}}`);
    expect(Object.keys(bucket).sort()).toEqual(['tokens', 'ts']);
    expect(Number(bucket.tokens)).toBeCloseTo(6, 2);
    const ttl = await raw.pttl(`gw:rl:{${key}}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(4_000);
  });

  it('refuses a cost larger than the capacity with retryAfterMs -1 and writes nothing', async () => {
    const a = await replicas.startShared(redis.url);
    const key = uniqueKey('too-big');
    expect(await a.debit(key, tier({ capacity: 10 }), 11)).toMatchObject({ allowed: false, remaining: 10, retryAfterMs: -1, resetMs: 0 });
    expect(await raw.exists(`gw:rl:{${key}}`)).toBe(0);
  });

  it('computes refill with Redis time, whatever the clocks of the replicas say', async () => {
    const ahead = await replicas.startShared(redis.url, { now: () => Date.now() + 3_600_000 });
    const behind = await replicas.startShared(redis.url, { now: () => Date.now() - 3_600_000 });
    const key = uniqueKey('skew');
    const budget = tier({ capacity: 5, refillPerSecond: 0.01 });
    expect(await ahead.debit(key, budget, 5)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await behind.debit(key, budget, 1)).toMatchObject({ allowed: false, remaining: 0 });
    expect(await ahead.debit(key, budget, 1)).toMatchObject({ allowed: false, remaining: 0 });
  });

  it('keeps working after Redis forgets its scripts (NOSCRIPT: the script is sent again)', async () => {
    const a = await replicas.startShared(redis.url);
    const key = uniqueKey('noscript');
    const budget = tier({ capacity: 10, refillPerSecond: 0.001 });
    await a.debit(key, budget, 1);
    await raw.script('FLUSH');
    expect(await a.debit(key, budget, 1)).toMatchObject({ allowed: true, remaining: 8 });
    expect(a.health()).toEqual({ store: 'redis', degraded: false });
    expect(a.stats().fallbacks).toBe(0);
  });
});
