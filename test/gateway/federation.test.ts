import { generateSeedStock } from '../../subgraphs/inventory/seed';
import { generateSeedPayments } from '../../subgraphs/payments/seed';
import { generateSeedProducts } from '../../subgraphs/products/seed';
import type { StoreKind } from '../../subgraphs/shared/store';
import { errorCodes, postGraphQL } from '../support/http';
import { startRedis, type RedisServer } from '../support/redis';
import { startStack, type Stack } from '../support/stack';
import { devAuthorization } from '../support/tokens';
import { flushRedis, outcomes, roundTripsOf } from '../subgraphs/harness';

const STORE_KINDS: StoreKind[] = ['memory', 'redis'];

const PRODUCTS = new Map(generateSeedProducts().map((p) => [p.id, p]));
const AVAILABLE = new Map(generateSeedStock().map((s) => [s.productId, Object.values(s.onHand).reduce((a, b) => a + b, 0)]));
const SEED_PAYMENTS = generateSeedPayments();

const PAYMENT_WITH_ITEMS = `query($id: ID!) {
  payment(id: $id) { id amount { amount currency } items { quantity product { id name price { amount currency } stock { available } } } }
}`;
const RESERVE = `mutation($productId: ID!, $quantity: Int!, $reservationId: ID!) {
  reserveStock(productId: $productId, quantity: $quantity, reservationId: $reservationId) { id quantity product { id name stock { available reserved } } }
}`;
const AUTHORIZE = `mutation($input: AuthorizePaymentInput!, $key: String!) {
  authorizePayment(input: $input, idempotencyKey: $key) { id status amount { amount currency } items { quantity product { name } } }
}`;

/** An operator's token: these specs are about federation, not access (see authentication.test.ts). */
let OPERATOR: Record<string, string>;
beforeAll(async () => {
  OPERATOR = await devAuthorization();
});
const ask = (stack: Stack, query: string, variables?: Record<string, unknown>) => postGraphQL(stack.url, query, variables, OPERATOR);

/** Sends an operation through the gateway; its answer must have no errors. */
async function data(stack: Stack, query: string, variables?: Record<string, unknown>): Promise<any> {
  const answer = await ask(stack, query, variables);
  if (answer.body.errors?.length) throw new Error(`unexpected errors: ${JSON.stringify(answer.body.errors, null, 2)}`);
  expect(answer.status).toBe(200);
  return answer.body.data;
}

describe.each(STORE_KINDS)('one endpoint over three subgraphs on the %s store', (store) => {
  let redis: RedisServer | undefined;
  let stack: Stack;

  beforeAll(async () => {
    if (store === 'redis') redis = await startRedis();
  });
  beforeEach(async () => {
    if (redis) await flushRedis(redis.url);
    // These specs count the subgraphs' store round trips per query: the entity cache (test/gateway/cache) would answer repeated reads itself.
    stack = await startStack({ store, redisUrl: redis?.url, gatewayEnv: { GATEWAY_ENTITY_CACHE_ENABLED: 'false' } });
  });
  afterEach(() => stack.close());
  afterAll(() => redis?.destroy());

  it('answers a payment with its products\' names, prices and stock, one query across payments, products and inventory', async () => {
    const seeded = SEED_PAYMENTS[0];
    const { payment } = await data(stack, PAYMENT_WITH_ITEMS, { id: seeded.id });
    expect(payment).toEqual({
      id: seeded.id,
      amount: seeded.amount,
      items: seeded.items.map(({ productId, quantity }) => ({
        quantity,
        product: {
          id: productId,
          name: PRODUCTS.get(productId)!.name,
          price: PRODUCTS.get(productId)!.price,
          stock: { available: AVAILABLE.get(productId) ?? 0 },
        },
      })),
    });
  });

  it('fetches the stock of 100 listed products with one inventory store round trip', async () => {
    const { inventory } = stack.subgraphs;
    let nodes: Array<{ id: string; stock: { available: number } }> = [];
    const trips = await roundTripsOf(inventory.store, async () => {
      ({ products: { nodes } } = await data(stack, '{ products(first: 100) { nodes { id stock { available } } } }'));
    });
    expect(nodes).toHaveLength(100);
    expect(nodes.map((n) => n.stock.available)).toEqual(nodes.map((n) => AVAILABLE.get(n.id) ?? 0));
    expect(trips).toBe(1);
  });

  it('resolves the products of 50 payments\' items with one products and one inventory store round trip', async () => {
    const { products, inventory } = stack.subgraphs;
    const query = '{ payments(first: 50) { nodes { items { product { name stock { available } } } } } }';
    let productTrips = 0;
    const inventoryTrips = await roundTripsOf(inventory.store, async () => {
      productTrips = await roundTripsOf(products.store, () => data(stack, query));
    });
    expect({ productTrips, inventoryTrips }).toEqual({ productTrips: 1, inventoryTrips: 1 });
  });

  it('lets exactly 10 of 50 concurrent one-unit reservations of a 10-unit product succeed, never going below zero', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => ask(stack, RESERVE, { productId: 'p-0001', quantity: 1, reservationId: `race-${store}-${i}` })),
    );
    expect(outcomes(answers)).toEqual({ ok: 10, INSUFFICIENT_STOCK: 40 });
    for (const answer of answers.filter((a) => !a.body.errors)) {
      expect(answer.body.data.reserveStock.product.stock.available).toBeGreaterThanOrEqual(0);
    }
    const { product } = await data(stack, '{ product(id: "p-0001") { stock { available reserved onHand } } }');
    expect(product.stock).toEqual({ available: 0, reserved: 10, onHand: 10 });
  });

  it('creates one payment for one idempotency key however many times, even concurrently, it is sent', async () => {
    const input = { orderId: `ord-idem-${store}`, customerId: 'c-007', amount: { amount: 2_500, currency: 'USD' }, items: [{ productId: 'p-0003', quantity: 1 }] };
    const countOf = async () => (await data(stack, '{ payments(customerId: "c-007", first: 1) { totalCount } }')).payments.totalCount;
    const before = await countOf();
    const answers = await Promise.all(Array.from({ length: 10 }, () => ask(stack, AUTHORIZE, { input, key: `key-${store}` })));
    expect(outcomes(answers)).toEqual({ ok: 10 });
    const ids = new Set(answers.map((a) => a.body.data.authorizePayment.id));
    expect(ids.size).toBe(1);
    expect(answers[0].body.data.authorizePayment).toMatchObject({ status: 'AUTHORIZED', items: [{ quantity: 1, product: { name: PRODUCTS.get('p-0003')!.name } }] });
    expect(await countOf()).toBe(before + 1);
  });

  it('rejects an illegal status transition with a clear, coded error through the gateway', async () => {
    const refunded = SEED_PAYMENTS.find((p) => p.status === 'REFUNDED')!;
    const answer = await ask(stack, 'mutation($id: ID!) { capturePayment(id: $id) { id status } }', { id: refunded.id });
    expect(answer.status).toBe(200);
    expect(errorCodes(answer)).toEqual(['ILLEGAL_PAYMENT_TRANSITION']);
    expect(answer.body.errors![0].message).toMatch(/REFUNDED/);
  });

  it('answers what it can with an error naming inventory when the inventory subgraph is down', async () => {
    await stack.stopSubgraph('inventory');
    const answer = await ask(stack, '{ product(id: "p-0002") { id name stock { available } } }');
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ product: { id: 'p-0002', name: PRODUCTS.get('p-0002')!.name, stock: null } });
    expect(answer.body.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'SUBREQUEST_HTTP_ERROR', service: 'inventory' }) })]);
    const healthy = await ask(stack, '{ payment(id: "pay-0002") { id } }');
    expect(healthy.body.errors).toBeUndefined();
    expect(healthy.body.data).toEqual({ payment: { id: 'pay-0002' } });
  });
});

describe('on Redis, what the gateway wrote survives a redeploy of every subgraph', () => {
  let redis: RedisServer;
  let stack: Stack;

  beforeAll(async () => {
    redis = await startRedis();
    stack = await startStack({ store: 'redis', redisUrl: redis.url });
  });
  afterAll(async () => {
    await stack.close();
    await redis.destroy();
  });

  it('keeps a new product, its stock and a payment for it across a restart of the subgraphs', async () => {
    const { createProduct } = await data(
      stack,
      'mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }',
      { input: { sku: 'SKU-DURABLE-1', name: 'Durable kettle', description: 'Survives restarts', category: 'kitchen', price: { amount: 4_999, currency: 'USD' } } },
    );
    await data(stack, 'mutation($p: ID!) { adjustStock(productId: $p, warehouseId: "wh-2", delta: 7, reason: "restock") { id } }', { p: createProduct.id });
    const { authorizePayment } = await data(stack, AUTHORIZE, {
      input: { orderId: 'ord-durable', customerId: 'c-001', amount: { amount: 4_999, currency: 'USD' }, items: [{ productId: createProduct.id, quantity: 1 }] },
      key: 'durable-key',
    });

    await stack.restartSubgraphs();

    const { payment } = await data(stack, PAYMENT_WITH_ITEMS, { id: authorizePayment.id });
    expect(payment).toEqual({
      id: authorizePayment.id,
      amount: { amount: 4_999, currency: 'USD' },
      items: [{ quantity: 1, product: { id: createProduct.id, name: 'Durable kettle', price: { amount: 4_999, currency: 'USD' }, stock: { available: 7 } } }],
    });
  });
});
