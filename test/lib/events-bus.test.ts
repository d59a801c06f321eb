import Redis from 'ioredis';
import { InProcessEventBus, RedisEventBus, type EventBus, type EventHandler } from '../../lib/events/bus';
import { EVENT_CHANNELS, createEvent, productKey, type DomainEvent, type StockChangedEvent } from '../../lib/events/catalogue';
import type { Logger } from '../../lib/logger';
import { freePort } from '../support/ports';
import { startRedis, type RedisServer } from '../support/redis';

const STOCK = EVENT_CHANNELS.StockChanged;
const PRICE = EVENT_CHANNELS.PriceChanged;

const stockChanged = (delta = 3): StockChangedEvent =>
  createEvent('StockChanged', {
    entity: productKey('p-0001'),
    productId: 'p-0001',
    warehouseId: 'wh-1',
    delta,
    onHand: 10,
    reserved: 2,
    available: 8,
    reason: 'restock',
  });

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

/** Collects what a subscription receives; `next(n)` waits until n have arrived. */
function collector() {
  const received: Array<{ event: DomainEvent; json: string }> = [];
  const handler: EventHandler = (event, json) => received.push({ event, json });
  return {
    handler,
    received,
    async next(count: number, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} event(s), got ${received.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return received.slice(0, count);
    },
  };
}

/** Publishes nothing for a while and checks that nothing arrived (for "not delivered" cases, after a positive control). */
const settle = () => new Promise((r) => setTimeout(r, 100));

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.destroy();
});

const BUSES: Array<[string, (logger?: Logger) => Promise<EventBus>]> = [
  ['InProcessEventBus', async (logger) => new InProcessEventBus({ logger })],
  ['RedisEventBus', (logger) => RedisEventBus.connect(redis.url, { logger })],
];

describe.each(BUSES)('%s', (_name, makeBus) => {
  const open: EventBus[] = [];
  const bus = async (logger?: Logger) => {
    const created = await makeBus(logger);
    open.push(created);
    return created;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });

  it('delivers a published event to every subscriber of its channel, as the JSON published and parsed from it', async () => {
    const events = await bus();
    const first = collector();
    const second = collector();
    await events.subscribe(STOCK, first.handler);
    await events.subscribe(STOCK, second.handler);
    const event = stockChanged();
    await events.publish(STOCK, event);
    const [[a], [b]] = await Promise.all([first.next(1), second.next(1)]);
    expect(a.event).toEqual(event);
    expect(a.json).toBe(JSON.stringify(event));
    expect(b.event).toEqual(event);
    // Subscribers get a copy, never the publisher's object.
    expect(a.event).not.toBe(event);
  });

  it('serializes an event once, however many subscribers listen', async () => {
    const events = await bus();
    const subscribers = [collector(), collector(), collector()];
    for (const subscriber of subscribers) await events.subscribe(STOCK, subscriber.handler);
    const stringify = jest.spyOn(JSON, 'stringify');
    try {
      const event = stockChanged();
      await events.publish(STOCK, event);
      await Promise.all(subscribers.map((s) => s.next(1)));
      expect(stringify.mock.calls.filter(([value]) => value === event)).toHaveLength(1);
    } finally {
      stringify.mockRestore();
    }
  });

  it('keeps channels apart', async () => {
    const events = await bus();
    const stock = collector();
    const price = collector();
    await events.subscribe(STOCK, stock.handler);
    await events.subscribe(PRICE, price.handler);
    await events.publish(STOCK, stockChanged(1));
    await events.publish(STOCK, stockChanged(2));
    expect((await stock.next(2)).map(({ event }) => (event as StockChangedEvent).delta)).toEqual([1, 2]);
    await settle();
    expect(price.received).toHaveLength(0);
  });

  it('stops delivering to a subscription once unsubscribed, and keeps delivering to the others', async () => {
    const events = await bus();
    const leaving = collector();
    const staying = collector();
    const unsubscribe = await events.subscribe(STOCK, leaving.handler);
    await events.subscribe(STOCK, staying.handler);
    await unsubscribe();
    await unsubscribe();
    await events.publish(STOCK, stockChanged());
    await staying.next(1);
    await settle();
    expect(leaving.received).toHaveLength(0);
  });

  it('keeps a throwing handler from the publisher and from the other handlers, and logs it', async () => {
    const logger = recordingLogger();
    const events = await bus(logger);
    await events.subscribe(STOCK, () => {
      throw new Error('handler bug');
    });
    const healthy = collector();
    await events.subscribe(STOCK, healthy.handler);
    const event = stockChanged();
    await expect(events.publish(STOCK, event)).resolves.toBeUndefined();
    await healthy.next(1);
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'error', msg: 'event handler failed', fields: expect.objectContaining({ channel: STOCK, eventId: event.id }) }));
  });

  it('refuses to publish or subscribe once closed, and closes twice without complaint', async () => {
    const events = await bus();
    await events.close();
    await events.close();
    await expect(events.publish(STOCK, stockChanged())).rejects.toThrow(/closed/);
    await expect(events.subscribe(STOCK, () => undefined)).rejects.toThrow(/closed/);
  });
});

describe('RedisEventBus over a real Redis', () => {
  const open: EventBus[] = [];
  const connect = async (options = {}) => {
    const bus = await RedisEventBus.connect(redis.url, options);
    open.push(bus);
    return bus;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });

  it('carries events between two buses, as between two processes', async () => {
    const publisher = await connect();
    const subscriber = await connect();
    const received = collector();
    await subscriber.subscribe(STOCK, received.handler);
    const event = stockChanged();
    await publisher.publish(STOCK, event);
    expect((await received.next(1))[0].event).toEqual(event);
  });

  it('holds one Redis subscription per channel however many handlers listen, until the last one leaves', async () => {
    const bus = await connect();
    const admin = new Redis(redis.url);
    try {
      const first = await bus.subscribe(STOCK, () => undefined);
      const second = await bus.subscribe(STOCK, () => undefined);
      expect(await admin.pubsub('NUMSUB', STOCK)).toEqual([STOCK, 1]);
      await first();
      expect(await admin.pubsub('NUMSUB', STOCK)).toEqual([STOCK, 1]);
      await second();
      await eventually(async () => expect(await admin.pubsub('NUMSUB', STOCK)).toEqual([STOCK, 0]));
    } finally {
      await admin.quit();
    }
  });

  it('drops a message that is not an event with a warning, and keeps delivering', async () => {
    const logger = recordingLogger();
    const bus = await connect({ logger });
    const received = collector();
    await bus.subscribe(STOCK, received.handler);
    const raw = new Redis(redis.url);
    try {
      await raw.publish(STOCK, 'not json');
      await raw.publish(STOCK, JSON.stringify({ hello: 'world' }));
    } finally {
      await raw.quit();
    }
    const event = stockChanged();
    await bus.publish(STOCK, event);
    const [first] = await received.next(1);
    expect(first.event).toEqual(event);
    expect(logger.lines.filter((l) => l.msg === 'dropped a message that is not a domain event')).toHaveLength(2);
  });

  it('receives events again after Redis restarts: both connections reconnect and the subscriber re-subscribes', async () => {
    const logger = recordingLogger();
    const publisher = await connect({ logger });
    const subscriber = await connect({ logger });
    const received = collector();
    await subscriber.subscribe(STOCK, received.handler);
    await publisher.publish(STOCK, stockChanged(1));
    await received.next(1);

    await redis.stop();
    await redis.restart();

    // Pub/sub keeps nothing for absent subscribers: publish until one arrives after the restart.
    await eventually(async () => {
      await publisher.publish(STOCK, stockChanged(2)).catch(() => undefined);
      expect(received.received.length).toBeGreaterThan(1);
    }, 20_000);
    expect((received.received[1].event as StockChangedEvent).delta).toBe(2);
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'event bus lost its redis connection; reconnecting' }));
  }, 40_000);

  it('fails a publish while Redis is down within its timeout, and closes cleanly without Redis', async () => {
    const bus = await RedisEventBus.connect(redis.url, { publishTimeoutMs: 300 });
    await bus.subscribe(STOCK, () => undefined);
    await redis.stop();
    try {
      await expect(bus.publish(STOCK, stockChanged())).rejects.toThrow();
      await expect(bus.close()).resolves.toBeUndefined();
    } finally {
      await redis.restart();
    }
  }, 20_000);

  it('closes both of its connections', async () => {
    const bus = await connect();
    await bus.subscribe(STOCK, () => undefined);
    const admin = new Redis(redis.url);
    try {
      const names = async () => (await admin.client('LIST') as string).split('\n').filter((line) => /name=events-/.test(line)).length;
      expect(await names()).toBe(2);
      await bus.close();
      await eventually(async () => expect(await names()).toBe(0));
    } finally {
      await admin.quit();
    }
  });

  it('fails to connect to a Redis that is not there, naming it, and leaves nothing running', async () => {
    const port = await freePort();
    await expect(RedisEventBus.connect(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 300 })).rejects.toThrow(`Cannot connect to Redis at redis://127.0.0.1:${port} for events`);
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
