import Redis from 'ioredis';
import { freePort } from '../../support/ports';
import type { RedisServer } from '../../support/redis';
import { eventually, linesAbout, replicaPool, startTestRedis, tier, uniqueKey } from './support';

const UNAVAILABLE = 'Redis unavailable';
const RECOVERED = 'Redis answers again';

/**
 * What a call answered. No wall-clock assertion: that a dead or hung Redis
 * is not waited on shows as the answer coming from the in-process store
 * (counted in `fallbacks`) rather than as a time.
 */
async function answered<T>(work: Promise<T>): Promise<{ value: T }> {
  return { value: await work };
}

describe('the limiter when Redis is unavailable', () => {
  let redis: RedisServer;
  let down = false;
  const replicas = replicaPool();
  const stopRedis = async () => {
    down = true;
    await redis.stop();
  };
  const restartRedis = async () => {
    await redis.restart();
    down = false;
  };

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterEach(async () => {
    await replicas.closeAll();
    if (down) await restartRedis();
  });
  afterAll(() => redis.destroy());

  it('answers from memory while Redis is down, logs once each way, and shares limits again once Redis is back', async () => {
    const budget = tier({ capacity: 3, refillPerSecond: 0.01 });
    const [a, b] = [await replicas.startShared(redis.url), await replicas.startShared(redis.url)];
    expect(await a.debit(uniqueKey('before'), budget, 1)).toMatchObject({ allowed: true });

    await stopRedis();
    const key = uniqueKey('outage');
    for (let i = 0; i < 3; i++) {
      const { value } = await answered(a.debit(key, budget, 1));
      expect(value.allowed).toBe(true);
    }
    // In-process buckets are per replica: A's is empty, B's is not.
    expect(await a.debit(key, budget, 1)).toMatchObject({ allowed: false, remaining: 0 });
    expect(await b.debit(key, budget, 1)).toMatchObject({ allowed: true });
    await a.settle(key, budget, 1);

    const health = a.health();
    expect(health).toMatchObject({ store: 'memory', degraded: true });
    expect(typeof health.since).toBe('number');
    expect(linesAbout(a, UNAVAILABLE)).toHaveLength(1);
    expect(linesAbout(a, UNAVAILABLE)[0].level).toBe('warn');
    // The debit before the outage went to Redis; the rest (refund included) to memory.
    expect(a.stats()).toEqual({ debits: 4, refusals: 1, fallbacks: 5 });

    await restartRedis();
    await eventually(() => expect(a.health()).toEqual({ store: 'redis', degraded: false }));
    await eventually(() => expect(b.health()).toEqual({ store: 'redis', degraded: false }));
    expect(linesAbout(a, UNAVAILABLE)).toHaveLength(1);
    expect(linesAbout(a, RECOVERED)).toHaveLength(1);

    const after = uniqueKey('after');
    expect(await a.debit(after, budget, 3)).toMatchObject({ allowed: true });
    expect(await b.debit(after, budget, 1)).toMatchObject({ allowed: false });
    const fallbacks = a.stats().fallbacks;
    await a.debit(after, budget, 0);
    expect(a.stats().fallbacks).toBe(fallbacks);
  });

  it('logs the degradation once however many calls and reconnection attempts it lasts', async () => {
    const a = await replicas.startShared(redis.url);
    await stopRedis();
    try {
      for (let i = 0; i < 20; i++) {
        await a.debit(uniqueKey('many'), tier(), 1);
        await a.settle(uniqueKey('many'), tier(), 1);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(linesAbout(a, UNAVAILABLE)).toHaveLength(1);
      expect(a.logger.lines.filter((line) => line.level === 'warn' || line.level === 'error')).toHaveLength(1);
    } finally {
      await restartRedis();
    }
  });

  it('answers from memory when Redis is unreachable from the start, and reports it degraded', async () => {
    const nobody = `redis://127.0.0.1:${await freePort()}`;
    const a = replicas.start(nobody);
    for (let i = 0; i < 5; i++) {
      const { value } = await answered(a.debit('sub:alice', tier({ capacity: 10 }), 2));
      expect(value).toMatchObject({ allowed: true, remaining: 8 - 2 * i });
    }
    await eventually(() => expect(a.health()).toMatchObject({ store: 'memory', degraded: true }));
    // ioredis keeps reconnecting meanwhile; that is still one degradation.
    await new Promise((r) => setTimeout(r, 500));
    expect(linesAbout(a, UNAVAILABLE)).toHaveLength(1);
    expect(a.stats().fallbacks).toBe(5);
  });

  it('keeps subscriptions working in memory during an outage', async () => {
    const a = await replicas.startShared(redis.url);
    await stopRedis();
    try {
      const key = uniqueKey('subs');
      const budget = tier({ capacity: 100, maxSubscriptions: 1 });
      const first = await a.startSubscription(key, budget, 1);
      expect(first).toMatchObject({ allowed: true });
      expect(await a.startSubscription(key, budget, 1)).toMatchObject({ allowed: false, reason: 'TOO_MANY_SUBSCRIPTIONS' });
      if (first.allowed) await first.release();
      expect(await a.startSubscription(key, budget, 1)).toMatchObject({ allowed: true });
    } finally {
      await restartRedis();
    }
  });
});
