import { join } from 'node:path';
import { composeSupergraph, readSubgraphSources } from '../../scripts/compose';
import { SUBGRAPH_NAMES, startSubgraph, type RunningSubgraph, type SubgraphName, type SubgraphOptions, type SubgraphStores } from '../../subgraphs';
import type { StoreKind } from '../../subgraphs/shared/store';
import type { RunningGateway } from '../../gateway/src/gateway';
import { startTestGateway, writeSupergraphFile } from './gateway';
import { freePort } from './ports';

const SCHEMAS_DIR = join(__dirname, '..', '..', 'schemas');

type Subgraphs = { [N in SubgraphName]: RunningSubgraph<SubgraphStores[N]> };

/** The whole product on loopback: three real subgraph servers and the real gateway in front of them. */
export interface Stack {
  /** The gateway's GraphQL endpoint. */
  url: string;
  /** The supergraph routed to these subgraphs (to start more gateways on them). */
  supergraphPath: string;
  gateway: RunningGateway;
  subgraphs: Subgraphs;
  /** Stops one subgraph (a dead subgraph for degradation tests). */
  stopSubgraph(name: SubgraphName): Promise<void>;
  /** Stops every subgraph and starts them again on the same ports and store, without seeding (a redeploy). */
  restartSubgraphs(): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  store: StoreKind;
  /** Required for the `redis` store. */
  redisUrl?: string;
  /** Extra gateway environment (e.g. limits). */
  gatewayEnv?: Record<string, string>;
  /** Extra options for every subgraph (e.g. a small event log retention). */
  subgraphOptions?: SubgraphOptions;
}

/**
 * Starts the subgraphs on fixed free ports, composes `schemas/*.graphql` with
 * those URLs exactly as `npm run compose` does, and starts the gateway on the
 * resulting supergraph file.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  if (options.store === 'redis' && !options.redisUrl) throw new Error('startStack: the redis store needs redisUrl');
  const ports = Object.fromEntries(await Promise.all(SUBGRAPH_NAMES.map(async (name) => [name, await freePort()] as const))) as Record<SubgraphName, number>;
  const startAll = (seed: boolean) =>
    Promise.all(
      SUBGRAPH_NAMES.map((name) =>
        startSubgraph(name, {
          host: '127.0.0.1',
          port: ports[name],
          logLevel: 'silent',
          redisUrl: options.store === 'redis' ? options.redisUrl : undefined,
          seed,
          nodeEnv: 'test',
          ...options.subgraphOptions,
        }),
      ),
    ).then((started) => Object.fromEntries(started.map((s) => [s.name, s])) as unknown as Subgraphs);

  let subgraphs = await startAll(true);
  const env = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`SUBGRAPH_${name.toUpperCase()}_URL`, subgraphs[name].url]));
  const supergraphPath = writeSupergraphFile(composeSupergraph(readSubgraphSources(SCHEMAS_DIR, env)));
  const gateway = await startTestGateway(supergraphPath, options.gatewayEnv);

  const closeSubgraphs = () => Promise.all(SUBGRAPH_NAMES.map((name) => subgraphs[name].close()));
  return {
    url: gateway.url,
    supergraphPath,
    gateway,
    get subgraphs() {
      return subgraphs;
    },
    stopSubgraph: (name) => subgraphs[name].close(),
    async restartSubgraphs() {
      await closeSubgraphs();
      subgraphs = await startAll(false);
    },
    async close() {
      await gateway.close();
      await closeSubgraphs();
    },
  };
}

type TierBudget = { capacity: number; refillPerSecond: number; maxSubscriptions: number };

/**
 * Gateway environment giving the two default rate-limit tiers these budgets,
 * and a cost limit both can pay (the gateway refuses a tier smaller than it).
 */
export function rateLimitTiers(anonymous: TierBudget, authenticated: TierBudget): Record<string, string> {
  return {
    GATEWAY_RATE_LIMIT_TIERS: JSON.stringify({ anonymous, authenticated }),
    GATEWAY_MAX_COST: String(Math.min(anonymous.capacity, authenticated.capacity, 1_000)),
  };
}
