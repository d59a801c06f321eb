import Redis from 'ioredis';
import { EVENT_CHANNELS, type StockChangedEvent } from '../../lib/events/catalogue';
import { LOG_START, streamKeyOf, type LogEntry } from '../../lib/events/log';
import { RedisEventLog } from '../../lib/events/redis-log';
import { postGraphQL } from '../support/http';
import { freePort } from '../support/ports';
import { runCompiled, waitForOk, type RunningProcess } from '../support/process';
import { startRedis, type RedisServer } from '../support/redis';
import { identityHeaders } from './harness';

/**
 * A subgraph process killed (SIGKILL) while mutations are in flight: every
 * mutation it acknowledged has its event in the log, every event in the log
 * is a change that was made, and a follower (as a gateway is) receives them
 * all. The change and its event are one Lua script, so there is no window
 * between them to crash in.
 */
const ADJUST = 'mutation($p: ID!, $r: String!) { adjustStock(productId: $p, warehouseId: "wh-1", delta: 1, reason: $r) { id } }';
const PRODUCT = 'p-0302';

let redis: RedisServer;
let inventory: RunningProcess | undefined;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await inventory?.stop();
  await redis.destroy();
});

it('loses no event of an acknowledged mutation when the subgraph is killed right after answering, and logs no event without its change', async () => {
  const port = await freePort();
  inventory = runCompiled('subgraphs/inventory/main.js', [], { REDIS_URL: redis.url, PORT: String(port), HOST: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitForOk(`http://127.0.0.1:${port}/ready`, inventory);
  const admin = new Redis(redis.url);
  const follower = await RedisEventLog.connect(redis.url);
  const followed: LogEntry[] = [];
  try {
    await follower.follow(EVENT_CHANNELS.StockChanged, (entry) => followed.push(entry));
    const onHandBefore = Number((await admin.hget(`inventory:stock:${PRODUCT}`, 'wh-1:on_hand')) ?? 0);
    const headers = await identityHeaders('inventory');
    const acknowledged: string[] = [];
    let killed = false;
    // 40 mutations at once; the process is killed the moment the fifth is answered, the rest still in flight.
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const reason = `crash-${i}`;
        const answer = await postGraphQL(url, ADJUST, { p: PRODUCT, r: reason }, headers).catch(() => undefined);
        if (!answer || answer.body.errors || killed) return;
        acknowledged.push(reason);
        if (acknowledged.length === 5) {
          killed = true;
          inventory!.child.kill('SIGKILL');
        }
      }),
    );
    await inventory.exited;
    expect(acknowledged.length).toBeGreaterThanOrEqual(5);

    const logged = ((await admin.xrange(streamKeyOf(EVENT_CHANNELS.StockChanged), '-', '+')) as Array<[string, string[]]>).map(
      ([, fields]) => JSON.parse(fields[1]) as StockChangedEvent,
    );
    const loggedReasons = logged.filter((e) => e.productId === PRODUCT).map((e) => e.reason);
    for (const reason of acknowledged) expect(loggedReasons).toContain(reason);
    // Each logged event is a change that was made: the stock moved by exactly as many units as there are events.
    const onHandAfter = Number(await admin.hget(`inventory:stock:${PRODUCT}`, 'wh-1:on_hand'));
    expect(onHandAfter - onHandBefore).toBe(loggedReasons.length);
    // And the follower (a gateway) receives every one of them.
    await until(() => followed.filter((e) => (e.event as StockChangedEvent).productId === PRODUCT).length === loggedReasons.length);
    expect(followed.map((e) => (e.event as StockChangedEvent).reason)).toEqual(loggedReasons);
    expect((await follower.read(EVENT_CHANNELS.StockChanged, LOG_START, 100)).length).toBe(logged.length);
  } finally {
    await follower.close();
    await admin.quit();
  }
}, 60_000);

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
