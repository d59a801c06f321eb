import type { IncomingMessage } from 'node:http';
import { IdentitySigner, identityPrivateKey } from '../../lib/auth/internal-identity';
import { isDevelopmentEnv } from '../../lib/env';
import { sendJson } from '../../lib/http/errors';
import { readinessRoute } from '../../lib/http/routes';
import { startHttpServer } from '../../lib/http/server';
import { createLogger, type Logger } from '../../lib/logger';
import { createApiKeys } from './auth/api-keys';
import { createAuthenticator } from './auth/authenticate';
import { createTokenVerifier, tokenSetupWarnings } from './auth/token-verifier';
import { createEntityCache, invalidationRoute } from './cache';
import type { GatewayConfig } from './config/schema';
import { readSupergraphFile } from './federation/supergraph';
import { createTelemetry, type TelemetryOptions } from './observability';
import { PersistedOperations } from './pipeline/persisted';
import { createRateLimiter } from './ratelimit';
import { SupergraphRuntime, buildGeneration, fetchSupergraph, pollSupergraphUrl, watchSupergraphFile, type Generation, type GenerationServices } from './reload';
import { startEventDelivery, type EventDelivery } from './subscriptions/wiring';
import { attachGraphQLWebSocket, createSseHandler, wantsEventStream } from './transport';
import { attachLibraryGraphQLWebSocket } from './transport/graphql-ws/library';
import { createGraphQLHttpHandler } from './transport/http/handler';
import { createIde } from './transport/http/ide';
import { BudgetBook, dashboardRoutes } from './dashboard';

export interface RunningGateway {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  port: number;
  /** Where Prometheus scrapes: `/metrics` on the main port, or on `telemetry.metrics.port`. */
  metricsUrl: string;
  /** Graceful: /ready turns 503, subscriptions complete, in-flight requests finish, then connections close. */
  close(): Promise<void>;
}

const GRAPHQL_PATH = '/graphql';

/**
 * Starts the gateway on a supergraph (a file, or a URL). Follow the imports
 * from here to see every part of a request: the transports (transport/http,
 * graphql-ws, sse) prove the caller (auth/authenticate) and hand the
 * operation to the one pipeline (pipeline/index.ts), whose stages a
 * generation builds from the supergraph (reload/generation.ts): documents,
 * authorization, cost and admission, execution (execution/: plans from
 * @apollo/query-planner run on our subgraph clients with their traffic
 * shaping, federation/pooled-data-source.ts) and event delivery. A new
 * supergraph builds a new generation and swaps it in (reload/).
 */
export async function startGateway(
  config: GatewayConfig,
  logger: Logger = createLogger(config.logLevel, { service: 'gateway' }),
  telemetryOptions: TelemetryOptions = {},
): Promise<RunningGateway> {
  const production = !isDevelopmentEnv(config.nodeEnv);
  if (production) for (const warning of tokenSetupWarnings(config.auth.jwt)) logger.warn(`authentication: ${warning}`);
  const initial = await initialSupergraph(config.supergraph);
  const apiKeys =
    config.auth.apiKeys.length > 0 || config.auth.apiKeysInRedis
      ? createApiKeys({ keys: config.auth.apiKeys, redisUrl: config.auth.apiKeysInRedis ? config.redisUrl : undefined, tiers: new Set(Object.keys(config.rateLimit.tiers)), logger })
      : undefined;
  const authenticator = createAuthenticator(createTokenVerifier(config.auth.jwt, logger), apiKeys);
  const signer = new IdentitySigner(identityPrivateKey(config.auth.identityPrivateKey));
  const charging = config.cost.enabled && config.cost.mode === 'enforce' && config.rateLimit.enabled;
  // The dashboard shows per-client budgets: it watches the limiter's decisions (the last 50 clients').
  const budgets = config.dashboard.enabled && charging ? new BudgetBook() : undefined;
  const rateLimiter = charging ? createRateLimiter({ redisUrl: config.redisUrl, logger }) : undefined;
  const limiter = rateLimiter && budgets ? budgets.watch(rateLimiter) : rateLimiter;

  const telemetry = createTelemetry(config.telemetry, telemetryOptions);
  // One per process, across supergraph reloads; it caches only what a supergraph's @cacheControl hints allow.
  const entityCache = createEntityCache(config.entityCache, config.redisUrl, telemetry.metrics.registry, logger);
  // Documents by hash outlive supergraphs: a reload keeps every registered one.
  const persisted = new PersistedOperations({ ...config.persistedOperations, redisUrl: config.redisUrl, logger });
  const services: GenerationServices = { config, signer, limiter, logger, observer: telemetry.fetchObserver, persisted, entityCache };
  // Started with the first generation, then kept: a reload moves its subscriptions over.
  let events: EventDelivery | undefined;
  const subscriptions: Parameters<typeof buildGeneration>[3] = (built) => {
    // The entity cache follows the events too (they invalidate it), subscriptions or not.
    if (!config.subscriptions.enabled && !entityCache) return undefined;
    events ??= startEventDelivery({
      supergraphSdl: built.supergraph.sdl,
      executor: built.executor,
      dataSources: built.dataSources,
      // Events are followed on each subgraph's first instance (embedded mode; with Redis they come from Redis).
      subgraphUrls: new Map([...built.subgraphUrls].map(([name, urls]) => [name, urls[0]])),
      signer,
      redisUrl: config.redisUrl,
      limits: { maxQueuedEvents: config.subscriptions.maxQueuedEvents },
      entityCache,
      logger,
    });
    return config.subscriptions.enabled ? events.engine : undefined;
  };
  let generation: Generation;
  try {
    generation = await buildGeneration(initial.sdl, initial.source, services, subscriptions);
  } catch (error) {
    await events?.close();
    await entityCache?.close();
    await limiter?.close();
    await apiKeys?.close();
    await persisted.close();
    await telemetry.close();
    throw error;
  }
  const runtime = new SupergraphRuntime(generation, services, {
    subscriptions,
    swapped: (next) => {
      const moved = events?.reload({ supergraphSdl: next.supergraph.sdl, executor: next.executor, dataSources: next.dataSources }, (s) => next.pipeline.readmit(s));
      if (moved) logger.info('subscriptions moved to the new supergraph', moved);
    },
    graceMs: config.shutdownGraceMs,
    logger,
  });
  // What the transports call: the current generation's pipeline, observed (operation metrics, WebSocket operation scopes).
  const operations = telemetry.observeOperations(runtime);
  const stopWatching = watchSupergraph(config.supergraph, initial.etag, runtime, logger);
  const { limits } = config;

  const clientIp = (req: IncomingMessage) => clientIpOf(req, config.rateLimit.trustForwardedFor);
  const streaming = config.subscriptions.enabled ? events : undefined;
  const sse = streaming ? createSseHandler({ engine: operations, authenticator, logger, clientIp, maxBodyBytes: limits.maxBodyBytes }) : undefined;
  let accepting = true;
  let ws: ReturnType<typeof attachGraphQLWebSocket> | undefined;
  const subgraphHealth = () => Object.fromEntries([...runtime.current.dataSources].map(([name, source]) => [name, source.health()]));
  const ide = config.security.ide ? createIde(GRAPHQL_PATH) : undefined;
  if (ide && !ide.built) logger.warn('the GraphQL IDE is on but its bundle is not built (npm run build)');
  const dashboard = config.dashboard.enabled
    ? dashboardRoutes({
        graphqlPath: GRAPHQL_PATH,
        scope: config.dashboard.scope,
        authenticator,
        metrics: { registry: telemetry.metrics.registry, subgraphs: subgraphHealth, budgets: budgets && (() => budgets.list()) },
        // A token-minting endpoint exists only where the development secret does.
        ...(!production && config.auth.jwt.secret && { devTokens: { secret: config.auth.jwt.secret, issuer: config.auth.jwt.issuers[0], audience: config.auth.jwt.audiences[0] } }),
      })
    : undefined;
  const handler = createGraphQLHttpHandler({
    path: GRAPHQL_PATH,
    pipeline: operations,
    authenticator,
    maxBodyBytes: limits.maxBodyBytes,
    clientIp,
    routes: {
      '/health': (_req, res) => {
        const subgraphs = subgraphHealth();
        // Alive (200) either way; `degraded` says some subgraph takes no requests right now.
        const degraded = Object.values(subgraphs).some((s) => s.state === 'open');
        // `pid` tells the workers of one host apart (node:cluster); /health stays off the public internet.
        sendJson(res, 200, { status: degraded ? 'degraded' : 'ok', pid: process.pid, supergraph: runtime.health(), subgraphs, ...(limiter && { rateLimiter: limiter.health() }) });
      },
      '/ready': readinessRoute(() => accepting),
      ...(config.telemetry.metrics.port === undefined && { '/metrics': telemetry.metricsRoute }),
      ...ide?.routes,
      ...(entityCache && invalidationRoute({ cache: entityCache, authenticator, scope: config.entityCache.invalidationScope, logger })),
      ...dashboard,
    },
    stream: sse && { matches: wantsEventStream, handle: (req, res) => sse.handle(req, res) },
    idePage: ide?.page,
    logger,
  });
  const http = await startHttpServer(telemetry.serveHttp(handler, [GRAPHQL_PATH, '/health', '/ready', '/metrics'], logger), {
    port: config.port,
    host: config.host,
    keepAliveTimeoutMs: config.http.keepAliveTimeoutMs,
    headersTimeoutMs: config.http.headersTimeoutMs,
    requestTimeoutMs: config.http.requestTimeoutMs,
  });
  if (streaming) {
    const attachWebSocket = config.subscriptions.webSocketServer === 'graphql-ws' ? attachLibraryGraphQLWebSocket : attachGraphQLWebSocket;
    ws = attachWebSocket(http.server, {
      path: GRAPHQL_PATH,
      engine: operations,
      authenticator,
      logger,
      clientIp,
      connectionInitWaitTimeoutMs: config.subscriptions.connectionInitTimeoutMs,
      keepAliveMs: config.subscriptions.keepAliveMs,
      maxPayloadBytes: config.subscriptions.maxPayloadBytes,
      maxSubscriptionsPerConnection: config.subscriptions.maxPerConnection,
      maxBufferedBytes: config.subscriptions.maxBufferedBytes,
    });
  }
  telemetry.metrics.watch({
    limiter,
    redisConfigured: config.redisUrl !== undefined,
    subscriptions: streaming && (() => streaming.engine.counters()),
    webSockets: ws && (() => ws && { ...ws.stats(), slowConsumerCloses: ws.slowConsumerCloses() }),
    eventStreams: sse && (() => ({ ...sse.stats(), slowConsumerCloses: sse.slowConsumerCloses() })),
  });
  const metricsServer = config.telemetry.metrics.port === undefined ? undefined : await telemetry.serveMetrics(config.telemetry.metrics.port, config.host);
  logger.info('gateway listening', {
    url: `${http.url}${GRAPHQL_PATH}`,
    subgraphs: Object.fromEntries(generation.subgraphUrls),
    introspection: config.security.introspection,
  });

  return {
    url: `${http.url}${GRAPHQL_PATH}`,
    port: http.port,
    metricsUrl: `${(metricsServer ?? http).url}/metrics`,
    close: async () => {
      accepting = false;
      stopWatching();
      // Subscriptions end first and say so (complete, then close 1001); then HTTP drains.
      await Promise.all([ws?.close(), sse?.close()]);
      await events?.close();
      await http.close(config.shutdownGraceMs);
      await runtime.close();
      await entityCache?.close();
      await limiter?.close();
      await apiKeys?.close();
      await persisted.close();
      await metricsServer?.close(0);
      await telemetry.close();
    },
  };
}

/** The supergraph to start on: the file if there is one, else the URL (start-up fails if neither can be read). */
async function initialSupergraph(options: GatewayConfig['supergraph']): Promise<{ sdl: string; source: string; etag?: string }> {
  if (options.path) return { sdl: readSupergraphFile(options.path), source: options.path };
  const fetched = await fetchSupergraph(options.url!);
  return { sdl: fetched!.sdl, source: options.url!, etag: fetched!.etag };
}

/** Hot reload: the file watched (unless supergraph.watch is false), the URL polled; returns what stops both. */
function watchSupergraph(options: GatewayConfig['supergraph'], etag: string | undefined, runtime: SupergraphRuntime, logger: Logger): () => void {
  const reload = (sdl: string, source: string) => void runtime.reload(sdl, source);
  const stops: Array<() => void> = [];
  if (options.path && options.watch) stops.push(watchSupergraphFile(options.path, reload, logger));
  if (options.url) stops.push(pollSupergraphUrl(options.url, options.pollIntervalMs, options.path ? undefined : etag, reload, logger));
  return () => stops.forEach((stop) => stop());
}

/**
 * The caller's address: the socket's, or behind a trusted proxy the last
 * X-Forwarded-For entry — the one that proxy appended. Earlier entries come
 * from the client and could be anything.
 */
export function clientIpOf(req: IncomingMessage, trustForwardedFor: boolean): string {
  if (trustForwardedFor) {
    const forwarded = req.headers['x-forwarded-for'];
    const joined = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
    const last = joined?.split(',').pop()?.trim();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}
