import { createHash } from 'node:crypto';
import type { GraphQLSchema } from 'graphql';
import type { IdentitySigner } from '../../../lib/auth/internal-identity';
import { toApolloLogger } from '../../../lib/apollo-logger';
import type { Logger } from '../../../lib/logger';
import { AuthorizationControl } from '../auth/authorization';
import type { EntityCache } from '../cache';
import type { GatewayConfig } from '../config/schema';
import { trafficPolicyOf } from '../config/traffic';
import { QueryPlanExecutor } from '../execution';
import { PooledDataSource } from '../federation/pooled-data-source';
import { buildFederatedSchema, type FederatedSchema } from '../federation/schema';
import { SupergraphError, parseSupergraph, resolveSubgraphUrls, type Supergraph } from '../federation/supergraph';
import { Pipeline } from '../pipeline';
import { Admission } from '../pipeline/admission';
import { DocumentStage } from '../pipeline/document';
import type { PersistedOperations } from '../pipeline/persisted';
import { ApolloExecution, NativeExecution, type Execution } from '../pipeline/execute';
import type { RateLimiter } from '../ratelimit';
import type { SubscriptionEngine } from '../subscriptions/engine';
import { NO_OBSERVER, type SubgraphFetchObserver } from '../traffic/observer';

/** What outlives a supergraph: built once per process, handed to every generation. */
export interface GenerationServices {
  config: GatewayConfig;
  signer: IdentitySigner;
  limiter: RateLimiter | undefined;
  logger: Logger;
  observer?: SubgraphFetchObserver;
  persisted?: PersistedOperations;
  /** In front of the native executor's subgraph fetches (config `entityCache`). */
  entityCache?: EntityCache;
}

/**
 * Everything that derives from one supergraph: its schemas, the pipeline's
 * schema-bound stages with their caches (documents, authorization cuts,
 * costs, plans), the executor and the subgraph clients. A reload builds a new
 * generation beside the old one; operations that started on the old one
 * finish on it.
 */
export interface Generation {
  readonly supergraph: Supergraph;
  readonly federated: FederatedSchema;
  /** sha256 of the supergraph's text: what /health reports, and how an unchanged file is recognised. */
  readonly hash: string;
  readonly subgraphUrls: ReadonlyMap<string, readonly string[]>;
  readonly dataSources: ReadonlyMap<string, PooledDataSource>;
  readonly executor: QueryPlanExecutor;
  readonly pipeline: Pipeline;
  /** Stops what this generation alone holds (the apollo engine); data sources are settled by `retire`. */
  stop(): Promise<void>;
}

export function supergraphHash(sdl: string): string {
  return createHash('sha256').update(sdl).digest('hex');
}

/**
 * Builds a generation from a supergraph's text, reusing the previous
 * generation's subgraph clients whose URLs and policy did not change (their
 * breakers and pools carry over). Throws a SupergraphError, leaving nothing
 * open, when the text is not a supergraph this gateway can serve.
 */
export async function buildGeneration(
  sdl: string,
  source: string,
  services: GenerationServices,
  /** The subscription engine the pipeline admits into (started by the first generation, then kept). */
  subscriptions: (built: Pick<Generation, 'supergraph' | 'executor' | 'dataSources' | 'subgraphUrls'>) => SubscriptionEngine | undefined,
  previous?: Generation,
): Promise<Generation> {
  const { config, logger } = services;
  const supergraph = parseSupergraph(sdl, source);
  const subgraphUrls = resolveSubgraphUrls(supergraph, config.subgraphs);
  const federated = buildFederatedSchema(supergraph.executableSdl, source);
  const { schema } = federated;

  const created: PooledDataSource[] = [];
  const dataSources = new Map<string, PooledDataSource>();
  for (const [name, urls] of subgraphUrls) {
    const reusable = previous?.dataSources.get(name);
    if (reusable && sameUrls(previous!.subgraphUrls.get(name), urls)) {
      dataSources.set(name, reusable);
      continue;
    }
    const source = new PooledDataSource({
      name,
      urls,
      policy: trafficPolicyOf(config.subgraphRequests, config.subgraphs[name]),
      signer: services.signer,
      observer: services.observer ?? NO_OBSERVER,
      logger,
    });
    created.push(source);
    dataSources.set(name, source);
  }

  try {
    // Queries, mutations and event enrichment all run on our executor, unless the reference engine is asked for.
    const executor = new QueryPlanExecutor(federated, dataSources, services.entityCache);
    let execution: Execution = new NativeExecution(executor);
    let stop = async () => {};
    if (config.execution.engine === 'apollo') {
      const apollo = await loadApolloExecution(supergraph.executableSdl, dataSources, schema, logger).catch((error: Error) => {
        throw new SupergraphError(`Cannot load supergraph ${source}: ${error.message}`);
      });
      execution = apollo.execution;
      stop = apollo.stop;
    }
    const { limits } = config;
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
            limiter: services.limiter,
            tiers: config.rateLimit,
          })
        : undefined,
      execution,
      persisted: services.persisted,
      subscriptions: subscriptions({ supergraph, executor, dataSources, subgraphUrls }),
      logger,
    });
    return { supergraph, federated, hash: supergraphHash(sdl), subgraphUrls, dataSources, executor, pipeline, stop };
  } catch (error) {
    await Promise.all(created.map((d) => d.close()));
    throw error instanceof SupergraphError ? error : new SupergraphError(`Cannot load supergraph ${source}: ${(error as Error).message}`);
  }
}

/** Closes what `old` holds that `current` does not (subgraph clients of removed or re-addressed subgraphs), and its own engine. */
export async function retire(old: Generation, current: Generation | undefined): Promise<void> {
  const kept = new Set(current ? current.dataSources.values() : []);
  await old.stop();
  await Promise.all([...old.dataSources.values()].filter((d) => !kept.has(d)).map((d) => d.close()));
}

function sameUrls(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((url, i) => url === b[i]);
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
