import Redis from 'ioredis';
import { SEED_PAYMENT_COUNT } from '../../subgraphs/payments/seed';
import { SEED_PRODUCT_COUNT } from '../../subgraphs/products/seed';
import { data, useSubgraphHarness } from './harness';

const COUNT = '{ products(first: 1) { totalCount } }';

/** Restarts are of the subgraph; the redis-server keeps running with its data. */
describe('subgraphs on Redis across restarts', () => {
  const harness = useSubgraphHarness();
  const restart = async (subgraph: { close(): Promise<void> }, name: 'products' | 'inventory' | 'payments') => {
    await subgraph.close();
    return harness.start(name, 'redis', { keepData: true });
  };

  it('keeps products created and prices changed, seeds nothing twice, and continues the id sequence', async () => {
    const first = await harness.start('products', 'redis');
    await data(first, 'mutation { updateProductPrice(id: "p-0001", price: { amount: 1, currency: "EUR" }) { id } }');
    const created = await data(first, 'mutation { createProduct(input: { sku: "NEW-1", name: "New", category: "home", price: { amount: 5, currency: "USD" } }) { id } }');
    expect(created.createProduct.id).toBe('p-1001');

    const second = await restart(first, 'products');
    expect((await data(second, COUNT)).products.totalCount).toBe(SEED_PRODUCT_COUNT + 1);
    expect((await data(second, '{ product(id: "p-0001") { price { amount currency } } }')).product.price).toEqual({ amount: 1, currency: 'EUR' });
    expect((await data(second, '{ product(id: "p-1001") { sku } }')).product.sku).toBe('NEW-1');
    const next = await data(second, 'mutation { createProduct(input: { sku: "NEW-2", name: "Newer", category: "home", price: { amount: 5, currency: "USD" } }) { id } }');
    expect(next.createProduct.id).toBe('p-1002');
  });

  it('seeds only what is missing when a seed was interrupted, never overwriting changed data', async () => {
    const first = await harness.start('products', 'redis');
    await data(first, 'mutation { updateProductPrice(id: "p-0001", price: { amount: 7, currency: "USD" } ) { id } }');
    await first.close();
    // As if a start had died half-way: no marker, and some seed products missing.
    const client = new Redis(harness.redisUrl());
    await client.del('products:seeded');
    await client.hdel('products:product', 'p-0500');
    await client.zrem('products:catalogue', 'p-0500');
    await client.quit();

    const second = await harness.start('products', 'redis', { keepData: true });
    expect((await data(second, COUNT)).products.totalCount).toBe(SEED_PRODUCT_COUNT);
    expect((await data(second, '{ product(id: "p-0001") { price { amount } } }')).product.price.amount).toBe(7);
    expect((await data(second, '{ product(id: "p-0500") { id } }')).product).toEqual({ id: 'p-0500' });
  });

  it('seeds once when two replicas start together on an empty Redis', async () => {
    const [a, b] = await Promise.all([harness.start('products', 'redis'), harness.start('products', 'redis', { keepData: true })]);
    expect((await data(a, COUNT)).products.totalCount).toBe(SEED_PRODUCT_COUNT);
    expect((await data(b, COUNT)).products.totalCount).toBe(SEED_PRODUCT_COUNT);
  });

  it('keeps stock levels and reservations', async () => {
    const first = await harness.start('inventory', 'redis');
    await data(first, 'mutation { adjustStock(productId: "p-0001", warehouseId: "wh-2", delta: 5, reason: "restock") { id } }');
    await data(first, 'mutation { reserveStock(productId: "p-0001", quantity: 12, reservationId: "keep-me") { id } }');

    const second = await restart(first, 'inventory');
    const { _entities } = await data(second, '{ _entities(representations: [{ __typename: "Product", id: "p-0001" }]) { ... on Product { stock { onHand reserved available } } } }');
    expect(_entities[0].stock).toEqual({ onHand: 15, reserved: 12, available: 3 });
    expect((await data(second, '{ reservation(id: "keep-me") { status quantity } }')).reservation).toEqual({ status: 'ACTIVE', quantity: 12 });
    expect((await data(second, '{ warehouses { id } }')).warehouses).toHaveLength(3);
  });

  it('keeps payments, their statuses and idempotency keys', async () => {
    const input = { orderId: 'o-1', customerId: 'c-002', amount: { amount: 1500, currency: 'EUR' }, items: [{ productId: 'p-0003', quantity: 1 }] };
    const AUTHORIZE = 'mutation($input: AuthorizePaymentInput!) { authorizePayment(input: $input, idempotencyKey: "restart-key") { id status } }';
    const first = await harness.start('payments', 'redis');
    const { authorizePayment } = await data(first, AUTHORIZE, { input });
    await data(first, `mutation { capturePayment(id: "${authorizePayment.id}") { id } }`);

    const second = await restart(first, 'payments');
    expect((await data(second, AUTHORIZE, { input })).authorizePayment).toEqual({ id: authorizePayment.id, status: 'CAPTURED' });
    expect((await data(second, '{ payments(first: 1) { totalCount nodes { id } } }')).payments).toEqual({ totalCount: SEED_PAYMENT_COUNT + 1, nodes: [{ id: authorizePayment.id }] });
  });
});
