import type { RunningGateway } from '../../../gateway/src/gateway';
import { flushRedis } from '../../subgraphs/harness';
import { startTestGateway } from '../../support/gateway';
import { postGraphQL } from '../../support/http';
import { startRedis, type RedisServer } from '../../support/redis';
import { startStack, type Stack } from '../../support/stack';
import { devAuthorization } from '../../support/tokens';
import type { Subscription } from '../transport/support/clients';
import { CACHE_DEBUG, adjustStockAtTheSubgraph, availableOf, eventually, followStock, untilLive } from './support';

/** The `available` values the subscriber has received. */
const received = (subscription: Subscription) => subscription.results.map((r) => (r.data as { stockChanged: { available: number } } | undefined)?.stockChanged.available);

/**
 * The promise of README "Caching": a client that receives an event and then
 * queries never reads the value from before it. Each round caches the stock
 * (a miss, then a hit), changes it at the subgraph (past every gateway: only
 * the event tells them), waits for the subscriber to receive that change,
 * then queries.
 */
async function readYourEvent(stack: Stack, subscribedTo: string, queried: string, productId: string): Promise<void> {
  const { client, subscription, connected } = followStock(subscribedTo, productId);
  try {
    await connected;
    await untilLive(stack, subscription, productId);
    for (let round = 0; round < 3; round++) {
      const cached = await availableOf(queried, productId);
      const hit = await availableOf(queried, productId);
      expect(hit.cache.hits).toMatchObject({ Product: 1 });
      expect(hit.available).toBe(cached.available);

      const written = await adjustStockAtTheSubgraph(stack, productId, 2 + round);
      await eventually(() => expect(received(subscription)).toContain(written), 10_000, 2);
      const after = await availableOf(queried, productId);
      expect(after.available).toBe(written);
      expect(after.cache.misses).toMatchObject({ Product: 1 });
    }
  } finally {
    subscription.unsubscribe();
    await client.dispose();
  }
}

describe.each(['memory', 'redis'] as const)('entity cache invalidated by domain events, %s store', (store) => {
  let redis: RedisServer | undefined;
  let stack: Stack;
  const replicas: RunningGateway[] = [];
  const replica = async () => {
    const gateway = await startTestGateway(stack.supergraphPath, { ...CACHE_DEBUG, ...(redis && { REDIS_URL: redis.url }) });
    replicas.push(gateway);
    return gateway;
  };

  beforeAll(async () => {
    if (store === 'redis') redis = await startRedis();
  });
  beforeEach(async () => {
    if (redis) await flushRedis(redis.url);
    stack = await startStack({ store, redisUrl: redis?.url, gatewayEnv: { ...CACHE_DEBUG, ...(redis && { REDIS_URL: redis.url }) } });
  });
  afterEach(async () => {
    await Promise.all(replicas.splice(0).map((g) => g.close()));
    await stack.close();
  });
  afterAll(() => redis?.destroy());

  it('answers a query made right after a StockChanged event with the new stock, never the cached one', async () => {
    await readYourEvent(stack, stack.url, stack.url, 'p-0002');
  });

  it("answers a mutation's author with what it wrote: the mutation's answer invalidates the entities it names", async () => {
    const operator = await devAuthorization();
    const before = await availableOf(stack.url, 'p-0003');
    expect((await availableOf(stack.url, 'p-0003')).cache.hits).toMatchObject({ Product: 1 });
    const mutation = await postGraphQL(stack.url, 'mutation { adjustStock(productId: "p-0003", warehouseId: "wh-1", delta: 7, reason: "spec") { stock { available } } }', {}, operator);
    expect(mutation.body.errors).toBeUndefined();
    expect(mutation.headers.get('cache-control')).toBe('no-store');
    expect((await availableOf(stack.url, 'p-0003')).available).toBe(before.available + 7);
  });

  if (store === 'redis') {
    it('holds across two replicas sharing Redis: subscribed on one, querying the other', async () => {
      const other = await replica();
      await readYourEvent(stack, stack.url, other.url, 'p-0004');
    });

    it("holds across replicas for a mutation's author: written through one, read through the other", async () => {
      const other = await replica();
      const operator = await devAuthorization();
      const before = await availableOf(other.url, 'p-0005');
      expect((await availableOf(other.url, 'p-0005')).cache.hits).toMatchObject({ Product: 1 });
      await postGraphQL(stack.url, 'mutation { adjustStock(productId: "p-0005", warehouseId: "wh-1", delta: 3, reason: "spec") { id } }', {}, operator);
      expect((await availableOf(other.url, 'p-0005')).available).toBe(before.available + 3);
    });
  }
});
