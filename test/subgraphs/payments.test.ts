import { paymentsResolvers, type PaymentsContext } from '../../subgraphs/payments/resolvers';
import { DECLINE_ABOVE_MINOR_UNITS } from '../../subgraphs/payments/rules';
import { SEED_PAYMENT_COUNT, generateSeedPayments } from '../../subgraphs/payments/seed';
import { ANONYMOUS, STORE_KINDS, TEST_ADMIN, customer, data, errorCode, gql, outcomes, roundTripsOf, useSubgraphHarness } from './harness';

const PAYMENT_FIELDS = 'id orderId customerId status createdAt amount { amount currency } refundedAmount { amount currency } items { quantity product { id } }';
const PAGE = `query($customerId: ID, $first: Int, $after: String) {
  payments(customerId: $customerId, first: $first, after: $after) { totalCount nodes { id customerId } pageInfo { hasNextPage endCursor } }
}`;
const AUTHORIZE = `mutation($input: AuthorizePaymentInput!, $key: String!) { authorizePayment(input: $input, idempotencyKey: $key) { ${PAYMENT_FIELDS} } }`;
const CAPTURE = 'mutation($id: ID!) { capturePayment(id: $id) { id status } }';
const REFUND = 'mutation($id: ID!, $amount: MoneyInput!) { refundPayment(id: $id, amount: $amount) { id status amount { amount } refundedAmount { amount currency } } }';

const SEED = generateSeedPayments();
const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Payment { id customerId status } } }';
/** A customer with several seed payments, one of theirs, and one of someone else's. */
const OWNER = 'c-007';
const OWNERS = SEED.filter((p) => p.customerId === OWNER);
const THEIRS = OWNERS[0];
const OTHERS = SEED.find((p) => p.customerId !== OWNER)!;
const order = {
  orderId: 'order-42',
  customerId: 'c-001',
  amount: { amount: 5998, currency: 'USD' },
  items: [{ productId: 'p-0001', quantity: 2 }],
};

describe.each(STORE_KINDS)('payments subgraph on the %s store', (kind) => {
  const harness = useSubgraphHarness();
  const start = (options = {}) => harness.start('payments', kind, options);
  const authorize = async (subgraph: { url: string; name: string }, input = order, key = 'key-1') => (await data(subgraph, AUTHORIZE, { input, key })).authorizePayment;
  const totalCount = async (subgraph: { url: string; name: string }, customerId?: string) => (await data(subgraph, PAGE, { customerId, first: 1 })).payments.totalCount;

  it('answers a seeded payment by id with its amounts, items and ISO timestamp', async () => {
    const payments = await start();
    const seeded = SEED[0];
    const { payment } = await data(payments, `{ payment(id: "pay-0001") { ${PAYMENT_FIELDS} } }`);
    expect(payment).toEqual({
      id: 'pay-0001',
      orderId: seeded.orderId,
      customerId: seeded.customerId,
      status: seeded.status,
      createdAt: seeded.createdAt,
      amount: seeded.amount,
      refundedAmount: { amount: seeded.refunded, currency: seeded.amount.currency },
      items: seeded.items.map((item) => ({ quantity: item.quantity, product: { id: item.productId } })),
    });
    expect(new Date(payment.createdAt).toISOString()).toBe(payment.createdAt);
  });

  it('answers null for an unknown payment id', async () => {
    const payments = await start();
    expect(await data(payments, '{ payment(id: "pay-9999") { id } }')).toEqual({ payment: null });
  });

  it('pages through all payments newest first, each once, with a total count', async () => {
    const payments = await start();
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { payments: page }: any = await data(payments, PAGE, { first: 100, after });
      expect(page.totalCount).toBe(SEED_PAYMENT_COUNT);
      ids.push(...page.nodes.map((p: { id: string }) => p.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(ids).toEqual(SEED.map((p) => p.id).reverse());
  });

  it('lists one customer\'s payments newest first', async () => {
    const payments = await start();
    const theirs = SEED.filter((p) => p.customerId === 'c-007').reverse();
    expect(theirs.length).toBeGreaterThan(2);
    const page1 = (await data(payments, PAGE, { customerId: 'c-007', first: 2 })).payments;
    const page2 = (await data(payments, PAGE, { customerId: 'c-007', first: 100, after: page1.pageInfo.endCursor })).payments;
    expect(page1.totalCount).toBe(theirs.length);
    expect([...page1.nodes, ...page2.nodes].map((p: { id: string }) => p.id)).toEqual(theirs.map((p) => p.id));
    expect(page2.pageInfo.hasNextPage).toBe(false);
  });

  it.each([0, 101])('rejects first = %i with BAD_USER_INPUT', async (first) => {
    const payments = await start();
    expect(await errorCode(payments, PAGE, { first })).toBe('BAD_USER_INPUT');
  });

  it('rejects a products cursor as after with BAD_USER_INPUT', async () => {
    const payments = await start();
    expect(await errorCode(payments, PAGE, { first: 5, after: Buffer.from('products:5').toString('base64') })).toBe('BAD_USER_INPUT');
  });

  describe('authorizePayment', () => {
    it('creates an AUTHORIZED payment with the next id, listed first for its customer', async () => {
      const payments = await start();
      const payment = await authorize(payments);
      expect(payment).toMatchObject({
        id: 'pay-0301',
        status: 'AUTHORIZED',
        orderId: 'order-42',
        customerId: 'c-001',
        amount: { amount: 5998, currency: 'USD' },
        refundedAmount: { amount: 0, currency: 'USD' },
        items: [{ quantity: 2, product: { id: 'p-0001' } }],
      });
      expect(new Date(payment.createdAt).toISOString()).toBe(payment.createdAt);
      expect((await data(payments, PAGE, { customerId: 'c-001', first: 1 })).payments.nodes).toEqual([{ id: 'pay-0301', customerId: 'c-001' }]);
    });

    it(`declines (status FAILED) an amount above ${DECLINE_ABOVE_MINOR_UNITS} minor units`, async () => {
      const payments = await start();
      const declined = await authorize(payments, { ...order, amount: { amount: DECLINE_ABOVE_MINOR_UNITS + 1, currency: 'USD' } }, 'big');
      expect(declined.status).toBe('FAILED');
      const atLimit = await authorize(payments, { ...order, amount: { amount: DECLINE_ABOVE_MINOR_UNITS, currency: 'USD' } }, 'limit');
      expect(atLimit.status).toBe('AUTHORIZED');
    });

    it.each([
      ['a zero amount', { amount: { amount: 0, currency: 'USD' } }, 'input.amount.amount'],
      ['a negative amount', { amount: { amount: -5, currency: 'USD' } }, 'input.amount.amount'],
      ['a currency that is not ISO 4217', { amount: { amount: 5, currency: 'XYZ' } }, 'input.amount.currency'],
      ['a two-letter currency', { amount: { amount: 5, currency: 'US' } }, 'input.amount.currency'],
      ['no items', { items: [] }, 'input.items'],
      ['an item of quantity zero', { items: [{ productId: 'p-0001', quantity: 0 }] }, 'input.items[0].quantity'],
      ['an empty order id', { orderId: ' ' }, 'input.orderId'],
    ])('rejects %s with BAD_USER_INPUT naming the field', async (_case, change, argument) => {
      const payments = await start();
      const answer = await gql(payments, AUTHORIZE, { input: { ...order, ...change }, key: 'bad' });
      expect(answer.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
      expect(await totalCount(payments)).toBe(SEED_PAYMENT_COUNT);
    });

    it('rejects an empty idempotency key with BAD_USER_INPUT', async () => {
      const payments = await start();
      expect(await errorCode(payments, AUTHORIZE, { input: order, key: '' })).toBe('BAD_USER_INPUT');
    });

    it('answers the same payment for the same idempotency key and input, creating one payment', async () => {
      const payments = await start();
      const first = await authorize(payments);
      const again = await authorize(payments);
      expect(again).toEqual(first);
      expect(await totalCount(payments)).toBe(SEED_PAYMENT_COUNT + 1);
    });

    it('rejects the same idempotency key with a different input with IDEMPOTENCY_KEY_REUSED', async () => {
      const payments = await start();
      await authorize(payments);
      expect(await errorCode(payments, AUTHORIZE, { input: { ...order, amount: { amount: 5999, currency: 'USD' } }, key: 'key-1' })).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await errorCode(payments, AUTHORIZE, { input: { ...order, items: [{ productId: 'p-0001', quantity: 3 }] }, key: 'key-1' })).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await totalCount(payments)).toBe(SEED_PAYMENT_COUNT + 1);
    });

    it('creates exactly one payment when 50 concurrent calls share an idempotency key', async () => {
      const payments = await start();
      const answers = await Promise.all(Array.from({ length: 50 }, () => gql(payments, AUTHORIZE, { input: order, key: 'rush' })));
      expect(outcomes(answers)).toEqual({ ok: 50 });
      expect(new Set(answers.map((a) => a.body.data.authorizePayment.id))).toEqual(new Set(['pay-0301']));
      expect(await totalCount(payments)).toBe(SEED_PAYMENT_COUNT + 1);
      expect(await totalCount(payments, 'c-001')).toBe(SEED.filter((p) => p.customerId === 'c-001').length + 1);
    });

    it('creates one payment per key when 50 concurrent calls use 50 keys', async () => {
      const payments = await start();
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => gql(payments, AUTHORIZE, { input: order, key: `k-${i}` })));
      expect(new Set(answers.map((a) => a.body.data.authorizePayment.id)).size).toBe(50);
      expect(await totalCount(payments)).toBe(SEED_PAYMENT_COUNT + 50);
    });
  });

  describe('capturePayment and refundPayment', () => {
    it('captures an AUTHORIZED payment', async () => {
      const payments = await start();
      const { id } = await authorize(payments);
      expect((await data(payments, CAPTURE, { id })).capturePayment).toEqual({ id, status: 'CAPTURED' });
      expect((await data(payments, `{ payment(id: "${id}") { status } }`)).payment.status).toBe('CAPTURED');
    });

    it('rejects capturing a CAPTURED payment with ILLEGAL_PAYMENT_TRANSITION naming both statuses', async () => {
      const payments = await start();
      const { id } = await authorize(payments);
      await data(payments, CAPTURE, { id });
      const answer = await gql(payments, CAPTURE, { id });
      expect(answer.body.errors?.[0].extensions).toMatchObject({ code: 'ILLEGAL_PAYMENT_TRANSITION', status: 'CAPTURED', targetStatus: 'CAPTURED' });
      expect(answer.body.errors?.[0].message).toMatch(/is CAPTURED.*only AUTHORIZED/);
    });

    it('captures a payment once when 20 captures race; the others fail with ILLEGAL_PAYMENT_TRANSITION', async () => {
      const payments = await start();
      const { id } = await authorize(payments);
      const answers = await Promise.all(Array.from({ length: 20 }, () => gql(payments, CAPTURE, { id })));
      expect(outcomes(answers)).toEqual({ ok: 1, ILLEGAL_PAYMENT_TRANSITION: 19 });
    });

    it.each(['FAILED', 'REFUNDED', 'PENDING'])('rejects capturing a %s payment with ILLEGAL_PAYMENT_TRANSITION', async (status) => {
      const payments = await start();
      const seeded = SEED.find((p) => p.status === status)!;
      const answer = await gql(payments, CAPTURE, { id: seeded.id });
      expect(answer.body.errors?.[0].extensions).toMatchObject({ code: 'ILLEGAL_PAYMENT_TRANSITION', status });
      expect(answer.body.errors?.[0].message).toContain(status);
    });

    it('rejects capturing or refunding an unknown payment with PAYMENT_NOT_FOUND', async () => {
      const payments = await start();
      expect(await errorCode(payments, CAPTURE, { id: 'pay-9999' })).toBe('PAYMENT_NOT_FOUND');
      expect(await errorCode(payments, REFUND, { id: 'pay-9999', amount: { amount: 1, currency: 'USD' } })).toBe('PAYMENT_NOT_FOUND');
    });

    it('refunds part of a CAPTURED payment (still CAPTURED), then the rest (REFUNDED)', async () => {
      const payments = await start();
      const { id } = await authorize(payments);
      await data(payments, CAPTURE, { id });
      const partial = (await data(payments, REFUND, { id, amount: { amount: 1000, currency: 'USD' } })).refundPayment;
      expect(partial).toEqual({ id, status: 'CAPTURED', amount: { amount: 5998 }, refundedAmount: { amount: 1000, currency: 'USD' } });
      const rest = (await data(payments, REFUND, { id, amount: { amount: 4998, currency: 'USD' } })).refundPayment;
      expect(rest).toEqual({ id, status: 'REFUNDED', amount: { amount: 5998 }, refundedAmount: { amount: 5998, currency: 'USD' } });
      expect(await errorCode(payments, REFUND, { id, amount: { amount: 1, currency: 'USD' } })).toBe('ILLEGAL_PAYMENT_TRANSITION');
    });

    it('rejects refunding more than is left with REFUND_EXCEEDS_CAPTURED', async () => {
      const payments = await start();
      const { id } = await authorize(payments);
      await data(payments, CAPTURE, { id });
      await data(payments, REFUND, { id, amount: { amount: 5000, currency: 'USD' } });
      const answer = await gql(payments, REFUND, { id, amount: { amount: 999, currency: 'USD' } });
      expect(answer.body.errors?.[0].extensions).toMatchObject({ code: 'REFUND_EXCEEDS_CAPTURED', refundable: 998 });
    });

    it('rejects a refund in another currency with CURRENCY_MISMATCH', async () => {
      const payments = await start();
      const { id } = await authorize(payments);
      await data(payments, CAPTURE, { id });
      expect(await errorCode(payments, REFUND, { id, amount: { amount: 100, currency: 'EUR' } })).toBe('CURRENCY_MISMATCH');
    });

    it('rejects refunding an AUTHORIZED (not captured) payment with ILLEGAL_PAYMENT_TRANSITION', async () => {
      const payments = await start();
      const { id } = await authorize(payments);
      expect(await errorCode(payments, REFUND, { id, amount: { amount: 100, currency: 'USD' } })).toBe('ILLEGAL_PAYMENT_TRANSITION');
    });

    it.each([0, -100])('rejects a refund of %i with BAD_USER_INPUT', async (amount) => {
      const payments = await start();
      const { id } = await authorize(payments);
      await data(payments, CAPTURE, { id });
      expect(await errorCode(payments, REFUND, { id, amount: { amount, currency: 'USD' } })).toBe('BAD_USER_INPUT');
    });

    it('never refunds more than was captured when refunds race: 10 concurrent quarter refunds, 4 succeed', async () => {
      const payments = await start();
      const { id } = await authorize(payments, { ...order, amount: { amount: 4000, currency: 'USD' } });
      await data(payments, CAPTURE, { id });
      const answers = await Promise.all(Array.from({ length: 10 }, () => gql(payments, REFUND, { id, amount: { amount: 1000, currency: 'USD' } })));
      const tally = outcomes(answers);
      expect(tally.ok).toBe(4);
      expect((tally.REFUND_EXCEEDS_CAPTURED ?? 0) + (tally.ILLEGAL_PAYMENT_TRANSITION ?? 0)).toBe(6);
      expect((await data(payments, `{ payment(id: "${id}") { status refundedAmount { amount } } }`)).payment).toEqual({ status: 'REFUNDED', refundedAmount: { amount: 4000 } });
    });
  });

  describe('who sees which payment (the identity the gateway signed decides)', () => {
    const byId = (id: string) => `{ payment(id: "${id}") { id customerId status } }`;
    const owner = customer(OWNER);
    const READ_ALL = { subject: 'support-agent', scopes: ['payments:read:all'] };

    it('shows a customer their own payment by id', async () => {
      const payments = await start();
      expect(await data(payments, byId(THEIRS.id), undefined, { as: owner })).toEqual({ payment: { id: THEIRS.id, customerId: OWNER, status: THEIRS.status } });
    });

    it("answers someone else's payment by id exactly as an unknown id: null, no error", async () => {
      const payments = await start();
      const theirs = await gql(payments, byId(OTHERS.id), undefined, { as: owner });
      const unknown = await gql(payments, byId('pay-9999'), undefined, { as: owner });
      expect(theirs.body).toEqual({ data: { payment: null } });
      expect(theirs.body).toEqual(unknown.body);
    });

    it('lists only the caller\'s own payments, newest first, with or without their customerId', async () => {
      const payments = await start();
      const expected = OWNERS.map((p) => p.id).reverse();
      for (const customerId of [undefined, OWNER]) {
        const page1 = (await data(payments, PAGE, { customerId, first: 2 }, { as: owner })).payments;
        const page2 = (await data(payments, PAGE, { customerId, first: 100, after: page1.pageInfo.endCursor }, { as: owner })).payments;
        expect(page1.totalCount).toBe(OWNERS.length);
        expect([...page1.nodes, ...page2.nodes].map((p: { id: string }) => p.id)).toEqual(expected);
      }
    });

    it("answers another customer's list with an empty page, as for a customer without payments", async () => {
      const payments = await start();
      expect((await data(payments, PAGE, { customerId: OTHERS.customerId, first: 10 }, { as: owner })).payments).toEqual({
        totalCount: 0,
        nodes: [],
        pageInfo: { hasNextPage: false, endCursor: null },
      });
    });

    it("resolves entity references to someone else's payments as null, like unknown ones", async () => {
      const payments = await start();
      const { _entities } = await data(payments, ENTITIES, { r: [THEIRS, OTHERS, { id: 'pay-9999' }].map(({ id }) => ({ __typename: 'Payment', id })) }, { as: owner });
      expect(_entities).toEqual([{ id: THEIRS.id, customerId: OWNER, status: THEIRS.status }, null, null]);
    });

    it('shows every payment to a caller with payments:read:all: by id, in lists and through references', async () => {
      const payments = await start();
      expect((await data(payments, byId(OTHERS.id), undefined, { as: READ_ALL })).payment.customerId).toBe(OTHERS.customerId);
      expect((await data(payments, PAGE, { first: 1 }, { as: READ_ALL })).payments.totalCount).toBe(SEED_PAYMENT_COUNT);
      expect((await data(payments, PAGE, { customerId: OWNER, first: 1 }, { as: READ_ALL })).payments.totalCount).toBe(OWNERS.length);
      const { _entities } = await data(payments, ENTITIES, { r: [{ __typename: 'Payment', id: THEIRS.id }, { __typename: 'Payment', id: OTHERS.id }] }, { as: READ_ALL });
      expect(_entities.map((e: { id: string }) => e.id)).toEqual([THEIRS.id, OTHERS.id]);
    });

    it('shows an anonymous caller no payment, even with payments:read:all in its scopes', async () => {
      const payments = await start();
      for (const as of [ANONYMOUS, { subject: null, scopes: ['payments:read:all'] }]) {
        expect(await data(payments, byId(THEIRS.id), undefined, { as })).toEqual({ payment: null });
        expect((await data(payments, PAGE, { first: 10 }, { as })).payments).toMatchObject({ totalCount: 0, nodes: [] });
        expect((await data(payments, PAGE, { customerId: OWNER, first: 10 }, { as })).payments.totalCount).toBe(0);
        expect((await data(payments, ENTITIES, { r: [{ __typename: 'Payment', id: THEIRS.id }] }, { as }))._entities).toEqual([null]);
      }
    });

    it('lets a customer authorize a payment for themselves', async () => {
      const payments = await start();
      const payment = await data(payments, AUTHORIZE, { input: { ...order, customerId: OWNER }, key: 'mine' }, { as: owner });
      expect(payment.authorizePayment).toMatchObject({ customerId: OWNER, status: 'AUTHORIZED' });
    });

    it('rejects authorizing a payment for another customer with FORBIDDEN, creating nothing', async () => {
      const payments = await start();
      for (const as of [owner, ANONYMOUS]) {
        const answer = await gql(payments, AUTHORIZE, { input: { ...order, customerId: 'c-001' }, key: 'not-mine' }, { as });
        expect(answer.body.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', argument: 'input.customerId' });
        expect(answer.body.data).toBeNull();
      }
      expect(await totalCount(payments)).toBe(SEED_PAYMENT_COUNT);
    });

    it('lets a customer capture and refund their own payment', async () => {
      const payments = await start();
      const { id } = (await data(payments, AUTHORIZE, { input: { ...order, customerId: OWNER }, key: 'mine' }, { as: owner })).authorizePayment;
      expect((await data(payments, CAPTURE, { id }, { as: owner })).capturePayment).toEqual({ id, status: 'CAPTURED' });
      expect((await data(payments, REFUND, { id, amount: { amount: 100, currency: 'USD' } }, { as: owner })).refundPayment.refundedAmount.amount).toBe(100);
    });

    it("rejects capturing or refunding someone else's payment with PAYMENT_NOT_FOUND, as for an unknown id, changing nothing", async () => {
      const payments = await start();
      const { id } = await authorize(payments); // c-001's, by the admin
      await data(payments, CAPTURE, { id });
      const stranger = customer('c-002');
      expect(await errorCode(payments, REFUND, { id, amount: { amount: 100, currency: 'USD' } }, { as: stranger })).toBe('PAYMENT_NOT_FOUND');
      const authorized = SEED.find((p) => p.status === 'AUTHORIZED' && p.customerId !== 'c-002')!;
      const answer = await gql(payments, CAPTURE, { id: authorized.id }, { as: stranger });
      expect(answer.body.errors?.[0]).toMatchObject({ message: `No payment with id "${authorized.id}"`, extensions: { code: 'PAYMENT_NOT_FOUND' } });
      expect((await data(payments, `{ a: payment(id: "${id}") { refundedAmount { amount } } b: payment(id: "${authorized.id}") { status } }`))).toEqual({
        a: { refundedAmount: { amount: 0 } },
        b: { status: 'AUTHORIZED' },
      });
    });
  });

  it('resolves 100 Payment entity references in one store round trip, unknown ones as null', async () => {
    const payments = await start();
    const representations = Array.from({ length: 100 }, (_, i) => ({ __typename: 'Payment', id: i === 99 ? 'pay-nope' : SEED[i].id }));
    let entities: any[] = [];
    const trips = await roundTripsOf(payments.store, async () => {
      ({ _entities: entities } = await data(payments, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Payment { id status amount { amount } items { product { id } } } } }', { r: representations }));
    });
    expect(trips).toBe(1);
    expect(entities.slice(0, 99).map((e) => e.id)).toEqual(SEED.slice(0, 99).map((p) => p.id));
    expect(entities[0].status).toBe(SEED[0].status);
    expect(entities[99]).toBeNull();
  });

  it('answers a page of payments in one store round trip', async () => {
    const payments = await start();
    expect(await roundTripsOf(payments.store, () => data(payments, '{ payments(first: 50) { nodes { id amount { amount } } } }'))).toBe(1);
  });
});

describe('Payment.customerId (defence in depth)', () => {
  const resolveCustomerId = (paymentsResolvers.Payment as Record<string, unknown>).customerId as (payment: unknown, args: unknown, context: Partial<PaymentsContext>) => string;

  it("refuses with FORBIDDEN to read another customer's id, should a payment reach a caller who may not see it", () => {
    expect(() => resolveCustomerId(OTHERS, {}, { identity: customer(OWNER) })).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }));
    expect(() => resolveCustomerId(THEIRS, {}, { identity: ANONYMOUS })).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }));
  });

  it('reads it for the owner and for payments:read:all', () => {
    expect(resolveCustomerId(THEIRS, {}, { identity: customer(OWNER) })).toBe(OWNER);
    expect(resolveCustomerId(OTHERS, {}, { identity: TEST_ADMIN })).toBe(OTHERS.customerId);
  });
});
