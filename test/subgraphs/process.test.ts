import { DEFAULT_SUBGRAPH_PORTS, SUBGRAPH_NAMES } from '../../subgraphs/shared/ports';
import { postGraphQL } from '../support/http';
import { freePort } from '../support/ports';
import { runCompiled, waitForOk } from '../support/process';
import { startRedis } from '../support/redis';
import { DEPLOYED_IDENTITY } from '../support/identity-keys';
import { identityHeaders } from './harness';

/** The compiled entry points as `npm start` and docker-compose run them (needs `npm run build`). */
describe('subgraph processes', () => {
  it.each(SUBGRAPH_NAMES)('%s serves /health and gateway-signed GraphQL on PORT (the development key in development) and exits 0 on SIGTERM', async (name) => {
    const port = await freePort();
    const proc = runCompiled(`subgraphs/${name}/main.js`, [], { PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'development' });
    try {
      await waitForOk(`http://127.0.0.1:${port}/health`, proc);
      const url = `http://127.0.0.1:${port}/graphql`;
      expect((await postGraphQL(url, '{ _service { sdl } }', undefined, await identityHeaders(name))).body.data?._service.sdl).toContain('@key');
      expect((await postGraphQL(url, '{ _service { sdl } }')).status).toBe(401);
    } finally {
      expect(await proc.stop()).toBe(0);
    }
  });

  it('uses Redis when REDIS_URL is set', async () => {
    const redis = await startRedis();
    const port = await freePort();
    const proc = runCompiled('subgraphs/payments/main.js', [], { PORT: String(port), HOST: '127.0.0.1', REDIS_URL: redis.url });
    try {
      await waitForOk(`http://127.0.0.1:${port}/health`, proc);
      expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toContain('store_round_trips_total{subgraph="payments",store="redis"}');
    } finally {
      expect(await proc.stop()).toBe(0);
      await redis.destroy();
    }
  });

  it('verifies identities with INTERNAL_AUTH_PUBLIC_KEY in production and refuses ones signed with another key', async () => {
    const port = await freePort();
    const proc = runCompiled('subgraphs/products/main.js', [], { PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', INTERNAL_AUTH_PUBLIC_KEY: DEPLOYED_IDENTITY.publicPem });
    try {
      await waitForOk(`http://127.0.0.1:${port}/health`, proc);
      const url = `http://127.0.0.1:${port}/graphql`;
      expect((await postGraphQL(url, '{ product(id: "p-0001") { id } }', undefined, await identityHeaders('products', { key: DEPLOYED_IDENTITY.privateKey }))).body.data).toEqual({ product: { id: 'p-0001' } });
      const devSigned = await postGraphQL(url, '{ product(id: "p-0001") { id } }', undefined, await identityHeaders('products'));
      expect(devSigned.status).toBe(401);
      expect(devSigned.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      expect(await proc.stop()).toBe(0);
    }
  });

  it.each(SUBGRAPH_NAMES)('%s refuses to start in production without INTERNAL_AUTH_PUBLIC_KEY, naming it, exit code 1', async (name) => {
    const proc = runCompiled(`subgraphs/${name}/main.js`, [], { PORT: '0', NODE_ENV: 'production' });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain(`${name}: Invalid configuration: INTERNAL_AUTH_PUBLIC_KEY must be set unless NODE_ENV is development or test`);
  });

  it.each([
    ['PORT', 'abc'],
    ['LOG_LEVEL', 'loud'],
    ['REDIS_URL', 'http://cache:6379'],
    ['INTERNAL_AUTH_PUBLIC_KEY', 'too-short'],
  ])('refuses to start with %s=%s, naming the variable, exit code 1', async (variable, value) => {
    const proc = runCompiled('subgraphs/products/main.js', [], { PORT: '0', NODE_ENV: 'development', [variable]: value });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(new RegExp(`products: Invalid configuration: ${variable} (must be|is not)`));
  });

  it('refuses to start when Redis is unreachable, naming REDIS_URL, exit code 1', async () => {
    const proc = runCompiled('subgraphs/inventory/main.js', [], { PORT: '0', REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/inventory: Cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+ \(REDIS_URL\)/);
  });

  it('documents its default ports', () => {
    expect(DEFAULT_SUBGRAPH_PORTS).toEqual({ products: 4001, inventory: 4002, payments: 4003 });
  });
});
