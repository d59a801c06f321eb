import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { startProductsSubgraph, startSubgraph } from '../../subgraphs';
import { SUBGRAPH_NAMES } from '../../subgraphs/shared/ports';
import { getGraphQL } from '../support/http';
import { freePort } from '../support/ports';
import { data, gql, useSubgraphHarness } from './harness';

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
    const answer = await getGraphQL(subgraph.url, { query: '{ warehouses { id } }' }, { 'apollo-require-preflight': 'true' });
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
    const subgraph = await harness.start('products', 'memory', { nodeEnv: 'production' });
    const introspection = await gql(subgraph, '{ __schema { queryType { name } } }');
    expect(introspection.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const typo = await gql(subgraph, '{ prodcts { totalCount } }');
    expect(typo.body.errors?.[0].message).not.toMatch(/Did you mean/);
    expect((await data(subgraph, '{ _service { sdl } }'))._service.sdl).toContain('type Product');
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
      const subgraph = await startSubgraph(name, { port, host: '127.0.0.1', logLevel: 'silent', seed: false });
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
    await expect(startProductsSubgraph({ redisUrl: `redis://127.0.0.1:${port}`, logLevel: 'silent' })).rejects.toThrow(/Cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+ \(REDIS_URL\): connect ECONNREFUSED/);
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
