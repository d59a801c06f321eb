import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';
import { errorCodes, postGraphQL } from '../support/http';
import { freePort } from '../support/ports';
import { runCompiled, waitForOk, type RunningProcess } from '../support/process';
import { startRedis, type RedisServer } from '../support/redis';
import { flushRedis } from '../subgraphs/harness';
import { rateLimitTiers, startStack, type Stack } from '../support/stack';
import { ALL_SCOPES, devAuthorization, hsToken } from '../support/tokens';
import { DEV_JWT_SECRET } from '../../gateway/src/auth/dev-secret';
import { generateSeedPayments } from '../../subgraphs/payments/seed';

const STOCK = `subscription($productId: ID) { stockChanged(productId: $productId) { productId delta available reason product { name price { amount currency } } } }`;
const ADJUST = 'mutation($p: ID!, $d: Int!) { adjustStock(productId: $p, warehouseId: "wh-2", delta: $d, reason: "restock") { id } }';
const PAYMENT_EVENTS = 'subscription { paymentStatusChanged { paymentId customerId from to payment { status amount { amount } } } }';
const CAPTURE = 'mutation($id: ID!) { capturePayment(id: $id) { id status } }';

const wsUrl = (httpUrl: string) => httpUrl.replace(/^http/, 'ws');
const token = (sub: string, scope = '') => hsToken({ sub, scope, iss: undefined, aud: undefined }, DEV_JWT_SECRET);

/** A real graphql-ws client subscription, collecting results; `next()` waits for the next one. */
function subscribe(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const results: ExecutionResult[] = [];
  const waiters: Array<() => void> = [];
  let error: unknown;
  let completed = false;
  const dispose = client.subscribe(
    { query, variables },
    {
      next: (value) => {
        results.push(value as ExecutionResult);
        waiters.splice(0).forEach((w) => w());
      },
      error: (e) => {
        error = e;
        waiters.splice(0).forEach((w) => w());
      },
      complete: () => {
        completed = true;
        waiters.splice(0).forEach((w) => w());
      },
    },
  );
  return {
    results,
    dispose,
    get error() {
      return error;
    },
    get completed() {
      return completed;
    },
    async until(count: number, timeoutMs = 10_000): Promise<ExecutionResult[]> {
      const deadline = Date.now() + timeoutMs;
      while (results.length < count && error === undefined && !completed) {
        if (Date.now() > deadline) throw new Error(`expected ${count} results, got ${results.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return results;
    },
  };
}

function wsClient(url: string, connectionParams: Record<string, unknown> = {}): Client {
  return createClient({ url: wsUrl(url), webSocketImpl: WebSocket, connectionParams, lazy: false, retryAttempts: 0, onNonLazyError: () => {} });
}

/** Subscriptions start asynchronously (the engine subscribes to the channel); give them a moment before publishing. */
async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 300));
}

describe.each(['memory', 'redis'] as const)('subscriptions from domain events on the %s store', (store) => {
  let redis: RedisServer | undefined;
  let stack: Stack;
  let operator: Record<string, string>;
  const clients: Client[] = [];
  const connect = (params: Record<string, unknown> = {}) => {
    const client = wsClient(stack.url, params);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    operator = await devAuthorization();
    if (store === 'redis') redis = await startRedis();
  });
  beforeEach(async () => {
    if (redis) await flushRedis(redis.url);
    stack = await startStack({ store, redisUrl: redis?.url, gatewayEnv: redis ? { REDIS_URL: redis.url } : {} });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    await stack.close();
  });
  afterAll(() => redis?.destroy());

  it('delivers a mutation\'s event enriched with fields of another subgraph', async () => {
    const sub = subscribe(connect(), STOCK, { productId: 'p-0002' });
    await settle();
    await postGraphQL(stack.url, ADJUST, { p: 'p-0002', d: 4 }, operator);
    const [first] = await sub.until(1);
    expect(first.errors).toBeUndefined();
    expect(first.data).toEqual({
      stockChanged: {
        productId: 'p-0002',
        delta: 4,
        available: 14,
        reason: 'restock',
        product: { name: expect.any(String), price: { amount: expect.any(Number), currency: expect.any(String) } },
      },
    });
  });

  it('applies argument filters: a subscriber to one product does not see another\'s events', async () => {
    const mine = subscribe(connect(), STOCK, { productId: 'p-0003' });
    const all = subscribe(connect(), STOCK);
    await settle();
    await postGraphQL(stack.url, ADJUST, { p: 'p-0004', d: 1 }, operator);
    await postGraphQL(stack.url, ADJUST, { p: 'p-0003', d: 2 }, operator);
    await all.until(2);
    await mine.until(1);
    expect(mine.results.map((r) => (r.data as any).stockChanged.productId)).toEqual(['p-0003']);
    expect(all.results.map((r) => (r.data as any).stockChanged.productId)).toEqual(['p-0004', 'p-0003']);
  });

  it('also serves subscriptions over SSE for clients without WebSockets', async () => {
    const client = createSseClient({ url: stack.url, singleConnection: false, retryAttempts: 0 });
    const results: unknown[] = [];
    const dispose = client.subscribe({ query: STOCK, variables: { productId: 'p-0005' } }, { next: (v) => void results.push(v), error: () => {}, complete: () => {} });
    try {
      await settle();
      await postGraphQL(stack.url, ADJUST, { p: 'p-0005', d: 3 }, operator);
      const deadline = Date.now() + 10_000;
      while (results.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(results[0]).toMatchObject({ data: { stockChanged: { productId: 'p-0005', delta: 3 } } });
    } finally {
      dispose();
      client.dispose();
    }
  });
});

describe('who receives which payment events', () => {
  let stack: Stack;
  const clients: Client[] = [];
  const seed = generateSeedPayments();
  const authorized = seed.filter((p) => p.status === 'AUTHORIZED');
  const mine = authorized[0];
  const theirs = authorized.find((p) => p.customerId !== mine.customerId)!;

  beforeAll(async () => {
    // No leeway: a token is over at its exp.
    stack = await startStack({ store: 'memory', gatewayEnv: { JWT_CLOCK_TOLERANCE_SEC: '0' } });
  });
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    await stack.close();
  });
  const connect = async (sub: string, scope = '') => {
    const client = wsClient(stack.url, { authorization: `Bearer ${await token(sub, scope)}` });
    clients.push(client);
    return client;
  };

  it('sends a customer only their own payment events, whatever they ask for, and everything to payments:read:all', async () => {
    const customer = subscribe(await connect(mine.customerId), PAYMENT_EVENTS);
    const support = subscribe(await connect('support', 'payments:read:all'), PAYMENT_EVENTS);
    await settle();
    const operator = await devAuthorization({ sub: 'ops', scope: ALL_SCOPES });
    expect((await postGraphQL(stack.url, CAPTURE, { id: theirs.id }, operator)).body.errors).toBeUndefined();
    expect((await postGraphQL(stack.url, CAPTURE, { id: mine.id }, operator)).body.errors).toBeUndefined();
    await support.until(2);
    await customer.until(1);
    await settle();
    expect(customer.results.map((r) => (r.data as any).paymentStatusChanged.paymentId)).toEqual([mine.id]);
    expect(customer.results[0].data).toMatchObject({ paymentStatusChanged: { from: 'AUTHORIZED', to: 'CAPTURED', payment: { status: 'CAPTURED' } } });
    expect(support.results.map((r) => (r.data as any).paymentStatusChanged.paymentId)).toEqual([theirs.id, mine.id]);
  });

  it('refuses the @authenticated subscription to an anonymous connection', async () => {
    const client = wsClient(stack.url);
    clients.push(client);
    const sub = subscribe(client, PAYMENT_EVENTS);
    await sub.until(1).catch(() => undefined);
    expect(sub.error).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHORIZED_FIELD_OR_TYPE' }) })]);
  });

  it('closes a connection whose connection_init carries a bad token with 4403', async () => {
    const closed = new Promise<number>((resolve) => {
      const socket = new WebSocket(wsUrl(stack.url), 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer not.a.token' } })));
      socket.on('close', (code) => resolve(code));
    });
    expect(await closed).toBe(4403);
  });

  it('ends a subscription with SUBSCRIPTION_JWT_EXPIRED when its token expires', async () => {
    const shortLived = await hsToken({ sub: mine.customerId, scope: '', iss: undefined, aud: undefined, expiresIn: 2 }, DEV_JWT_SECRET);
    const client = wsClient(stack.url, { authorization: `Bearer ${shortLived}` });
    clients.push(client);
    const sub = subscribe(client, PAYMENT_EVENTS);
    await sub.until(1);
    expect(sub.error).toEqual([expect.objectContaining({ extensions: { code: 'SUBSCRIPTION_JWT_EXPIRED' } })]);
  });
});

describe('fan-out scales with events, not subscribers', () => {
  let stack: Stack;
  let operator: Record<string, string>;

  beforeAll(async () => {
    operator = await devAuthorization();
    stack = await startStack({
      store: 'memory',
      gatewayEnv: {
        ...rateLimitTiers({ capacity: 100_000, refillPerSecond: 100, maxSubscriptions: 1_000 }, { capacity: 100_000, refillPerSecond: 100, maxSubscriptions: 1_000 }),
      },
    });
  });
  afterAll(() => stack.close());

  /** Products-subgraph fetches caused by one event delivered to `subscribers` identical subscriptions. */
  async function fetchesPerEvent(subscribers: number, productId: string): Promise<{ fetches: number; delivered: number }> {
    // Dashboards open a few subscriptions per connection: 20 per connection here.
    const connections = Array.from({ length: Math.ceil(subscribers / 20) }, () => wsClient(stack.url));
    try {
      const subs = Array.from({ length: subscribers }, (_, i) => subscribe(connections[Math.floor(i / 20)], STOCK, { productId }));
      await settle();
      await new Promise((r) => setTimeout(r, subscribers * 2));
      const before = stack.subgraphs.products.store.stats.roundTrips;
      await postGraphQL(stack.url, ADJUST, { p: productId, d: 1 }, operator);
      await Promise.all(subs.map((s) => s.until(1)));
      return { fetches: stack.subgraphs.products.store.stats.roundTrips - before, delivered: subs.filter((s) => s.results.length === 1).length };
    } finally {
      await Promise.all(connections.map((c) => c.dispose()));
    }
  }

  it('enriches each event once for 1 and for 200 identical subscribers', async () => {
    const one = await fetchesPerEvent(1, 'p-0006');
    const many = await fetchesPerEvent(200, 'p-0007');
    expect(one).toEqual({ fetches: 1, delivered: 1 });
    expect(many).toEqual({ fetches: 1, delivered: 200 });
  });
});

describe('two gateway replicas on one Redis', () => {
  let redis: RedisServer;
  let stack: Stack;
  let operator: Record<string, string>;
  const replicas: Array<{ url: string; process: RunningProcess }> = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    operator = await devAuthorization();
    redis = await startRedis();
    stack = await startStack({ store: 'redis', redisUrl: redis.url, gatewayEnv: { REDIS_URL: redis.url } });
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const process = runCompiled('gateway/src/main.js', ['--supergraph', stack.supergraphPath, '--port', String(port), '--host', '127.0.0.1'], { REDIS_URL: redis.url });
      replicas.push({ url: `http://127.0.0.1:${port}/graphql`, process });
    }
    await Promise.all(replicas.map((r) => waitForOk(r.url.replace('/graphql', '/ready'), r.process)));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    await Promise.all(replicas.map((r) => r.process.stop()));
    await stack.close();
    await redis.destroy();
  });

  it('delivers one event to subscribers on both replicas', async () => {
    const subs = replicas.map((r) => {
      const client = wsClient(r.url);
      clients.push(client);
      return subscribe(client, STOCK, { productId: 'p-0008' });
    });
    await settle();
    await postGraphQL(stack.url, ADJUST, { p: 'p-0008', d: 2 }, operator);
    const results = await Promise.all(subs.map((s) => s.until(1)));
    for (const [first] of results) expect(first.data).toMatchObject({ stockChanged: { productId: 'p-0008', delta: 2 } });
  });

  it('keeps subscriptions open across a Redis restart and delivers again once Redis is back', async () => {
    const client = wsClient(replicas[0].url);
    clients.push(client);
    const sub = subscribe(client, STOCK, { productId: 'p-0009' });
    await settle();
    await redis.restart();
    const deadline = Date.now() + 20_000;
    while (sub.results.length === 0 && Date.now() < deadline) {
      await postGraphQL(stack.url, ADJUST, { p: 'p-0009', d: 1 }, operator).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(sub.error).toBeUndefined();
    expect(sub.results[0]?.data).toMatchObject({ stockChanged: { productId: 'p-0009' } });
  });

  it('completes subscriptions with close 1001 on graceful shutdown', async () => {
    const closed = new Promise<number>((resolve) => {
      const socket = new WebSocket(wsUrl(replicas[1].url), 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
      socket.on('message', (raw) => {
        const message = JSON.parse(String(raw));
        if (message.type === 'connection_ack') socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: STOCK } }));
      });
      socket.on('close', (code) => resolve(code));
    });
    await settle();
    await replicas[1].process.stop();
    expect(await closed).toBe(1001);
  });
});

describe('limits on subscriptions', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      store: 'memory',
      gatewayEnv: {
        ...rateLimitTiers({ capacity: 1000, refillPerSecond: 10, maxSubscriptions: 2 }, { capacity: 1000, refillPerSecond: 10, maxSubscriptions: 5 }),
      },
    });
  });
  afterAll(() => stack.close());

  it('caps concurrent subscriptions per client with TOO_MANY_SUBSCRIPTIONS', async () => {
    const client = wsClient(stack.url);
    try {
      const subs = [subscribe(client, STOCK), subscribe(client, STOCK), subscribe(client, STOCK)];
      const deadline = Date.now() + 5_000;
      while (!subs.some((s) => s.error) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const refused = subs.filter((s) => s.error);
      expect(refused).toHaveLength(1);
      expect(refused[0].error).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'TOO_MANY_SUBSCRIPTIONS' }) })]);
    } finally {
      await client.dispose();
    }
  });

  it('runs queries sent over the WebSocket through the same pipeline', async () => {
    const client = wsClient(stack.url);
    try {
      const sub = subscribe(client, '{ product(id: "p-0001") { name } }');
      const [result] = await sub.until(1);
      expect(result.data).toEqual({ product: { name: expect.any(String) } });
    } finally {
      await client.dispose();
    }
  });

  it('refuses a subscription over the cost limit before it starts', async () => {
    const client = wsClient(stack.url);
    try {
      const huge = `subscription { stockChanged { ${Array.from({ length: 40 }, (_, i) => `p${i}: product { name }`).join(' ')} } }`;
      const sub = subscribe(client, huge);
      await sub.until(1).catch(() => undefined);
      expect(JSON.stringify(sub.error)).toMatch(/MAX_ALIASES_EXCEEDED|COST_ESTIMATED_TOO_EXPENSIVE/);
    } finally {
      await client.dispose();
    }
  });

  it('keeps the HTTP answer of a plain query unchanged', async () => {
    const answer = await postGraphQL(stack.url, '{ product(id: "p-0001") { id } }');
    expect(errorCodes(answer)).toEqual([]);
  });
});
