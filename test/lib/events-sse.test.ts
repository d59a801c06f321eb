import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { LOG_START, EventsExpiredError } from '../../lib/events/log';
import { InProcessEventLog } from '../../lib/events/memory-log';
import { EVENT_CHANNELS, createEvent, productKey, type DomainEvent, type PriceChangedEvent } from '../../lib/events/catalogue';
import { subscriptionChannels } from '../../lib/events/schema';
import { SseParser, formatSseEvent, type SseMessage } from '../../lib/events/sse';
import { eventsUrlOf, readSubgraphEvents, subscribeToSubgraphEvents } from '../../lib/events/sse-client';
import { createEventStreamEndpoint, type EventStreamEndpoint } from '../../lib/events/sse-server';
import { HttpError, TransportErrorCode, sendHttpError } from '../../lib/http/errors';
import { createLogger, type Logger } from '../../lib/logger';

const PRICE = EVENT_CHANNELS.PriceChanged;
const CREATED = EVENT_CHANNELS.ProductCreated;
const SECRET_HEADER = 'x-test-key';
const quiet: Logger = createLogger('silent');

const priceChanged = (amount: number): PriceChangedEvent =>
  createEvent('PriceChanged', {
    entity: productKey('p-0001'),
    productId: 'p-0001',
    oldPrice: { amount: 100, currency: 'USD' },
    newPrice: { amount, currency: 'USD' },
  });

describe('SseParser', () => {
  const parse = (...chunks: string[]) => {
    const messages: SseMessage[] = [];
    const parser = new SseParser((m) => messages.push(m));
    for (const chunk of chunks) parser.push(chunk);
    return messages;
  };

  it('reads what formatSseEvent writes', () => {
    expect(parse(formatSseEvent('events.a', '{"x":1}'), formatSseEvent('events.b', '{"y":2}'))).toEqual([
      { event: 'events.a', data: '{"x":1}' },
      { event: 'events.b', data: '{"y":2}' },
    ]);
  });

  it('reassembles events split anywhere across chunks, with LF, CRLF or CR line ends', () => {
    const text = 'event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\revent: c\ndata: 3\n\n';
    const whole = parse(text);
    expect(whole).toEqual([
      { event: 'a', data: '1' },
      { event: 'b', data: '2' },
      { event: 'c', data: '3' },
    ]);
    for (let cut = 1; cut < text.length; cut++) expect(parse(text.slice(0, cut), text.slice(cut))).toEqual(whole);
  });

  it('skips comments, joins data lines, defaults the event name and keeps the id', () => {
    expect(parse(': ping\n\ndata: a\ndata: b\nid: 7\n\nevent: only-a-name\n\n')).toEqual([{ event: 'message', data: 'a\nb', id: '7' }]);
  });
});

describe('subscriptionChannels', () => {
  it('reads the channel of each Subscription field from @event, under the name the schema links it as', () => {
    const sdl = `
      extend schema @link(url: "https://federation-gateway.dev/events/v0.1", import: [{ name: "@event", as: "@channel" }])
      directive @channel(channel: String!) on FIELD_DEFINITION
      type Query { x: Int }
      type Subscription {
        a: Int @channel(channel: "events.x.A")
        b: Int
      }`;
    expect(subscriptionChannels(sdl)).toEqual(new Map([['a', 'events.x.A']]));
  });

  it('finds nothing in a schema that does not link the events spec', () => {
    expect(subscriptionChannels('directive @event(channel: String!) on FIELD_DEFINITION type Query { x: Int } type Subscription { a: Int @event(channel: "c") }').size).toBe(0);
  });
});

describe('eventsUrlOf', () => {
  it("is the /events endpoint next to a subgraph's /graphql", () => {
    expect(eventsUrlOf('http://inventory:4002/graphql')).toBe('http://inventory:4002/events');
  });
});

/** A real HTTP server with the event stream endpoint on /events, as a subgraph has it; it can drop every connection or stop. */
async function startEventServer(options: { keepAliveMs?: number; maxLength?: number } = {}) {
  const log = new InProcessEventLog({ retention: { maxLength: options.maxLength ?? 1_000, maxAgeMs: 3_600_000 } });
  const requests: IncomingMessage[] = [];
  let endpoint: EventStreamEndpoint = makeEndpoint();
  function makeEndpoint() {
    return createEventStreamEndpoint({
      log,
      channels: [PRICE, CREATED],
      authorize: async (req) => {
        if (req.headers[SECRET_HEADER] !== 'open-sesame') throw new HttpError(401, TransportErrorCode.Unauthenticated, 'no');
        return undefined;
      },
      keepAliveMs: options.keepAliveMs,
      logger: quiet,
    });
  }
  const sockets = new Set<Socket>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    requests.push(req);
    Promise.resolve(endpoint.route(req, res)).catch((error) => sendHttpError(res, error as HttpError));
  };
  let server: Server = createServer(handler);
  const listen = (port: number) =>
    new Promise<void>((resolve) => {
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
      server.listen(port, '127.0.0.1', resolve);
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  return {
    log,
    /** Appends to the log the endpoint serves (as a subgraph's store does). */
    append: (...events: DomainEvent[]) => log.appendNow(events),
    requests,
    url: `http://127.0.0.1:${port}/events`,
    endpoint: () => endpoint,
    /** Drops every connection as a crash or a network cut would. */
    dropConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
    /** Stops listening and drops the streams (the server is gone). */
    stop: async () => {
      await endpoint.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    /** Listens again on the same port. */
    restart: async () => {
      endpoint = makeEndpoint();
      server = createServer(handler);
      await listen(port);
    },
  };
}

/** Follows a stream and records events and openings. */
function follow(url: string, channels: string[], options: { headers?: () => Record<string, string>; idleTimeoutMs?: number; lastEventId?: string } = {}) {
  const events: Array<{ channel: string; event: DomainEvent; json: string }> = [];
  const ids: Array<string | undefined> = [];
  let opens = 0;
  const close = subscribeToSubgraphEvents(
    url,
    channels,
    options.headers ?? (() => ({ [SECRET_HEADER]: 'open-sesame' })),
    (channel, event, json, id) => {
      events.push({ channel, event, json });
      ids.push(id);
    },
    quiet,
    { initialBackoffMs: 20, maxBackoffMs: 200, idleTimeoutMs: options.idleTimeoutMs, onOpen: () => opens++, lastEventId: options.lastEventId },
  );
  return { events, ids, opens: () => opens, close };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a subgraph event stream and subscribeToSubgraphEvents', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  const start = async (options = {}) => {
    const server = await startEventServer(options);
    cleanup.push(server.stop);
    return server;
  };
  const open = (...args: Parameters<typeof follow>) => {
    const client = follow(...args);
    cleanup.push(client.close);
    return client;
  };

  it('delivers each event of the requested channels with its channel and the JSON as published', async () => {
    const server = await start();
    const client = open(server.url, [PRICE]);
    await until(() => client.opens() === 1, 'the stream to open');
    const event = priceChanged(250);
    const [first] = server.append(event);
    server.append(createEvent('ProductCreated', { entity: productKey('p-9'), productId: 'p-9', sku: 's', name: 'n', price: { amount: 1, currency: 'USD' } }));
    server.append(priceChanged(300));
    await until(() => client.events.length === 2, 'two events');
    expect(client.events[0]).toEqual({ channel: PRICE, event, json: JSON.stringify(event) });
    expect(client.ids[0]).toBe(first.id);
    expect((client.events[1].event as PriceChangedEvent).newPrice.amount).toBe(300);
  });

  it('answers the stream only once every channel is followed, each with its position first, so nothing appended after the answer is missed', async () => {
    const server = await start();
    const res = await fetch(`${server.url}?channels=${PRICE},${CREATED}`, { headers: { [SECRET_HEADER]: 'open-sesame' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const [entry] = server.append(createEvent('ProductCreated', { entity: productKey('p-9'), productId: 'p-9', sku: 's', name: 'n', price: { amount: 1, currency: 'USD' } }));
    const reader = res.body!.getReader();
    let text = '';
    while (!/data: \{.*\n\n$/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toBe(
      `: subscribed\n\nid: ${LOG_START}\nevent: position\ndata: ${PRICE}\n\nid: ${LOG_START}\nevent: position\ndata: ${CREATED}\n\n` +
        `id: ${entry.id}\nevent: ${CREATED}\ndata: ${entry.json}\n\n`,
    );
    await reader.cancel();
  });

  it('refuses a request that fails the check with 401 and a channel it does not serve with 400', async () => {
    const server = await start();
    const refused = await fetch(server.url);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const unknown = await fetch(`${server.url}?channels=${PRICE},events.inventory.StockChanged`, { headers: { [SECRET_HEADER]: 'open-sesame' } });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as any).errors[0].message).toContain('events.inventory.StockChanged');
  });

  it('sends a ping comment every keep-alive interval', async () => {
    const server = await start({ keepAliveMs: 50 });
    const res = await fetch(server.url, { headers: { [SECRET_HEADER]: 'open-sesame' } });
    const reader = res.body!.getReader();
    let text = '';
    while ((text.match(/: ping\n\n/g) ?? []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
  });

  it('ends open streams cleanly when the endpoint closes, and unsubscribes them', async () => {
    const server = await start();
    const res = await fetch(server.url, { headers: { [SECRET_HEADER]: 'open-sesame' } });
    expect(server.endpoint().openStreams()).toBe(1);
    await server.endpoint().close();
    expect(server.endpoint().openStreams()).toBe(0);
    // The body ends without an error: a clean end of the chunked response.
    await expect(res.text()).resolves.toMatch(/^: subscribed\n\n(id: 0-0\nevent: position\ndata: [^\n]+\n\n){2}$/);
    expect((await fetch(server.url, { headers: { [SECRET_HEADER]: 'open-sesame' } })).status).toBe(503);
  });

  it('unsubscribes when the client goes away', async () => {
    const server = await start();
    const client = open(server.url, [PRICE]);
    await until(() => client.opens() === 1, 'the stream to open');
    expect(server.endpoint().openStreams()).toBe(1);
    await client.close();
    await until(() => server.endpoint().openStreams() === 0, 'the server to notice');
  });

  it('reconnects after the server drops the connection, with fresh headers, and delivers what is published after', async () => {
    const server = await start();
    let calls = 0;
    const client = open(server.url, [PRICE], { headers: () => ({ [SECRET_HEADER]: 'open-sesame', 'x-call': String(++calls) }) });
    await until(() => client.opens() === 1, 'the stream to open');
    const [first] = server.append(priceChanged(1));
    await until(() => client.events.length === 1, 'the first event');

    server.dropConnections();
    // Appended while the client is away: replayed after the reconnection, from its Last-Event-ID.
    server.append(priceChanged(2));
    await until(() => client.opens() === 2, 'the reconnection');
    server.append(priceChanged(3));
    await until(() => client.events.length === 3, 'the missed event and one after the reconnection');
    expect(client.events.map((e) => (e.event as PriceChangedEvent).newPrice.amount)).toEqual([1, 2, 3]);
    expect(server.requests.map((req) => req.headers['x-call'])).toEqual(['1', '2']);
    expect(server.requests.map((req) => req.headers['last-event-id'])).toEqual([undefined, first.id]);
  });

  it('keeps retrying while the server is down and resumes once it is back', async () => {
    const server = await start();
    const client = open(server.url, [PRICE]);
    await until(() => client.opens() === 1, 'the stream to open');
    await server.stop();
    // Appended while the server does not answer: the stream opened at the log's position, so this is not missed.
    server.append(priceChanged(2));
    await server.restart();
    await until(() => client.opens() === 2, 'the reconnection');
    server.append(priceChanged(3));
    await until(() => client.events.length === 2, 'the missed event and one after the restart');
    expect(client.events.map((e) => (e.event as PriceChangedEvent).newPrice.amount)).toEqual([2, 3]);
  });

  it('reconnects a stream that goes silent past the idle timeout', async () => {
    // Pings every 10 s: with a 200 ms idle timeout the client takes the stream for dead.
    const server = await start({ keepAliveMs: 10_000 });
    const client = open(server.url, [PRICE], { idleTimeoutMs: 200 });
    await until(() => client.opens() >= 2, 'a reconnection of the silent stream');
  });

  it('stops for good on close()', async () => {
    const server = await start();
    const client = follow(server.url, [PRICE]);
    await until(() => client.opens() === 1, 'the stream to open');
    await client.close();
    server.dropConnections();
    await new Promise((r) => setTimeout(r, 200));
    expect(client.opens()).toBe(1);
    expect(server.endpoint().openStreams()).toBe(0);
  });

  it('keeps retrying a stream the server refuses, and opens it once the server accepts', async () => {
    const server = await start();
    let key = 'wrong';
    const client = open(server.url, [PRICE], { headers: () => ({ [SECRET_HEADER]: key }) });
    await until(() => server.requests.length >= 2, 'a retry after the refusal');
    expect(client.opens()).toBe(0);
    key = 'open-sesame';
    await until(() => client.opens() === 1, 'the stream to open');
  });

  it('resumes a stream from Last-Event-ID: what was appended after it first, then live, once and in order', async () => {
    const server = await start();
    const [first] = server.append(priceChanged(1), priceChanged(2), priceChanged(3));
    const client = open(server.url, [PRICE], { lastEventId: first.id });
    await until(() => client.opens() === 1, 'the stream to open');
    server.append(priceChanged(4));
    await until(() => client.events.length === 3, 'the replay and a live event');
    expect(client.events.map((e) => (e.event as PriceChangedEvent).newPrice.amount)).toEqual([2, 3, 4]);
  });

  it('answers 410 EVENTS_EXPIRED for a position the log no longer retains, 400 for one that is not an id', async () => {
    const server = await start({ maxLength: 2 });
    const [first] = server.append(priceChanged(1), priceChanged(2), priceChanged(3), priceChanged(4), priceChanged(5));
    const headers = { [SECRET_HEADER]: 'open-sesame' };
    const expired = await fetch(`${server.url}?channels=${PRICE}`, { headers: { ...headers, 'last-event-id': first.id } });
    expect(expired.status).toBe(410);
    expect(((await expired.json()) as any).errors[0].extensions.code).toBe('EVENTS_EXPIRED');
    const malformed = await fetch(`${server.url}?channels=${PRICE}&after=yesterday`, { headers });
    expect(malformed.status).toBe(400);
  });

  it('reads up to `limit` entries after a position and ends the response (how a gateway replays for a resuming client)', async () => {
    const server = await start({ maxLength: 3 });
    const appended = server.append(priceChanged(1), priceChanged(2), priceChanged(3), priceChanged(4));
    const headers = { [SECRET_HEADER]: 'open-sesame' };
    const entries = await readSubgraphEvents(server.url, PRICE, appended[1].id, 1, headers);
    expect(entries.map((e) => e.id)).toEqual([appended[2].id]);
    expect(entries[0].event).toEqual(appended[2].event);
    expect((await readSubgraphEvents(server.url, PRICE, appended[1].id, 10, headers)).map((e) => e.id)).toEqual([appended[2].id, appended[3].id]);
    server.append(priceChanged(5), priceChanged(6));
    await expect(readSubgraphEvents(server.url, PRICE, appended[0].id, 10, headers)).rejects.toBeInstanceOf(EventsExpiredError);
    const twoChannels = await fetch(`${server.url}?channels=${PRICE},${CREATED}&after=${appended[0].id}&limit=5`, { headers });
    expect(twoChannels.status).toBe(400);
  });
});
