import type Redis from 'ioredis';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDisableSuggestions } from '@apollo/server/plugin/disableSuggestions';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { ResolverMap } from './resolver-map';
import { GraphQLError } from 'graphql';
import type { KeyObject } from 'node:crypto';
import { isDevelopmentEnv } from '../../lib/env';
import { channelsPublishedBy } from '../../lib/events/catalogue';
import { DEFAULT_IN_PROCESS_RETENTION, DEFAULT_REDIS_RETENTION, type EventLog, type LogRetention } from '../../lib/events/log';
import { InProcessEventLog } from '../../lib/events/memory-log';
import { RedisEventLog } from '../../lib/events/redis-log';
import { createEventStreamEndpoint, type EventStreamEndpoint } from '../../lib/events/sse-server';
import { createGraphQLHttpHandler } from '../../lib/http/graphql-handler';
import { healthRoute, readinessRoute } from '../../lib/http/routes';
import { startHttpServer, type RunningHttpServer } from '../../lib/http/server';
import { createLogger, type LogLevel, type Logger } from '../../lib/logger';
import { toApolloLogger } from '../../lib/apollo-logger';
import { readIdentityPublicKey } from './config';
import { RedisEventScripts, countingAppender, type EventAppender } from './event-log';
import { gatewayIdentityOf, type Identity } from './gateway-auth';
import { SubgraphMetrics, useRequestMetrics } from './metrics';
import { createSubgraphTracing, observeRequests, type SubgraphTracingOptions } from './tracing';
import type { SubgraphName } from './ports';
import { closeRedis, connectRedis, describeRedisUrl } from './redis';
import { loadSubgraphTypeDefs } from './schema';
import type { SubgraphStore } from './store';

/** How a subgraph is started in-process (tests, tools) or by its `main.ts`. */
export interface SubgraphOptions {
  /** Port to listen on. Default: 0 (a free port); `main.ts` passes `PORT` or the subgraph's default port. */
  port?: number;
  /** Interface to listen on. Default: `127.0.0.1`; `main.ts` passes `HOST` (default `0.0.0.0`). */
  host?: string;
  /** Redis for the store; without it the store lives in this process. */
  redisUrl?: string;
  /** Default: `warn`. Ignored when `logger` is given. */
  logLevel?: LogLevel;
  logger?: Logger;
  /** Write the deterministic seed data (skipped when the store already has it). Default: true. */
  seed?: boolean;
  /** Only `development` and `test` turn introspection on and allow the development secret. Default: production. */
  nodeEnv?: string;
  /**
   * The gateway's Ed25519 public key (`INTERNAL_AUTH_PUBLIC_KEY`, SPKI PEM or
   * a KeyObject); `/graphql` and `/events` answer only identities it verifies.
   * Default: the development key, which is refused unless `nodeEnv` is `development` or `test`.
   */
  identityPublicKey?: string | KeyObject;
  /** Largest accepted request body. Default: 1 MiB. */
  maxBodyBytes?: number;
  /** How long close() lets in-flight requests finish. Default: 10 000 ms. */
  shutdownGraceMs?: number;
  /**
   * How much of each channel's event log is kept (env `EVENTS_LOG_MAX_LENGTH`,
   * `EVENTS_LOG_MAX_AGE_SECONDS`). Default: DEFAULT_REDIS_RETENTION with
   * Redis, DEFAULT_IN_PROCESS_RETENTION without.
   */
  eventRetention?: Partial<LogRetention>;
  /** How often an `/events` stream gets a `: ping` comment. Default: 15 000 ms. */
  eventsKeepAliveMs?: number;
  /** Traces (a server span per request, continuing the gateway's `traceparent`). Default: off. */
  tracing?: SubgraphTracingOptions;
}

/** A subgraph serving in this process. */
export interface RunningSubgraph<TStore> {
  name: SubgraphName;
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4001/graphql`. */
  url: string;
  port: number;
  /** The store the resolvers use (its `stats.roundTrips` counts store trips). */
  store: TStore;
  /** The log the subgraph's stores append its events to (Redis, or in-process), as `/events` serves it. */
  eventLog: EventLog;
  /** Stops accepting, drains in-flight requests, stops Apollo Server, closes Redis. Safe to call twice. */
  close(): Promise<void>;
}

/** What makes one subgraph different from another; everything else is shared here. */
export interface SubgraphDefinition<TStore extends SubgraphStore, TContext extends BaseContext> {
  name: SubgraphName;
  resolvers: ResolverMap<TContext>;
  /** The in-process store, appending its events to `events` in the step of each change. */
  createMemoryStore(events: EventAppender): TStore;
  /** The Redis store on a connected client the service owns (and closes); its scripts append events as `events` says. */
  createRedisStore(redis: Redis, events: RedisEventScripts): TStore;
  /** Runs before the first request: reference data always, the sample data when `seed`. */
  prepareStore(store: TStore, options: { seed: boolean; logger: Logger }): Promise<void>;
  /**
   * The per-request context: fresh dataloaders, so batches and caches never
   * outlive a request, and the caller's identity as verified from the
   * gateway's signature. (Stores append the events of their changes.)
   */
  createContext(store: TStore, identity: Identity): TContext;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/**
 * Starts one subgraph: its store (memory or Redis) with seed data, its event
 * bus, its schema from `schemas/<name>.graphql`, Apollo Server, and the shared
 * HTTP adapter with `/graphql` and `/events` (both for gateway-signed requests
 * only), `/health`, `/ready` and `/metrics`.
 *
 * Events: the stores append each change's events to the channel logs in the
 * same atomic step (./event-log). With REDIS_URL the logs are Redis Streams,
 * announced on pub/sub, which every gateway replica follows. Without it
 * (embedded mode) the log lives in this process, which no gateway can reach;
 * `/events` serves it as Server-Sent Events (with Last-Event-ID resume) and
 * the gateway follows it (lib/events/sse-client). With Redis `/events` serves
 * the Redis logs, so it relays what every replica of this subgraph appended.
 */
export async function startSubgraphService<TStore extends SubgraphStore, TContext extends BaseContext>(
  definition: SubgraphDefinition<TStore, TContext>,
  options: SubgraphOptions = {},
): Promise<RunningSubgraph<TStore>> {
  const { name } = definition;
  const logger = options.logger ?? createLogger(options.logLevel ?? 'warn', { service: name });
  const nodeEnv = options.nodeEnv ?? 'production';
  const introspection = isDevelopmentEnv(nodeEnv);
  // Checked before anything starts: a bad secret is a configuration error, not a half-started service.
  const identityPublicKey = readIdentityPublicKey(options.identityPublicKey, nodeEnv);

  const redis = options.redisUrl ? await connectRedis(options.redisUrl, logger) : undefined;
  const retention: LogRetention = { ...(redis ? DEFAULT_REDIS_RETENTION : DEFAULT_IN_PROCESS_RETENTION), ...options.eventRetention };
  // Counted once the metrics exist (they read the store's stats, so they come after it).
  let countAppended = (_channel: string, _count: number): void => {};
  const counter = (channel: string, count: number) => countAppended(channel, count);
  const memoryLog = redis ? undefined : new InProcessEventLog({ retention, logger });
  const store = redis ? definition.createRedisStore(redis, new RedisEventScripts(retention, counter)) : definition.createMemoryStore(countingAppender(memoryLog!, counter));
  let eventLog: EventLog | undefined = memoryLog;
  let server: ApolloServer<TContext> | undefined;
  let http: RunningHttpServer | undefined;
  let eventStreams: EventStreamEndpoint | undefined;
  const tracing = createSubgraphTracing(name, options.tracing);
  try {
    await definition.prepareStore(store, { seed: options.seed ?? true, logger });

    // With Redis, `/events` follows the channels' streams (what every replica appended).
    if (options.redisUrl) eventLog = await RedisEventLog.connect(options.redisUrl, { logger, retention });
    const metrics = new SubgraphMetrics(name, store);
    countAppended = (channel, count) => {
      for (let i = 0; i < count; i++) metrics.recordEventPublished(channel);
    };
    server = new ApolloServer<TContext>({
      // The resolvers are typed against TContext, which Apollo Server builds per request from createContext.
      schema: buildSubgraphSchema({ typeDefs: loadSubgraphTypeDefs(name), resolvers: definition.resolvers as ResolverMap<unknown> }),
      nodeEnv,
      logger: toApolloLogger(logger),
      // Subgraphs are composed from the SDL files and answer `_service` regardless;
      // introspection is for people exploring a development instance.
      introspection,
      includeStacktraceInErrorResponses: false,
      // The gateway sends full documents; a subgraph has no use for APQ's cache.
      persistedQueries: false,
      // Our lifecycle drains HTTP first, then stops the server.
      stopOnTerminationSignals: false,
      formatError: (formatted, error) => {
        const original = unwrapResolverError(error);
        if (original instanceof GraphQLError) return formatted;
        // Not one of our coded errors (e.g. Redis went away): log it, answer without its details.
        logger.error('resolver failed', { error: original, path: formatted.path });
        return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
      },
      plugins: [
        useRequestMetrics<TContext>(metrics),
        ApolloServerPluginLandingPageDisabled(),
        ApolloServerPluginInlineTraceDisabled(),
        // Its per-field hook wraps every resolver: about 30% of a subgraph's CPU on a 100-entity answer (profiled).
        // Cache hints are the gateway's to read from the schema; subgraphs send none.
        ApolloServerPluginCacheControlDisabled(),
        // "Did you mean ...?" would reveal field names that introspection hides.
        ...(introspection ? [] : [ApolloServerPluginDisableSuggestions()]),
      ],
    });
    await server.start();

    let accepting = true;
    const identityOf = gatewayIdentityOf(identityPublicKey, name, { logger, onRefused: (reason) => metrics.recordRefusedIdentity(reason) });
    eventStreams = createEventStreamEndpoint({
      log: eventLog!,
      channels: channelsPublishedBy(name),
      // The same check as /graphql: events are for the gateway only.
      // An event stream lives as long as the identity that opened it; the gateway reconnects with a fresh one.
      authorize: async (req) => (await identityOf(req)).expiresAt,
      keepAliveMs: options.eventsKeepAliveMs,
      logger,
    });
    const handler = createGraphQLHttpHandler<TContext>({
      server,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      // Only /graphql builds a context: /health, /ready and /metrics stay open to probes and scrapers.
      context: async (req) => definition.createContext(store, await identityOf(req)),
      routes: { '/health': healthRoute, '/ready': readinessRoute(() => accepting), '/metrics': metrics.route(), '/events': eventStreams.route },
      logger,
    });
    const routes = ['/graphql', '/health', '/ready', '/metrics', '/events'];
    http = await startHttpServer(observeRequests(handler, { metrics, tracing, logger, routes }), { port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
    const url = `${http.url}/graphql`;
    logger.info('subgraph listening', { url, store: redis ? `redis ${describeRedisUrl(options.redisUrl!)}` : 'memory', introspection });

    const running = { server, http, eventStreams, eventLog: eventLog! };
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        accepting = false;
        // Event streams never end by themselves: end them first, or draining would wait them out.
        await running.eventStreams.close();
        await running.http.close(options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS);
        await running.server.stop();
        // After the drain: in-flight mutations have appended their events.
        await running.eventLog.close();
        if (redis) await closeRedis(redis);
        await tracing.shutdown();
        logger.info('subgraph stopped');
      })();
      return closing;
    };
    return { name, url, port: http.port, store, eventLog: eventLog!, close };
  } catch (error) {
    // A failed start leaves nothing running behind it.
    await eventStreams?.close();
    await http?.close(0);
    await server?.stop().catch(() => undefined);
    await eventLog?.close();
    if (redis) await closeRedis(redis);
    await tracing.shutdown();
    throw error;
  }
}
