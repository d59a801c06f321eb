import type { IncomingMessage, Server } from 'node:http';
import type { GraphQLDataSource } from '@apollo/gateway';
import type { ApolloServer } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { INTERNAL_IDENTITY_HEADER, type IdentitySigner } from '../../../lib/auth/internal-identity';
import { InProcessEventBus, RedisEventBus, eventsUrlOf, subscribeToSubgraphEvents, type EventBus } from '../../../lib/events';
import type { Logger } from '../../../lib/logger';
import type { Authenticator } from '../auth/authenticate';
import type { AuthorizationControl } from '../auth/authorization-plugin';
import { ANONYMOUS, type Caller } from '../auth/caller';
import { CostLimitError } from '../cost';
import type { CostControl } from '../limits/cost-control';
import { attachGraphQLWebSocket, createSseHandler, wantsEventStream, type GraphQLWebSocketLimits } from '../transport';
import type { ConnectionInfo, OperationRequest } from './contract';
import { EventEnricher, type DomainEvent } from './enrich';
import { SubscriptionEngine, type Admit, type EventSource } from './engine';
import { readEventFields } from './event-fields';
import { SubscriptionPlanner } from './planner';

export interface SubscriptionsOptions {
  /** The supergraph as composed (security directives, `@event` channels). */
  supergraphSdl: string;
  /** The supergraph ApolloGateway loaded (security features marked handled). */
  executableSupergraphSdl: string;
  apiSchema: GraphQLSchema;
  server: ApolloServer<{ caller: Caller; clientIp: string }>;
  httpServer: Server;
  path: string;
  dataSources: ReadonlyMap<string, GraphQLDataSource>;
  subgraphUrls: ReadonlyMap<string, string>;
  authenticator: Authenticator;
  /** The HTTP pipeline's, already loaded with the schema: its decisions are shared. */
  authorization: AuthorizationControl;
  signer: IdentitySigner;
  costControl?: CostControl;
  redisUrl?: string;
  clientIp(req: IncomingMessage): string;
  limits: GraphQLWebSocketLimits;
  maxBodyBytes: number;
  logger: Logger;
}

export interface RunningSubscriptions {
  /** Route for GraphQL over SSE on the GraphQL path. */
  stream: { matches(req: IncomingMessage): boolean; handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> };
  engine: SubscriptionEngine;
  stats(): Record<string, number>;
  /** Completes every subscription (WebSocket close 1001, SSE complete), then stops listening to events. */
  close(): Promise<void>;
}

/**
 * Event-driven federated subscriptions: the engine, its event source (Redis
 * pub/sub when Redis is configured; otherwise an in-process bus fed by each
 * subgraph's `/events` stream), and the graphql-ws and SSE transports on the
 * gateway's own port and path.
 */
export function startSubscriptions(options: SubscriptionsOptions): RunningSubscriptions {
  const { logger } = options;
  const planner = new SubscriptionPlanner(options.executableSupergraphSdl, options.apiSchema);
  const eventFields = readEventFields(options.supergraphSdl);
  const events = options.redisUrl ? redisEvents(options.redisUrl, logger) : embeddedEvents(planner, eventFields, options);

  const engine = new SubscriptionEngine({
    apiSchema: options.apiSchema,
    planner,
    enricher: new EventEnricher(planner, options.dataSources),
    eventFields,
    events: events.source,
    authorize: options.authorization.active ? (document, operationName, caller) => options.authorization.authorize(document, operationName, caller)! : undefined,
    admit: admission(options.costControl),
    executeOperation: (caller, request, connection) => executeOverStream(options.server, caller, request, connection),
    logger,
  });
  const ws = attachGraphQLWebSocket(options.httpServer, {
    path: options.path,
    engine,
    authenticator: options.authenticator,
    logger,
    clientIp: options.clientIp,
    ...options.limits,
  });
  const sse = createSseHandler({ engine, authenticator: options.authenticator, logger, clientIp: options.clientIp, maxBodyBytes: options.maxBodyBytes });

  return {
    stream: { matches: wantsEventStream, handle: (req, res) => sse.handle(req, res) },
    engine,
    stats: () => ({ ...engine.counters(), ...prefixed('ws', ws.stats()), ...prefixed('sse', sse.stats()) }),
    async close() {
      await Promise.all([ws.close(), sse.close()]);
      await events.close();
    },
  };
}

/** Cost, rate limit and the per-client cap on concurrent subscriptions, charged when a subscription starts. */
function admission(costControl: CostControl | undefined): Admit {
  return async (caller, connection, document, operationName, variables) => {
    if (!costControl) return { release() {} };
    let estimated: number;
    try {
      estimated = costControl.analyze(document, operationName, variables).estimated;
    } catch (error) {
      if (error instanceof CostLimitError) return { errors: [{ message: error.message, extensions: { code: error.code } }] };
      throw error;
    }
    const limiter = costControl.limiter;
    if (!limiter) return { release() {} };
    const start = await limiter.startSubscription(costControl.keyOf({ caller, clientIp: connection.clientIp }), costControl.tierOf(caller), estimated);
    if (!start.allowed) {
      const message =
        start.reason === 'TOO_MANY_SUBSCRIPTIONS'
          ? 'Too many concurrent subscriptions for this client'
          : `Rate limit exceeded: this subscription costs ${estimated} points`;
      return { errors: [{ message, extensions: { code: start.reason, retryAfterMs: start.decision.retryAfterMs } }] };
    }
    return { release: () => void start.release() };
  };
}

/** Queries and mutations sent over a streaming transport: the same pipeline (and limits) as HTTP. */
async function executeOverStream(
  server: ApolloServer<{ caller: Caller; clientIp: string }>,
  caller: Caller,
  request: OperationRequest,
  connection: ConnectionInfo,
): Promise<string> {
  const response = await server.executeOperation(
    {
      query: request.query,
      variables: request.variables ?? undefined,
      operationName: request.operationName ?? undefined,
      extensions: request.extensions ?? undefined,
    },
    { contextValue: { caller, clientIp: connection.clientIp } },
  );
  if (response.body.kind !== 'single') return JSON.stringify({ errors: [{ message: 'Incremental delivery is not supported here' }] });
  return JSON.stringify(response.body.singleResult);
}

interface Events {
  source: EventSource;
  close(): Promise<void>;
}

/** Redis pub/sub: one subscription per channel per gateway process, shared by every replica's publishers. */
function redisEvents(url: string, logger: Logger): Events {
  let closed = false;
  const connecting = (async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await RedisEventBus.connect(url, { logger });
      } catch (error) {
        if (closed) throw error;
        logger.warn('event bus cannot reach Redis yet; retrying', { attempt, error: (error as Error).message });
        await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * attempt)).unref());
      }
    }
  })();
  connecting.catch(() => {});
  return {
    source: {
      async subscribe(channel, onEvent) {
        const bus = await connecting;
        return bus.subscribe(channel, (event) => onEvent(event as unknown as DomainEvent));
      },
    },
    async close() {
      closed = true;
      const bus = await connecting.catch(() => undefined);
      await bus?.close();
    },
  };
}

/**
 * Embedded mode: subgraphs run in their own processes with in-process buses
 * and stream their events on `/events`; the gateway follows each subgraph
 * that declares event fields and relays into its own in-process bus.
 */
function embeddedEvents(planner: SubscriptionPlanner, eventFields: ReturnType<typeof readEventFields>, options: SubscriptionsOptions): Events {
  const bus: EventBus & { publishSerialized(channel: string, json: string): Promise<void> } = new InProcessEventBus({ logger: options.logger });
  const anonymous = { subject: ANONYMOUS.subject, scopes: [] as string[] };
  const bridges: Array<() => Promise<void>> = [];
  for (const [subgraph, channels] of channelsBySubgraph(planner, eventFields)) {
    const url = options.subgraphUrls.get(subgraph);
    if (!url) continue;
    bridges.push(
      subscribeToSubgraphEvents(
        eventsUrlOf(url),
        channels,
        () => ({ [INTERNAL_IDENTITY_HEADER]: options.signer.headerFor(anonymous) }),
        (channel, _event, json) => void bus.publishSerialized(channel, json).catch(() => {}),
        options.logger,
      ),
    );
  }
  return {
    source: {
      subscribe: (channel, onEvent) => bus.subscribe(channel, (event) => onEvent(event as unknown as DomainEvent)),
    },
    async close() {
      await Promise.all(bridges.map((close) => close()));
      await bus.close();
    },
  };
}

/** Which subgraph declares each event field, hence publishes its channel. */
function channelsBySubgraph(planner: SubscriptionPlanner, eventFields: ReturnType<typeof readEventFields>): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const subgraph of planner.supergraph.subgraphs()) {
    const subscription = subgraph.schema.schemaDefinition.rootType('subscription');
    if (!subscription) continue;
    for (const { field, channel } of eventFields.values()) {
      if (!subscription.field(field)) continue;
      const channels = result.get(subgraph.name) ?? [];
      if (!channels.includes(channel)) channels.push(channel);
      result.set(subgraph.name, channels);
    }
  }
  return result;
}

function prefixed(prefix: string, stats: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(stats).map(([k, v]) => [`${prefix}_${k}`, v]));
}
