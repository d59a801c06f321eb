import Redis from 'ioredis';
import { EVENT_CHANNELS } from '../../../lib/events/catalogue';
import { compareEventIds, streamKeyOf } from '../../../lib/events/log';
import { DEV_JWT_SECRET } from '../../../gateway/src/auth/dev-secret';
import { postGraphQL } from '../../support/http';
import { startRedis, type RedisServer } from '../../support/redis';
import { startStack, type Stack } from '../../support/stack';
import { devAuthorization, hsToken } from '../../support/tokens';
import { flushRedis } from '../../subgraphs/harness';
import { idsOf, sseSubscribe, until, wsSubscribe, type Subscriber } from './support';

const STOCK = 'subscription($productId: ID) { stockChanged(productId: $productId) { productId delta reason product { name } } }';
const ADJUST = 'mutation($p: ID!, $r: String!) { adjustStock(productId: $p, warehouseId: "wh-1", delta: 1, reason: $r) { id } }';
const PAYMENTS = 'subscription { paymentStatusChanged { paymentId customerId to } }';
const AUTHORIZE = 'mutation($input: AuthorizePaymentInput!, $key: String!) { authorizePayment(input: $input, idempotencyKey: $key) { id } }';
/** Limits out of the way: these specs send hundreds of mutations from one client. */
const GATEWAY_ENV = { GATEWAY_RATE_LIMIT_ENABLED: 'false' };
const token = (sub: string, scope = '') => hsToken({ sub, scope, iss: undefined, aud: undefined }, DEV_JWT_SECRET);

let redis: RedisServer;
let stack: Stack;
let operator: Record<string, string>;
let admin: Redis;
const open: Subscriber[] = [];

beforeAll(async () => {
  operator = await devAuthorization();
  redis = await startRedis();
  admin = new Redis(redis.url);
});
beforeEach(async () => {
  await flushRedis(redis.url);
  stack = await startStack({ store: 'redis', redisUrl: redis.url, gatewayEnv: { REDIS_URL: redis.url, ...GATEWAY_ENV } });
});

/** The subgraphs again with logs of `maxLength` entries a channel (and the same Redis data), so a position can be trimmed away within a test. */
async function restartWithRetention(maxLength: number): Promise<void> {
  await stack.close();
  stack = await startStack({ store: 'redis', redisUrl: redis.url, gatewayEnv: { REDIS_URL: redis.url, ...GATEWAY_ENV }, subgraphOptions: { eventRetention: { maxLength } } });
}
afterEach(async () => {
  open.splice(0).forEach((s) => s.close());
  await stack.close();
});
afterAll(async () => {
  await admin.quit();
  await redis.destroy();
});

const adjust = async (productId: string, reason: string) => {
  const answer = await postGraphQL(stack.url, ADJUST, { p: productId, r: reason }, operator);
  if (answer.body.errors) throw new Error(JSON.stringify(answer.body.errors));
};

/** Subscribes and waits until it is live: marker mutations until every subscriber has received one. */
async function live(subscribers: Subscriber[], productId: string): Promise<void> {
  open.push(...subscribers);
  for (let i = 0; ; i++) {
    await adjust(productId, `marker-${i}`);
    try {
      await Promise.all(subscribers.map((s) => s.until(1, 500)));
      return;
    } catch (error) {
      if (i > 40) throw error;
    }
  }
}

/** The ids of a product's StockChanged entries in the log, after `after`. */
async function loggedIds(productId: string, after: string): Promise<string[]> {
  const entries = (await admin.xrange(streamKeyOf(EVENT_CHANNELS.StockChanged), `(${after}`, '+')) as Array<[string, string[]]>;
  return entries.filter(([, fields]) => JSON.parse(fields[1]).productId === productId).map(([id]) => id);
}

/** Drops the gateway's Redis subscriber connection, as a network blip or a Redis failover would. */
async function killGatewaySubscriber(): Promise<void> {
  const clients = ((await admin.client('LIST')) as string).split('\n').filter((line) => line.includes('name=gateway-events-subscriber'));
  expect(clients.length).toBeGreaterThan(0);
  for (const line of clients) await admin.client('KILL', 'ID', /id=(\d+)/.exec(line)![1]);
}

it('delivers all of 1,000 mutations in order, once, to every subscriber while the gateway\'s Redis subscriber connection is killed twice', async () => {
  const subscribers = Array.from({ length: 4 }, () => wsSubscribe(stack.url, STOCK, { variables: { productId: 'p-0101' } }));
  await live(subscribers, 'p-0101');
  const start = subscribers[0].lastEventId()!;
  const base = subscribers.map((s) => s.results.length);
  let next = 0;
  const worker = async () => {
    while (next < 1_000) {
      const i = next++;
      if (i === 250 || i === 650) await killGatewaySubscriber();
      await adjust('p-0101', `m-${i}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const logged = await loggedIds('p-0101', start);
  expect(logged).toHaveLength(1_000);
  await Promise.all(subscribers.map((s, i) => s.until(base[i] + 1_000, 60_000)));
  for (const [i, subscriber] of subscribers.entries()) {
    const after = subscriber.results.slice(base[i]);
    expect(idsOf(after)).toEqual(logged);
    expect(new Set(after.map((r) => r.data.stockChanged.reason)).size).toBe(1_000);
    expect(subscriber.error).toBeUndefined();
  }
}, 120_000);

it('resumes a graphql-ws subscription from extensions.resumeFrom: the missed events, then live ones, each once and in order', async () => {
  const first = wsSubscribe(stack.url, STOCK, { variables: { productId: 'p-0102' } });
  await live([first], 'p-0102');
  await adjust('p-0102', 'seen');
  await first.until(2);
  const lastSeen = first.lastEventId()!;
  first.close();
  for (const reason of ['missed-1', 'missed-2', 'missed-3']) await adjust('p-0102', reason);
  // Another product's events in between are filtered out on replay as live.
  await adjust('p-0103', 'other product');
  const resumed = wsSubscribe(stack.url, STOCK, { variables: { productId: 'p-0102' }, resumeFrom: lastSeen });
  open.push(resumed);
  await resumed.until(3);
  await adjust('p-0102', 'live');
  await resumed.until(4);
  expect(resumed.results.map((r) => r.data.stockChanged.reason)).toEqual(['missed-1', 'missed-2', 'missed-3', 'live']);
  expect(resumed.results.every((r) => r.data.stockChanged.product.name)).toBe(true);
  const ids = idsOf(resumed.results);
  expect([...ids].sort(compareEventIds)).toEqual(ids);
  expect(compareEventIds(ids[0], lastSeen)).toBeGreaterThan(0);
});

it('resumes an SSE subscription from Last-Event-ID, every event carrying its id', async () => {
  const first = sseSubscribe(stack.url, STOCK, { variables: { productId: 'p-0104' } });
  await live([first], 'p-0104');
  expect(first.results[0].eventId).toMatch(/^\d+-\d+$/);
  const lastSeen = first.lastEventId()!;
  first.close();
  await adjust('p-0104', 'missed');
  const resumed = sseSubscribe(stack.url, STOCK, { variables: { productId: 'p-0104' }, lastEventId: lastSeen });
  open.push(resumed);
  await resumed.until(1);
  await adjust('p-0104', 'live');
  await resumed.until(2);
  expect(resumed.results.map((r) => r.data.stockChanged.reason)).toEqual(['missed', 'live']);
  expect(resumed.results.map((r) => r.eventId)).toEqual(await loggedIds('p-0104', lastSeen));
});

it('ends a subscription resuming from a position older than the log retains with EVENTS_EXPIRED, over graphql-ws and SSE', async () => {
  await restartWithRetention(40);
  const first = wsSubscribe(stack.url, STOCK, { variables: { productId: 'p-0105' } });
  await live([first], 'p-0105');
  const lastSeen = first.lastEventId()!;
  first.close();
  // The log keeps 40 entries a channel: 60 more push the position out.
  for (let i = 0; i < 60; i++) await adjust('p-0105', `later-${i}`);
  const ws = wsSubscribe(stack.url, STOCK, { variables: { productId: 'p-0105' }, resumeFrom: lastSeen });
  const sse = sseSubscribe(stack.url, STOCK, { variables: { productId: 'p-0105' }, lastEventId: lastSeen });
  open.push(ws, sse);
  await ws.ended();
  await sse.ended();
  expect(ws.error).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'EVENTS_EXPIRED' }) })]);
  expect(sse.error).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'EVENTS_EXPIRED' }) })]);
  expect(ws.results).toEqual([]);
  // A resumeFrom that is not an event id is refused before anything runs.
  const malformed = wsSubscribe(stack.url, STOCK, { resumeFrom: 'yesterday' });
  open.push(malformed);
  await malformed.ended();
  expect(malformed.error?.[0].extensions.code).toBe('BAD_USER_INPUT');
});

it('replays to a resuming customer only their own payment events, whatever happened meanwhile', async () => {
  const order = (customerId: string, key: string) => ({ input: { orderId: key, customerId, amount: { amount: 1000, currency: 'USD' }, items: [{ productId: 'p-0001', quantity: 1 }] }, key });
  const pay = async (customerId: string, key: string) => {
    const answer = await postGraphQL(stack.url, AUTHORIZE, order(customerId, key), operator);
    if (answer.body.errors) throw new Error(JSON.stringify(answer.body.errors));
    return answer.body.data!.authorizePayment.id as string;
  };
  const customer = wsSubscribe(stack.url, PAYMENTS, { token: await token('c-001', 'payments:write') });
  open.push(customer);
  await customer.subscribed;
  for (let i = 0; ; i++) {
    await pay('c-001', `warm-${i}`);
    if ((await customer.until(1, 500).then(() => true, () => false)) || i > 40) break;
  }
  const lastSeen = customer.lastEventId()!;
  customer.close();
  const theirs = [await pay('c-002', 'other-1'), await pay('c-002', 'other-2')];
  const mine = await pay('c-001', 'mine-1');
  await pay('c-003', 'other-3');
  const resumed = wsSubscribe(stack.url, PAYMENTS, { token: await token('c-001', 'payments:write'), resumeFrom: lastSeen });
  open.push(resumed);
  await resumed.until(1);
  const marker = await pay('c-001', 'mine-2');
  await resumed.until(2);
  expect(resumed.results.map((r) => r.data.paymentStatusChanged.paymentId)).toEqual([mine, marker]);
  expect(resumed.results.every((r) => r.data.paymentStatusChanged.customerId === 'c-001')).toBe(true);
  expect(theirs).toHaveLength(2);
});
