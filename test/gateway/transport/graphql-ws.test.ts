import { WebSocket, type ClientOptions } from 'ws';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, TOO_MANY_SUBSCRIPTIONS } from '../../../gateway/src/transport';
import { hsToken } from '../../support/tokens';
import { graphqlWsClient, RawSocket, subscribe } from './support/clients';
import { eventually, transportsFixture } from './support/servers';

const TICKS = 'subscription($n: Int!) { ticks(n: $n) }';
const IDLE = 'subscription { idle }';

describe('graphql-ws transport (graphql-transport-ws on the GraphQL path)', () => {
  const fixture = transportsFixture();

  /** A raw socket closed after the test. */
  async function rawSocket(url: string, protocols?: string[], options?: ClientOptions): Promise<RawSocket> {
    const socket = await RawSocket.open(url, protocols, options);
    fixture.onCleanup(() => socket.terminate());
    return socket;
  }

  function client(url: string, connectionParams?: Record<string, unknown>) {
    const made = graphqlWsClient(url, connectionParams);
    fixture.onCleanup(() => made.client.dispose());
    return made;
  }

  describe('with the graphql-ws client', () => {
    it('acknowledges the connection and streams a subscription to its completion', async () => {
      const { wsUrl, engine } = await fixture.start();
      const { client: graphqlWs } = client(wsUrl);
      const ticks = subscribe(graphqlWs, TICKS, { n: 3 });
      expect(await ticks.done).toBe('complete');
      expect(ticks.results).toEqual([{ data: { ticks: 1 } }, { data: { ticks: 2 } }, { data: { ticks: 3 } }]);
      expect(engine.running('ticks')[0].connection).toMatchObject({ transport: 'ws', clientIp: '127.0.0.1' });
    });

    it('authenticates the connection from connection_init and hands the caller to the engine', async () => {
      const { wsUrl } = await fixture.start();
      const { client: graphqlWs } = client(wsUrl, { authorization: `Bearer ${await hsToken({ sub: 'alice' })}` });
      const whoami = subscribe(graphqlWs, 'subscription { whoami }');
      expect(await whoami.done).toBe('complete');
      expect(whoami.results).toEqual([{ data: { whoami: 'alice' } }]);
    });

    it('answers an operation the engine refuses with an error message carrying its errors', async () => {
      const { wsUrl } = await fixture.start();
      const { client: graphqlWs } = client(wsUrl);
      const rejected = subscribe(graphqlWs, 'subscription { nope }');
      expect(await rejected.done).toEqual([{ message: 'Cannot query field "nope" on type "subscription"', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }]);
      expect(rejected.results).toEqual([]);
      // The connection lives on.
      expect(await subscribe(graphqlWs, TICKS, { n: 1 }).done).toBe('complete');
    });

    it('delivers a result the engine emits before start() resolves (a query), then completes', async () => {
      const { wsUrl } = await fixture.start();
      const { client: graphqlWs } = client(wsUrl);
      const hello = subscribe(graphqlWs, '{ hello }');
      expect(await hello.done).toBe('complete');
      expect(hello.results).toEqual([{ data: { hello: 'world' } }]);
    });

    it('ends an operation with an error message when the engine fails it midway', async () => {
      const { wsUrl } = await fixture.start();
      const { client: graphqlWs } = client(wsUrl);
      const failing = subscribe(graphqlWs, 'subscription { failing }');
      expect(await failing.done).toEqual([{ message: 'The ticker broke', extensions: { code: 'TICKER_BROKEN' } }]);
      expect(failing.results).toEqual([{ data: { failing: 1 } }]);
    });

    it('stops the engine handle when the client completes the subscription', async () => {
      const { wsUrl, engine, ws } = await fixture.start();
      const { client: graphqlWs } = client(wsUrl);
      const idle = subscribe(graphqlWs, IDLE);
      const [operation] = await eventually(() => {
        expect(engine.running('idle')).toHaveLength(1);
        return engine.running('idle');
      });
      expect(ws.stats()).toEqual({ connections: 1, operations: 1 });
      idle.unsubscribe();
      await eventually(() => expect(operation.stopCalls).toBe(1));
      await eventually(() => expect(ws.stats()).toEqual({ connections: 1, operations: 0 }));
    });

    it('refuses one subscription over maxSubscriptionsPerConnection with TOO_MANY_SUBSCRIPTIONS and keeps the connection', async () => {
      const { wsUrl, engine } = await fixture.start({ ws: { maxSubscriptionsPerConnection: 2 } });
      const { client: graphqlWs, closes } = client(wsUrl);
      const first = subscribe(graphqlWs, IDLE);
      subscribe(graphqlWs, IDLE);
      await eventually(() => expect(engine.running('idle')).toHaveLength(2));

      const third = subscribe(graphqlWs, IDLE);
      expect(await third.done).toEqual([expect.objectContaining({ extensions: { code: TOO_MANY_SUBSCRIPTIONS } })]);

      first.unsubscribe();
      await eventually(() => expect(engine.running('idle')[0].stopCalls).toBe(1));
      subscribe(graphqlWs, IDLE);
      await eventually(() => expect(engine.running('idle')).toHaveLength(3));
      expect(closes).toEqual([]);
    });

    it.each([
      ['a malformed token', () => Promise.resolve('not-a-jwt'), /^Forbidden: The token is malformed$/],
      ['an expired token', () => hsToken({ expiresIn: -60 }), /^Forbidden: The token has expired$/],
      ['a token signed with another secret', () => hsToken({}, 'another-secret-another-secret-another-secret'), /^Forbidden: The token signature is invalid$/],
    ])('closes the connection with 4403 for %s in connection_init', async (_case, token, reason) => {
      const { wsUrl, engine } = await fixture.start();
      const { client: graphqlWs, closes } = client(wsUrl, { authorization: `Bearer ${await token()}` });
      const refused = subscribe(graphqlWs, TICKS, { n: 1 });
      expect(await refused.done).toMatchObject({ code: CloseCode.Forbidden });
      expect(closes).toEqual([{ code: CloseCode.Forbidden, reason: expect.stringMatching(reason) }]);
      expect(engine.operations).toEqual([]);
    });
  });

  describe('protocol rules, with a raw socket', () => {
    it('accepts the upgrade without the subprotocol and closes with 4406', async () => {
      const { wsUrl } = await fixture.start();
      const socket = await rawSocket(wsUrl, []);
      expect(await socket.closed).toEqual({ code: CloseCode.SubprotocolNotAcceptable, reason: 'Subprotocol not acceptable' });
    });

    it('closes with 4408 when no connection_init arrives in time', async () => {
      const { wsUrl } = await fixture.start({ ws: { connectionInitWaitTimeoutMs: 50 } });
      const socket = await rawSocket(wsUrl);
      expect(socket.ws.protocol).toBe(GRAPHQL_TRANSPORT_WS_PROTOCOL);
      expect(await socket.closed).toEqual({ code: CloseCode.ConnectionInitialisationTimeout, reason: 'Connection initialisation timeout' });
    });

    it('closes with 4429 on a second connection_init', async () => {
      const { wsUrl } = await fixture.start();
      const socket = await rawSocket(wsUrl);
      await socket.initialise();
      socket.send({ type: 'connection_init' });
      expect(await socket.closed).toEqual({ code: CloseCode.TooManyInitialisationRequests, reason: 'Too many initialisation requests' });
    });

    it('closes with 4401 on a subscribe before the connection is acknowledged', async () => {
      const { wsUrl, engine } = await fixture.start();
      const socket = await rawSocket(wsUrl);
      socket.subscribe('1', TICKS, { n: 1 });
      expect(await socket.closed).toEqual({ code: CloseCode.Unauthorized, reason: 'Unauthorized' });
      expect(engine.operations).toEqual([]);
    });

    it.each([
      ['text that is not JSON', '{"type":', 'Invalid message: not JSON'],
      ['a JSON array', '[]', 'Invalid message: expected a JSON object; got an array'],
      ['a message without a type', '{"id":"1"}', 'Invalid message: "type" must be a string; got nothing'],
      ['an unknown type', '{"type":"start","id":"1"}', 'Invalid message: unknown "type"'],
      ['a server-only type', '{"type":"next","id":"1","payload":{}}', 'Invalid message: a client may not send "next"'],
      ['a subscribe without an id', '{"type":"subscribe","payload":{"query":"{ hello }"}}', 'Invalid message: "subscribe" needs a non-empty string "id"; got nothing'],
      ['a subscribe with an empty id', '{"type":"subscribe","id":"","payload":{"query":"{ hello }"}}', 'Invalid message: "subscribe" needs a non-empty string "id"; got a string'],
      ['a subscribe without a query', '{"type":"subscribe","id":"1","payload":{}}', 'Invalid message: subscribe payload: "query" must be a string; got nothing'],
      ['a subscribe with array variables', '{"type":"subscribe","id":"1","payload":{"query":"{ hello }","variables":[]}}', 'Invalid message: subscribe payload: "variables" must be an object; got an array'],
      ['a complete with a numeric id', '{"type":"complete","id":1}', 'Invalid message: "complete" needs a non-empty string "id"; got a number'],
      ['a ping with a string payload', '{"type":"ping","payload":"hi"}', 'Invalid message: "ping" payload must be an object, null or absent; got a string'],
    ])('closes with 4400 and a reason on %s', async (_case, frame, reason) => {
      const { wsUrl } = await fixture.start();
      const socket = await rawSocket(wsUrl);
      await socket.initialise();
      socket.send(frame);
      expect(await socket.closed).toEqual({ code: CloseCode.BadRequest, reason });
    });

    it('closes with 4409 when a subscribe reuses the id of a running operation, and stops what ran', async () => {
      const { wsUrl, engine } = await fixture.start();
      const socket = await rawSocket(wsUrl);
      await socket.initialise();
      socket.subscribe('op-1', IDLE);
      socket.subscribe('op-1', IDLE);
      expect(await socket.closed).toEqual({ code: CloseCode.SubscriberAlreadyExists, reason: 'Subscriber for op-1 already exists' });
      await eventually(() => expect(engine.running('idle').map((operation) => operation.stopCalls)).toEqual([1]));
    });

    it('lets a client reuse the id of an operation it completed', async () => {
      const { wsUrl, engine } = await fixture.start();
      const socket = await rawSocket(wsUrl);
      await socket.initialise();
      socket.subscribe('again', IDLE);
      await eventually(() => expect(engine.running('idle')).toHaveLength(1));
      socket.send({ type: 'complete', id: 'again' });
      socket.subscribe('again', TICKS, { n: 1 });
      await socket.waitFor((message) => message.id === 'again' && message.type === 'complete');
      expect(socket.of('again')).toEqual([
        { id: 'again', type: 'next', payload: { data: { ticks: 1 } } },
        { id: 'again', type: 'complete' },
      ]);
    });

    it('answers ping with pong, echoing the payload, before and after the ack; ignores pong', async () => {
      const { wsUrl } = await fixture.start();
      const socket = await rawSocket(wsUrl);
      socket.send({ type: 'ping', payload: { at: 'before' } });
      await socket.waitFor((message) => message.type === 'pong' && message.payload?.at === 'before');
      await socket.initialise();
      socket.send({ type: 'pong', payload: { unsolicited: true } });
      socket.send({ type: 'ping' });
      await socket.waitFor((message) => message.type === 'pong' && message.payload === undefined);
      expect(socket.messages).toEqual([{ type: 'pong', payload: { at: 'before' } }, { type: 'connection_ack' }, { type: 'pong' }]);
    });

    it('sends nothing for an operation after its complete, however the engine misbehaves', async () => {
      const { wsUrl, engine } = await fixture.start();
      const socket = await rawSocket(wsUrl);
      await socket.initialise();
      socket.subscribe('u', 'subscription { unruly }');
      await eventually(() => expect(engine.running('unruly')[0]?.emitted).toBe(2));
      await socket.barrier();
      expect(socket.of('u')).toEqual([
        { id: 'u', type: 'next', payload: { data: { unruly: 1 } } },
        { id: 'u', type: 'complete' },
      ]);
    });

    it('sends no complete (and no result) for an operation the client completed', async () => {
      const { wsUrl, engine } = await fixture.start();
      const socket = await rawSocket(wsUrl);
      await socket.initialise();
      socket.subscribe('s', 'subscription { stubborn }');
      await socket.waitFor((message) => message.id === 's' && message.type === 'next');
      socket.send({ type: 'complete', id: 's' });
      const [operation] = engine.running('stubborn');
      await eventually(() => expect(operation.stopCalls).toBe(1));
      expect(operation.emitted).toBe(2); // the engine did try
      await socket.barrier();
      expect(socket.of('s')).toEqual([{ id: 's', type: 'next', payload: { data: { stubborn: 1 } } }]);
    });

    it('stops an operation the client completes while the engine is still starting it', async () => {
      const { wsUrl, engine } = await fixture.start();
      const socket = await rawSocket(wsUrl);
      await socket.initialise();
      // Both frames arrive together: the complete is handled before start() resolves.
      socket.subscribe('early', IDLE);
      socket.send({ type: 'complete', id: 'early' });
      await eventually(() => expect(engine.running('idle').map((operation) => operation.stopCalls)).toEqual([1]));
      await socket.barrier();
      expect(socket.of('early')).toEqual([]);
    });

    it('ignores a complete for an unknown id', async () => {
      const { wsUrl } = await fixture.start();
      const socket = await rawSocket(wsUrl);
      await socket.initialise();
      socket.send({ type: 'complete', id: 'never-started' });
      await socket.barrier();
      expect(socket.ws.readyState).toBe(WebSocket.OPEN);
    });

    it('stops every operation of a connection when the client goes away', async () => {
      const { wsUrl, engine, ws } = await fixture.start();
      const socket = await rawSocket(wsUrl);
      await socket.initialise();
      socket.subscribe('a', IDLE);
      socket.subscribe('b', IDLE);
      await eventually(() => expect(engine.running('idle')).toHaveLength(2));
      socket.terminate();
      await eventually(() => expect(engine.running('idle').map((operation) => operation.stopCalls)).toEqual([1, 1]));
      await eventually(() => expect(ws.stats()).toEqual({ connections: 0, operations: 0 }));
    });
  });

  describe('limits', () => {
    it('closes with 1009 a connection that sends a message over maxPayloadBytes', async () => {
      const { wsUrl } = await fixture.start({ ws: { maxPayloadBytes: 1024 } });
      const socket = await rawSocket(wsUrl);
      await socket.initialise();
      socket.subscribe('big', `subscription { ticks(n: 1) } # ${'x'.repeat(2048)}`);
      expect((await socket.closed).code).toBe(CloseCode.MessageTooBig);
    });

    it('disconnects a slow consumer with 1008 and stops its operations instead of buffering without bound', async () => {
      const { wsUrl, engine, ws } = await fixture.start({ ws: { maxBufferedBytes: 64 * 1024 } });
      const socket = await rawSocket(wsUrl);
      await socket.initialise();
      // The client stops reading; the engine floods it.
      (socket.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
      socket.subscribe('flood', 'subscription { flood(size: 16384) }');
      socket.subscribe('idle', IDLE);
      await eventually(() => expect(engine.operations.map((operation) => [operation.field, operation.stopCalls])).toEqual([['flood', 1], ['idle', 1]]));
      expect(ws.stats().operations).toBe(0);
      // Once the client reads again, it finds the close frame behind the buffered results.
      (socket.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      expect(await socket.closed).toEqual({ code: CloseCode.PolicyViolation, reason: 'Slow consumer: outgoing buffer exceeded' });
      await eventually(() => expect(ws.stats().connections).toBe(0));
    });

    it('terminates a peer that does not answer WebSocket pings, keeps one that does', async () => {
      const { wsUrl, ws } = await fixture.start({ ws: { keepAliveMs: 25 } });
      const deaf = await rawSocket(wsUrl, undefined, { autoPong: false });
      const alive = await rawSocket(wsUrl);
      let pings = 0;
      alive.ws.on('ping', () => pings++);
      await alive.initialise();
      expect((await deaf.closed).code).toBe(1006); // cut without a close frame
      await eventually(() => expect(pings).toBeGreaterThanOrEqual(3));
      expect(alive.ws.readyState).toBe(WebSocket.OPEN);
      await eventually(() => expect(ws.stats().connections).toBe(1));
    });
  });

  describe('upgrades and shutdown', () => {
    it('refuses upgrades on other paths with 404', async () => {
      const { wsUrl } = await fixture.start();
      await expect(RawSocket.open(wsUrl.replace('/graphql', '/elsewhere'))).rejects.toThrow('Unexpected server response: 404');
    });

    it('completes every operation, then closes each socket with 1001, stopping the handles, on close()', async () => {
      const { wsUrl, engine, ws } = await fixture.start();
      const socket = await rawSocket(wsUrl);
      await socket.initialise();
      socket.subscribe('one', IDLE);
      socket.subscribe('two', IDLE);
      const { client: graphqlWs, closes } = client(wsUrl);
      const viaClient = subscribe(graphqlWs, IDLE);
      await eventually(() => expect(engine.running('idle')).toHaveLength(3));

      await ws.close();

      expect(await socket.closed).toEqual({ code: CloseCode.GoingAway, reason: 'Going away' });
      expect(socket.messages.slice(1)).toEqual([
        { id: 'one', type: 'complete' },
        { id: 'two', type: 'complete' },
      ]);
      expect(await viaClient.done).toBe('complete');
      await eventually(() => expect(closes).toEqual([{ code: CloseCode.GoingAway, reason: 'Going away' }]));
      expect(engine.running('idle').map((operation) => operation.stopCalls)).toEqual([1, 1, 1]);
      expect(ws.stats()).toEqual({ connections: 0, operations: 0 });
      await expect(RawSocket.open(wsUrl)).rejects.toThrow('Unexpected server response: 503');
    });
  });
});
