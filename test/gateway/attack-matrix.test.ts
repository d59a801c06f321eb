import { connect } from 'node:net';
import { errorCodes, postGraphQL, postRaw, getGraphQL, type GraphQLAnswer } from '../support/http';
import { startRedis, type RedisServer } from '../support/redis';
import { flushRedis } from '../subgraphs/harness';
import { rateLimitTiers, startStack, type Stack } from '../support/stack';
import { hsToken } from '../support/tokens';
import { DEV_JWT_SECRET } from '../../gateway/src/auth/dev-secret';
import { RawSocket, type WireMessage } from './transport/support/clients';

/**
 * The gateway tried as a hostile client would, on the real stack (three
 * subgraph servers, the gateway, a real redis-server holding rate limits and
 * events), over each transport. Every case asserts the coded answer; the
 * hostile ones also ask /health at the same time: its answer while they are
 * in flight is the evidence that none of them held the event loop.
 */

const MIB = 1024 * 1024;
const JSON_HEADERS = { 'content-type': 'application/json' };
const ws = (url: string) => url.replace(/^http/, 'ws');
const token = (sub: string, options: { scope?: string; expiresIn?: number } = {}) => hsToken({ sub, iss: undefined, aud: undefined, ...options }, DEV_JWT_SECRET);

/** The fragment bomb: 1.2 KB, each fragment spreading the next twice, 30 levels (2^30 paths if walked naively). */
const SPREAD_BOMB = (() => {
  let query = 'query { ...F0 } ';
  for (let i = 0; i < 30; i++) query += `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} } `;
  return `${query}fragment F30 on Query { payment(id: "x") { id } }`;
})();

/** A bomb that multiplies through fields, ten at each of four levels: 21,110 selections once spread, from 600 bytes. */
const FIELD_BOMB = [
  `{ ${'product(id: "p-0001") { ...P } '.repeat(10)}}`,
  `fragment P on Product { ${'stock { ...S } '.repeat(10)}}`,
  `fragment S on StockLevel { ${'warehouses { ...W } '.repeat(10)}}`,
  `fragment W on WarehouseStock { ${'warehouse { ...X } '.repeat(10)}}`,
  'fragment X on Warehouse { id }',
].join('\n');

/** Just under the body limit of text that lexes into far more tokens than the limit. */
const ALIAS_FLOOD = `{ ${Array.from({ length: 55_000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
const DUPLICATE_FLOOD = `{ ${'__typename '.repeat(90_000)}}`;

/** `/health` answered while `hostile` is in flight, and the hostile answers themselves. */
async function withHealthCheck<T>(baseUrl: string, hostile: Array<() => Promise<T>>): Promise<T[]> {
  const started = hostile.map((send) => send());
  const health = await fetch(baseUrl.replace('/graphql', '/health'));
  expect(health.status).toBe(200);
  return Promise.all(started);
}

function expectNoLeak(answer: GraphQLAnswer): void {
  expect(JSON.stringify(answer.body)).not.toMatch(/stacktrace|\bat .*\.(js|ts):\d+|node_modules/);
}

/** POST over SSE: the JSON refusal (status + body), or the first `next` event and whether the stream completed. */
async function sse(url: string, body: unknown, headers: Record<string, string> = {}, method: 'POST' | 'GET' = 'POST'): Promise<{ status: number; json?: any; events: any[] }> {
  const target = method === 'GET' ? `${url}?${new URLSearchParams(body as Record<string, string>)}` : url;
  const res = await fetch(target, {
    method,
    headers: { accept: 'text/event-stream', ...(method === 'POST' && JSON_HEADERS), ...headers },
    ...(method === 'POST' && { body: JSON.stringify(body) }),
  });
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) return { status: res.status, json: await res.json(), events: [] };
  const text = await res.text(); // a query's stream completes after its one result
  const events = text
    .split('\n\n')
    .filter((block) => block.startsWith('event: next'))
    .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)));
  return { status: res.status, events };
}

/** Opens an initialised graphql-ws socket. */
async function socket(url: string, payload?: Record<string, unknown>): Promise<RawSocket> {
  const raw = await RawSocket.open(ws(url));
  await raw.initialise(payload);
  return raw;
}

const ended = (id: string) => (message: WireMessage) => message.id === id && (message.type === 'error' || message.type === 'complete');

describe('the attack matrix, on the real stack with Redis', () => {
  let redis: RedisServer;
  let stack: Stack;
  const sockets: RawSocket[] = [];
  const open = async (payload?: Record<string, unknown>) => {
    const raw = await socket(stack.url, payload);
    sockets.push(raw);
    return raw;
  };

  beforeAll(async () => {
    redis = await startRedis();
    await flushRedis(redis.url);
    stack = await startStack({
      store: 'redis',
      redisUrl: redis.url,
      gatewayEnv: {
        REDIS_URL: redis.url,
        JWT_CLOCK_TOLERANCE_SEC: '0',
        // Signed-in budgets that barely refill, so a spec can count the points an operation took.
        ...rateLimitTiers({ capacity: 1_000, refillPerSecond: 50, maxSubscriptions: 5 }, { capacity: 2_000, refillPerSecond: 0.001, maxSubscriptions: 20 }),
      },
    });
  });
  afterEach(() => {
    for (const raw of sockets.splice(0)) raw.ws.terminate();
  });
  afterAll(async () => {
    await stack.close();
    await redis.destroy();
  });

  describe('hostile documents are answered at once, with a code, on every transport', () => {
    it('answers the 30-level spread bomb in linear time over HTTP: the anonymous caller gets null and what it lacks', async () => {
      const answers = await withHealthCheck(stack.url, Array.from({ length: 4 }, () => () => postGraphQL(stack.url, SPREAD_BOMB)));
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.body.data).toEqual({ payment: null });
        expect(errorCodes(answer)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
        expect(answer.body.errors![0].message).toContain('requires authentication');
        expectNoLeak(answer);
      }
    });

    it('answers the spread bomb the same way over graphql-ws and SSE', async () => {
      const raw = await open();
      raw.subscribe('bomb', SPREAD_BOMB);
      const [overSse] = await withHealthCheck(stack.url, [() => sse(stack.url, { query: SPREAD_BOMB })]);
      expect(overSse.events).toEqual([expect.objectContaining({ data: { payment: null } })]);
      const next = await raw.waitFor((m) => m.id === 'bomb' && m.type === 'next');
      expect(next.payload.data).toEqual({ payment: null });
      expect(next.payload.errors.map((e: any) => e.extensions.code)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
    });

    it('refuses a bomb that multiplies through fields with MAX_SELECTIONS_EXCEEDED before validating it, on all three transports', async () => {
      const raw = await open();
      raw.subscribe('fields', FIELD_BOMB);
      const [overHttp, overSse] = await withHealthCheck<any>(stack.url, [() => postGraphQL(stack.url, FIELD_BOMB), () => sse(stack.url, { query: FIELD_BOMB })]);
      expect(overHttp.status).toBe(400);
      expect(errorCodes(overHttp)).toEqual(['MAX_SELECTIONS_EXCEEDED']);
      expect(overSse.status).toBe(400);
      expect(overSse.json.errors[0].extensions.code).toBe('MAX_SELECTIONS_EXCEEDED');
      const refused = await raw.waitFor(ended('fields'));
      expect(refused).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'MAX_SELECTIONS_EXCEEDED' } }] });
      expect(refused.payload[0].extensions.http).toBeUndefined();
    });

    it('refuses 1 MiB alias and duplicate-field documents while lexing (MAX_TOKENS_EXCEEDED), and WebSocket messages that size with 1009', async () => {
      expect(ALIAS_FLOOD.length).toBeGreaterThan(MIB * 0.9);
      expect(DUPLICATE_FLOOD.length).toBeGreaterThan(MIB * 0.9);
      const raw = await RawSocket.open(ws(stack.url));
      sockets.push(raw);
      await raw.initialise();
      raw.subscribe('big', ALIAS_FLOOD);
      const answers = await withHealthCheck<any>(stack.url, [
        () => postGraphQL(stack.url, ALIAS_FLOOD),
        () => postGraphQL(stack.url, DUPLICATE_FLOOD),
        () => sse(stack.url, { query: ALIAS_FLOOD }),
      ]);
      for (const answer of answers.slice(0, 2)) {
        expect(answer.status).toBe(400);
        expect(errorCodes(answer)).toEqual(['MAX_TOKENS_EXCEEDED']);
      }
      expect(answers[2]).toMatchObject({ status: 400, json: { errors: [{ extensions: { code: 'MAX_TOKENS_EXCEEDED' } }] } });
      expect((await raw.closed).code).toBe(1009);
    });

    it('applies the token limit to graphql-ws messages within the payload limit too', async () => {
      const raw = await open();
      raw.subscribe('tokens', `{ ${'__typename '.repeat(3_000)}}`);
      expect(await raw.waitFor(ended('tokens'))).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'MAX_TOKENS_EXCEEDED' } }] });
    });

    it('refuses a __typename flood with MAX_FIELD_REPEATS_EXCEEDED before validation can spend quadratic time on it', async () => {
      const flood = `{ ${'__typename '.repeat(1_990)}}`;
      const [answer] = await withHealthCheck(stack.url, [() => postGraphQL(stack.url, flood)]);
      expect(answer.status).toBe(400);
      expect(errorCodes(answer)).toEqual(['MAX_FIELD_REPEATS_EXCEEDED']);
    });

    it('takes huge variable values in its stride: coerced once, answered with a code or a result', async () => {
      const huge = 'x'.repeat(900_000);
      const wrongType = { id: Array.from({ length: 60_000 }, (_, i) => i) };
      const answers = await withHealthCheck(stack.url, [
        () => postGraphQL(stack.url, 'query($id: ID!) { product(id: $id) { id } }', { id: huge }),
        () => postGraphQL(stack.url, 'query($id: ID!) { product(id: $id) { id } }', wrongType),
      ]);
      expect(answers[0].status).toBe(200);
      expect(answers[0].body.data).toBeDefined();
      expectNoLeak(answers[0]);
      expect(answers[1].status).toBe(400);
      expect(errorCodes(answers[1])).toEqual(['BAD_USER_INPUT']);
    });
  });

  describe('streams are held to the HTTP guards', () => {
    it('never runs a mutation sent with SSE GET (405), but runs it over SSE POST', async () => {
      const mutation = 'mutation { adjustStock(productId: "p-0002", warehouseId: "wh-1", delta: 1, reason: "restock") { id } }';
      const refused = await sse(stack.url, { query: mutation }, {}, 'GET');
      expect(refused.status).toBe(405);
      expect(refused.json.errors[0].extensions.code).toBe('BAD_REQUEST');
      const operator = { authorization: `Bearer ${await token('ops', { scope: 'inventory:write' })}` };
      const ran = await sse(stack.url, { query: mutation }, operator);
      expect(ran.events).toEqual([{ data: { adjustStock: { id: expect.any(String) } }, extensions: expect.anything() }]);
    });

    it('suggests no field names over any transport when introspection is off', async () => {
      // This stack is a development one; the production spec (security-defaults) proves the switch over HTTP,
      // and the document stage is the only place validation happens for every transport.
      const raw = await open();
      raw.subscribe('typo', '{ prodcts { id } }');
      const refused = await raw.waitFor(ended('typo'));
      expect(refused).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    });

    it('charges zero-cost operations 1 point each, over graphql-ws from the same bucket as over HTTP', async () => {
      const caller = { authorization: `Bearer ${await token('bucket-sharer')}` };
      const first = await postGraphQL(stack.url, '{ __typename }', undefined, caller);
      expect(first.body.extensions?.cost).toEqual({
        requestedQueryCost: 0,
        actualQueryCost: 0,
        throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1999, restoreRate: 0.001 },
      });
      expect(first.headers.get('ratelimit-remaining')).toBe('1999');
      const raw = await open(caller);
      raw.subscribe('q', '{ __typename }');
      const overWs = await raw.waitFor((m) => m.id === 'q' && m.type === 'next');
      expect(overWs.payload.extensions.cost.throttleStatus.currentlyAvailable).toBe(1998);
    });
  });

  describe('an expired token does nothing on an open WebSocket', () => {
    it('ends running subscriptions with SUBSCRIPTION_JWT_EXPIRED and closes 4403 at expiry', async () => {
      const raw = await open({ authorization: `Bearer ${await token('short-lived', { expiresIn: 2 })}` });
      raw.subscribe('q', '{ __typename }');
      expect(await raw.waitFor(ended('q'))).toMatchObject({ type: 'complete' });
      raw.subscribe('stock', 'subscription { stockChanged(productId: "p-0003") { productId } }');
      const expired = await raw.waitFor(ended('stock'));
      expect(expired).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'SUBSCRIPTION_JWT_EXPIRED' } }] });
      expect(await raw.closed).toEqual({ code: 4403, reason: 'Forbidden: token expired' });
    });
  });

  describe('GraphQL over HTTP status codes', () => {
    it('answers request errors with 400 under application/graphql-response+json (also the default), and 200 under application/json', async () => {
      const graphqlResponse = await postRaw(stack.url, JSON.stringify({ query: '{ nope }' }), { ...JSON_HEADERS, accept: 'application/graphql-response+json' });
      expect(graphqlResponse.status).toBe(400);
      expect(graphqlResponse.headers.get('content-type')).toBe('application/graphql-response+json; charset=utf-8');
      const legacy = await postRaw(stack.url, JSON.stringify({ query: '{ nope }' }), { ...JSON_HEADERS, accept: 'application/json' });
      expect(legacy.status).toBe(200);
      expect(legacy.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(errorCodes(legacy)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      const parseError = await postRaw(stack.url, JSON.stringify({ query: '{' }), { ...JSON_HEADERS, accept: 'application/json' });
      expect(parseError.status).toBe(200);
      const unparsable = await postRaw(stack.url, '{"query": ', { ...JSON_HEADERS, accept: 'application/json' });
      expect(unparsable.status).toBe(400);
    });

    it('keeps 405 for a mutation over GET and 401 for a bad token whatever the media type', async () => {
      const mutation = await getGraphQL(stack.url, { query: 'mutation { createProduct(input: {sku: "x", name: "x", category: "x", price: {amount: 1, currency: "USD"}}) { id } }' }, { 'graphql-require-preflight': 'true', accept: 'application/json' });
      expect(mutation.status).toBe(405);
      const badToken = await postRaw(stack.url, JSON.stringify({ query: '{ __typename }' }), { ...JSON_HEADERS, accept: 'application/json', authorization: 'Bearer not-a-token' });
      expect(badToken.status).toBe(401);
    });

    it('answers 406 NOT_ACCEPTABLE when the client accepts nothing it can produce', async () => {
      const answer = await postRaw(stack.url, JSON.stringify({ query: '{ __typename }' }), { ...JSON_HEADERS, accept: 'text/csv' });
      expect(answer.status).toBe(406);
      expect(errorCodes(answer)).toEqual(['NOT_ACCEPTABLE']);
    });

    it('tells a hash-only (APQ) request for an unknown hash PersistedQueryNotFound, so Apollo Client sends the document', async () => {
      const answer = await postRaw(stack.url, JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } }), JSON_HEADERS);
      expect(answer.status).toBe(200);
      expect(answer.body.errors?.[0].message).toBe('PersistedQueryNotFound');
      expect(errorCodes(answer)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    });
  });
});

describe('reject mode holds for every transport', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ store: 'memory', gatewayEnv: { GATEWAY_AUTHORIZATION_MODE: 'reject' } });
  });
  afterAll(() => stack.close());
  const PAYMENT = '{ payment(id: "pay-0001") { id } product(id: "p-0001") { id } }';

  it('refuses an operation touching a protected field with 401 over HTTP and SSE, and an error over graphql-ws', async () => {
    const overHttp = await postGraphQL(stack.url, PAYMENT);
    expect(overHttp.status).toBe(401);
    expect(errorCodes(overHttp)).toEqual(['UNAUTHENTICATED']);
    expect(overHttp.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const overSse = await sse(stack.url, { query: PAYMENT });
    expect(overSse.status).toBe(401);
    expect(overSse.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const raw = await socket(stack.url);
    try {
      raw.subscribe('p', PAYMENT);
      expect(await raw.waitFor(ended('p'))).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    } finally {
      raw.ws.terminate();
    }
  });

  it('refuses a signed-in caller without the scope with 403 FORBIDDEN, naming the scope', async () => {
    const mutation = 'mutation { adjustStock(productId: "p-0002", warehouseId: "wh-1", delta: 1, reason: "restock") { id } }';
    const answer = await postGraphQL(stack.url, mutation, undefined, { authorization: `Bearer ${await token('no-scopes')}` });
    expect(answer.status).toBe(403);
    expect(answer.body.errors![0]).toMatchObject({ extensions: { code: 'FORBIDDEN', reason: 'scopes', requiredScopes: [['inventory:write']] } });
    expect(answer.body.errors![0].message).toContain('"inventory:write"');
  });
});

describe('slow clients', () => {
  it('closes a connection that drips its headers once the headers timeout passes (408)', async () => {
    const stack = await startStack({ store: 'memory', gatewayEnv: { GATEWAY_HTTP_HEADERS_TIMEOUT_MS: '500', GATEWAY_HTTP_REQUEST_TIMEOUT_MS: '1000' } });
    try {
      const { port } = new URL(stack.url);
      const client = connect(Number(port), '127.0.0.1');
      let received = '';
      client.on('data', (chunk) => (received += chunk));
      client.write('POST /graphql HTTP/1.1\r\nHost: localhost\r\n');
      // One more header byte now and then, never the end of the headers: the server must give up on its own.
      const drip = setInterval(() => client.write('X'), 100);
      await new Promise<void>((resolve) => client.once('close', () => resolve()));
      clearInterval(drip);
      expect(received).toMatch(/^HTTP\/1\.1 408/);
      expect((await fetch(stack.url.replace('/graphql', '/health'))).status).toBe(200);
    } finally {
      await stack.close();
    }
  });
});
