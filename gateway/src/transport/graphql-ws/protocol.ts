import type { GraphQLFormattedError } from 'graphql';
import type { OperationRequest } from '../../pipeline/contract';
import { InvalidOperationRequest, isPlainObject, kindOf, readOperationRequest } from '../operation-request';

/**
 * The wire format of graphql-ws's `graphql-transport-ws` protocol
 * (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md): message
 * types, close codes, parsing what a client sends and building what the
 * server sends. No sockets here.
 */

export const GRAPHQL_TRANSPORT_WS_PROTOCOL = 'graphql-transport-ws';

/** Close codes: the protocol's 44xx, plus the RFC 6455 ones this server uses. */
export const CloseCode = {
  /** Graceful shutdown of the server. */
  GoingAway: 1001,
  /** The peer reads slower than the server writes: its outgoing buffer went over the bound. */
  PolicyViolation: 1008,
  /** A frame over `maxPayloadBytes` (sent by `ws` itself). */
  MessageTooBig: 1009,
  /** A dependency the connection needs (the API-key store) cannot answer; the client may retry. */
  TryAgainLater: 1013,
  BadRequest: 4400,
  Unauthorized: 4401,
  Forbidden: 4403,
  SubprotocolNotAcceptable: 4406,
  ConnectionInitialisationTimeout: 4408,
  SubscriberAlreadyExists: 4409,
  TooManyInitialisationRequests: 4429,
  InternalServerError: 4500,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export const MessageType = {
  ConnectionInit: 'connection_init',
  ConnectionAck: 'connection_ack',
  Ping: 'ping',
  Pong: 'pong',
  Subscribe: 'subscribe',
  Next: 'next',
  Error: 'error',
  Complete: 'complete',
} as const;

/** A message a client may send. */
export type ClientMessage =
  | { type: typeof MessageType.ConnectionInit; payload: Record<string, unknown> | null }
  | { type: typeof MessageType.Ping; payload: Record<string, unknown> | null }
  | { type: typeof MessageType.Pong }
  | { type: typeof MessageType.Subscribe; id: string; payload: OperationRequest }
  | { type: typeof MessageType.Complete; id: string };

/** A message that breaks the protocol: the socket is closed with 4400 and this message as the reason. */
export class InvalidMessage extends Error {
  constructor(reason: string) {
    super(`Invalid message: ${reason}`);
    this.name = 'InvalidMessage';
  }
}

const SERVER_ONLY_TYPES: ReadonlySet<string> = new Set([MessageType.ConnectionAck, MessageType.Next, MessageType.Error]);

/** Parses and checks one text frame from a client; an InvalidMessage says what is wrong without echoing client data. */
export function parseClientMessage(data: string): ClientMessage {
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    throw new InvalidMessage('not JSON');
  }
  if (!isPlainObject(message)) throw new InvalidMessage(`expected a JSON object; got ${kindOf(message)}`);
  const { type } = message;
  if (typeof type !== 'string') throw new InvalidMessage(`"type" must be a string; got ${kindOf(type)}`);
  switch (type) {
    case MessageType.ConnectionInit:
    case MessageType.Ping:
      return { type, payload: optionalPayload(message.payload, type) };
    case MessageType.Pong:
      optionalPayload(message.payload, type);
      return { type };
    case MessageType.Subscribe: {
      const id = operationId(message.id, type);
      try {
        return { type, id, payload: readOperationRequest(message.payload) };
      } catch (error) {
        if (error instanceof InvalidOperationRequest) throw new InvalidMessage(`subscribe payload: ${error.message}`);
        throw error;
      }
    }
    case MessageType.Complete:
      return { type, id: operationId(message.id, type) };
    default:
      throw new InvalidMessage(SERVER_ONLY_TYPES.has(type) ? `a client may not send "${type}"` : 'unknown "type"');
  }
}

function optionalPayload(payload: unknown, type: string): Record<string, unknown> | null {
  if (payload == null) return null;
  if (!isPlainObject(payload)) throw new InvalidMessage(`"${type}" payload must be an object, null or absent; got ${kindOf(payload)}`);
  return payload;
}

function operationId(id: unknown, type: string): string {
  if (typeof id !== 'string' || id === '') throw new InvalidMessage(`"${type}" needs a non-empty string "id"; got ${kindOf(id)}`);
  return id;
}

// What the server sends. Results arrive serialized from the engine; they are
// spliced in, never parsed or serialized again.

export const CONNECTION_ACK_MESSAGE = `{"type":"${MessageType.ConnectionAck}"}`;

export function pongMessage(payload: Record<string, unknown> | null): string {
  return payload === null ? `{"type":"${MessageType.Pong}"}` : `{"type":"${MessageType.Pong}","payload":${JSON.stringify(payload)}}`;
}

/** The part of every `next` message of one operation before its payload; computed once per operation. */
export function nextMessagePrefix(id: string): string {
  return `{"id":${JSON.stringify(id)},"type":"${MessageType.Next}","payload":`;
}

/** A `next` message: the prefix, the engine's serialized ExecutionResult, the closing brace. */
export function nextMessage(prefix: string, resultJson: string): string {
  return prefix + resultJson + '}';
}

export function errorMessage(id: string, errors: readonly GraphQLFormattedError[]): string {
  // The protocol requires at least one error; a client rejects an empty list as a bad response.
  const payload = errors.length > 0 ? errors : [{ message: 'The operation failed' }];
  return `{"id":${JSON.stringify(id)},"type":"${MessageType.Error}","payload":${JSON.stringify(payload)}}`;
}

export function completeMessage(id: string): string {
  return `{"id":${JSON.stringify(id)},"type":"${MessageType.Complete}"}`;
}

/** RFC 6455 leaves 123 bytes for a close reason; a longer one would make `ws` throw. */
export const MAX_CLOSE_REASON_BYTES = 123;

export function closeReason(reason: string, whenTooLong: string): string {
  return Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES ? reason : whenTooLong;
}
