/**
 * Domain events, shared by the subgraphs (which publish them) and the gateway
 * (which serves them as GraphQL subscriptions):
 * - ./catalogue   the event types, their channels and payloads
 * - ./bus         EventBus: RedisEventBus (Redis pub/sub) and InProcessEventBus
 * - ./sse         the Server-Sent Events format
 * - ./sse-server  a bus served as `GET /events` (each subgraph, for embedded mode)
 * - ./sse-client  following a subgraph's `/events` (the gateway, in embedded mode)
 * - ./schema      the `@event(channel:)` directive and reading it from a supergraph
 */
export * from './catalogue';
export * from './bus';
export * from './sse';
export * from './sse-server';
export * from './sse-client';
export * from './schema';
