import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, buildSchema, parse, type ExecutionArgs, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../../../lib/logger';
import type { Caller } from '../../auth/caller';
import { AuthenticationError } from '../../auth/errors';
import type { ConnectionInfo, OperationHandle, ResultSink } from '../../pipeline/contract';
import { DEFER_SPEC_20220824 } from '../../pipeline/incremental';
import { withDefaults } from '../limits';
import { withoutTransportDetail } from '../operation-request';
import { TOO_MANY_SUBSCRIPTIONS } from './connection';
import { CloseCode } from './protocol';
import { GRAPHQL_WS_DEFAULTS, type GraphQLWebSocketOptions, type GraphQLWebSocketTransport } from './server';

/**
 * graphql-ws served by the `graphql-ws` package's own server (`useServer` on
 * `makeServer`) over the same pipeline, for `subscriptions.webSocketServer:
 * graphql-ws` and the `bench:subscriptions` comparison with ours
 * (`server.ts` + `connection.ts`). Our admission and limits stay around it:
 * the caller proved in `onConnect` with our authenticator, operations run by
 * the same `engine.start`, the per-connection operation cap, the outgoing
 * buffer bound (close 1008 with SLOW_CONSUMER), `maxPayloadBytes`.
 *
 * The library sends what an operation yields as ExecutionResult objects it
 * serializes itself, one `JSON.stringify` per message per socket. The engine
 * serializes once per group, so each result is parsed once per group event
 * (the last one is remembered: a group's subscribers get the same string in
 * a row) and serialized again by the library for every subscriber: that
 * per-socket serialization is the difference the bench measures.
 *
 * Differences from ours, besides serialization: an error the engine reports
 * after the start reaches the client as a `next` with `errors`, then
 * `complete` (the library has no `error` after a start); keep-alive is the
 * library's (ping, terminate after no pong).
 */
export function attachLibraryGraphQLWebSocket(server: Server, options: GraphQLWebSocketOptions): GraphQLWebSocketTransport {
  const limits = withDefaults(GRAPHQL_WS_DEFAULTS, options, 'graphql-ws');
  const { path, engine, authenticator, logger } = options;
  const connections = new Map<WebSocket, { caller: Caller | null; operations: Set<ResultStream>; info: ConnectionInfo }>();
  let slowConsumerCloses = 0;
  let closing = false;

  const webSockets = new WebSocketServer({ noServer: true, maxPayload: limits.maxPayloadBytes, perMessageDeflate: false });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== path) return refuse(socket, 404, 'Not Found');
    if (closing) return refuse(socket, 503, 'Service Unavailable');
    webSockets.handleUpgrade(req, socket, head, (webSocket) => webSockets.emit('connection', webSocket, req));
  };
  server.on('upgrade', onUpgrade);
  webSockets.on('connection', (socket: WebSocket, req: IncomingMessage) => {
    connections.set(socket, { caller: null, operations: new Set(), info: { connectionId: randomUUID(), transport: 'ws', clientIp: options.clientIp(req), incremental: DEFER_SPEC_20220824 } });
    socket.once('close', () => {
      for (const operation of connections.get(socket)?.operations ?? []) operation.stop();
      connections.delete(socket);
    });
  });

  const disposable = useServer(
    {
      connectionInitWaitTimeout: limits.connectionInitWaitTimeoutMs,
      onConnect: async (ctx) => {
        const connection = connections.get(ctx.extra.socket);
        if (!connection) return false;
        try {
          connection.caller = await authenticator.fromConnection(ctx.connectionParams ?? null, ctx.extra.request.headers);
          return true;
        } catch (error) {
          if (!(error instanceof AuthenticationError)) throw error;
          return false;
        }
      },
      onSubscribe: async (ctx, id, payload: SubscribePayload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        const connection = connections.get(ctx.extra.socket)!;
        if (connection.operations.size >= limits.maxSubscriptionsPerConnection) {
          return [new GraphQLError(`Too many operations on this connection (at most ${limits.maxSubscriptionsPerConnection}); complete one first`, { extensions: { code: TOO_MANY_SUBSCRIPTIONS } })];
        }
        const stream = new ResultStream(ctx.extra.socket, limits.maxBufferedBytes, () => slowConsumerCloses++, logger);
        connection.operations.add(stream);
        stream.onEnd = () => connection.operations.delete(stream);
        const request = { query: payload.query, variables: payload.variables ?? null, operationName: payload.operationName ?? null, extensions: payload.extensions ?? null };
        const started = await engine.start(connection.caller!, request, stream.sink, connection.info);
        if ('errors' in started) {
          stream.stop();
          return withoutTransportDetail(started.errors).map((e) => new GraphQLError(e.message, { extensions: e.extensions }));
        }
        stream.handle = started;
        // What the library runs: every operation is "subscribed" to its stream (a query's stream holds its one result).
        return { schema: STREAM_SCHEMA, document: STREAM_DOCUMENT, contextValue: stream };
      },
      subscribe: (args) => args.contextValue as ResultStream,
      execute: (args) => args.contextValue as ResultStream,
    },
    webSockets,
    limits.keepAliveMs,
  );

  return {
    async close() {
      closing = true;
      server.off('upgrade', onUpgrade);
      for (const socket of connections.keys()) socket.close(CloseCode.GoingAway, 'Going away');
      await disposable.dispose();
    },
    stats() {
      let operations = 0;
      for (const connection of connections.values()) operations += connection.operations.size;
      return { connections: connections.size, operations };
    },
    slowConsumerCloses: () => slowConsumerCloses,
  };
}

/** The library wants a schema and a document to pick subscribe or execute; our pipeline has done the real work. */
const STREAM_SCHEMA = buildSchema('type Query { stream: Boolean } type Subscription { stream: Boolean }');
const STREAM_DOCUMENT = parse('subscription { stream }');

/** The last result parsed: a group's subscribers receive the same string one after the other. */
let lastJson: string | undefined;
let lastParsed: ExecutionResult | undefined;
function parsed(json: string): ExecutionResult {
  if (json !== lastJson) {
    lastParsed = JSON.parse(json) as ExecutionResult;
    lastJson = json;
  }
  return lastParsed!;
}

/** One operation's results as the async iterator the library pulls from, fed by the engine's sink; bounded by the socket's buffer. */
class ResultStream implements AsyncIterableIterator<ExecutionResult> {
  handle: OperationHandle | undefined;
  onEnd: () => void = () => {};
  private readonly queue: ExecutionResult[] = [];
  private waiting: ((result: IteratorResult<ExecutionResult>) => void) | undefined;
  private done = false;
  private lastEventId: string | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly maxBufferedBytes: number,
    private readonly countSlowConsumer: () => void,
    private readonly logger: Logger,
  ) {}

  /** What the engine writes to. */
  readonly sink: ResultSink = {
    next: (resultJson, eventId) => {
      if (this.done) return;
      if (this.socket.bufferedAmount > this.maxBufferedBytes || this.queue.length > 1_000) return this.dropSlowConsumer();
      if (eventId !== undefined) this.lastEventId = eventId;
      this.offer(parsed(resultJson));
    },
    error: (errors: readonly GraphQLFormattedError[]) => {
      if (this.done) return;
      this.offer({ errors: withoutTransportDetail(errors) as never });
      this.complete();
    },
    complete: () => this.complete(),
  };

  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.pull();
  }

  complete(): void {
    if (this.done) return;
    this.done = true;
    this.onEnd();
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
  }

  /** The client completed the operation or the socket closed. */
  stop(): void {
    this.handle?.stop();
    this.queue.length = 0;
    this.complete();
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.stop();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }

  private pull(): Promise<IteratorResult<ExecutionResult>> {
    const value = this.queue.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  private offer(value: ExecutionResult): void {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value, done: false });
    } else {
      this.queue.push(value);
    }
  }

  private dropSlowConsumer(): void {
    this.logger.warn('closing a WebSocket whose client reads too slowly', { bufferedBytes: this.socket.bufferedAmount, lastEventId: this.lastEventId });
    this.countSlowConsumer();
    this.stop();
    this.socket.close(CloseCode.PolicyViolation, 'Slow consumer: outgoing buffer exceeded');
  }
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

