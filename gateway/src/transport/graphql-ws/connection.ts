import type { IncomingHttpHeaders } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from '../../../../lib/logger';
import type { Authenticator } from '../../auth/authenticate';
import type { Caller } from '../../auth/caller';
import { AuthenticationError, SUBSCRIPTION_JWT_EXPIRED } from '../../auth/errors';
import { onCallerExpiry } from '../../auth/expiry';
import { withoutTransportDetail } from '../operation-request';
import type { ConnectionInfo, OperationHandle, OperationRequest, ResultSink, StreamingEngine } from '../../pipeline/contract';
import {
  CONNECTION_ACK_MESSAGE,
  CloseCode,
  GRAPHQL_TRANSPORT_WS_PROTOCOL,
  InvalidMessage,
  MessageType,
  closeReason,
  completeMessage,
  errorMessage,
  nextMessage,
  nextMessagePrefix,
  parseClientMessage,
  pongMessage,
} from './protocol';

/** The error code of a `subscribe` refused because the connection already runs its maximum of operations. */
export const TOO_MANY_SUBSCRIPTIONS = 'TOO_MANY_SUBSCRIPTIONS';

/** The error code each running operation of a connection dropped as a slow consumer gets, with `extensions.lastEventId`. */
export const SLOW_CONSUMER = 'SLOW_CONSUMER';

/** What the protocol core needs from a socket; the `ws` adapter provides it. */
export interface ProtocolSocket {
  /** The subprotocol agreed in the handshake ('' when none). */
  readonly protocol: string;
  readonly isOpen: boolean;
  /** Bytes queued for the peer and not yet handed to the network. */
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code: CloseCode, reason: string): void;
}

export interface ConnectionLimits {
  connectionInitWaitTimeoutMs: number;
  maxSubscriptionsPerConnection: number;
  maxBufferedBytes: number;
}

export interface ConnectionDependencies {
  engine: StreamingEngine;
  authenticator: Authenticator;
  logger: Logger;
  info: ConnectionInfo;
  limits: ConnectionLimits;
  /** The upgrade request's headers (an `X-API-Key` may come with them). */
  upgradeHeaders: IncomingHttpHeaders;
}

/** One graphql-transport-ws connection, driven by its socket's events. */
export interface GraphQLWsConnection {
  /** A text frame from the client. */
  receive(data: string): void;
  /** The socket closed, whoever closed it: every running operation is stopped. */
  closed(): void;
  /** Graceful shutdown: `complete` for every running operation, then close with 1001. */
  goAway(): void;
  /** Operations running or starting. */
  readonly operations: number;
}

interface Operation {
  readonly id: string;
  readonly nextPrefix: string;
  /** Completed, errored, stopped by the client or the connection: nothing more is sent for it. */
  ended: boolean;
  handle: OperationHandle | null;
  /** Ended by the client or the connection before the engine handed its handle over. */
  stopWhenStarted: boolean;
  /** The event id of the last result sent (subscriptions): where the client can resume. */
  lastEventId: string | undefined;
}

const INTERNAL_ERROR: GraphQLFormattedError = { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };

/**
 * The server side of graphql-ws's PROTOCOL.md for one socket, independent of
 * the WebSocket library. The engine's results arrive serialized and are sent
 * as they are; every send first checks the outgoing buffer, so a peer that
 * stops reading is disconnected instead of growing the server's memory.
 */
export function openGraphQLWsConnection(socket: ProtocolSocket, deps: ConnectionDependencies): GraphQLWsConnection {
  const { engine, authenticator, logger, info, limits, upgradeHeaders } = deps;
  const operations = new Map<string, Operation>();
  let initReceived = false;
  let caller: Caller | null = null;
  /** The server has closed (or is closing) the socket, or the socket is gone: nothing more is sent or started. */
  let closing = false;
  let initTimer: NodeJS.Timeout | undefined;
  let cancelExpiry = () => {};

  if (socket.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) {
    closeWith(CloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
  } else {
    initTimer = setTimeout(() => {
      if (!initReceived) closeWith(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
    }, limits.connectionInitWaitTimeoutMs);
  }

  function send(data: string): void {
    if (closing || !socket.isOpen) return;
    if (socket.bufferedAmount > limits.maxBufferedBytes) return dropSlowConsumer();
    socket.send(data);
  }

  /**
   * The client reads slower than its results come: instead of serving it
   * stale (or growing memory), every running operation gets an `error`
   * (SLOW_CONSUMER) naming the last event id sent to it, queued after what
   * was already sent (the close frame follows it), then close 1008. The
   * client resumes each with `extensions.resumeFrom`.
   */
  function dropSlowConsumer(): void {
    logger.warn('closing a WebSocket whose client reads too slowly', { bufferedBytes: socket.bufferedAmount, limit: limits.maxBufferedBytes });
    for (const operation of [...operations.values()]) {
      if (!stop(operation)) continue;
      const extensions = { code: SLOW_CONSUMER, ...(operation.lastEventId !== undefined && { lastEventId: operation.lastEventId }) };
      socket.send(errorMessage(operation.id, [{ message: 'Dropped as a slow consumer: the connection fell behind its results; resume from extensions.lastEventId', extensions }]));
    }
    closeWith(CloseCode.PolicyViolation, 'Slow consumer: outgoing buffer exceeded');
  }

  function closeWith(code: CloseCode, reason: string): void {
    if (closing) return;
    closing = true;
    clearTimeout(initTimer);
    cancelExpiry();
    stopAll();
    if (socket.isOpen) socket.close(code, reason);
  }

  /**
   * The token the connection was opened with has expired: every running
   * operation gets an `error` (SUBSCRIPTION_JWT_EXPIRED), then the socket is
   * closed with 4403, so nothing runs on the expired token. (An operation
   * racing the expiry is refused by the pipeline's own check.)
   */
  function expire(): void {
    if (closing) return;
    const expired = [{ message: 'The token of this connection has expired', extensions: { code: SUBSCRIPTION_JWT_EXPIRED } }];
    for (const operation of [...operations.values()]) {
      if (stop(operation)) send(errorMessage(operation.id, expired));
    }
    closeWith(CloseCode.Forbidden, 'Forbidden: token expired');
  }

  /** Marks an operation ended; false when it already was (so each ending is reported at most once). */
  function end(operation: Operation): boolean {
    if (operation.ended) return false;
    operation.ended = true;
    if (operations.get(operation.id) === operation) operations.delete(operation.id);
    return true;
  }

  /** Ends an operation from our side (client `complete`, socket gone, shutdown) and stops it in the engine. */
  function stop(operation: Operation): boolean {
    if (!end(operation)) return false;
    if (operation.handle) operation.handle.stop();
    else operation.stopWhenStarted = true;
    return true;
  }

  function stopAll(): void {
    for (const operation of [...operations.values()]) stop(operation);
  }

  function failInternally(error: unknown, what: string): void {
    logger.error(`graphql-ws: ${what} failed`, { error });
    closeWith(CloseCode.InternalServerError, 'Internal server error');
  }

  async function initialise(payload: Record<string, unknown> | null): Promise<void> {
    if (initReceived) return closeWith(CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
    initReceived = true;
    clearTimeout(initTimer);
    let authenticated: Caller;
    try {
      authenticated = await authenticator.fromConnection(payload, upgradeHeaders);
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      logger.debug('graphql-ws: connection refused', { problem: error.problem });
      // The AuthenticationError's message is written for clients; nothing else is added.
      if (error.problem === 'api-keys-unavailable') return closeWith(CloseCode.TryAgainLater, closeReason(error.message, 'Try again later'));
      return closeWith(CloseCode.Forbidden, closeReason(`Forbidden: ${error.message}`, 'Forbidden'));
    }
    if (closing) return;
    caller = authenticated;
    cancelExpiry = onCallerExpiry(authenticated, expire);
    if (closing) return;
    send(CONNECTION_ACK_MESSAGE);
  }

  async function subscribe(id: string, request: OperationRequest): Promise<void> {
    if (caller === null) return closeWith(CloseCode.Unauthorized, 'Unauthorized');
    if (operations.has(id)) return closeWith(CloseCode.SubscriberAlreadyExists, closeReason(`Subscriber for ${id} already exists`, 'Subscriber already exists'));
    if (operations.size >= limits.maxSubscriptionsPerConnection) {
      return send(
        errorMessage(id, [
          {
            message: `Too many operations on this connection (at most ${limits.maxSubscriptionsPerConnection}); complete one first`,
            extensions: { code: TOO_MANY_SUBSCRIPTIONS },
          },
        ]),
      );
    }

    // The id is taken from now on, also while the engine is starting the
    // operation: a second `subscribe` with it is a 4409, a `complete` ends it.
    const operation: Operation = { id, nextPrefix: nextMessagePrefix(id), ended: false, handle: null, stopWhenStarted: false, lastEventId: undefined };
    operations.set(id, operation);
    // The engine may call the sink before `start` resolves (a query's single result does).
    const sink: ResultSink = {
      // A subscription's result carries its event id in `extensions.eventId` already (serialized once per group).
      next(resultJson, eventId) {
        if (operation.ended) return;
        send(nextMessage(operation.nextPrefix, resultJson));
        if (eventId !== undefined) operation.lastEventId = eventId;
      },
      error(errors) {
        if (end(operation)) send(errorMessage(id, withoutTransportDetail(errors)));
      },
      complete() {
        if (end(operation)) send(completeMessage(id));
      },
    };

    let started: Awaited<ReturnType<StreamingEngine['start']>>;
    try {
      started = await engine.start(caller, request, sink, info);
    } catch (error) {
      logger.error('graphql-ws: the engine failed to start an operation', { error, operationId: id });
      if (end(operation)) send(errorMessage(id, [INTERNAL_ERROR]));
      return;
    }
    if ('errors' in started) {
      if (end(operation)) send(errorMessage(id, withoutTransportDetail(started.errors)));
      return;
    }
    if (operation.stopWhenStarted) started.stop();
    else if (!operation.ended) operation.handle = started;
  }

  return {
    receive(data) {
      if (closing) return;
      let message;
      try {
        message = parseClientMessage(data);
      } catch (error) {
        if (!(error instanceof InvalidMessage)) throw error;
        return closeWith(CloseCode.BadRequest, closeReason(error.message, 'Invalid message'));
      }
      switch (message.type) {
        case MessageType.ConnectionInit:
          return void initialise(message.payload).catch((error: unknown) => failInternally(error, 'connection_init'));
        case MessageType.Ping:
          return send(pongMessage(message.payload));
        case MessageType.Pong:
          return;
        case MessageType.Subscribe:
          return void subscribe(message.id, message.payload).catch((error: unknown) => failInternally(error, 'subscribe'));
        case MessageType.Complete: {
          // Unknown ids (operations that already ended) are ignored, as the protocol allows.
          const operation = operations.get(message.id);
          if (operation) stop(operation);
          return;
        }
      }
    },

    closed() {
      closing = true;
      clearTimeout(initTimer);
      cancelExpiry();
      stopAll();
    },

    goAway() {
      if (closing) return;
      for (const operation of [...operations.values()]) {
        if (stop(operation)) send(completeMessage(operation.id));
      }
      closeWith(CloseCode.GoingAway, 'Going away');
    },

    get operations() {
      return operations.size;
    },
  };
}
