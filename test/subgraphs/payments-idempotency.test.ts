import Redis from 'ioredis';
import { MemoryPaymentStore } from '../../subgraphs/payments/memory-store';
import { RedisPaymentStore } from '../../subgraphs/payments/redis-store';
import { DEFAULT_IDEMPOTENCY_TTL_MS, idempotencyTtlMsFrom, type NewPayment } from '../../subgraphs/payments/store';
import { startRedis, type RedisServer } from '../support/redis';

const payment = (customerId: string): NewPayment => ({
  orderId: `ord-${customerId}`,
  customerId,
  amount: { amount: 1_000, currency: 'USD' },
  refunded: 0,
  status: 'AUTHORIZED',
  createdAt: '2026-12-03T00:00:00.000Z',
  items: [{ productId: 'p-0001', quantity: 1 }],
});

describe('idempotency keys are scoped per customer and expire', () => {
  let redis: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    await client.quit();
    await redis.destroy();
  });

  describe.each([
    ['memory', () => new MemoryPaymentStore()],
    ['redis', () => new RedisPaymentStore(client)],
  ] as const)('on the %s store', (_kind, createStore) => {
    beforeEach(() => client.flushall());

    it('gives two customers who pick the same key two payments, and tells neither about the other', async () => {
      const store = createStore();
      const a = await store.authorize({ idempotencyKey: 'order-1', fingerprint: 'fa', payment: payment('c-001') });
      const b = await store.authorize({ idempotencyKey: 'order-1', fingerprint: 'fb', payment: payment('c-002') });
      expect(a.created && b.created).toBe(true);
      expect(a.payment.id).not.toBe(b.payment.id);
      // Each customer's replay still answers their own payment.
      expect((await store.authorize({ idempotencyKey: 'order-1', fingerprint: 'fb', payment: payment('c-002') })).payment.id).toBe(b.payment.id);
    });

    it('keeps customer ids and keys from combining into another pair', async () => {
      const store = createStore();
      const first = await store.authorize({ idempotencyKey: 'b:c', fingerprint: 'f1', payment: payment('a') });
      const second = await store.authorize({ idempotencyKey: 'c', fingerprint: 'f2', payment: payment('a:b') });
      expect(second.created).toBe(true);
      expect(second.payment.id).not.toBe(first.payment.id);
    });
  });

  it('forgets a key after its TTL on the memory store, so the key may be used again', async () => {
    let now = 1_000_000;
    const store = new MemoryPaymentStore({ idempotencyTtlMs: 60_000, now: () => now });
    const first = await store.authorize({ idempotencyKey: 'k', fingerprint: 'f1', payment: payment('c-001') });
    now += 59_999;
    await expect(store.authorize({ idempotencyKey: 'k', fingerprint: 'f2', payment: payment('c-001') })).rejects.toThrow(/already used/);
    now += 1;
    const again = await store.authorize({ idempotencyKey: 'k', fingerprint: 'f2', payment: payment('c-001') });
    expect(again.created).toBe(true);
    expect(again.payment.id).not.toBe(first.payment.id);
  });

  it('stores each key in Redis with the TTL, and creates a new payment once Redis has expired it', async () => {
    await client.flushall();
    const store = new RedisPaymentStore(client, { idempotencyTtlMs: 60_000 });
    const first = await store.authorize({ idempotencyKey: 'k', fingerprint: 'f1', payment: payment('c-001') });
    const [record] = await client.keys('payments:idempotency:*');
    const ttl = await client.pttl(record);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await client.pexpire(record, 1);
    while ((await client.exists(record)) === 1) await client.ping();
    const again = await store.authorize({ idempotencyKey: 'k', fingerprint: 'f2', payment: payment('c-001') });
    expect(again.created).toBe(true);
    expect(again.payment.id).not.toBe(first.payment.id);
  });

  it('reads PAYMENTS_IDEMPOTENCY_TTL_SECONDS, defaulting to 24 h, and names it when it is not a positive integer', () => {
    expect(idempotencyTtlMsFrom({})).toBe(DEFAULT_IDEMPOTENCY_TTL_MS);
    expect(DEFAULT_IDEMPOTENCY_TTL_MS).toBe(86_400_000);
    expect(idempotencyTtlMsFrom({ PAYMENTS_IDEMPOTENCY_TTL_SECONDS: '3600' })).toBe(3_600_000);
    expect(() => idempotencyTtlMsFrom({ PAYMENTS_IDEMPOTENCY_TTL_SECONDS: '0' })).toThrow(/PAYMENTS_IDEMPOTENCY_TTL_SECONDS must be a positive integer \(got "0"\)/);
  });
});
