import { DEV_JWT_SECRET } from '../../../gateway/src/auth/dev-secret';
import { generateSeedPayments } from '../../../subgraphs/payments/seed';
import { postGraphQL } from '../../support/http';
import { startStack, type Stack } from '../../support/stack';
import { hsToken } from '../../support/tokens';
import { CACHE_DEBUG, query } from './support';

const PAYMENT = 'query($id: ID!) { payment(id: $id) { id status amount { amount currency } } }';

const bearer = async (sub: string, scope = '') => ({ authorization: `Bearer ${await hsToken({ sub, scope, iss: undefined, aud: undefined }, DEV_JWT_SECRET)}` });

describe('the visibility scope of cached payments (PRIVATE: one entry per caller identity)', () => {
  let stack: Stack;
  const seed = generateSeedPayments();
  const payment = seed.find((p) => p.status === 'AUTHORIZED')!;
  const other = seed.find((p) => p.customerId !== payment.customerId)!.customerId;

  beforeAll(async () => {
    stack = await startStack({ store: 'memory', gatewayEnv: CACHE_DEBUG });
  });
  afterAll(() => stack.close());

  it("never returns customer A's cached payment to customer B or to an anonymous caller", async () => {
    const customerA = await bearer(payment.customerId);
    const first = await query(stack.url, PAYMENT, { id: payment.id }, customerA);
    expect(first.body.data.payment).toMatchObject({ id: payment.id, status: 'AUTHORIZED' });
    expect(first.headers.get('cache-control')).toBe('private, max-age=30');
    const cached = await query(stack.url, PAYMENT, { id: payment.id }, customerA);
    expect(cached.cache.hits).toEqual({ Query: 1 });
    expect(cached.body.data).toEqual(first.body.data);

    // B asks for the same payment with the same document: the subgraph says it is not theirs, and no entry of A's is read.
    const customerB = await query(stack.url, PAYMENT, { id: payment.id }, await bearer(other));
    expect(customerB.body.data.payment).toBeNull();
    expect(customerB.cache).toMatchObject({ hits: {}, misses: { Query: 1 } });

    const anonymous = await postGraphQL(stack.url, PAYMENT, { id: payment.id });
    expect(anonymous.body.data?.payment ?? null).toBeNull();
    expect(anonymous.body.errors?.[0].extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    expect(anonymous.body.extensions?.cache?.hits ?? {}).toEqual({});
    expect(anonymous.headers.get('cache-control') ?? '').not.toMatch(/public/);
  });

  it("keeps a separate entry for a caller who may read every payment, and a status change reaches both", async () => {
    const customer = await bearer(payment.customerId);
    const support = await bearer('support', 'payments:read:all payments:write');
    await query(stack.url, PAYMENT, { id: payment.id }, customer);
    const supportFirst = await query(stack.url, PAYMENT, { id: payment.id }, support);
    expect(supportFirst.cache.misses).toEqual({ Query: 1 });
    expect((await query(stack.url, PAYMENT, { id: payment.id }, support)).cache.hits).toEqual({ Query: 1 });

    const captured = await postGraphQL(stack.url, 'mutation($id: ID!) { capturePayment(id: $id) { id status } }', { id: payment.id }, support);
    expect(captured.body.data?.capturePayment.status).toBe('CAPTURED');
    for (const caller of [customer, support]) {
      const after = await query(stack.url, PAYMENT, { id: payment.id }, caller);
      expect(after.body.data.payment.status).toBe('CAPTURED');
    }
  });
});
