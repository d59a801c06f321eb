import Redis from 'ioredis';
import { EVENT_CHANNELS, createEvent, productKey, type StockChangedEvent } from '../../lib/events/catalogue';
import { EVENTS_EXPIRED, EventsExpiredError, LOG_START, compareEventIds, formatAnnouncement, horizonKeyOf, isEventId, streamKeyOf, type EventLog, type LogEntry } from '../../lib/events/log';
import { InProcessEventLog } from '../../lib/events/memory-log';
import { RedisEventLog } from '../../lib/events/redis-log';
import type { Logger } from '../../lib/logger';
import { freePort } from '../support/ports';
import { startRedis, type RedisServer } from '../support/redis';

const STOCK = EVENT_CHANNELS.StockChanged;
const PRICE = EVENT_CHANNELS.PriceChanged;

const stockChanged = (delta = 3): StockChangedEvent =>
  createEvent('StockChanged', { entity: productKey('p-0001'), productId: 'p-0001', warehouseId: 'wh-1', delta, onHand: 10, reserved: 2, available: 8, reason: 'restock' });
const priceChanged = () =>
  createEvent('PriceChanged', { entity: productKey('p-0002'), productId: 'p-0002', oldPrice: { amount: 1, currency: 'USD' }, newPrice: { amount: 2, currency: 'USD' } });

/** A logger that keeps what it is told, to assert on. */
function recordingLogger(): Logger & { lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> } {
  const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  const logger = {
    lines,
    debug: (msg: string, fields?: Record<string, unknown>) => lines.push({ level: 'debug', msg, fields }),
    info: (msg: string, fields?: Record<string, unknown>) => lines.push({ level: 'info', msg, fields }),
    warn: (msg: string, fields?: Record<string, unknown>) => lines.push({ level: 'warn', msg, fields }),
    error: (msg: string, fields?: Record<string, unknown>) => lines.push({ level: 'error', msg, fields }),
    child: () => logger,
  };
  return logger;
}

/** Collects what a follow receives; `next(n)` waits until n have arrived. */
function collector() {
  const received: LogEntry[] = [];
  return {
    received,
    handler: (entry: LogEntry) => received.push(entry),
    deltas: () => received.map((e) => (e.event as StockChangedEvent).delta),
    async next(count: number, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} entries, got ${received.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return received.slice(0, count);
    },
  };
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.destroy();
});

async function flush(): Promise<void> {
  const admin = new Redis(redis.url);
  await admin.flushall();
  await admin.quit();
}

describe('event ids', () => {
  it('orders <ms>-<seq> ids numerically, part by part', () => {
    expect(compareEventIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareEventIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareEventIds('10-1', '10-1')).toBe(0);
    expect(compareEventIds('1700000000001-0', '1700000000000-99')).toBeGreaterThan(0);
    expect(isEventId('1700000000000-0')).toBe(true);
    expect(['', '17', '17-', 'a-1', '1-1-1', 1, null].some(isEventId)).toBe(false);
  });
});

const LOGS: Array<[string, (options: { maxLength?: number; maxAgeMs?: number; logger?: Logger }) => Promise<EventLog>]> = [
  ['InProcessEventLog', async ({ maxLength = 1_000, maxAgeMs = 3_600_000, logger }) => new InProcessEventLog({ retention: { maxLength, maxAgeMs }, logger })],
  ['RedisEventLog', ({ maxLength = 1_000, maxAgeMs = 3_600_000, logger }) => RedisEventLog.connect(redis.url, { retention: { maxLength, maxAgeMs }, logger })],
];

describe.each(LOGS)('%s', (_name, makeLog) => {
  const open: EventLog[] = [];
  const log = async (options: Parameters<typeof makeLog>[0] = {}) => {
    const created = await makeLog(options);
    open.push(created);
    return created;
  };
  beforeEach(flush);
  afterEach(async () => {
    await Promise.all(open.splice(0).map((l) => l.close()));
  });

  it('appends in order with increasing ids, and reads back from any position, the JSON as appended', async () => {
    const events = await log();
    expect(await events.lastId(STOCK)).toBe(LOG_START);
    const appended = [stockChanged(1), stockChanged(2), stockChanged(3)];
    const ids = await events.append(appended);
    expect(ids.every(isEventId)).toBe(true);
    expect([...ids].sort(compareEventIds)).toEqual(ids);
    expect(new Set(ids).size).toBe(3);
    const all = await events.read(STOCK, LOG_START, 10);
    expect(all.map((e) => e.id)).toEqual(ids);
    expect(all.map((e) => e.event)).toEqual(appended);
    expect(all[0].json).toBe(JSON.stringify(appended[0]));
    expect((await events.read(STOCK, ids[0], 1)).map((e) => e.id)).toEqual([ids[1]]);
    expect(await events.read(STOCK, ids[2], 10)).toEqual([]);
    expect(await events.lastId(STOCK)).toBe(ids[2]);
    expect(await events.read(PRICE, LOG_START, 10)).toEqual([]);
  });

  it('delivers entries to followers live, in order, once, and keeps channels apart', async () => {
    const events = await log();
    const stock = collector();
    const price = collector();
    await events.follow(STOCK, stock.handler);
    await events.follow(PRICE, price.handler);
    await events.append([stockChanged(1), priceChanged(), stockChanged(2)]);
    await events.append([stockChanged(3)]);
    await stock.next(3);
    await price.next(1);
    expect(stock.deltas()).toEqual([1, 2, 3]);
    expect(price.received.map((e) => e.event.type)).toEqual(['PriceChanged']);
  });

  it('catches a follower up from a position, then goes live, without duplicates', async () => {
    const events = await log();
    const [first] = await events.append([stockChanged(1), stockChanged(2), stockChanged(3)]);
    const followed = collector();
    await events.follow(STOCK, followed.handler, { after: first });
    await events.append([stockChanged(4)]);
    await followed.next(3);
    expect(followed.deltas()).toEqual([2, 3, 4]);
  });

  it('trims beyond maxLength, keeping the newest, and refuses a position before what it keeps with EventsExpiredError', async () => {
    const events = await log({ maxLength: 5 });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(...(await events.append([stockChanged(i)])));
    const kept = await events.read(STOCK, ids[11 - 5], 100);
    expect(kept.map((e) => e.id)).toEqual(ids.slice(7));
    // Trimmed in steps (1% of maxLength, at least one): never fewer than maxLength kept.
    const everything = await events.read(STOCK, LOG_START, 100).catch((error) => error);
    expect(everything).toBeInstanceOf(EventsExpiredError);
    await expect(events.read(STOCK, ids[0], 10)).rejects.toMatchObject({ name: 'EventsExpiredError', channel: STOCK, afterId: ids[0] });
    await expect(events.follow(STOCK, () => undefined, { after: ids[0] })).rejects.toBeInstanceOf(EventsExpiredError);
    expect(EVENTS_EXPIRED).toBe('EVENTS_EXPIRED');
  });

  it('trims entries older than maxAgeMs as new ones are appended, never the newest', async () => {
    const events = await log({ maxAgeMs: 50 });
    const [old] = await events.append([stockChanged(1)]);
    await new Promise((r) => setTimeout(r, 80));
    expect((await events.read(STOCK, LOG_START, 10)).map((e) => e.id)).toEqual([old]);
    const [fresh] = await events.append([stockChanged(2)]);
    expect((await events.read(STOCK, old, 10)).map((e) => e.id)).toEqual([fresh]);
    await expect(events.read(STOCK, LOG_START, 10)).rejects.toBeInstanceOf(EventsExpiredError);
  });

  it("keeps a follower's exception from the appender and from the other followers, and logs it", async () => {
    const logger = recordingLogger();
    const events = await log({ logger });
    const received = collector();
    await events.follow(STOCK, () => {
      throw new Error('boom');
    });
    await events.follow(STOCK, received.handler);
    await expect(events.append([stockChanged()])).resolves.toHaveLength(1);
    await received.next(1);
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'error', msg: 'event log follower failed' }));
  });

  it('refuses to append or follow once closed, and closes twice without complaint', async () => {
    const events = await makeLog({});
    await events.close();
    await expect(events.close()).resolves.toBeUndefined();
    await expect(events.append([stockChanged()])).rejects.toThrow('closed');
    await expect(events.follow(STOCK, () => undefined)).rejects.toThrow('closed');
  });
});

describe('RedisEventLog over a real Redis', () => {
  const open: RedisEventLog[] = [];
  const connect = async (options = {}) => {
    const log = await RedisEventLog.connect(redis.url, options);
    open.push(log);
    return log;
  };
  beforeEach(flush);
  afterEach(async () => {
    await Promise.all(open.splice(0).map((l) => l.close()));
  });

  it('keeps each channel in its own stream, its keys sharing the channel as hash tag, and announces each entry with the previous id', async () => {
    const log = await connect();
    const admin = new Redis(redis.url);
    const announcements: string[] = [];
    admin.on('message', (_channel, message) => announcements.push(message));
    try {
      await admin.subscribe(STOCK);
      const [a, b] = await log.append([stockChanged(1), stockChanged(2)]);
      expect(streamKeyOf(STOCK)).toBe(`events:{${STOCK}}`);
      expect(horizonKeyOf(STOCK)).toBe(`events:{${STOCK}}:trimmed`);
      const reader = new Redis(redis.url);
      expect(await reader.xlen(streamKeyOf(STOCK))).toBe(2);
      await reader.quit();
      await eventually(async () => expect(announcements).toHaveLength(2));
      expect(announcements[0]).toBe(formatAnnouncement(a, LOG_START, JSON.stringify((await log.read(STOCK, LOG_START, 1))[0].event)));
      expect(announcements[1].startsWith(`${b} ${a} {`)).toBe(true);
    } finally {
      admin.disconnect();
    }
  });

  it('holds one Redis subscription per channel however many follow it, until the last one leaves', async () => {
    const log = await connect();
    const admin = new Redis(redis.url);
    try {
      const first = await log.follow(STOCK, () => undefined);
      const second = await log.follow(STOCK, () => undefined);
      expect(await admin.pubsub('NUMSUB', STOCK)).toEqual([STOCK, 1]);
      await first();
      expect(await admin.pubsub('NUMSUB', STOCK)).toEqual([STOCK, 1]);
      await second();
      await eventually(async () => expect(await admin.pubsub('NUMSUB', STOCK)).toEqual([STOCK, 0]));
    } finally {
      await admin.quit();
    }
  });

  it('fills a gap from the stream when an announcement was missed, in order and once', async () => {
    const logger = recordingLogger();
    const follower = await connect({ logger });
    const received = collector();
    await follower.follow(STOCK, received.handler);
    // An entry appended without its announcement reaching anyone (as while a subscriber is disconnected).
    const raw = new Redis(redis.url);
    try {
      await raw.xadd(streamKeyOf(STOCK), '*', 'e', JSON.stringify(stockChanged(1)));
    } finally {
      await raw.quit();
    }
    const writer = await connect();
    await writer.append([stockChanged(2), stockChanged(3)]);
    await received.next(3);
    expect(received.deltas()).toEqual([1, 2, 3]);
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'missed event announcements; filling the gap from the log' }));
  });

  it('catches up on what was appended while its subscriber connection was killed, then delivers live again', async () => {
    const follower = await connect({ subscriberName: 'test-follower' });
    const writer = await connect();
    const received = collector();
    await follower.follow(STOCK, received.handler);
    await writer.append([stockChanged(1)]);
    await received.next(1);
    const admin = new Redis(redis.url);
    try {
      await admin.client('KILL', 'TYPE', 'pubsub');
      for (let i = 2; i <= 20; i++) await writer.append([stockChanged(i)]);
    } finally {
      await admin.quit();
    }
    await received.next(20);
    expect(received.deltas()).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('drops a message that is not an announcement with a warning, and keeps delivering', async () => {
    const logger = recordingLogger();
    const log = await connect({ logger });
    const received = collector();
    await log.follow(STOCK, received.handler);
    const raw = new Redis(redis.url);
    try {
      await raw.publish(STOCK, 'not an announcement');
    } finally {
      await raw.quit();
    }
    await log.append([stockChanged(7)]);
    await received.next(1);
    expect(received.deltas()).toEqual([7]);
    expect(logger.lines.filter((l) => l.msg === 'dropped a message that is not an event announcement')).toHaveLength(1);
  });

  it('follows again after Redis restarts (the stream persisted), catching up on what was appended meanwhile', async () => {
    const follower = await connect();
    const writer = await connect();
    const received = collector();
    await follower.follow(STOCK, received.handler);
    await writer.append([stockChanged(1)]);
    await received.next(1);
    await redis.stop();
    await redis.restart();
    await eventually(async () => {
      await writer.append([stockChanged(2)]);
    }, 20_000);
    await received.next(2, 20_000);
    expect(received.deltas()).toEqual([1, 2]);
  }, 40_000);

  it('fails an append while Redis is down within its timeout, and closes cleanly without Redis', async () => {
    const log = await RedisEventLog.connect(redis.url, { commandTimeoutMs: 300 });
    await log.follow(STOCK, () => undefined);
    await redis.stop();
    try {
      await expect(log.append([stockChanged()])).rejects.toThrow();
      await expect(log.close()).resolves.toBeUndefined();
    } finally {
      await redis.restart();
    }
  }, 20_000);

  it('closes both of its connections', async () => {
    const log = await connect();
    await log.follow(STOCK, () => undefined);
    const admin = new Redis(redis.url);
    try {
      const names = async () => ((await admin.client('LIST')) as string).split('\n').filter((line) => /name=events-/.test(line)).length;
      expect(await names()).toBe(2);
      await log.close();
      await eventually(async () => expect(await names()).toBe(0));
    } finally {
      await admin.quit();
    }
  });

  it('fails to connect to a Redis that is not there, naming it', async () => {
    const port = await freePort();
    await expect(RedisEventLog.connect(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 300 })).rejects.toThrow(`Cannot connect to Redis at redis://127.0.0.1:${port} for events`);
  });
});

/** Retries `check` until it passes or the time is up (for things that happen "eventually"). */
async function eventually(check: () => Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
