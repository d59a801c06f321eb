import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDisableSuggestions } from '@apollo/server/plugin/disableSuggestions';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { IncomingMessage } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { startSubscriptions, type RunningSubscriptions } from './subscriptions/wiring';
import { gatewayMetrics } from './observability/metrics';
import { createGraphQLHttpHandler, readinessRoute } from '../../lib/http/graphql-handler';
import { sendJson, sendText } from '../../lib/http/errors';
import { CostControl, codeTokenLimit } from './limits/cost-control';
import { createRateLimiter } from './ratelimit';
import { startHttpServer } from '../../lib/http/server';
import { createLogger, type Logger } from '../../lib/logger';
import type { GatewayConfig } from './config/schema';
import { PooledDataSource } from './federation/pooled-data-source';
import { SupergraphError, readSupergraph, resolveSubgraphUrls } from './federation/supergraph';
import { useResolvableOperation } from './document/resolvable-operation';
import { IdentitySigner } from '../../lib/auth/internal-identity';
import { createAuthenticator } from './auth/authenticate';
import { AuthorizationControl } from './auth/authorization-plugin';
import type { Caller } from './auth/caller';
import { createTokenVerifier } from './auth/token-verifier';
import { toApolloLogger } from '../../lib/apollo-logger';

/** What every plugin and subgraph fetch sees of a request. */
export interface GatewayContext {
  /** Proved once, from the Authorization header, before the body is read. */
  caller: Caller;
  /** The peer (or the first X-Forwarded-For address when trusted): anonymous callers' rate-limit key. */
  clientIp: string;
  /** `X-API-Key`, when sent: the rate-limit key of a caller without a token. */
  apiKey?: string;
}

export interface RunningGateway {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  port: number;
  /** Graceful: /ready turns 503, in-flight requests finish, then connections close. */
  close(): Promise<void>;
}

/**
 * Starts the gateway on a supergraph file: reads and checks the supergraph,
 * routes each subgraph through a keep-alive pool, serves GraphQL over HTTP.
 * Follow the imports from here to see every stage of a request.
 */
export async function startGateway(
  config: GatewayConfig,
  logger: Logger = createLogger(config.logLevel, { service: 'gateway' }),
): Promise<RunningGateway> {
  const supergraph = readSupergraph(config.supergraph.path);
  const subgraphUrls = resolveSubgraphUrls(supergraph, config.subgraphs);
  const dataSources: PooledDataSource[] = [];
  const authenticator = createAuthenticator(createTokenVerifier(config.auth.jwt, logger));
  const signer = new IdentitySigner(config.auth.internalSecret);
  // One policy and one decision cache for HTTP operations and subscriptions.
  const authorization = new AuthorizationControl(supergraph.sdl, config.auth.authorizationMode);
  const limiter = config.cost.enabled && config.rateLimit.enabled ? createRateLimiter({ redisUrl: config.redisUrl, logger }) : undefined;
  const costControl = config.cost.enabled
    ? new CostControl({
        supergraphSdl: supergraph.sdl,
        cost: { ...config.limits, mutationBaseCost: config.cost.mutationBaseCost, defaultListSize: config.cost.defaultListSize },
        limiter,
        tiers: config.rateLimit,
      })
    : undefined;

  const gateway = new ApolloGateway({
    supergraphSdl: supergraph.executableSdl,
    logger: toApolloLogger(logger),
    buildService: ({ name }) => {
      const dataSource = new PooledDataSource({
        name,
        url: subgraphUrls.get(name)!,
        timeoutMs: config.subgraphRequests.timeoutMs,
        connections: config.subgraphRequests.maxConnectionsPerSubgraph,
        signer,
      });
      dataSources.push(dataSource);
      return dataSource;
    },
  });

  let apiSchema: GraphQLSchema | undefined;
  const server = new ApolloServer<GatewayContext>({
    gateway,
    nodeEnv: config.nodeEnv,
    logger: toApolloLogger(logger),
    introspection: config.security.introspection,
    // Stack traces stay in our logs; clients get messages and codes only.
    includeStacktraceInErrorResponses: false,
    // Our lifecycle drains HTTP first and then stops the server; Apollo's own
    // signal handler would stop it under in-flight requests and re-raise the signal.
    stopOnTerminationSignals: false,
    // Huge documents are refused while lexing, before an AST is built.
    parseOptions: { maxTokens: config.limits.maxTokens },
    formatError: codeTokenLimit,
    plugins: [
      { serverWillStart: async () => ({ schemaDidLoadOrUpdate: ({ apiSchema: schema }) => void (apiSchema = schema) }) },
      useResolvableOperation(),
      // Order matters: authorization cuts the document that cost control then charges.
      authorization.plugin<GatewayContext>(),
      ...(costControl ? [costControl.plugin<GatewayContext>()] : []),
      config.security.ide ? ApolloServerPluginLandingPageLocalDefault({ footer: false }) : ApolloServerPluginLandingPageDisabled(),
      // "Did you mean ...?" would reveal field names that introspection hides.
      ...(config.security.introspection ? [] : [ApolloServerPluginDisableSuggestions()]),
    ],
  });
  try {
    await server.start();
  } catch (error) {
    await Promise.all(dataSources.map((d) => d.close()));
    await limiter?.close();
    throw new SupergraphError(`Cannot load supergraph ${config.supergraph.path}: ${(error as Error).message}`);
  }

  let accepting = true;
  let subscriptions: RunningSubscriptions | undefined;
  const clientIp = (req: IncomingMessage) => clientIpOf(req, config.rateLimit.trustForwardedFor);
  const handler = createGraphQLHttpHandler<GatewayContext>({
    server,
    maxBodyBytes: config.limits.maxBodyBytes,
    context: async (req) => ({
      caller: await authenticator.fromRequest(req),
      clientIp: clientIp(req),
      apiKey: headerValue(req.headers['x-api-key']),
    }),
    routes: {
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok', ...(limiter && { rateLimiter: limiter.health() }) }),
      '/ready': readinessRoute(() => accepting),
      '/metrics': (_req, res) => sendText(res, 200, gatewayMetrics({ limiter: limiter?.stats(), rateLimiter: limiter?.health(), subscriptions: subscriptions?.stats() })),
    },
    stream: { matches: (req) => subscriptions?.stream.matches(req) ?? false, handle: (req, res) => subscriptions!.stream.handle(req, res) },
    logger,
  });
  const http = await startHttpServer(handler, { port: config.port, host: config.host });
  if (config.subscriptions.enabled) {
    subscriptions = startSubscriptions({
      supergraphSdl: supergraph.sdl,
      executableSupergraphSdl: supergraph.executableSdl,
      apiSchema: apiSchema!,
      server,
      httpServer: http.server,
      path: '/graphql',
      dataSources: new Map(dataSources.map((d) => [d.name, d])),
      subgraphUrls,
      authenticator,
      authorization,
      signer,
      costControl,
      redisUrl: config.redisUrl,
      clientIp,
      limits: {
        connectionInitWaitTimeoutMs: config.subscriptions.connectionInitTimeoutMs,
        keepAliveMs: config.subscriptions.keepAliveMs,
        maxPayloadBytes: config.subscriptions.maxPayloadBytes,
        maxSubscriptionsPerConnection: config.subscriptions.maxPerConnection,
        maxBufferedBytes: config.subscriptions.maxBufferedBytes,
      },
      maxBodyBytes: config.limits.maxBodyBytes,
      logger,
    });
  }
  logger.info('gateway listening', {
    url: `${http.url}/graphql`,
    subgraphs: Object.fromEntries(subgraphUrls),
    introspection: config.security.introspection,
  });

  return {
    url: `${http.url}/graphql`,
    port: http.port,
    close: async () => {
      accepting = false;
      // Subscriptions end first and say so (complete, then close 1001); then HTTP drains.
      await subscriptions?.close();
      await http.close(config.shutdownGraceMs);
      await server.stop();
      await Promise.all(dataSources.map((d) => d.close()));
      await limiter?.close();
    },
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value || undefined;
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
