import type { IncomingMessage } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { IdentitySigner, identityPrivateKey } from '../../lib/auth/internal-identity';
import { toApolloLogger } from '../../lib/apollo-logger';
import { sendJson, sendText } from '../../lib/http/errors';
import { readinessRoute } from '../../lib/http/routes';
import { startHttpServer } from '../../lib/http/server';
import { createLogger, type Logger } from '../../lib/logger';
import { createAuthenticator } from './auth/authenticate';
import { AuthorizationControl } from './auth/authorization';
import { createApiKeys } from './auth/api-keys';
import { createTokenVerifier, tokenSetupWarnings } from './auth/token-verifier';
import { isDevelopmentEnv } from '../../lib/env';
import type { GatewayConfig } from './config/schema';
import { trafficPolicyOf } from './config/traffic';
import { PooledDataSource } from './federation/pooled-data-source';
import { buildFederatedSchema } from './federation/schema';
import { SupergraphError, readSupergraph, resolveSubgraphUrls } from './federation/supergraph';
import { QueryPlanExecutor } from './execution';
import { gatewayMetrics } from './observability/metrics';
import { Pipeline } from './pipeline';
import { Admission } from './pipeline/admission';
import { DocumentStage } from './pipeline/document';
import { ApolloExecution, NativeExecution, type Execution } from './pipeline/execute';
import { createRateLimiter } from './ratelimit';
import { startEventDelivery } from './subscriptions/wiring';
import { attachGraphQLWebSocket, createSseHandler, wantsEventStream } from './transport';
import { createGraphQLHttpHandler } from './transport/http/handler';
import { renderIdePage } from './transport/http/ide';

export interface RunningGateway {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  port: number;
  /** Graceful: /ready turns 503, subscriptions complete, in-flight requests finish, then connections close. */
  close(): Promise<void>;
}

const GRAPHQL_PATH = '/graphql';

/**
 * Starts the gateway on a supergraph file. Follow the imports from here to
 * see every part of a request: the transports (transport/http, graphql-ws,
 * sse) prove the caller (auth/authenticate) and hand the operation to the one
 * pipeline (pipeline/index.ts), whose stages are built here: documents,
 * authorization, cost and admission, execution (execution/: plans from
 * @apollo/query-planner run on our pooled subgraph connections) and event
 * delivery.
 */
export async function startGateway(
  config: GatewayConfig,
  logger: Logger = createLogger(config.logLevel, { service: 'gateway' }),
): Promise<RunningGateway> {
  const supergraph = readSupergraph(config.supergraph.path);
  const subgraphUrls = resolveSubgraphUrls(supergraph, config.subgraphs);
  const federated = buildFederatedSchema(supergraph.executableSdl, config.supergraph.path);
  const production = !isDevelopmentEnv(config.nodeEnv);
  if (production) for (const warning of tokenSetupWarnings(config.auth.jwt)) logger.warn(`authentication: ${warning}`);
  const apiKeys =
    config.auth.apiKeys.length > 0 || config.auth.apiKeysInRedis
      ? createApiKeys({ keys: config.auth.apiKeys, redisUrl: config.auth.apiKeysInRedis ? config.redisUrl : undefined, tiers: new Set(Object.keys(config.rateLimit.tiers)), logger })
      : undefined;
  const authenticator = createAuthenticator(createTokenVerifier(config.auth.jwt, logger), apiKeys);
  const signer = new IdentitySigner(identityPrivateKey(config.auth.identityPrivateKey));
  const charging = config.cost.enabled && config.cost.mode === 'enforce' && config.rateLimit.enabled;
  const limiter = charging ? createRateLimiter({ redisUrl: config.redisUrl, logger }) : undefined;

  const dataSources = new Map(
    [...subgraphUrls].map(([name, urls]) => [
      name,
      new PooledDataSource({ name, urls, policy: trafficPolicyOf(config.subgraphRequests, config.subgraphs[name]), signer, logger }),
    ]),
  );
  const closeDataSources = () => Promise.all([...dataSources.values()].map((d) => d.close()));
  // Queries, mutations and event enrichment all run on our executor, unless the reference engine is asked for.
  const executor = new QueryPlanExecutor(federated, dataSources);
  const schema = federated.schema;
  let execution: Execution;
  let stopApollo = async () => {};
  if (config.execution.engine === 'native') {
    execution = new NativeExecution(executor);
  } else {
    try {
      const apollo = await loadApolloExecution(supergraph.executableSdl, dataSources, schema, logger);
      execution = apollo.execution;
      stopApollo = apollo.stop;
    } catch (error) {
      await closeDataSources();
      await limiter?.close();
      await apiKeys?.close();
      throw new SupergraphError(`Cannot load supergraph ${config.supergraph.path}: ${(error as Error).message}`);
    }
  }

  const { limits } = config;
  const events = config.subscriptions.enabled
    ? startEventDelivery({
        supergraphSdl: supergraph.sdl,
        executor,
        dataSources,
        // Events are followed on each subgraph's first instance (embedded mode; with Redis they come from Redis).
        subgraphUrls: new Map([...subgraphUrls].map(([name, urls]) => [name, urls[0]])),
        signer,
        redisUrl: config.redisUrl,
        logger,
      })
    : undefined;
  const pipeline = new Pipeline({
    documents: new DocumentStage({
      schema,
      maxTokens: limits.maxTokens,
      shape: limits,
      introspection: config.security.introspection,
      maxBytes: config.caches.documentsMaxBytes,
    }),
    authorization: new AuthorizationControl(supergraph.sdl, schema, config.auth.authorizationMode, { maxSelections: limits.maxSelections }),
    admission: config.cost.enabled
      ? new Admission({
          supergraphSdl: supergraph.sdl,
          schema,
          cost: { mode: config.cost.mode, mutationBaseCost: config.cost.mutationBaseCost, defaultListSize: config.cost.defaultListSize, maxCost: limits.maxCost },
          limiter,
          tiers: config.rateLimit,
        })
      : undefined,
    execution,
    subscriptions: events?.engine,
    logger,
  });

  const clientIp = (req: IncomingMessage) => clientIpOf(req, config.rateLimit.trustForwardedFor);
  const sse = events ? createSseHandler({ engine: pipeline, authenticator, logger, clientIp, maxBodyBytes: limits.maxBodyBytes }) : undefined;
  let accepting = true;
  let ws: ReturnType<typeof attachGraphQLWebSocket> | undefined;
  const handler = createGraphQLHttpHandler({
    path: GRAPHQL_PATH,
    pipeline,
    authenticator,
    maxBodyBytes: limits.maxBodyBytes,
    clientIp,
    routes: {
      '/health': (_req, res) => {
        const subgraphs = Object.fromEntries([...dataSources].map(([name, source]) => [name, source.health()]));
        // Alive (200) either way; `degraded` says some subgraph takes no requests right now.
        const degraded = Object.values(subgraphs).some((s) => s.state === 'open');
        sendJson(res, 200, { status: degraded ? 'degraded' : 'ok', subgraphs, ...(limiter && { rateLimiter: limiter.health() }) });
      },
      '/ready': readinessRoute(() => accepting),
      '/metrics': (_req, res) =>
        sendText(
          res,
          200,
          gatewayMetrics({
            limiter: limiter?.stats(),
            rateLimiter: limiter?.health(),
            subscriptions: events && { ...events.engine.counters(), ...prefixed('ws', ws?.stats() ?? {}), ...prefixed('sse', sse?.stats() ?? {}) },
          }),
        ),
    },
    stream: sse && { matches: wantsEventStream, handle: (req, res) => sse.handle(req, res) },
    idePage: config.security.ide ? await renderIdePage() : undefined,
    logger,
  });
  const http = await startHttpServer(handler, {
    port: config.port,
    host: config.host,
    keepAliveTimeoutMs: config.http.keepAliveTimeoutMs,
    headersTimeoutMs: config.http.headersTimeoutMs,
    requestTimeoutMs: config.http.requestTimeoutMs,
  });
  if (events) {
    ws = attachGraphQLWebSocket(http.server, {
      path: GRAPHQL_PATH,
      engine: pipeline,
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
  logger.info('gateway listening', {
    url: `${http.url}${GRAPHQL_PATH}`,
    subgraphs: Object.fromEntries(subgraphUrls),
    introspection: config.security.introspection,
  });

  return {
    url: `${http.url}${GRAPHQL_PATH}`,
    port: http.port,
    close: async () => {
      accepting = false;
      // Subscriptions end first and say so (complete, then close 1001); then HTTP drains.
      await Promise.all([ws?.close(), sse?.close()]);
      await events?.close();
      await http.close(config.shutdownGraceMs);
      await stopApollo();
      await closeDataSources();
      await limiter?.close();
      await apiKeys?.close();
    },
  };
}

/** The reference engine: @apollo/gateway loaded on the same supergraph and data sources. */
async function loadApolloExecution(
  executableSdl: string,
  dataSources: ReadonlyMap<string, PooledDataSource>,
  schema: GraphQLSchema,
  logger: Logger,
): Promise<{ execution: Execution; stop(): Promise<void> }> {
  // Loaded only for this engine: @apollo/gateway costs ~28 MiB of memory a native gateway does without.
  const { ApolloGateway } = require('@apollo/gateway') as typeof import('@apollo/gateway');
  const gateway = new ApolloGateway({
    supergraphSdl: executableSdl,
    logger: toApolloLogger(logger),
    buildService: ({ name }) => dataSources.get(name)!,
  });
  const { executor } = await gateway.load({ apollo: { graphVariant: 'current' } });
  return { execution: new ApolloExecution(executor, schema, logger), stop: () => gateway.stop() };
}

function prefixed(prefix: string, stats: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(stats).map(([k, v]) => [`${prefix}_${k}`, v]));
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
