import { errorCodes, postGraphQL, type GraphQLAnswer } from '../support/http';
import { freePort } from '../support/ports';
import { runCompiled, waitForOk, type RunningProcess } from '../support/process';
import { startRedis, type RedisServer } from '../support/redis';
import { rateLimitTiers, startStack, type Stack } from '../support/stack';
import { devAuthorization } from '../support/tokens';

const PRODUCTS_100 = '{ products(first: 100) { nodes { id name stock { available } } } }';
const ONE_PRODUCT = '{ product(id: "p-0001") { name } }';

/** Polls until `check` holds (no wall-clock assertion beyond "eventually"). */
async function eventually<T>(attempt: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const roundTrips = (stack: Stack) => Object.values(stack.subgraphs).reduce((n, s) => n + s.store.stats.roundTrips, 0);

describe('cost analysis and operation limits', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      store: 'memory',
      gatewayEnv: {
        GATEWAY_MAX_COST: '400',
        GATEWAY_MAX_DEPTH: '4',
        GATEWAY_MAX_ALIASES: '2',
        GATEWAY_MAX_ROOT_FIELDS: '3',
        GATEWAY_MAX_TOKENS: '200',
      },
    });
  });
  afterAll(() => stack.close());

  it('reports the requested and actual cost and the caller\'s budget on every answer', async () => {
    const answer = await postGraphQL(stack.url, ONE_PRODUCT);
    expect(answer.status).toBe(200);
    expect(answer.body.extensions?.cost).toEqual({
      requestedQueryCost: expect.any(Number),
      actualQueryCost: expect.any(Number),
      throttleStatus: { maximumAvailable: 1000, currentlyAvailable: expect.any(Number), restoreRate: 50 },
    });
    expect(answer.headers.get('ratelimit-limit')).toBe('1000');
    expect(Number(answer.headers.get('ratelimit-remaining'))).toBeLessThanOrEqual(1000);
    expect(answer.headers.get('ratelimit-reset')).toMatch(/^\d+$/);
  });

  it.each([
    ['cost', PRODUCTS_100.replace('name', 'name price { amount } description sku category'), 'COST_ESTIMATED_TOO_EXPENSIVE'],
    ['depth', '{ products(first: 1) { nodes { stock { warehouses { warehouse { name } } } } } }', 'MAX_DEPTH_EXCEEDED'],
    ['aliases', '{ a: product(id: "p-0001") { name } b: product(id: "p-0002") { name } c: product(id: "p-0003") { name } }', 'MAX_ALIASES_EXCEEDED'],
    ['root fields', '{ warehouses { id } product(id: "p-0001") { id } products(first: 1) { totalCount } r: warehouses { name } }', 'MAX_ROOT_FIELDS_EXCEEDED'],
    ['tokens', `{ product(id: "p-0001") { ${'name '.repeat(300)} } }`, 'MAX_TOKENS_EXCEEDED'],
  ])('refuses an operation over the %s limit with 400 and its own code, before any subgraph is called', async (_limit, query, code) => {
    const before = roundTrips(stack);
    const answer: GraphQLAnswer = await postGraphQL(stack.url, query);
    expect(answer.status).toBe(400);
    expect(errorCodes(answer)).toEqual([code]);
    expect(answer.body.data).toBeUndefined();
    expect(roundTrips(stack)).toBe(before);
  });

  it('charges the estimate and refunds what the real list sizes did not use', async () => {
    // 100 products are estimated; no product is in this category.
    const answer = await postGraphQL(stack.url, '{ products(first: 100, category: "no-such-category") { nodes { id stock { available } } } }');
    const cost = answer.body.extensions!.cost;
    expect(cost.actualQueryCost).toBeLessThan(cost.requestedQueryCost);
    // After the refund the bucket holds more than "capacity minus the estimate" would leave.
    expect(cost.throttleStatus.currentlyAvailable).toBeGreaterThan(cost.throttleStatus.maximumAvailable - cost.requestedQueryCost);
  });
});

describe('rate limiting by cost', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      store: 'memory',
      gatewayEnv: {
        ...rateLimitTiers({ capacity: 30, refillPerSecond: 1, maxSubscriptions: 1 }, { capacity: 1000, refillPerSecond: 50, maxSubscriptions: 5 }),
      },
    });
  });
  afterAll(() => stack.close());

  it('answers 429 RATE_LIMITED with Retry-After once a client has spent its budget, without calling subgraphs', async () => {
    const query = '{ products(first: 10) { nodes { id } } }';
    let answer: GraphQLAnswer;
    let sent = 0;
    do {
      answer = await postGraphQL(stack.url, query, undefined, { 'x-forwarded-for': 'ignored-untrusted' });
      sent++;
    } while (answer.status === 200 && sent < 50);
    expect(answer.status).toBe(429);
    expect(errorCodes(answer)).toEqual(['RATE_LIMITED']);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(answer.headers.get('ratelimit-limit')).toBe('30');

    const before = roundTrips(stack);
    expect((await postGraphQL(stack.url, query)).status).toBe(429);
    expect(roundTrips(stack)).toBe(before);
  });

  it('keeps separate budgets per client: an authenticated caller is not throttled by the anonymous one', async () => {
    const answer = await postGraphQL(stack.url, '{ products(first: 10) { nodes { id } } }', undefined, await devAuthorization({ sub: 'someone-else' }));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('ratelimit-limit')).toBe('1000');
  });
});

describe('one budget shared by two gateway replicas on one Redis', () => {
  let redis: RedisServer;
  let stack: Stack;
  const replicas: Array<{ url: string; health: string; process: RunningProcess }> = [];
  const TIERS = rateLimitTiers({ capacity: 40, refillPerSecond: 4, maxSubscriptions: 1 }, { capacity: 40, refillPerSecond: 4, maxSubscriptions: 1 });

  beforeAll(async () => {
    redis = await startRedis();
    stack = await startStack({ store: 'memory' });
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const process = runCompiled('gateway/src/main.js', ['--supergraph', stack.supergraphPath, '--port', String(port), '--host', '127.0.0.1'], {
        REDIS_URL: redis.url,
        ...TIERS,
      });
      replicas.push({ url: `http://127.0.0.1:${port}/graphql`, health: `http://127.0.0.1:${port}/health`, process });
    }
    await Promise.all(replicas.map((r) => waitForOk(r.health.replace('/health', '/ready'), r.process)));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.process.stop()));
    await stack.close();
    await redis.destroy();
  });

  const spend = async (url: string, headers: Record<string, string>) => {
    let answer: GraphQLAnswer;
    let sent = 0;
    do {
      answer = await postGraphQL(url, '{ products(first: 10) { nodes { id } } }', undefined, headers);
      sent++;
    } while (answer.status === 200 && sent < 100);
    return answer;
  };

  it('throttles on replica B a client that spent its budget through replica A, and restores it over time', async () => {
    const client = await devAuthorization({ sub: 'shared-budget-client' });
    expect((await spend(replicas[0].url, client)).status).toBe(429);
    const onB = await postGraphQL(replicas[1].url, '{ products(first: 10) { nodes { id } } }', undefined, client);
    expect(onB.status).toBe(429);
    expect(errorCodes(onB)).toEqual(['RATE_LIMITED']);

    const restored = await eventually(
      () => postGraphQL(replicas[1].url, '{ products(first: 10) { nodes { id } } }', undefined, client),
      (answer) => answer.status === 200,
    );
    expect(restored.body.extensions?.cost.throttleStatus.maximumAvailable).toBe(40);
  });

  it('keeps serving when Redis dies, says so in /health, and shares budgets again once Redis is back', async () => {
    await redis.stop();
    const during = await postGraphQL(replicas[0].url, '{ product(id: "p-0001") { name } }');
    expect(during.status).toBe(200);
    const health = await eventually(
      async () => (await fetch(replicas[0].health)).json(),
      (body: any) => body.rateLimiter?.degraded === true,
    );
    expect(health).toMatchObject({ status: 'ok', rateLimiter: { degraded: true } });

    await redis.restart();
    await eventually(
      async () => {
        await postGraphQL(replicas[0].url, '{ product(id: "p-0001") { name } }');
        return (await fetch(replicas[0].health)).json();
      },
      (body: any) => body.rateLimiter?.degraded === false,
    );
    await eventually(
      async () => {
        await postGraphQL(replicas[1].url, '{ product(id: "p-0001") { name } }');
        return (await fetch(replicas[1].health)).json();
      },
      (body: any) => body.rateLimiter?.degraded === false,
    );
    const client = await devAuthorization({ sub: 'after-restart-client' });
    expect((await spend(replicas[1].url, client)).status).toBe(429);
    expect((await postGraphQL(replicas[0].url, '{ products(first: 10) { nodes { id } } }', undefined, client)).status).toBe(429);
  });
});
