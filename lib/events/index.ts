/**
 * Domain events, shared by the subgraphs (which append them) and the gateway
 * (which serves them as GraphQL subscriptions):
 * - ./catalogue   the event types, their channels and payloads
 * - ./log         EventLog: entry ids, retention, the Redis layout and the append script
 * - ./redis-log   RedisEventLog: a Redis Stream per channel, announced on pub/sub
 * - ./memory-log  InProcessEventLog: the same in one process (embedded mode)
 * - ./follow      following a channel from a position: catch up, then live
 * - ./sse         the Server-Sent Events format
 * - ./sse-server  a log served as `GET /events` (each subgraph, for embedded mode)
 * - ./sse-client  following and reading a subgraph's `/events` (the gateway, in embedded mode)
 * - ./schema      the `@event(channel:)` directive and reading it from a supergraph
 */
export * from './catalogue';
export * from './log';
export * from './redis-log';
export * from './memory-log';
export * from './follow';
export * from './sse';
export * from './sse-server';
export * from './sse-client';
export * from './schema';
