import { createRateLimiter } from '../../../gateway/src/ratelimit';
import { createMemoryStore } from '../../../gateway/src/ratelimit/memory-store';
import { manualClock, recordingLogger, tier } from './support';

describe('the in-process limiter (no Redis configured)', () => {
  const setup = (options: { subscriptionTtlMs?: number } = {}) => {
    const clock = manualClock();
    const logger = recordingLogger();
    const limiter = createRateLimiter({ logger, now: clock.now, ...options });
    return { clock, logger, limiter };
  };

  it('debits, refuses without debiting, and refills with time', async () => {
    const { clock, limiter } = setup();
    const budget = tier({ capacity: 10, refillPerSecond: 1 });
    expect(await limiter.debit('sub:a', budget, 7)).toMatchObject({ allowed: true, remaining: 3 });
    expect(await limiter.debit('sub:a', budget, 5)).toMatchObject({ allowed: false, remaining: 3, retryAfterMs: 2_000 });
    expect(await limiter.debit('sub:a', budget, 3)).toMatchObject({ allowed: true, remaining: 0, resetMs: 10_000 });
    clock.advance(4_000);
    expect(await limiter.debit('sub:a', budget, 4)).toMatchObject({ allowed: true, remaining: 0 });
    expect(limiter.stats()).toEqual({ debits: 3, refusals: 1, fallbacks: 0 });
    expect(limiter.health()).toEqual({ store: 'memory', degraded: false });
    await limiter.close();
  });

  it('keeps one bucket per key', async () => {
    const { limiter } = setup();
    const budget = tier({ capacity: 5 });
    await limiter.debit('sub:a', budget, 5);
    expect(await limiter.debit('sub:b', budget, 5)).toMatchObject({ allowed: true });
    expect(await limiter.debit('sub:a', budget, 1)).toMatchObject({ allowed: false });
    await limiter.close();
  });

  it('refunds the unused part of an estimate, never above capacity', async () => {
    const { limiter } = setup();
    const budget = tier({ capacity: 10, refillPerSecond: 1 });
    await limiter.debit('sub:a', budget, 8);
    await limiter.settle('sub:a', budget, 5);
    expect(await limiter.debit('sub:a', budget, 0)).toMatchObject({ remaining: 7 });
    await limiter.settle('sub:a', budget, 1_000);
    expect(await limiter.debit('sub:a', budget, 0)).toMatchObject({ remaining: 10, resetMs: 0 });
    await limiter.close();
  });

  it('refund never rejects, even for nonsense', async () => {
    const { limiter } = setup();
    await expect(limiter.settle('sub:a', tier(), Number.NaN)).resolves.toBeUndefined();
    await expect(limiter.settle('sub:a', tier(), -5)).resolves.toBeUndefined();
    await expect(limiter.settle('sub:a', tier({ capacity: 0 }), 5)).resolves.toBeUndefined();
    await limiter.close();
  });

  it('rejects a negative or non-finite cost and an invalid tier as the programming errors they are', async () => {
    const { limiter } = setup();
    await expect(limiter.debit('sub:a', tier(), -1)).rejects.toThrow(RangeError);
    await expect(limiter.debit('sub:a', tier(), Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
    await expect(limiter.debit('sub:a', tier({ refillPerSecond: 0 }), 1)).rejects.toThrow(/refillPerSecond/);
    await limiter.close();
  });

  it('refuses a cost larger than the capacity with retryAfterMs -1', async () => {
    const { limiter } = setup();
    expect(await limiter.debit('sub:a', tier({ capacity: 10 }), 11)).toMatchObject({ allowed: false, retryAfterMs: -1, remaining: 10 });
    await limiter.close();
  });

  describe('subscriptions', () => {
    it('refuses the subscription over maxSubscriptions with TOO_MANY_SUBSCRIPTIONS, without charging it; release frees a slot', async () => {
      const { limiter } = setup();
      const budget = tier({ capacity: 100, maxSubscriptions: 2 });
      const first = await limiter.startSubscription('sub:a', budget, 10);
      const second = await limiter.startSubscription('sub:a', budget, 10);
      expect(first).toMatchObject({ allowed: true, decision: { remaining: 90 } });
      expect(second).toMatchObject({ allowed: true, decision: { remaining: 80 } });
      const third = await limiter.startSubscription('sub:a', budget, 10);
      expect(third).toMatchObject({ allowed: false, reason: 'TOO_MANY_SUBSCRIPTIONS', decision: { allowed: false, remaining: 80 } });
      if (!first.allowed) throw new Error('unreachable');
      await first.release();
      expect(await limiter.startSubscription('sub:a', budget, 10)).toMatchObject({ allowed: true, decision: { remaining: 70 } });
      expect(limiter.stats()).toEqual({ debits: 3, refusals: 1, fallbacks: 0 });
      await limiter.close();
    });

    it('release is idempotent: releasing twice frees one slot', async () => {
      const { limiter } = setup();
      const budget = tier({ capacity: 100, maxSubscriptions: 2 });
      const first = await limiter.startSubscription('sub:a', budget, 1);
      await limiter.startSubscription('sub:a', budget, 1);
      if (!first.allowed) throw new Error('unreachable');
      await first.release();
      await first.release();
      expect(await limiter.startSubscription('sub:a', budget, 1)).toMatchObject({ allowed: true });
      expect(await limiter.startSubscription('sub:a', budget, 1)).toMatchObject({ allowed: false, reason: 'TOO_MANY_SUBSCRIPTIONS' });
      await limiter.close();
    });

    it('refuses a subscription the bucket cannot pay with RATE_LIMITED, taking no slot', async () => {
      const { limiter } = setup();
      const budget = tier({ capacity: 10, maxSubscriptions: 1 });
      expect(await limiter.startSubscription('sub:a', budget, 11)).toMatchObject({ allowed: false, reason: 'RATE_LIMITED', decision: { retryAfterMs: -1 } });
      expect(await limiter.startSubscription('sub:a', budget, 10)).toMatchObject({ allowed: true });
      await limiter.close();
    });

    it('frees the slot of a subscription whose heartbeat stopped, after its ttl', async () => {
      const { clock, limiter } = setup({ subscriptionTtlMs: 60_000 });
      const budget = tier({ capacity: 100, maxSubscriptions: 1 });
      expect(await limiter.startSubscription('sub:a', budget, 1)).toMatchObject({ allowed: true });
      // The manual clock moves past the ttl before the real 20 s heartbeat could run.
      clock.advance(59_999);
      expect(await limiter.startSubscription('sub:a', budget, 1)).toMatchObject({ allowed: false, reason: 'TOO_MANY_SUBSCRIPTIONS' });
      clock.advance(1);
      expect(await limiter.startSubscription('sub:a', budget, 1)).toMatchObject({ allowed: true });
      await limiter.close();
    });
  });

  describe('memory bound', () => {
    it('keeps at most maxBuckets buckets: a sweep drops the full ones, then the least recently used down to 90%', async () => {
      const clock = manualClock();
      const store = createMemoryStore({ now: clock.now, maxBuckets: 100 });
      const budget = tier({ capacity: 10, refillPerSecond: 1 });
      for (let i = 0; i < 20; i++) await store.debit(`idle${i}`, budget, 1); // full again 1 s later
      clock.advance(1_000);
      for (let i = 0; i < 80; i++) await store.debit(`busy${i}`, budget, 5);
      expect(store.size()).toBe(100);
      await store.debit('new', budget, 5);
      // Only the full buckets went: 80 busy + the new one.
      expect(store.size()).toBe(81);
      expect(await store.debit('busy0', budget, 0)).toMatchObject({ remaining: 5 });

      for (let i = 0; i < 19; i++) await store.debit(`more${i}`, budget, 5);
      expect(store.size()).toBe(100);
      await store.debit('last', budget, 5);
      expect(store.size()).toBe(91);
      // busy1 was the least recently used (busy0 was just touched): it starts over full; the newest are kept.
      expect(await store.debit('busy1', budget, 0)).toMatchObject({ remaining: 10 });
      expect(await store.debit('busy0', budget, 0)).toMatchObject({ remaining: 5 });
      expect(await store.debit('last', budget, 0)).toMatchObject({ remaining: 5 });
    });

    it('stores nothing for a bucket that is full', async () => {
      const store = createMemoryStore({ now: manualClock().now });
      const budget = tier({ capacity: 10 });
      await store.debit('a', budget, 0);
      await store.debit('b', budget, 4);
      await store.settle('b', budget, 4);
      expect(store.size()).toBe(0);
    });
  });
});
