/**
 * The streaming transports of GraphQL subscriptions: graphql-ws over
 * WebSocket and GraphQL over SSE, both in front of a StreamingEngine
 * (`../pipeline/contract.ts`). See README.md.
 */
export {
  attachGraphQLWebSocket,
  GRAPHQL_WS_DEFAULTS,
  type GraphQLWebSocketLimits,
  type GraphQLWebSocketOptions,
  type GraphQLWebSocketTransport,
} from './graphql-ws/server';
export { TOO_MANY_SUBSCRIPTIONS } from './graphql-ws/connection';
export { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL } from './graphql-ws/protocol';
export { createSseHandler, SSE_DEFAULTS, type SseHandler, type SseHandlerOptions, type SseLimits } from './sse/handler';
export { wantsEventStream } from './sse/protocol';
