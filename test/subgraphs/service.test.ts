import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { generateKeyPairSync } from 'node:crypto';
import { DEV_IDENTITY_PUBLIC_KEY, INTERNAL_IDENTITY_HEADER, identityPrivateKey, DEV_IDENTITY_PRIVATE_KEY, signIdentity } from '../../lib/auth/internal-identity';
import { startProductsSubgraph, startSubgraph } from '../../subgraphs';
import { SEED_PAYMENT_COUNT } from '../../subgraphs/payments/seed';
import { SUBGRAPH_NAMES } from '../../subgraphs/shared/ports';
import { getGraphQL, postRaw } from '../support/http';
import { freePort } from '../support/ports';
import { TEST_ADMIN, data, gql, identityHeaders, useSubgraphHarness } from './harness';

const DEV_KEY = identityPrivateKey(DEV_IDENTITY_PRIVATE_KEY);
const OTHER_KEY = generateKeyPairSync('ed25519').privateKey;

const QUERY_OF = { products: '{ product(id: "p-0001") { id } }', inventory: '{ warehouses { id } }', payments: '{ payment(id: "pay-0001") { id } }' };

describe('every subgraph service', () => {
  const harness = useSubgraphHarness();

  it.each(SUBGRAPH_NAMES)('%s answers /health and /ready with 200', async (name) => {
    const subgraph = await harness.start(name, 'memory');
    const base = subgraph.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });

  it.each(SUBGRAPH_NAMES)('%s exposes store round trips and request counts on /metrics in the Prometheus text format', async (name) => {
    const subgraph = await harness.start(name, 'memory');
    await data(subgraph, QUERY_OF[name]);
    await gql(subgraph, '{ nope }');
    const res = await fetch(subgraph.url.replace(/\/graphql$/, '/metrics'));
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE store_round_trips_total counter');
    expect(text).toContain(`store_round_trips_total{subgraph="${name}",store="memory"} ${subgraph.store.stats.roundTrips}`);
    expect(text).toContain(`graphql_requests_total{subgraph="${name}",operation_type="query",outcome="success"} 1`);
    expect(text).toContain(`graphql_requests_total{subgraph="${name}",operation_type="unknown",outcome="error"} 1`);
    expect(text).toContain(`graphql_errors_total{subgraph="${name}",code="GRAPHQL_VALIDATION_FAILED"} 1`);
  });

  it('labels the store round trips of a Redis-backed subgraph store="redis"', async () => {
    const subgraph = await harness.start('inventory', 'redis');
    expect(subgraph.store.kind).toBe('redis');
    const text = await (await fetch(subgraph.url.replace(/\/graphql$/, '/metrics'))).text();
    expect(text).toMatch(/store_round_trips_total\{subgraph="inventory",store="redis"\} \d+/);
  });

  it('serves queries over GET with a CSRF-safe header', async () => {
    const subgraph = await harness.start('inventory', 'memory');
    const answer = await getGraphQL(subgraph.url, { query: '{ warehouses { id } }' }, { 'apollo-require-preflight': 'true', ...(await identityHeaders('inventory')) });
    expect(answer.status).toBe(200);
    expect(answer.body.data?.warehouses).toHaveLength(3);
  });

  it('answers other paths with 404 NOT_FOUND', async () => {
    const subgraph = await harness.start('products', 'memory');
    const res = await fetch(subgraph.url.replace(/\/graphql$/, '/admin'));
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('NOT_FOUND');
  });

  it('allows introspection outside production', async () => {
    const subgraph = await harness.start('products', 'memory');
    expect((await data(subgraph, '{ __schema { queryType { name } } }')).__schema.queryType.name).toBe('Query');
  });

  it('refuses introspection and field suggestions in production but still answers _service for composition', async () => {
    const { privateKey: key, publicKey } = generateKeyPairSync('ed25519');
    const subgraph = await harness.start('products', 'memory', { nodeEnv: 'production', identityPublicKey: publicKey });
    const introspection = await gql(subgraph, '{ __schema { queryType { name } } }', undefined, { key });
    expect(introspection.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const typo = await gql(subgraph, '{ prodcts { totalCount } }', undefined, { key });
    expect(typo.body.errors?.[0].message).not.toMatch(/Did you mean/);
    expect((await data(subgraph, '{ _service { sdl } }', undefined, { key }))._service.sdl).toContain('type Product');
  });

  it('answers with SDL that composes with the other two subgraphs into a supergraph', async () => {
    const subgraphs = await Promise.all(SUBGRAPH_NAMES.map((name) => harness.start(name, 'memory', { seed: false })));
    const services = await Promise.all(
      subgraphs.map(async (s) => ({ name: s.name, url: s.url, typeDefs: parse((await data(s, '{ _service { sdl } }'))._service.sdl) })),
    );
    const result = composeServices(services);
    expect(result.errors).toBeUndefined();
  });

  it('starts each subgraph by name through startSubgraph, with its store and a URL on the chosen port', async () => {
    for (const name of SUBGRAPH_NAMES) {
      const port = await freePort();
      const subgraph = await startSubgraph(name, { port, host: '127.0.0.1', logLevel: 'silent', seed: false, nodeEnv: 'test' });
      try {
        expect(subgraph).toMatchObject({ name, port, url: `http://127.0.0.1:${port}/graphql` });
        expect(subgraph.store.kind).toBe('memory');
        expect((await fetch(subgraph.url.replace(/\/graphql$/, '/health'))).status).toBe(200);
      } finally {
        await subgraph.close();
        await subgraph.close();
      }
      await expect(fetch(subgraph.url.replace(/\/graphql$/, '/health'))).rejects.toThrow();
    }
  });

  it('starts without seed data when asked, keeping the warehouses', async () => {
    const products = await harness.start('products', 'memory', { seed: false });
    expect((await data(products, '{ products(first: 1) { totalCount } }')).products.totalCount).toBe(0);
    const inventory = await harness.start('inventory', 'redis', { seed: false });
    expect((await data(inventory, '{ warehouses { id } }')).warehouses).toHaveLength(3);
    expect((await data(inventory, '{ _entities(representations: [{ __typename: "Product", id: "p-0001" }]) { ... on Product { stock { onHand } } } }'))._entities[0].stock.onHand).toBe(0);
  });

  it('fails to start with an unreachable REDIS_URL, naming REDIS_URL, and leaves nothing running', async () => {
    const port = await freePort();
    await expect(startProductsSubgraph({ redisUrl: `redis://127.0.0.1:${port}`, logLevel: 'silent', nodeEnv: 'test' })).rejects.toThrow(/Cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+ \(REDIS_URL\): connect ECONNREFUSED/);
  });
});

describe('a subgraph trusts only the gateway', () => {
  const harness = useSubgraphHarness();
  const AUTHORIZE = `mutation { authorizePayment(input: { orderId: "o-1", customerId: "c-001", amount: { amount: 100, currency: "USD" }, items: [{ productId: "p-0001", quantity: 1 }] }, idempotencyKey: "direct") { id } }`;
  const paymentCount = async (payments: { url: string; name: string }) => (await data(payments, '{ payments(first: 1) { totalCount } }')).payments.totalCount;
  const metricsOf = async (subgraph: { url: string; name: string }) => (await fetch(subgraph.url.replace(/\/graphql$/, '/metrics'))).text();

  function expectRefused(answer: { status: number; body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } }) {
    expect(answer.status).toBe(401);
    // One answer for every failed check: which one failed is for our logs, not for the caller.
    expect(answer.body).toEqual({ errors: [{ message: 'This subgraph only answers requests from the gateway', extensions: { code: 'UNAUTHENTICATED' } }] });
  }

  it.each(SUBGRAPH_NAMES)('%s answers a direct call without the identity header with 401 UNAUTHENTICATED and executes nothing', async (name) => {
    const subgraph = await harness.start(name, 'memory');
    const trips = subgraph.store.stats.roundTrips;
    expectRefused(await gql(subgraph, QUERY_OF[name], undefined, { as: null }));
    expect(subgraph.store.stats.roundTrips).toBe(trips);
    expect(await metricsOf(subgraph)).not.toContain('graphql_requests_total{');
  });

  it('runs no mutation for a direct call: authorizePayment without the header creates no payment', async () => {
    const payments = await harness.start('payments', 'memory');
    expectRefused(await gql(payments, AUTHORIZE, undefined, { as: null }));
    expect(await paymentCount(payments)).toBe(SEED_PAYMENT_COUNT);
  });

  it('refuses before reading the body: a direct call with an oversized body is 401, not 413', async () => {
    const subgraph = await harness.start('products', 'memory', { maxBodyBytes: 1024 });
    expectRefused(await postRaw(subgraph.url, JSON.stringify({ query: `{ products(first: 1) { totalCount } } # ${'x'.repeat(4096)}` }), { 'content-type': 'application/json' }));
  });

  it('refuses a GET without the identity header too', async () => {
    const subgraph = await harness.start('inventory', 'memory');
    expectRefused(await getGraphQL(subgraph.url, { query: '{ warehouses { id } }' }, { 'apollo-require-preflight': 'true' }));
  });

  it('refuses an identity signed with another key (401) and runs nothing', async () => {
    const payments = await harness.start('payments', 'memory');
    expectRefused(await gql(payments, AUTHORIZE, undefined, { key: OTHER_KEY }));
    expect(await paymentCount(payments)).toBe(SEED_PAYMENT_COUNT);
  });

  it('refuses an identity whose payload was changed after signing (401)', async () => {
    const payments = await harness.start('payments', 'memory');
    const [header, claims, signature] = (await signIdentity({ subject: 'c-001', scopes: [] }, DEV_KEY, { audience: 'payments' })).split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(claims, 'base64url').toString()), scp: ['payments:read:all'] })).toString('base64url');
    const answer = await postRaw(payments.url, JSON.stringify({ query: '{ payment(id: "pay-0001") { id } }' }), {
      'content-type': 'application/json',
      [INTERNAL_IDENTITY_HEADER]: `${header}.${forged}.${signature}`,
    });
    expectRefused(answer);
  });

  it('refuses an identity signed for another subgraph (401): a header captured at one subgraph is useless at the next', async () => {
    const payments = await harness.start('payments', 'memory');
    expectRefused(await gql(payments, '{ payment(id: "pay-0001") { id } }', undefined, { audience: 'products' }));
  });

  it('refuses an expired identity (401)', async () => {
    const payments = await harness.start('payments', 'memory');
    expectRefused(await gql(payments, '{ payment(id: "pay-0001") { id } }', undefined, { nowMs: Date.now() - 120_000, ttlMs: 60_000 }));
  });

  it.each([
    ['not our format', 'Bearer eyJhbGciOi'],
    ['longer than 8 KiB', `${'a'.repeat(9000)}.${'b'.repeat(43)}`],
  ])('refuses an identity header that is %s (401)', async (_case, header) => {
    const products = await harness.start('products', 'memory');
    expectRefused(await postRaw(products.url, JSON.stringify({ query: '{ product(id: "p-0001") { id } }' }), { 'content-type': 'application/json', [INTERNAL_IDENTITY_HEADER]: header }));
  });

  it('keeps /health, /ready and /metrics open, and counts refusals on /metrics by reason', async () => {
    const products = await harness.start('products', 'memory');
    await gql(products, '{ product(id: "p-0001") { id } }', undefined, { as: null });
    await gql(products, '{ product(id: "p-0001") { id } }', undefined, { key: OTHER_KEY });
    await gql(products, '{ product(id: "p-0001") { id } }', undefined, { key: OTHER_KEY });
    const base = products.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain('gateway_identity_refused_total{subgraph="products",reason="missing"} 1');
    expect(text).toContain('gateway_identity_refused_total{subgraph="products",reason="bad-signature"} 2');
  });

  it('verifies with its own public key when given one, refusing the development key', async () => {
    const { privateKey: key, publicKey } = generateKeyPairSync('ed25519');
    const products = await harness.start('products', 'memory', { identityPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    expect(await data(products, '{ product(id: "p-0001") { id } }', undefined, { key })).toEqual({ product: { id: 'p-0001' } });
    expectRefused(await gql(products, '{ product(id: "p-0001") { id } }', undefined, { key: DEV_KEY, as: TEST_ADMIN }));
  });

  it('fails to start in production without a key, or on the development key, naming INTERNAL_AUTH_PUBLIC_KEY', async () => {
    await expect(startProductsSubgraph({ nodeEnv: 'production', logLevel: 'silent' })).rejects.toThrow(
      'Invalid configuration: INTERNAL_AUTH_PUBLIC_KEY must be set unless NODE_ENV is development or test',
    );
    await expect(startProductsSubgraph({ nodeEnv: 'production', identityPublicKey: DEV_IDENTITY_PUBLIC_KEY, logLevel: 'silent' })).rejects.toThrow(
      'Invalid configuration: INTERNAL_AUTH_PUBLIC_KEY must not be the development key unless NODE_ENV is development or test',
    );
  });

  it('fails to start on a key that is not an Ed25519 public key, naming INTERNAL_AUTH_PUBLIC_KEY', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(startProductsSubgraph({ identityPublicKey: rsa, nodeEnv: 'test', logLevel: 'silent' })).rejects.toThrow('Invalid configuration: INTERNAL_AUTH_PUBLIC_KEY must be an Ed25519 key (got rsa)');
    await expect(startProductsSubgraph({ identityPublicKey: 'not a key', nodeEnv: 'test', logLevel: 'silent' })).rejects.toThrow('Invalid configuration: INTERNAL_AUTH_PUBLIC_KEY is not a PEM public key');
  });
});

describe('a subgraph whose Redis goes away', () => {
  const harness = useSubgraphHarness();

  it('answers INTERNAL_SERVER_ERROR without internals while Redis is down, and recovers once it is back', async () => {
    const payments = await harness.start('payments', 'redis');
    const redis = harness.redisServer();
    await redis.stop();
    const answer = await gql(payments, '{ payment(id: "pay-0001") { id } }');
    expect(answer.body.errors?.[0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(answer.body)).not.toMatch(/ECONNREFUSED|stack|ioredis/i);
    await redis.restart();
    for (let attempt = 0; ; attempt++) {
      const again = await gql(payments, '{ payment(id: "pay-0001") { id } }');
      if (!again.body.errors) {
        expect(again.body.data).toEqual({ payment: { id: 'pay-0001' } });
        break;
      }
      if (attempt > 100) throw new Error(`no recovery: ${JSON.stringify(again.body.errors)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});
