import { KNOWN_SEED_STOCK, WAREHOUSES, generateSeedStock } from '../../subgraphs/inventory/seed';
import { STORE_KINDS, data, errorCode, gql, outcomes, roundTripsOf, useSubgraphHarness } from './harness';

const STOCK_FIELDS = 'onHand reserved available warehouses { warehouse { id } onHand reserved available }';
const STOCK_OF = `query($id: ID!) { _entities(representations: [{ __typename: "Product", id: $id }]) { ... on Product { stock { ${STOCK_FIELDS} } } } }`;
const ADJUST = `mutation($productId: ID!, $warehouseId: ID!, $delta: Int!, $reason: String!) {
  adjustStock(productId: $productId, warehouseId: $warehouseId, delta: $delta, reason: $reason) { id stock { ${STOCK_FIELDS} } }
}`;
const RESERVATION_FIELDS = 'id quantity status product { id } allocations { warehouse { id name } quantity }';
const RESERVE = `mutation($productId: ID!, $quantity: Int!, $reservationId: ID!) {
  reserveStock(productId: $productId, quantity: $quantity, reservationId: $reservationId) { ${RESERVATION_FIELDS} }
}`;
const RELEASE = `mutation($id: ID!) { releaseReservation(reservationId: $id) { ${RESERVATION_FIELDS} } }`;

/** p-0001 starts with exactly 10 units, all in wh-1. */
const TEN_IN_WH1 = 'p-0001';
/** p-0002 starts with 5 + 3 + 2 units in wh-1, wh-2, wh-3. */
const SPREAD = 'p-0002';

describe.each(STORE_KINDS)('inventory subgraph on the %s store', (kind) => {
  const harness = useSubgraphHarness();
  const start = (options = {}) => harness.start('inventory', kind, options);
  const stockOf = async (subgraph: { url: string; name: string }, id: string) => (await data(subgraph, STOCK_OF, { id }))._entities[0].stock;

  it('lists the three warehouses with names and locations', async () => {
    const inventory = await start();
    expect((await data(inventory, '{ warehouses { id name location } }')).warehouses).toEqual(WAREHOUSES);
  });

  it('answers a seeded product\'s stock per warehouse and summed', async () => {
    const inventory = await start();
    expect(KNOWN_SEED_STOCK[TEN_IN_WH1]).toEqual({ 'wh-1': 10, 'wh-2': 0, 'wh-3': 0 });
    expect(await stockOf(inventory, TEN_IN_WH1)).toEqual({
      onHand: 10,
      reserved: 0,
      available: 10,
      warehouses: [
        { warehouse: { id: 'wh-1' }, onHand: 10, reserved: 0, available: 10 },
        { warehouse: { id: 'wh-2' }, onHand: 0, reserved: 0, available: 0 },
        { warehouse: { id: 'wh-3' }, onHand: 0, reserved: 0, available: 0 },
      ],
    });
  });

  it('answers zero stock in every warehouse for a product it never stocked', async () => {
    const inventory = await start();
    const stock = await stockOf(inventory, 'p-unknown');
    expect(stock).toMatchObject({ onHand: 0, reserved: 0, available: 0 });
    expect(stock.warehouses.map((w: any) => [w.warehouse.id, w.available])).toEqual([['wh-1', 0], ['wh-2', 0], ['wh-3', 0]]);
  });

  it('resolves the stock of 100 Product entity references in one store round trip', async () => {
    const inventory = await start();
    const seed = generateSeedStock();
    const representations = seed.slice(0, 100).map(({ productId }) => ({ __typename: 'Product', id: productId }));
    let entities: any[] = [];
    const trips = await roundTripsOf(inventory.store, async () => {
      ({ _entities: entities } = await data(inventory, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id stock { available warehouses { warehouse { id } onHand } } } } }`, { r: representations }));
    });
    expect(trips).toBe(1);
    expect(entities).toHaveLength(100);
    entities.forEach((entity, i) => {
      const expected = seed[i].onHand;
      expect(entity.stock.available).toBe(expected['wh-1'] + expected['wh-2'] + expected['wh-3']);
      expect(entity.stock.warehouses.map((w: any) => w.onHand)).toEqual([expected['wh-1'], expected['wh-2'], expected['wh-3']]);
    });
  });

  it('values the units on hand at the price the gateway sends with the reference (@requires), and nothing without one', async () => {
    const inventory = await start();
    const price = { amount: 1250, currency: 'EUR' };
    const { _entities: entities } = await data(inventory, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { stockValue { amount currency } } } }`, {
      r: [
        { __typename: 'Product', id: TEN_IN_WH1, price },
        { __typename: 'Product', id: SPREAD },
      ],
    });
    expect(entities).toEqual([{ stockValue: { amount: 10 * 1250, currency: 'EUR' } }, { stockValue: null }]);
  });

  describe('adjustStock', () => {
    it('adds and removes units in one warehouse and answers the product with its new stock', async () => {
      const inventory = await start();
      const added = await data(inventory, ADJUST, { productId: TEN_IN_WH1, warehouseId: 'wh-2', delta: 7, reason: 'restock' });
      expect(added.adjustStock.id).toBe(TEN_IN_WH1);
      expect(added.adjustStock.stock).toMatchObject({ onHand: 17, available: 17 });
      const removed = await data(inventory, ADJUST, { productId: TEN_IN_WH1, warehouseId: 'wh-1', delta: -4, reason: 'damaged' });
      expect(removed.adjustStock.stock.warehouses.map((w: any) => w.onHand)).toEqual([6, 7, 0]);
      expect(await stockOf(inventory, TEN_IN_WH1)).toEqual(removed.adjustStock.stock);
    });

    it('stocks a product inventory has never seen (a product just created in the catalogue)', async () => {
      const inventory = await start();
      await data(inventory, ADJUST, { productId: 'p-1001', warehouseId: 'wh-3', delta: 12, reason: 'first delivery' });
      expect(await stockOf(inventory, 'p-1001')).toMatchObject({ onHand: 12, available: 12 });
    });

    it('answers the new stock without a second store round trip', async () => {
      const inventory = await start();
      expect(await roundTripsOf(inventory.store, () => data(inventory, ADJUST, { productId: TEN_IN_WH1, warehouseId: 'wh-1', delta: 1, reason: 'found one' }))).toBe(1);
    });

    it('rejects taking a warehouse below zero available with INSUFFICIENT_STOCK and changes nothing', async () => {
      const inventory = await start();
      const answer = await gql(inventory, ADJUST, { productId: TEN_IN_WH1, warehouseId: 'wh-1', delta: -11, reason: 'stocktake' });
      expect(answer.body.errors?.[0].extensions).toMatchObject({ code: 'INSUFFICIENT_STOCK', available: 10, warehouseId: 'wh-1' });
      expect(await errorCode(inventory, ADJUST, { productId: TEN_IN_WH1, warehouseId: 'wh-2', delta: -1, reason: 'stocktake' })).toBe('INSUFFICIENT_STOCK');
      expect((await stockOf(inventory, TEN_IN_WH1)).onHand).toBe(10);
    });

    it('rejects removing units that are reserved with INSUFFICIENT_STOCK', async () => {
      const inventory = await start();
      await data(inventory, RESERVE, { productId: TEN_IN_WH1, quantity: 8, reservationId: 'r-held' });
      expect(await errorCode(inventory, ADJUST, { productId: TEN_IN_WH1, warehouseId: 'wh-1', delta: -3, reason: 'damaged' })).toBe('INSUFFICIENT_STOCK');
      await data(inventory, ADJUST, { productId: TEN_IN_WH1, warehouseId: 'wh-1', delta: -2, reason: 'damaged' });
      expect(await stockOf(inventory, TEN_IN_WH1)).toMatchObject({ onHand: 8, reserved: 8, available: 0 });
    });

    it('rejects an unknown warehouse with WAREHOUSE_NOT_FOUND', async () => {
      const inventory = await start();
      expect(await errorCode(inventory, ADJUST, { productId: TEN_IN_WH1, warehouseId: 'wh-9', delta: 1, reason: 'restock' })).toBe('WAREHOUSE_NOT_FOUND');
    });

    it.each([
      ['an empty reason', { reason: '  ' }, 'reason'],
      ['a zero delta', { delta: 0 }, 'delta'],
      ['an empty product id', { productId: '' }, 'productId'],
    ])('rejects %s with BAD_USER_INPUT', async (_case, change, argument) => {
      const inventory = await start();
      const answer = await gql(inventory, ADJUST, { productId: TEN_IN_WH1, warehouseId: 'wh-1', delta: 1, reason: 'restock', ...change });
      expect(answer.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    });

    it('lets 50 concurrent removals of one unit from 10 succeed exactly 10 times; the rest fail with INSUFFICIENT_STOCK', async () => {
      const inventory = await start();
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => gql(inventory, ADJUST, { productId: TEN_IN_WH1, warehouseId: 'wh-1', delta: -1, reason: 'concurrent pick' })),
      );
      expect(outcomes(answers)).toEqual({ ok: 10, INSUFFICIENT_STOCK: 40 });
      for (const answer of answers) {
        for (const w of answer.body.data?.adjustStock.stock.warehouses ?? []) expect(w.available).toBeGreaterThanOrEqual(0);
      }
      expect(await stockOf(inventory, TEN_IN_WH1)).toMatchObject({ onHand: 0, reserved: 0, available: 0 });
    });
  });

  describe('reserveStock', () => {
    it('takes units from the warehouse with the most available first and reserves them', async () => {
      const inventory = await start();
      const { reserveStock } = await data(inventory, RESERVE, { productId: SPREAD, quantity: 7, reservationId: 'order-1' });
      expect(reserveStock).toEqual({
        id: 'order-1',
        quantity: 7,
        status: 'ACTIVE',
        product: { id: SPREAD },
        allocations: [
          { warehouse: { id: 'wh-1', name: WAREHOUSES[0].name }, quantity: 5 },
          { warehouse: { id: 'wh-2', name: WAREHOUSES[1].name }, quantity: 2 },
        ],
      });
      const stock = await stockOf(inventory, SPREAD);
      expect(stock).toMatchObject({ onHand: 10, reserved: 7, available: 3 });
      expect(stock.warehouses.map((w: any) => w.available)).toEqual([0, 1, 2]);
    });

    it('prefers one warehouse that can cover the whole quantity', async () => {
      const inventory = await start();
      await data(inventory, ADJUST, { productId: SPREAD, warehouseId: 'wh-3', delta: 10, reason: 'restock' });
      const { reserveStock } = await data(inventory, RESERVE, { productId: SPREAD, quantity: 6, reservationId: 'order-2' });
      expect(reserveStock.allocations).toEqual([{ warehouse: { id: 'wh-3', name: WAREHOUSES[2].name }, quantity: 6 }]);
    });

    it('answers the existing reservation for the same reservationId and never reserves twice', async () => {
      const inventory = await start();
      const first = await data(inventory, RESERVE, { productId: SPREAD, quantity: 4, reservationId: 'order-3' });
      const again = await data(inventory, RESERVE, { productId: SPREAD, quantity: 4, reservationId: 'order-3' });
      expect(again).toEqual(first);
      expect(await stockOf(inventory, SPREAD)).toMatchObject({ reserved: 4, available: 6 });
    });

    it('rejects the same reservationId for another quantity or product with IDEMPOTENCY_KEY_REUSED', async () => {
      const inventory = await start();
      await data(inventory, RESERVE, { productId: SPREAD, quantity: 4, reservationId: 'order-4' });
      expect(await errorCode(inventory, RESERVE, { productId: SPREAD, quantity: 5, reservationId: 'order-4' })).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await errorCode(inventory, RESERVE, { productId: TEN_IN_WH1, quantity: 4, reservationId: 'order-4' })).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await stockOf(inventory, SPREAD)).toMatchObject({ reserved: 4 });
    });

    it('rejects more than is available with INSUFFICIENT_STOCK and reserves nothing', async () => {
      const inventory = await start();
      const answer = await gql(inventory, RESERVE, { productId: SPREAD, quantity: 11, reservationId: 'order-5' });
      expect(answer.body.errors?.[0].extensions).toMatchObject({ code: 'INSUFFICIENT_STOCK', requested: 11, available: 10 });
      expect(await stockOf(inventory, SPREAD)).toMatchObject({ reserved: 0, available: 10 });
      expect((await data(inventory, '{ reservation(id: "order-5") { id } }')).reservation).toBeNull();
      expect(await errorCode(inventory, RESERVE, { productId: 'p-unknown', quantity: 1, reservationId: 'order-6' })).toBe('INSUFFICIENT_STOCK');
    });

    it.each([0, -3])('rejects quantity %i with BAD_USER_INPUT', async (quantity) => {
      const inventory = await start();
      expect(await errorCode(inventory, RESERVE, { productId: SPREAD, quantity, reservationId: 'order-7' })).toBe('BAD_USER_INPUT');
    });

    it('lets exactly 10 of 50 concurrent one-unit reservations of a product with 10 available succeed; 40 fail with INSUFFICIENT_STOCK', async () => {
      const inventory = await start();
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => gql(inventory, RESERVE, { productId: TEN_IN_WH1, quantity: 1, reservationId: `rush-${i}` })),
      );
      expect(outcomes(answers)).toEqual({ ok: 10, INSUFFICIENT_STOCK: 40 });
      const stock = await stockOf(inventory, TEN_IN_WH1);
      expect(stock).toMatchObject({ onHand: 10, reserved: 10, available: 0 });
      for (const w of stock.warehouses) expect(w.available).toBeGreaterThanOrEqual(0);
    });

    it('creates one reservation when 50 concurrent calls share a reservationId', async () => {
      const inventory = await start();
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => gql(inventory, RESERVE, { productId: SPREAD, quantity: 3, reservationId: 'same-order' })),
      );
      expect(outcomes(answers)).toEqual({ ok: 50 });
      expect(new Set(answers.map((a) => JSON.stringify(a.body.data)))).toHaveProperty('size', 1);
      expect(await stockOf(inventory, SPREAD)).toMatchObject({ reserved: 3, available: 7 });
    });

    it('never lets concurrent reservations and removals together take more than is there', async () => {
      const inventory = await start();
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          i % 2 === 0
            ? gql(inventory, RESERVE, { productId: TEN_IN_WH1, quantity: 1, reservationId: `mixed-${i}` })
            : gql(inventory, ADJUST, { productId: TEN_IN_WH1, warehouseId: 'wh-1', delta: -1, reason: 'mixed pick' }),
        ),
      );
      expect(outcomes(answers)).toEqual({ ok: 10, INSUFFICIENT_STOCK: 30 });
      const reservedCount = answers.filter((a, i) => i % 2 === 0 && a.body.data).length;
      expect(await stockOf(inventory, TEN_IN_WH1)).toMatchObject({ onHand: reservedCount, reserved: reservedCount, available: 0 });
    });
  });

  describe('releaseReservation and reservation', () => {
    it('returns the units to available stock and marks the reservation RELEASED', async () => {
      const inventory = await start();
      await data(inventory, RESERVE, { productId: SPREAD, quantity: 7, reservationId: 'order-8' });
      const { releaseReservation } = await data(inventory, RELEASE, { id: 'order-8' });
      expect(releaseReservation).toMatchObject({ id: 'order-8', status: 'RELEASED', quantity: 7 });
      expect(await stockOf(inventory, SPREAD)).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
    });

    it('answers the RELEASED reservation again on a second release without returning units twice', async () => {
      const inventory = await start();
      await data(inventory, RESERVE, { productId: SPREAD, quantity: 2, reservationId: 'order-9' });
      await data(inventory, RESERVE, { productId: SPREAD, quantity: 3, reservationId: 'order-10' });
      const first = await data(inventory, RELEASE, { id: 'order-9' });
      const second = await data(inventory, RELEASE, { id: 'order-9' });
      expect(second).toEqual(first);
      expect(await stockOf(inventory, SPREAD)).toMatchObject({ reserved: 3, available: 7 });
    });

    it('returns units once when 20 concurrent releases hit one reservation', async () => {
      const inventory = await start();
      await data(inventory, RESERVE, { productId: SPREAD, quantity: 2, reservationId: 'order-11' });
      await data(inventory, RESERVE, { productId: SPREAD, quantity: 5, reservationId: 'order-12' });
      const answers = await Promise.all(Array.from({ length: 20 }, () => gql(inventory, RELEASE, { id: 'order-11' })));
      expect(outcomes(answers)).toEqual({ ok: 20 });
      expect(await stockOf(inventory, SPREAD)).toMatchObject({ reserved: 5, available: 5 });
    });

    it('answers a released reservationId with the RELEASED reservation instead of reserving again', async () => {
      const inventory = await start();
      await data(inventory, RESERVE, { productId: SPREAD, quantity: 2, reservationId: 'order-13' });
      await data(inventory, RELEASE, { id: 'order-13' });
      const { reserveStock } = await data(inventory, RESERVE, { productId: SPREAD, quantity: 2, reservationId: 'order-13' });
      expect(reserveStock.status).toBe('RELEASED');
      expect(await stockOf(inventory, SPREAD)).toMatchObject({ reserved: 0 });
    });

    it('rejects releasing an unknown reservation with RESERVATION_NOT_FOUND', async () => {
      const inventory = await start();
      expect(await errorCode(inventory, RELEASE, { id: 'never-made' })).toBe('RESERVATION_NOT_FOUND');
    });

    it('answers a reservation by id with its product\'s stock, and null for an unknown id', async () => {
      const inventory = await start();
      await data(inventory, RESERVE, { productId: SPREAD, quantity: 1, reservationId: 'order-14' });
      const { reservation, missing } = await data(
        inventory,
        '{ reservation(id: "order-14") { id status quantity product { id stock { reserved } } } missing: reservation(id: "nope") { id } }',
      );
      expect(reservation).toEqual({ id: 'order-14', status: 'ACTIVE', quantity: 1, product: { id: SPREAD, stock: { reserved: 1 } } });
      expect(missing).toBeNull();
    });
  });
});
