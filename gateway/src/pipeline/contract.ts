import type { GraphQLFormattedError } from 'graphql';
import type { Caller } from '../auth/caller';
import type { IncrementalFormat } from './incremental';

/**
 * The seam between the transports (GraphQL over HTTP, graphql-ws over
 * WebSocket, GraphQL over SSE) and the operation pipeline. Transports speak
 * the protocols, prove the caller and enforce per-connection limits; the
 * pipeline decides what an operation means (document, authorization, cost,
 * plan, execution, fan-out) and hands each streamed result over already
 * serialized, so a payload shared by many subscribers is turned into JSON once.
 */

/** What a client sends to start an operation (graphql-ws `subscribe` payload, or the SSE request). */
export interface OperationRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  extensions?: Record<string, unknown> | null;
  /** A trusted document's id (`sha256:<hex>` or the hex), sent instead of `query`. */
  documentId?: string;
}

/** Where the engine sends one operation's results. Calls after complete/error are ignored by the transport. */
export interface ResultSink {
  /**
   * One ExecutionResult, serialized: `{"data":...}` (and `errors` if any). A
   * subscription's event carries its log id, also in the result's
   * `extensions.eventId` (SSE writes it as the event's `id:`; a client resumes from it).
   */
  next(resultJson: string, eventId?: string): void;
  /** Ends the operation with errors (graphql-ws `error` message; SSE `next` with errors then `complete`). */
  error(errors: readonly GraphQLFormattedError[]): void;
  /** Ends the operation normally. */
  complete(): void;
}

/** A running operation; `stop()` is called when the client completes it or the connection closes. Idempotent. */
export interface OperationHandle {
  stop(): void;
}

export interface ConnectionInfo {
  /** Unique per connection or request (for logs and per-connection state). */
  connectionId: string;
  transport: 'http' | 'ws' | 'sse';
  /** The HTTP method of the request (GET never runs a mutation); absent on a WebSocket. */
  method?: 'GET' | 'POST';
  /** The peer address (after X-Forwarded-For when trusted), for rate-limit keys of anonymous callers. */
  clientIp: string;
  /** The transport can carry an answer in parts (@defer), in this format; absent: answers come whole. */
  incremental?: IncrementalFormat;
}

/** What the streaming transports call: the pipeline, or a small engine of their own in transport tests. */
export interface StreamingEngine {
  /**
   * Starts an operation for a caller. Resolves to `{ errors }` when it cannot
   * start (invalid document, unauthorized, over cost or rate limit, too many
   * subscriptions): graphql-ws sends an `error` message, SSE answers the request
   * with those errors. Otherwise results flow into `sink` until the engine
   * completes it or the transport calls `stop()`.
   */
  start(caller: Caller, request: OperationRequest, sink: ResultSink, connection: ConnectionInfo): Promise<{ errors: readonly GraphQLFormattedError[] } | OperationHandle>;
}
