import { generateSeedPayments } from '../../subgraphs/payments/seed';
import { errorCodes, postGraphQL, type GraphQLAnswer } from '../support/http';
import { startStack, type Stack } from '../support/stack';
import {
  TEST_AUDIENCE,
  TEST_ISSUER,
  TEST_JWT_SECRET,
  confusedToken,
  hsToken,
  rsToken,
  rsaKey,
  startJwksServer,
  unsignedToken,
  type JwksServer,
  type SigningKey,
} from '../support/tokens';

const SEED_PAYMENTS = generateSeedPayments();
/** A customer's own payment, and one of another customer. */
const OWN = SEED_PAYMENTS[0];
const OTHERS = SEED_PAYMENTS.find((p) => p.customerId !== OWN.customerId)!;

const PAYMENT = 'query($id: ID!) { payment(id: $id) { id customerId status } }';
const PUBLIC = '{ product(id: "p-0001") { name } }';
const AUTHORIZE = `mutation($input: AuthorizePaymentInput!, $key: String!) { authorizePayment(input: $input, idempotencyKey: $key) { id status } }`;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function expectUnauthenticated(answer: GraphQLAnswer, description?: RegExp) {
  expect(answer.status).toBe(401);
  expect(errorCodes(answer)).toEqual(['UNAUTHENTICATED']);
  expect(answer.body.data).toBeUndefined();
  const challenge = answer.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer realm="graphql"/);
  if (description) {
    expect(challenge).toMatch(/error="invalid_token"/);
    expect(answer.body.errors![0].message).toMatch(description);
  }
  // Nothing about keys, libraries or stacks reaches the client.
  expect(JSON.stringify(answer.body)).not.toMatch(/stack|jose|ERR_|BEGIN PUBLIC KEY|secret/i);
}

describe('authentication at the edge: the attack matrix', () => {
  let stack: Stack;
  let jwks: JwksServer;
  let keyA: SigningKey;
  let keyB: SigningKey;

  beforeAll(async () => {
    [keyA, keyB] = await Promise.all([rsaKey('key-a'), rsaKey('key-b')]);
    jwks = await startJwksServer([keyA]);
    stack = await startStack({
      store: 'memory',
      gatewayEnv: {
        JWT_SECRET: TEST_JWT_SECRET,
        JWT_JWKS_URLS: jwks.url,
        JWT_ISSUERS: TEST_ISSUER,
        JWT_AUDIENCES: TEST_AUDIENCE,
        JWT_JWKS_COOLDOWN_MS: '0',
        JWT_CLOCK_TOLERANCE_SEC: '5',
      },
    });
  });
  afterAll(async () => {
    await stack.close();
    await jwks.close();
  });

  const ask = (query: string, headers: Record<string, string> = {}, variables: Record<string, unknown> = { id: OWN.id }) =>
    postGraphQL(stack.url, query, variables, headers);

  describe('valid tokens', () => {
    it('lets an owner read their payment with an HS256 token', async () => {
      const answer = await ask(PAYMENT, bearer(await hsToken({ sub: OWN.customerId })));
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data).toEqual({ payment: { id: OWN.id, customerId: OWN.customerId, status: OWN.status } });
    });

    it('lets an owner read their payment with an RS256 token from the JWKS', async () => {
      const answer = await ask(PAYMENT, bearer(await rsToken(keyA, { sub: OWN.customerId })));
      expect(answer.body.data?.payment?.id).toBe(OWN.id);
    });

    it('serves public fields to a caller without a token', async () => {
      const answer = await ask(PUBLIC);
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
    });
  });

  describe('protected fields without a token', () => {
    it('answers null with UNAUTHORIZED_FIELD_OR_TYPE at the field, and the public rest of the query', async () => {
      const answer = await ask(`query($id: ID!) { payment(id: $id) { id } product(id: "p-0001") { id } }`);
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual({ payment: null, product: { id: 'p-0001' } });
      expect(answer.body.errors).toEqual([
        expect.objectContaining({ path: ['payment'], extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE', reason: 'authentication' }, message: expect.stringContaining('requires authentication') }),
      ]);
    });

    it('never asks the payments subgraph for what the caller may not see', async () => {
      const { payments } = stack.subgraphs;
      const before = payments.store.stats.roundTrips;
      const answer = await ask(PAYMENT);
      expect(answer.body.data).toEqual({ payment: null });
      expect(payments.store.stats.roundTrips).toBe(before);
    });
  });

  describe.each([
    ['a wrong signature', () => hsToken({}, 'another-secret-another-secret-another-secret'), /signature/],
    ['an expired token', () => hsToken({ expiresIn: -60 }), /expired/],
    ['nbf in the future', () => hsToken({ notBefore: 600 }), /not valid yet/],
    ['a wrong issuer', () => hsToken({ iss: 'https://evil.test' }), /issuer/],
    ['a wrong audience', () => hsToken({ aud: 'someone-else' }), /not meant for this gateway/],
    ['alg: none', async () => unsignedToken(), /algorithm/],
    ['HS256 signed with the RSA public key (key confusion)', () => confusedToken(keyA), /signature/],
    ['an unknown kid', async () => rsToken(await rsaKey('key-unknown')), /unknown key/],
    ['a token that is not a JWT', async () => 'not-a-jwt', /malformed/],
    ['a JWT with garbage segments', async () => 'eyJhbGciOiJIUzI1NiJ9.%%%.abc', /malformed/],
    ['an oversized token', async () => `${await hsToken()}${'A'.repeat(9_000)}`, /too large/],
  ])('%s', (_case, token, description) => {
    it('is refused with 401 UNAUTHENTICATED and a WWW-Authenticate challenge, even on a public query', async () => {
      expectUnauthenticated(await ask(PUBLIC, bearer(await token())), description);
    });
  });

  it('refuses an Authorization header that is not a bearer token', async () => {
    expectUnauthenticated(await ask(PUBLIC, { authorization: 'Basic YWxpY2U6c2VjcmV0' }), /malformed/);
  });

  it('follows a JWKS key rotation without a restart: new-key tokens work, old-key tokens stop working', async () => {
    const oldToken = await rsToken(keyA, { sub: OWN.customerId });
    expect((await ask(PAYMENT, bearer(oldToken))).body.data?.payment?.id).toBe(OWN.id);

    jwks.publish([keyB]);
    const fetchesBefore = jwks.fetches;
    const newAnswer = await ask(PAYMENT, bearer(await rsToken(keyB, { sub: OWN.customerId })));
    expect(newAnswer.body.data?.payment?.id).toBe(OWN.id);
    expect(jwks.fetches).toBeGreaterThan(fetchesBefore);

    expectUnauthenticated(await ask(PAYMENT, bearer(oldToken)), /unknown key/);
    jwks.publish([keyA]);
  });

  describe('data-level rules decided by the verified subject', () => {
    it('does not show a customer another customer\'s payment by id', async () => {
      const answer = await ask(PAYMENT, bearer(await hsToken({ sub: OWN.customerId })), { id: OTHERS.id });
      expect(answer.body.data).toEqual({ payment: null });
    });

    it('lists only the caller\'s own payments, whatever customerId is asked for', async () => {
      const token = await hsToken({ sub: OWN.customerId });
      const mine = await ask('{ payments(first: 100) { nodes { customerId } } }', bearer(token));
      const customers = new Set(mine.body.data.payments.nodes.map((p: { customerId: string }) => p.customerId));
      expect([...customers]).toEqual([OWN.customerId]);
      const theirs = await ask(`{ payments(customerId: "${OTHERS.customerId}", first: 100) { nodes { id } } }`, bearer(token));
      expect(theirs.body.data?.payments?.nodes ?? []).toEqual([]);
    });

    it('shows every payment to a caller with payments:read:all', async () => {
      const answer = await ask(PAYMENT, bearer(await hsToken({ sub: 'support-agent', scope: 'payments:read:all' })), { id: OTHERS.id });
      expect(answer.body.data?.payment).toMatchObject({ id: OTHERS.id, customerId: OTHERS.customerId });
    });

    it('refuses a direct call to a subgraph that does not carry the gateway\'s signed identity', async () => {
      const answer = await postGraphQL(stack.subgraphs.payments.url, PAYMENT, { id: OWN.id }, bearer(await hsToken({ scope: 'payments:read:all' })));
      expect(answer.status).toBe(401);
      expect(errorCodes(answer)).toEqual(['UNAUTHENTICATED']);
    });
  });

  describe('scopes on mutations', () => {
    const input = (customerId: string) => ({ orderId: 'ord-scope', customerId, amount: { amount: 1_000, currency: 'USD' }, items: [{ productId: 'p-0003', quantity: 1 }] });

    it('removes a mutation the caller lacks the scope for, without running it', async () => {
      const { payments } = stack.subgraphs;
      const before = payments.store.stats.roundTrips;
      const answer = await ask(AUTHORIZE, bearer(await hsToken({ sub: OWN.customerId, scope: 'inventory:write' })), { input: input(OWN.customerId), key: 'scope-1' });
      expect(answer.status).toBe(200);
      expect(answer.body.data).toBeNull();
      expect(errorCodes(answer)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
      expect(payments.store.stats.roundTrips).toBe(before);
    });

    it('runs it with the scope', async () => {
      const answer = await ask(AUTHORIZE, bearer(await hsToken({ sub: OWN.customerId, scope: 'payments:write' })), { input: input(OWN.customerId), key: 'scope-2' });
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data.authorizePayment.status).toBe('AUTHORIZED');
    });
  });
});

describe('authorization in reject mode', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ store: 'memory', gatewayEnv: { JWT_SECRET: TEST_JWT_SECRET, GATEWAY_AUTHORIZATION_MODE: 'reject' } });
  });
  afterAll(() => stack.close());

  it('answers 401 UNAUTHENTICATED with a challenge when an anonymous caller asks for a protected field', async () => {
    const answer = await postGraphQL(stack.url, PAYMENT, { id: OWN.id });
    expect(answer.status).toBe(401);
    expect(errorCodes(answer)).toEqual(['UNAUTHENTICATED']);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="graphql"');
  });

  it('answers 403 FORBIDDEN when an authenticated caller lacks a scope', async () => {
    const answer = await postGraphQL(
      stack.url,
      'mutation { updateProductPrice(id: "p-0001", price: { amount: 1, currency: "USD" }) { id } }',
      {},
      bearer(await hsToken({ iss: undefined, aud: undefined, scope: 'payments:write' })),
    );
    expect(answer.status).toBe(403);
    expect(errorCodes(answer)).toEqual(['FORBIDDEN']);
    expect(answer.body.errors![0].message).toMatch(/Mutation\.updateProductPrice/);
  });
});
