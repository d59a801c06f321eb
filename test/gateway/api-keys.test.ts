import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { API_KEYS_HASH, hashApiKey } from '../../gateway/src/auth/api-keys';
import { errorCodes, postGraphQL } from '../support/http';
import { startRedis, type RedisServer } from '../support/redis';
import { startStack, type Stack } from '../support/stack';
import { RawSocket } from './transport/support/clients';

/**
 * API keys are credentials: a configured key (file/env, or Redis) names its
 * client's bucket and tier; any other key is refused, so a client cannot
 * mint itself a fresh rate-limit bucket per request.
 */

const PARTNER_KEY = 'partner-key-0123456789abcdef';
const REDIS_KEY = 'redis-key-0123456789abcdef';
const PUBLIC = '{ product(id: "p-0001") { id } }';
const ws = (url: string) => url.replace(/^http/, 'ws');

describe('API keys', () => {
  let redis: RedisServer;
  let stack: Stack;
  const sockets: RawSocket[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    const admin = new Redis(redis.url);
    await admin.hset(API_KEYS_HASH, hashApiKey(REDIS_KEY), JSON.stringify({ name: 'redis-client', tier: 'partner' }));
    await admin.quit();
    stack = await startStack({
      store: 'memory',
      gatewayEnv: {
        REDIS_URL: redis.url,
        GATEWAY_API_KEYS_IN_REDIS: 'true',
        GATEWAY_API_KEYS: JSON.stringify([
          { name: 'partner-a', sha256: hashApiKey(PARTNER_KEY), tier: 'partner' },
        ]),
        // Buckets that barely refill, so a spec can count what each request took.
        GATEWAY_RATE_LIMIT_TIERS: JSON.stringify({
          anonymous: { capacity: 1_000, refillPerSecond: 0.001, maxSubscriptions: 5 },
          authenticated: { capacity: 2_000, refillPerSecond: 0.001, maxSubscriptions: 5 },
          partner: { capacity: 3_000, refillPerSecond: 0.001, maxSubscriptions: 5 },
        }),
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

  const ask = (headers: Record<string, string>, query = PUBLIC, variables: Record<string, unknown> = {}) => postGraphQL(stack.url, query, variables, headers);

  it('refuses an unknown key over HTTP with 401 INVALID_API_KEY, running nothing', async () => {
    const before = stack.subgraphs.products.store.stats.roundTrips;
    const answer = await ask({ 'x-api-key': 'made-up-key' });
    expect(answer.status).toBe(401);
    expect(errorCodes(answer)).toEqual(['INVALID_API_KEY']);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors![0].message).toBe('The API key is not known to this gateway');
    expect(stack.subgraphs.products.store.stats.roundTrips).toBe(before);
  });

  it('refuses an unknown key on an SSE stream the same way', async () => {
    const res = await fetch(stack.url, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', 'x-api-key': 'made-up-key' },
      body: JSON.stringify({ query: PUBLIC }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('INVALID_API_KEY');
  });

  it.each([
    ['the connection_init payload', { apiKey: 'made-up-key' }, {}],
    ['the upgrade request', undefined, { 'x-api-key': 'made-up-key' }],
  ])('closes a WebSocket that presents an unknown key in %s with 4403', async (_where, payload, headers) => {
    const raw = await RawSocket.open(ws(stack.url), undefined, { headers });
    sockets.push(raw);
    raw.send({ type: 'connection_init', ...(payload && { payload }) });
    expect(await raw.closed).toEqual({ code: 4403, reason: 'Forbidden: The API key is not known to this gateway' });
  });

  it('gives a client sending a random key per request no bucket at all: every such request is refused', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => ask({ 'x-api-key': randomUUID() })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(401));
  });

  it('charges a configured key to its own bucket in its own tier, however many addresses it calls from', async () => {
    const first = await ask({ 'x-api-key': PARTNER_KEY });
    expect(first.status).toBe(200);
    expect(first.body.data).toEqual({ product: { id: 'p-0001' } });
    expect(first.headers.get('ratelimit-limit')).toBe('3000');
    const second = await ask({ 'x-api-key': PARTNER_KEY, 'x-forwarded-for': '203.0.113.9' });
    expect(Number(second.headers.get('ratelimit-remaining'))).toBeLessThan(Number(first.headers.get('ratelimit-remaining')));
    // An anonymous caller's bucket is another one.
    expect((await ask({})).headers.get('ratelimit-limit')).toBe('1000');
  });

  it('accepts a key in connection_init and charges its bucket for operations on the socket', async () => {
    const raw = await RawSocket.open(ws(stack.url));
    sockets.push(raw);
    await raw.initialise({ apiKey: PARTNER_KEY });
    raw.subscribe('q', PUBLIC);
    const next = await raw.waitFor((m) => m.id === 'q' && m.type === 'next');
    expect(next.payload.data).toEqual({ product: { id: 'p-0001' } });
    expect(next.payload.extensions.cost.throttleStatus.maximumAvailable).toBe(3_000);
  });

  it('accepts keys an operator keeps in Redis, with their tier', async () => {
    const answer = await ask({ 'x-api-key': REDIS_KEY });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('ratelimit-limit')).toBe('3000');
  });

  it('answers 503 with Retry-After, never lets a key through, while Redis cannot say whether it is known', async () => {
    await redis.stop();
    const answer = await ask({ 'x-api-key': 'not-yet-cached-key' });
    expect(answer.status).toBe(503);
    expect(errorCodes(answer)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(answer.headers.get('retry-after')).toBe('1');
    // A key in the configuration does not depend on Redis to be recognised.
    const configured = await ask({ 'x-api-key': PARTNER_KEY });
    expect(configured.status).not.toBe(401);
    expect(configured.status).not.toBe(503);
  });
});
