import Redis from 'ioredis';
import { EVENT_CHANNELS } from '../../../lib/events/catalogue';
import { streamKeyOf } from '../../../lib/events/log';
import { postGraphQL } from '../../support/http';
import { freePort } from '../../support/ports';
import { runCompiled, waitForOk, type RunningProcess } from '../../support/process';
import { startRedis, type RedisServer } from '../../support/redis';
import { startStack, type Stack } from '../../support/stack';
import { devAuthorization } from '../../support/tokens';
import { idsOf, until, wsSubscribe, type Received, type Subscriber } from './support';

/**
 * Two compiled gateway replicas on one Redis, 100 subscribers each. One
 * replica is stopped while mutations stream; its subscribers reconnect to
 * the other with the last event id they received and must end up with every
 * event exactly once, in order.
 */
const STOCK = 'subscription($productId: ID) { stockChanged(productId: $productId) { productId reason } }';
const ADJUST = 'mutation($p: ID!, $r: String!) { adjustStock(productId: $p, warehouseId: "wh-3", delta: 1, reason: $r) { id } }';
const PRODUCT = 'p-0301';
const MUTATIONS = 200;
const PER_REPLICA = 100;
const NO_LIMITS = { GATEWAY_RATE_LIMIT_ENABLED: 'false' };

let redis: RedisServer;
let stack: Stack;
let operator: Record<string, string>;
const replicas: Array<{ url: string; process: RunningProcess }> = [];
const open: Subscriber[] = [];

beforeAll(async () => {
  operator = await devAuthorization();
  redis = await startRedis();
  stack = await startStack({ store: 'redis', redisUrl: redis.url, gatewayEnv: { REDIS_URL: redis.url, ...NO_LIMITS } });
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    const process = runCompiled('gateway/src/main.js', ['--supergraph', stack.supergraphPath, '--port', String(port), '--host', '127.0.0.1'], { REDIS_URL: redis.url, ...NO_LIMITS });
    replicas.push({ url: `http://127.0.0.1:${port}/graphql`, process });
  }
  await Promise.all(replicas.map((r) => waitForOk(r.url.replace('/graphql', '/ready'), r.process)));
}, 60_000);
afterAll(async () => {
  open.forEach((s) => s.close());
  await Promise.all(replicas.map((r) => r.process.stop()));
  await stack.close();
  await redis.destroy();
});

const adjust = async (reason: string) => {
  const answer = await postGraphQL(stack.url, ADJUST, { p: PRODUCT, r: reason }, operator);
  if (answer.body.errors) throw new Error(JSON.stringify(answer.body.errors));
};

it('loses and duplicates nothing when a replica stops mid-stream and its clients resume on the other with their last id', async () => {
  const [a, b] = replicas;
  const onA = Array.from({ length: PER_REPLICA }, () => wsSubscribe(a.url, STOCK, { variables: { productId: PRODUCT } }));
  const onB = Array.from({ length: PER_REPLICA }, () => wsSubscribe(b.url, STOCK, { variables: { productId: PRODUCT } }));
  open.push(...onA, ...onB);
  await Promise.all([...onA, ...onB].map((s) => s.subscribed));
  // Live everywhere: markers until each of the 200 has received one.
  for (let i = 0; [...onA, ...onB].some((s) => s.results.length === 0); i++) {
    if (i > 100) throw new Error('the subscribers never went live');
    await adjust(`marker-${i}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const admin = new Redis(redis.url);
  try {
    const start = (await admin.xrevrange(streamKeyOf(EVENT_CHANNELS.StockChanged), '+', '-', 'COUNT', 1))[0][0];

    // The stream of mutations, with replica A stopped a third of the way through; its clients resume on B.
    const resumedOnB: Array<Subscriber | undefined> = [];
    const mutations = (async () => {
      for (let i = 0; i < MUTATIONS; i++) {
        if (i === Math.floor(MUTATIONS / 3)) void a.process.stop();
        await adjust(`m-${i}`);
      }
    })();
    await until(() => onA.every((s) => s.completed || s.closeCode !== undefined), 'replica A to end its subscriptions', 30_000);
    for (const [i, subscriber] of onA.entries()) {
      resumedOnB[i] = wsSubscribe(b.url, STOCK, { variables: { productId: PRODUCT }, resumeFrom: subscriber.lastEventId() });
      open.push(resumedOnB[i]!);
    }
    await mutations;

    const logged = ((await admin.xrange(streamKeyOf(EVENT_CHANNELS.StockChanged), `(${start}`, '+')) as Array<[string, string[]]>).map(([id]) => id);
    expect(logged).toHaveLength(MUTATIONS);
    const after = (results: Received[]) => idsOf(results).filter((id) => logged.includes(id));
    const received = (i: number): string[] => [...after(onA[i].results), ...after(resumedOnB[i]!.results)];
    await until(() => onA.every((_, i) => received(i).length >= MUTATIONS) && onB.every((s) => after(s.results).length >= MUTATIONS), 'every subscriber to have every event', 60_000);
    let lost = 0;
    let duplicated = 0;
    for (let i = 0; i < PER_REPLICA; i++) {
      const ids = received(i);
      duplicated += ids.length - new Set(ids).size;
      lost += logged.filter((id) => !ids.includes(id)).length;
      expect(ids).toEqual(logged);
      expect(after(onB[i].results)).toEqual(logged);
    }
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    // Replica A really went away mid-stream: its subscribers had not received everything.
    expect(onA.every((s) => after(s.results).length < MUTATIONS)).toBe(true);
  } finally {
    await admin.quit();
  }
}, 120_000);
