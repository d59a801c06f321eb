import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { ApolloGateway } from '@apollo/gateway';
import { Supergraph, operationFromDocument } from '@apollo/federation-internals';
import { QueryPlanner, prettyFormatQueryPlan } from '@apollo/query-planner';
import { parse } from 'graphql';
import { EVENT_CHANNELS, channelOf, channelsPublishedBy, type DomainEvent, type EventType, type EventsByType } from '../../lib/events/catalogue';
import { LOG_START } from '../../lib/events/log';
import { RedisEventLog } from '../../lib/events/redis-log';
import { subscriptionChannels } from '../../lib/events/schema';
import { eventsUrlOf, subscribeToSubgraphEvents } from '../../lib/events/sse-client';
import { createLogger } from '../../lib/logger';
import { composeSupergraph, readSubgraphSources } from '../../scripts/compose';
import { inventoryResolvers } from '../../subgraphs/inventory/resolvers';
import { paymentsResolvers } from '../../subgraphs/payments/resolvers';
import { DECLINE_ABOVE_MINOR_UNITS } from '../../subgraphs/payments/rules';
import { productsResolvers } from '../../subgraphs/products/resolvers';
import { SUBSCRIPTIONS_VIA_GATEWAY } from '../../subgraphs/shared/events';
import type { SubgraphName } from '../../subgraphs/shared/ports';
import type { StoreKind } from '../../subgraphs/shared/store';
import { STORE_KINDS, TEST_ADMIN, data, errorCode, identityHeaders, useSubgraphHarness } from './harness';

const ADJUST = `mutation($productId: ID!, $warehouseId: ID!, $delta: Int!, $reason: String!) {
  adjustStock(productId: $productId, warehouseId: $warehouseId, delta: $delta, reason: $reason) { id stock { onHand reserved available } }
}`;
const RESERVE = `mutation($productId: ID!, $quantity: Int!, $reservationId: ID!) {
  reserveStock(productId: $productId, quantity: $quantity, reservationId: $reservationId) { id product { stock { onHand reserved available } } }
}`;
const RELEASE = 'mutation($id: ID!) { releaseReservation(reservationId: $id) { id status product { stock { onHand reserved available } } } }';
const AUTHORIZE = 'mutation($input: AuthorizePaymentInput!, $key: String!) { authorizePayment(input: $input, idempotencyKey: $key) { id status customerId } }';
const CAPTURE = 'mutation($id: ID!) { capturePayment(id: $id) { id status } }';
const REFUND = 'mutation($id: ID!, $amount: MoneyInput!) { refundPayment(id: $id, amount: $amount) { id status } }';
const CREATE = 'mutation($input: CreateProductInput!) { createProduct(input: $input) { id sku name price { amount currency } } }';
const UPDATE_PRICE = 'mutation($id: ID!, $price: MoneyInput!) { updateProductPrice(id: $id, price: $price) { id price { amount currency } } }';

/** p-0001 starts with 10 units, all in wh-1; p-0002 with 5 + 3 + 2 in wh-1, wh-2, wh-3. */
const TEN_IN_WH1 = 'p-0001';
const SPREAD = 'p-0002';
const order = { orderId: 'order-42', customerId: 'c-001', amount: { amount: 5998, currency: 'USD' }, items: [{ productId: 'p-0001', quantity: 2 }] };
const lamp = { sku: 'SKU-LAMP-1', name: 'Desk lamp', description: 'Warm light', category: 'home', price: { amount: 2999, currency: 'USD' } };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const quiet = createLogger('silent');

/** Events as a consumer of one subgraph receives them. */
interface EventCapture {
  events: DomainEvent[];
  /** Waits until `count` events in all have arrived, and answers them. */
  next(count: number): Promise<DomainEvent[]>;
  close(): Promise<void>;
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function capture(events: DomainEvent[], close: () => Promise<void>): EventCapture {
  return {
    events,
    async next(count) {
      await until(() => events.length >= count, `${count} event(s) (got ${events.length}: ${events.map((e) => e.type).join(', ')})`);
      return events.slice(0, count);
    },
    close,
  };
}

/** A Redis consumer, as a gateway replica is: it follows the logs of the subgraph's channels. */
async function captureFromRedis(redisUrl: string, name: SubgraphName): Promise<EventCapture> {
  const log = await RedisEventLog.connect(redisUrl);
  const events: DomainEvent[] = [];
  for (const channel of channelsPublishedBy(name)) await log.follow(channel, (entry) => events.push(entry.event));
  return capture(events, () => log.close());
}

/** The gateway in embedded mode: follows the subgraph's /events, signed as the gateway signs. */
async function captureFromStream(subgraph: { url: string; name: SubgraphName }): Promise<EventCapture> {
  const events: DomainEvent[] = [];
  let opened = false;
  const close = subscribeToSubgraphEvents(eventsUrlOf(subgraph.url), channelsPublishedBy(subgraph.name), () => identityHeaders(subgraph.name), (channel, event) => {
    expect(channel).toBe(channelOf(event));
    events.push(event);
  }, quiet, { onOpen: () => (opened = true) });
  await until(() => opened, 'the /events stream to open');
  return capture(events, close);
}

const metricsOf = async (subgraph: { url: string }) => (await fetch(subgraph.url.replace(/\/graphql$/, '/metrics'))).text();

/** Checks the envelope every event has and answers the event typed. */
function expectEvent<T extends EventType>(event: DomainEvent, type: T): EventsByType[T] {
  expect(event.type).toBe(type);
  expect(event.id).toMatch(UUID);
  expect(new Date(event.occurredAt).toISOString()).toBe(event.occurredAt);
  expect(Math.abs(Date.now() - Date.parse(event.occurredAt))).toBeLessThan(60_000);
  return event as EventsByType[T];
}

describe.each(STORE_KINDS)('events published by the subgraphs on the %s store', (kind: StoreKind) => {
  const harness = useSubgraphHarness();
  const captures: EventCapture[] = [];
  afterEach(async () => {
    await Promise.all(captures.splice(0).map((c) => c.close()));
  });

  /** Starts the subgraph and follows its events the way a gateway would with this store: Redis pub/sub, or /events. */
  async function startWithEvents<N extends SubgraphName>(name: N, options = {}) {
    const subgraph = await harness.start(name, kind, options);
    const events = kind === 'redis' ? await captureFromRedis(harness.redisUrl(), name) : await captureFromStream(subgraph);
    captures.push(events);
    return { subgraph, events };
  }

  describe('inventory', () => {
    it('adjustStock publishes StockChanged with the delta, warehouse and reason as given and the product totals after it', async () => {
      const { subgraph, events } = await startWithEvents('inventory');
      const { adjustStock } = await data(subgraph, ADJUST, { productId: SPREAD, warehouseId: 'wh-3', delta: 4, reason: 'restock' });
      const [event] = await events.next(1);
      expect(expectEvent(event, 'StockChanged')).toEqual({
        id: event.id,
        occurredAt: event.occurredAt,
        type: 'StockChanged',
        entity: { __typename: 'Product', id: SPREAD },
        productId: SPREAD,
        warehouseId: 'wh-3',
        delta: 4,
        onHand: 14,
        reserved: 0,
        available: 14,
        reason: 'restock',
      });
      expect(adjustStock.stock).toEqual({ onHand: 14, reserved: 0, available: 14 });
    });

    it('reserveStock publishes one StockChanged per warehouse it takes units from, with negative deltas, ending at the stock after it', async () => {
      const { subgraph, events } = await startWithEvents('inventory');
      const { reserveStock } = await data(subgraph, RESERVE, { productId: SPREAD, quantity: 7, reservationId: 'order-1' });
      const published = (await events.next(2)).map((e) => expectEvent(e, 'StockChanged'));
      // Greedy allocation: 5 from wh-1 (the most available), then 2 from wh-2.
      expect(published.map(({ warehouseId, delta, onHand, reserved, available, reason, entity }) => ({ warehouseId, delta, onHand, reserved, available, reason, entity }))).toEqual([
        { warehouseId: 'wh-1', delta: -5, onHand: 10, reserved: 5, available: 5, reason: 'reservation:order-1', entity: { __typename: 'Product', id: SPREAD } },
        { warehouseId: 'wh-2', delta: -2, onHand: 10, reserved: 7, available: 3, reason: 'reservation:order-1', entity: { __typename: 'Product', id: SPREAD } },
      ]);
      expect(reserveStock.product.stock).toEqual({ onHand: 10, reserved: 7, available: 3 });
      expect(published[0].id).not.toBe(published[1].id);
    });

    it('does not publish again for a replayed reservation, nor for a release of a released one', async () => {
      const { subgraph, events } = await startWithEvents('inventory');
      await data(subgraph, RESERVE, { productId: TEN_IN_WH1, quantity: 4, reservationId: 'order-2' });
      await events.next(1);
      await data(subgraph, RESERVE, { productId: TEN_IN_WH1, quantity: 4, reservationId: 'order-2' });
      await data(subgraph, RELEASE, { id: 'order-2' });
      await data(subgraph, RELEASE, { id: 'order-2' });
      // A last change to know everything before it has arrived.
      await data(subgraph, ADJUST, { productId: TEN_IN_WH1, warehouseId: 'wh-2', delta: 1, reason: 'marker' });
      await until(() => events.events.some((e) => e.type === 'StockChanged' && e.reason === 'marker'), 'the marker event');
      expect(events.events.map((e) => e.type === 'StockChanged' && [e.reason, e.delta])).toEqual([
        ['reservation:order-2', -4],
        ['release:order-2', 4],
        ['marker', 1],
      ]);
    });

    it('releaseReservation publishes the units coming back per warehouse, ending at the stock after it', async () => {
      const { subgraph, events } = await startWithEvents('inventory');
      await data(subgraph, RESERVE, { productId: SPREAD, quantity: 9, reservationId: 'order-3' });
      await events.next(3);
      const { releaseReservation } = await data(subgraph, RELEASE, { id: 'order-3' });
      const released = (await events.next(6)).slice(3).map((e) => expectEvent(e, 'StockChanged'));
      expect(released.map(({ warehouseId, delta, reserved, available, reason }) => ({ warehouseId, delta, reserved, available, reason }))).toEqual([
        { warehouseId: 'wh-1', delta: 5, reserved: 4, available: 6, reason: 'release:order-3' },
        { warehouseId: 'wh-2', delta: 3, reserved: 1, available: 9, reason: 'release:order-3' },
        { warehouseId: 'wh-3', delta: 1, reserved: 0, available: 10, reason: 'release:order-3' },
      ]);
      expect(releaseReservation.product.stock).toEqual({ onHand: 10, reserved: 0, available: 10 });
    });

    it('publishes nothing for a change that failed', async () => {
      const { subgraph, events } = await startWithEvents('inventory');
      expect(await errorCode(subgraph, RESERVE, { productId: TEN_IN_WH1, quantity: 11, reservationId: 'too-many' })).toBe('INSUFFICIENT_STOCK');
      await data(subgraph, ADJUST, { productId: TEN_IN_WH1, warehouseId: 'wh-1', delta: -1, reason: 'marker' });
      const [only] = await events.next(1);
      expect(only).toMatchObject({ type: 'StockChanged', reason: 'marker' });
      expect(events.events).toHaveLength(1);
    });
  });

  describe('payments', () => {
    it('authorizePayment publishes PaymentStatusChanged PENDING -> AUTHORIZED with the customer, keyed by Payment', async () => {
      const { subgraph, events } = await startWithEvents('payments');
      const { authorizePayment } = await data(subgraph, AUTHORIZE, { input: order, key: 'key-1' });
      const [event] = await events.next(1);
      expect(expectEvent(event, 'PaymentStatusChanged')).toEqual({
        id: event.id,
        occurredAt: event.occurredAt,
        type: 'PaymentStatusChanged',
        entity: { __typename: 'Payment', id: authorizePayment.id },
        paymentId: authorizePayment.id,
        customerId: 'c-001',
        from: 'PENDING',
        to: 'AUTHORIZED',
      });
    });

    it('publishes PENDING -> FAILED for a declined authorization', async () => {
      const { subgraph, events } = await startWithEvents('payments');
      await data(subgraph, AUTHORIZE, { input: { ...order, amount: { amount: DECLINE_ABOVE_MINOR_UNITS + 1, currency: 'USD' } }, key: 'big' });
      expect(await events.next(1)).toEqual([expect.objectContaining({ from: 'PENDING', to: 'FAILED' })]);
    });

    it('does not publish for an idempotent replay of an authorization', async () => {
      const { subgraph, events } = await startWithEvents('payments');
      const first = (await data(subgraph, AUTHORIZE, { input: order, key: 'key-2' })).authorizePayment;
      const replay = (await data(subgraph, AUTHORIZE, { input: order, key: 'key-2' })).authorizePayment;
      expect(replay.id).toBe(first.id);
      const marker = (await data(subgraph, AUTHORIZE, { input: { ...order, orderId: 'order-43' }, key: 'key-3' })).authorizePayment;
      await until(() => events.events.some((e) => e.type === 'PaymentStatusChanged' && e.paymentId === marker.id), 'the marker event');
      expect(events.events.map((e) => e.type === 'PaymentStatusChanged' && e.paymentId)).toEqual([first.id, marker.id]);
    });

    it('capture publishes AUTHORIZED -> CAPTURED; a partial refund publishes nothing; the full refund CAPTURED -> REFUNDED', async () => {
      const { subgraph, events } = await startWithEvents('payments');
      const { id } = (await data(subgraph, AUTHORIZE, { input: order, key: 'key-4' })).authorizePayment;
      await data(subgraph, CAPTURE, { id });
      expect((await data(subgraph, REFUND, { id, amount: { amount: 1000, currency: 'USD' } })).refundPayment.status).toBe('CAPTURED');
      expect((await data(subgraph, REFUND, { id, amount: { amount: 4998, currency: 'USD' } })).refundPayment.status).toBe('REFUNDED');
      const published = (await events.next(3)).map((e) => expectEvent(e, 'PaymentStatusChanged'));
      expect(published.map(({ paymentId, from, to, customerId }) => ({ paymentId, from, to, customerId }))).toEqual([
        { paymentId: id, from: 'PENDING', to: 'AUTHORIZED', customerId: 'c-001' },
        { paymentId: id, from: 'AUTHORIZED', to: 'CAPTURED', customerId: 'c-001' },
        { paymentId: id, from: 'CAPTURED', to: 'REFUNDED', customerId: 'c-001' },
      ]);
      await new Promise((r) => setTimeout(r, 100));
      expect(events.events).toHaveLength(3);
    });

    it('publishes nothing for a refused transition', async () => {
      const { subgraph, events } = await startWithEvents('payments');
      const { id } = (await data(subgraph, AUTHORIZE, { input: order, key: 'key-5' })).authorizePayment;
      await events.next(1);
      expect(await errorCode(subgraph, REFUND, { id, amount: { amount: 1, currency: 'USD' } })).toBe('ILLEGAL_PAYMENT_TRANSITION');
      await data(subgraph, CAPTURE, { id });
      expect((await events.next(2))[1]).toMatchObject({ from: 'AUTHORIZED', to: 'CAPTURED' });
      expect(events.events).toHaveLength(2);
    });
  });

  describe('products', () => {
    it('createProduct publishes ProductCreated with the new id, sku, name and price', async () => {
      const { subgraph, events } = await startWithEvents('products');
      const { createProduct } = await data(subgraph, CREATE, { input: lamp });
      const [event] = await events.next(1);
      expect(expectEvent(event, 'ProductCreated')).toEqual({
        id: event.id,
        occurredAt: event.occurredAt,
        type: 'ProductCreated',
        entity: { __typename: 'Product', id: createProduct.id },
        productId: createProduct.id,
        sku: lamp.sku,
        name: lamp.name,
        price: lamp.price,
      });
    });

    it('updateProductPrice publishes PriceChanged with the old and the new price, and nothing when the price stays the same', async () => {
      const { subgraph, events } = await startWithEvents('products');
      const before = (await data(subgraph, '{ product(id: "p-0003") { price { amount currency } } }')).product.price;
      await data(subgraph, UPDATE_PRICE, { id: 'p-0003', price: { amount: 1234, currency: 'EUR' } });
      await data(subgraph, UPDATE_PRICE, { id: 'p-0003', price: { amount: 1234, currency: 'EUR' } });
      await data(subgraph, UPDATE_PRICE, { id: 'p-0003', price: { amount: 1234, currency: 'USD' } });
      const [first, second] = (await events.next(2)).map((e) => expectEvent(e, 'PriceChanged'));
      expect(first).toMatchObject({ entity: { __typename: 'Product', id: 'p-0003' }, productId: 'p-0003', oldPrice: before, newPrice: { amount: 1234, currency: 'EUR' } });
      expect(second).toMatchObject({ oldPrice: { amount: 1234, currency: 'EUR' }, newPrice: { amount: 1234, currency: 'USD' } });
      await new Promise((r) => setTimeout(r, 100));
      expect(events.events).toHaveLength(2);
    });
  });

  it('counts published events per channel on /metrics', async () => {
    const { subgraph, events } = await startWithEvents('products');
    await data(subgraph, CREATE, { input: lamp });
    await data(subgraph, UPDATE_PRICE, { id: 'p-0001', price: { amount: 1, currency: 'USD' } });
    await events.next(2);
    const metrics = await metricsOf(subgraph);
    expect(metrics).toContain(`events_published_total{subgraph="products",channel="${EVENT_CHANNELS.ProductCreated}"} 1`);
    expect(metrics).toContain(`events_published_total{subgraph="products",channel="${EVENT_CHANNELS.PriceChanged}"} 1`);
    expect(metrics).not.toMatch(/^events_publish_failed_total\{/m);
  });

  it('appends each event in the step that makes the change: the log holds it when the mutation answers', async () => {
    const subgraph = await harness.start('products', kind);
    const { updateProductPrice } = await data(subgraph, UPDATE_PRICE, { id: 'p-0004', price: { amount: 4321, currency: 'USD' } });
    expect(updateProductPrice.price.amount).toBe(4321);
    // Read at once, without waiting for any delivery: the change and its entry were one atomic step.
    const entries = await subgraph.eventLog.read(EVENT_CHANNELS.PriceChanged, LOG_START, 10);
    expect(entries.map((e) => e.event)).toEqual([expect.objectContaining({ type: 'PriceChanged', productId: 'p-0004', newPrice: { amount: 4321, currency: 'USD' } })]);
  });

  it('appends nothing when the change itself fails', async () => {
    const subgraph = await harness.start('inventory', kind);
    expect(await errorCode(subgraph, ADJUST, { productId: TEN_IN_WH1, warehouseId: 'wh-9', delta: 1, reason: 'nowhere' })).toBe('WAREHOUSE_NOT_FOUND');
    expect(await subgraph.eventLog.read(EVENT_CHANNELS.StockChanged, LOG_START, 10)).toEqual([]);
  });
});

describe('/events', () => {
  const harness = useSubgraphHarness();
  const eventsUrl = (subgraph: { url: string }) => subgraph.url.replace(/\/graphql$/, '/events');

  it.each(STORE_KINDS)('answers 401 UNAUTHENTICATED without the gateway-signed identity, or with an expired one (%s store)', async (kind) => {
    const subgraph = await harness.start('inventory', kind);
    const missing = await fetch(eventsUrl(subgraph));
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const expired = await fetch(eventsUrl(subgraph), { headers: await identityHeaders('inventory', { nowMs: Date.now() - 10 * 60_000 }) });
    expect(expired.status).toBe(401);
    const forged = await fetch(eventsUrl(subgraph), { headers: await identityHeaders('inventory', { key: generateKeyPairSync('ed25519').privateKey }) });
    expect(forged.status).toBe(401);
    // Signed for another subgraph: useless here.
    const elsewhere = await fetch(eventsUrl(subgraph), { headers: await identityHeaders('inventory', { audience: 'payments' }) });
    expect(elsewhere.status).toBe(401);
    expect(await (await fetch(subgraph.url.replace(/\/graphql$/, '/metrics'))).text()).toMatch(/gateway_identity_refused_total\{subgraph="inventory",reason="missing"\} 1/);
  });

  it("answers 400 for a channel the subgraph does not publish, naming it", async () => {
    const subgraph = await harness.start('inventory', 'memory');
    const res = await fetch(`${eventsUrl(subgraph)}?channels=${EVENT_CHANNELS.PriceChanged}`, { headers: await identityHeaders(subgraph.name) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0]).toMatchObject({ message: expect.stringContaining(EVENT_CHANNELS.PriceChanged), extensions: { code: 'BAD_REQUEST' } });
  });

  it('streams every channel of the subgraph when none are named', async () => {
    const subgraph = await harness.start('products', 'memory');
    const res = await fetch(eventsUrl(subgraph), { headers: await identityHeaders(subgraph.name) });
    expect(res.status).toBe(200);
    await data(subgraph, CREATE, { input: lamp });
    await data(subgraph, UPDATE_PRICE, { id: 'p-0001', price: { amount: 2, currency: 'USD' } });
    const reader = res.body!.getReader();
    let text = '';
    while ((text.match(/\n\n/g) ?? []).length < 5) text += new TextDecoder().decode((await reader.read()).value);
    const id = '\\d+-\\d+';
    const positions = `id: ${id}\\nevent: position\\ndata: ${EVENT_CHANNELS.PriceChanged}\\n\\nid: ${id}\\nevent: position\\ndata: ${EVENT_CHANNELS.ProductCreated}\\n\\n`;
    expect(text).toMatch(
      new RegExp(`^: subscribed\\n\\n${positions}id: ${id}\\nevent: ${EVENT_CHANNELS.ProductCreated}\\ndata: \\{.*\\}\\n\\nid: ${id}\\nevent: ${EVENT_CHANNELS.PriceChanged}\\ndata: \\{.*\\}\\n\\n$`),
    );
    await reader.cancel();
  });

  it('ends a stream when the identity that opened it expires, so the gateway must come back with a fresh one', async () => {
    const subgraph = await harness.start('inventory', 'memory');
    // Signed 64 s ago for 60 s: past exp, but inside the 5 s clock skew for about one more second.
    const res = await fetch(eventsUrl(subgraph), { headers: await identityHeaders('inventory', { nowMs: Date.now() - 64_000, ttlMs: 60_000 }) });
    expect(res.status).toBe(200);
    await expect(res.text()).resolves.toBe(`: subscribed\n\nid: ${LOG_START}\nevent: position\ndata: ${EVENT_CHANNELS.StockChanged}\n\n`);
  });

  it('ends open streams cleanly at shutdown instead of waiting out the grace period', async () => {
    // A grace period far beyond jest's test timeout: were the open stream waited out, this test could not finish.
    const subgraph = await harness.start('payments', 'memory', { shutdownGraceMs: 10 * 60_000 });
    const res = await fetch(eventsUrl(subgraph), { headers: await identityHeaders(subgraph.name) });
    const body = res.text();
    await subgraph.close();
    await expect(body).resolves.toBe(`: subscribed\n\nid: ${LOG_START}\nevent: position\ndata: ${EVENT_CHANNELS.PaymentStatusChanged}\n\n`);
  });

  it('with Redis, relays the events every replica of the subgraph publishes', async () => {
    const watched = await harness.start('products', 'redis');
    const other = await harness.start('products', 'redis', { keepData: true, seed: false });
    const events = await captureFromStream(watched);
    try {
      await data(other, UPDATE_PRICE, { id: 'p-0001', price: { amount: 77, currency: 'USD' } });
      expect((await events.next(1))[0]).toMatchObject({ type: 'PriceChanged', newPrice: { amount: 77, currency: 'USD' } });
    } finally {
      await events.close();
    }
  });
});

describe('Subscription fields and event types in the subgraphs', () => {
  const harness = useSubgraphHarness();

  it.each([
    ['inventory', 'subscription { stockChanged { id } }'],
    ['payments', 'subscription { paymentStatusChanged { id } }'],
    ['products', 'subscription { priceChanged { id } }'],
    ['products', 'subscription { productCreated { id } }'],
  ] as const)('%s answers a subscription sent to it directly with SUBSCRIPTIONS_VIA_GATEWAY: %s', async (name, operation) => {
    const subgraph = await harness.start(name, 'memory', { seed: false });
    expect(await errorCode(subgraph, operation)).toBe(SUBSCRIPTIONS_VIA_GATEWAY);
  });

  it('resolves the entity field of each event type from the event (the first fetch of a subscription plan)', async () => {
    const stockChanged = { productId: 'p-0007' };
    expect((inventoryResolvers.StockChangedEvent as any).product(stockChanged)).toEqual({ id: 'p-0007' });

    const product = { id: 'p-0007', name: 'x' };
    const productsContext = { loaders: { productById: { load: async (id: string) => (id === 'p-0007' ? product : null) } } };
    await expect((productsResolvers.PriceChangedEvent as any).product({ productId: 'p-0007' }, {}, productsContext)).resolves.toBe(product);
    await expect((productsResolvers.ProductCreatedEvent as any).product({ productId: 'p-0007' }, {}, productsContext)).resolves.toBe(product);

    const payment = { id: 'pay-0001', customerId: 'c-001' };
    const paymentsContext = (identity: unknown) => ({ identity, loaders: { paymentById: { load: async () => payment } } });
    const resolvePayment = (paymentsResolvers.PaymentStatusChangedEvent as any).payment;
    await expect(resolvePayment({ paymentId: 'pay-0001' }, {}, paymentsContext(TEST_ADMIN))).resolves.toBe(payment);
    // The same visibility rule as every other way to a payment: someone else's is null.
    await expect(resolvePayment({ paymentId: 'pay-0001' }, {}, paymentsContext({ subject: 'c-002', scopes: [] }))).resolves.toBeNull();
  });
});

describe('the composed supergraph', () => {
  const supergraphSdl = composeSupergraph(readSubgraphSources(join(__dirname, '..', '..', 'schemas')));
  /** Stock @apollo/gateway refuses `@link(for: SECURITY)` features it does not enforce; ours enforces them (see gateway/src/federation/supergraph). */
  const executableSdl = supergraphSdl.replace(/, for: SECURITY/g, '');

  it('keeps @event (through @composeDirective) on every Subscription field, naming the channel of the catalogue', () => {
    expect(supergraphSdl).toContain('@link(url: "https://federation-gateway.dev/events/v0.1", import: ["@event"])');
    expect(supergraphSdl).toContain('directive @event(channel: String!) on FIELD_DEFINITION');
    expect(subscriptionChannels(supergraphSdl)).toEqual(
      new Map([
        ['stockChanged', EVENT_CHANNELS.StockChanged],
        ['paymentStatusChanged', EVENT_CHANNELS.PaymentStatusChanged],
        ['priceChanged', EVENT_CHANNELS.PriceChanged],
        ['productCreated', EVENT_CHANNELS.ProductCreated],
      ]),
    );
    expect(supergraphSdl).toMatch(/paymentStatusChanged\(paymentId: ID\): PaymentStatusChangedEvent! @join__field\(graph: PAYMENTS\) @authenticated @event/);
  });

  it('loads in a stock ApolloGateway, Subscription type included', async () => {
    const gateway = new ApolloGateway({ supergraphSdl: executableSdl });
    try {
      const { schema } = await gateway.load();
      expect(Object.keys(schema.getSubscriptionType()!.getFields())).toEqual(['stockChanged', 'paymentStatusChanged', 'priceChanged', 'productCreated']);
    } finally {
      await gateway.stop();
    }
  });

  it('plans a subscription as a primary fetch on the declaring subgraph, served from the event, then entity fetches', () => {
    const supergraph = Supergraph.build(executableSdl);
    const planner = new QueryPlanner(supergraph);
    const plan = (query: string) => {
      const node = planner.buildQueryPlan(operationFromDocument(supergraph.apiSchema(), parse(query))).node;
      if (node?.kind !== 'Subscription') throw new Error(prettyFormatQueryPlan({ kind: 'QueryPlan', node }));
      return node;
    };
    const stock = plan('subscription { stockChanged(productId: "p-0001") { delta available product { name price { amount } } } }');
    expect(stock.primary.serviceName).toBe('inventory');
    expect(stock.primary.operation).toMatch(/product\s*\{\s*__typename\s+id\s*\}/);
    expect(prettyFormatQueryPlan({ kind: 'QueryPlan', node: stock.rest })).toContain('Fetch(service: "products")');
    // Where the event's entity belongs to the declaring subgraph, the planner asks for its fields in the
    // primary fetch: the gateway answers those with an entity fetch for the event's `entity`.
    const payment = plan('subscription { paymentStatusChanged { to payment { status } } }');
    expect(payment.primary.serviceName).toBe('payments');
    expect(payment.primary.operation).toMatch(/payment\s*\{\s*status\s*\}/);
  });
});
