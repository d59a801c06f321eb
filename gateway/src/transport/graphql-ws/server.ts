import { DEFER_SPEC_20220824 } from '../../pipeline/incremental';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Logger } from '../../../../lib/logger';
import type { Authenticator } from '../../auth/authenticate';
import type { StreamingEngine } from '../../pipeline/contract';
import { withDefaults } from '../limits';
import { Registry } from '../registry';
import { openGraphQLWsConnection, type GraphQLWsConnection, type ProtocolSocket } from './connection';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL } from './protocol';

export interface GraphQLWebSocketLimits {
  /** Time a client has to send `connection_init` after the handshake before the socket is closed with 4408. Default: 3 000 ms. */
  connectionInitWaitTimeoutMs?: number;
  /** Interval of WebSocket-level pings; a peer that has not answered the previous ping by the next one is terminated. Default: 30 000 ms. */
  keepAliveMs?: number;
  /** Largest message a client may send; `ws` closes the socket with 1009 above it. Default: 64 KiB. */
  maxPayloadBytes?: number;
  /** Operations one connection may run at once; one more is refused with an `error` message (TOO_MANY_SUBSCRIPTIONS). Default: 100. */
  maxSubscriptionsPerConnection?: number;
  /** Outgoing bytes a connection may have queued; above it the client is a slow consumer and is closed with 1008. Default: 1 MiB. */
  maxBufferedBytes?: number;
  /** How long a socket the server closes gets to finish the closing handshake before it is terminated; also bounds `close()`. Default: 5 000 ms. */
  closeTimeoutMs?: number;
}

export const GRAPHQL_WS_DEFAULTS: Required<GraphQLWebSocketLimits> = {
  connectionInitWaitTimeoutMs: 3_000,
  keepAliveMs: 30_000,
  maxPayloadBytes: 64 * 1024,
  maxSubscriptionsPerConnection: 100,
  maxBufferedBytes: 1024 * 1024,
  closeTimeoutMs: 5_000,
};

export interface GraphQLWebSocketOptions extends GraphQLWebSocketLimits {
  /** Where WebSocket upgrades are accepted (the GraphQL path, e.g. `/graphql`); upgrades elsewhere get a 404. */
  path: string;
  engine: StreamingEngine;
  authenticator: Authenticator;
  logger: Logger;
  /** The client address of an upgrade request (after X-Forwarded-For, when trusted). */
  clientIp(req: IncomingMessage): string;
}

export interface GraphQLWebSocketTransport {
  /** Stops accepting upgrades, completes every operation, closes every socket with 1001; resolves when they are closed (at most ~2 × closeTimeoutMs). */
  close(): Promise<void>;
  stats(): { connections: number; operations: number };
  /** Connections closed (1008) because their client read too slowly, since start. */
  slowConsumerCloses(): number;
}

interface LiveSocket {
  socket: WebSocket;
  connection: GraphQLWsConnection;
  /** Answered the last keep-alive ping. */
  alive: boolean;
}

/**
 * graphql-ws (`graphql-transport-ws`) on the HTTP server's port and GraphQL
 * path: the `ws` adapter around the protocol core in `connection.ts`
 * (upgrades, frames, keep-alive, shutdown).
 */
export function attachGraphQLWebSocket(server: Server, options: GraphQLWebSocketOptions): GraphQLWebSocketTransport {
  const limits = withDefaults(GRAPHQL_WS_DEFAULTS, options, 'graphql-ws');
  const { path, engine, authenticator, logger } = options;
  const live = new Registry<LiveSocket>();
  let closing: Promise<void> | null = null;
  let slowConsumerCloses = 0;

  const webSockets = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: limits.maxPayloadBytes,
    perMessageDeflate: false,
    // Without the subprotocol the handshake still succeeds, so the client
    // learns why it is refused (4406) instead of seeing a failed upgrade.
    handleProtocols: (protocols) => (protocols.has(GRAPHQL_TRANSPORT_WS_PROTOCOL) ? GRAPHQL_TRANSPORT_WS_PROTOCOL : false),
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (pathnameOf(req.url) !== path) return refuseUpgrade(socket, 404, 'Not Found');
    if (closing) return refuseUpgrade(socket, 503, 'Service Unavailable');
    webSockets.handleUpgrade(req, socket, head, (webSocket) => accept(webSocket, req));
  };
  server.on('upgrade', onUpgrade);

  const keepAlive = setInterval(() => {
    for (const entry of live) {
      if (!entry.alive) {
        entry.socket.terminate();
        continue;
      }
      entry.alive = false;
      entry.socket.ping();
    }
  }, limits.keepAliveMs);
  keepAlive.unref();

  function accept(socket: WebSocket, req: IncomingMessage): void {
    // @defer parts go as successive `next` messages, in the shape Apollo Client's graphql-ws link reads.
    const info = { connectionId: randomUUID(), transport: 'ws' as const, clientIp: options.clientIp(req), incremental: DEFER_SPEC_20220824 };
    const connectionLogger = logger.child({ connectionId: info.connectionId, transport: 'ws' });
    let terminateTimer: NodeJS.Timeout | undefined;
    const protocolSocket: ProtocolSocket = {
      protocol: socket.protocol,
      get isOpen() {
        return socket.readyState === WebSocket.OPEN;
      },
      get bufferedAmount() {
        return socket.bufferedAmount;
      },
      send: (data) => socket.send(data),
      close: (code, reason) => {
        if (code === CloseCode.PolicyViolation) slowConsumerCloses++; // the core closes with 1008 for slow consumers only
        socket.close(code, reason);
        // A peer that does not answer the close frame (one that stopped reading) is cut after the bound.
        terminateTimer = setTimeout(() => socket.terminate(), limits.closeTimeoutMs);
        terminateTimer.unref();
      },
    };
    const connection = openGraphQLWsConnection(protocolSocket, { engine, authenticator, logger: connectionLogger, info, limits, upgradeHeaders: req.headers });
    const entry: LiveSocket = { socket, connection, alive: true };
    live.add(entry);

    socket.on('message', (data: RawData) => {
      try {
        connection.receive(textOf(data));
      } catch (error) {
        connectionLogger.error('graphql-ws: handling a message failed', { error });
        socket.close(CloseCode.InternalServerError, 'Internal server error');
      }
    });
    socket.on('pong', () => {
      entry.alive = true;
    });
    // `ws` reports protocol violations (an oversized frame: 1009) here, then closes the socket itself.
    socket.on('error', (error) => connectionLogger.debug('WebSocket error', { error: error.message }));
    socket.once('close', () => {
      clearTimeout(terminateTimer);
      live.delete(entry);
      connection.closed();
    });
  }

  return {
    close() {
      closing ??= (async () => {
        clearInterval(keepAlive);
        for (const entry of live) entry.connection.goAway();
        await live.drained(limits.closeTimeoutMs, (entry) => entry.socket.terminate());
        await new Promise<void>((resolve) => webSockets.close(() => resolve()));
      })();
      return closing;
    },
    stats() {
      let operations = 0;
      for (const entry of live) operations += entry.connection.operations;
      return { connections: live.size, operations };
    },
    slowConsumerCloses: () => slowConsumerCloses,
  };
}

/** Answers an upgrade we do not take with a bare HTTP status line, then closes the socket. */
function refuseUpgrade(socket: Duplex, status: number, statusText: string): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function pathnameOf(url: string | undefined): string {
  const value = url ?? '/';
  const queryStart = value.indexOf('?');
  return queryStart === -1 ? value : value.slice(0, queryStart);
}

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
