import { DEFAULT_SUBGRAPH_PORTS, SUBGRAPH_NAMES } from '../../subgraphs/shared/ports';
import { freePort } from '../support/ports';
import { runCompiled, waitForOk } from '../support/process';
import { startRedis } from '../support/redis';

/** The compiled entry points as `npm start` and docker-compose run them (needs `npm run build`). */
describe('subgraph processes', () => {
  it.each(SUBGRAPH_NAMES)('%s serves /health and GraphQL on PORT and exits 0 on SIGTERM', async (name) => {
    const port = await freePort();
    const proc = runCompiled(`subgraphs/${name}/main.js`, [], { PORT: String(port), HOST: '127.0.0.1' });
    try {
      await waitForOk(`http://127.0.0.1:${port}/health`, proc);
      const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ _service { sdl } }' }),
      });
      expect(((await res.json()) as any).data._service.sdl).toContain('@key');
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

  it.each([
    ['PORT', 'abc'],
    ['LOG_LEVEL', 'loud'],
    ['REDIS_URL', 'http://cache:6379'],
  ])('refuses to start with %s=%s, naming the variable, exit code 1', async (variable, value) => {
    const proc = runCompiled('subgraphs/products/main.js', [], { PORT: '0', [variable]: value });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain(`products: Invalid configuration: ${variable} must be`);
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
