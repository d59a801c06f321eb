import Redis from 'ioredis';
import type { KeyObject } from 'node:crypto';
import { DEV_IDENTITY_PRIVATE_KEY, INTERNAL_IDENTITY_HEADER, identityPrivateKey, signIdentity, type Identity } from '../../lib/auth/internal-identity';
import { startSubgraph, type SubgraphStores } from '../../subgraphs';
import type { SubgraphName } from '../../subgraphs/shared/ports';
import type { RunningSubgraph, SubgraphOptions } from '../../subgraphs/shared/service';
import type { StoreKind } from '../../subgraphs/shared/store';
import { postGraphQL, type GraphQLAnswer } from '../support/http';
import { startRedis, type RedisServer } from '../support/redis';

/** Every behaviour suite runs once per store. */
export const STORE_KINDS: StoreKind[] = ['memory', 'redis'];

export interface SubgraphHarness {
  /**
   * Starts a subgraph on a free port of 127.0.0.1, on an empty and then
   * seeded store (Redis is flushed first unless `keepData`). Closed after each test.
   */
  start<N extends SubgraphName>(name: N, kind: StoreKind, options?: SubgraphOptions & { keepData?: boolean }): Promise<RunningSubgraph<SubgraphStores[N]>>;
  redisUrl(): string;
  /** The file's redis-server, to stop and restart it (outage tests). */
  redisServer(): RedisServer;
}

/**
 * One real redis-server per test file (started in beforeAll, destroyed in
 * afterAll) and every subgraph a test starts closed after it, Redis
 * connections included, so jest exits cleanly.
 */
export function useSubgraphHarness(): SubgraphHarness {
  let redis: RedisServer | undefined;
  const running: Array<RunningSubgraph<unknown>> = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((subgraph) => subgraph.close()));
  });
  afterAll(async () => {
    await redis?.destroy();
  });

  return {
    async start(name, kind, { keepData = false, ...options } = {}) {
      if (kind === 'redis' && !keepData) await flushRedis(redis!.url);
      const subgraph = await startSubgraph(name, {
        host: '127.0.0.1',
        port: 0,
        logLevel: 'silent',
        redisUrl: kind === 'redis' ? redis!.url : undefined,
        nodeEnv: 'test',
        ...options,
      });
      running.push(subgraph);
      return subgraph;
    },
    redisUrl: () => redis!.url,
    redisServer: () => redis!,
  };
}

export async function flushRedis(url: string): Promise<void> {
  const client = new Redis(url);
  try {
    await client.flushall();
  } finally {
    await client.quit();
  }
}

/** The caller every test is unless it says otherwise: may read all payments and make every change. */
export const TEST_ADMIN: Identity = {
  subject: 'test-admin',
  scopes: ['payments:read:all', 'products:write', 'inventory:write', 'payments:write'],
};

/** A customer as the gateway would sign them: their own payments only. */
export const customer = (subject: string): Identity => ({ subject, scopes: ['payments:write'] });

export const ANONYMOUS: Identity = { subject: null, scopes: [] };

/** Who a request to a subgraph comes from. */
export interface CallOptions {
  /** The identity the "gateway" signs; null sends no identity header. Default: TEST_ADMIN. */
  as?: Identity | null;
  /** The signing key. Default: the development key, whose public half in-process subgraphs use unless given another. */
  key?: KeyObject;
  /** `aud`. Default: the subgraph the request goes to. */
  audience?: string;
  /** When it was signed and for how long (expired identities). */
  nowMs?: number;
  ttlMs?: number;
}

const DEV_KEY = identityPrivateKey(DEV_IDENTITY_PRIVATE_KEY);

/** The headers the gateway would send to `subgraph` for `options`: the signed identity, or none. */
export async function identityHeaders(subgraph: string, { as = TEST_ADMIN, key = DEV_KEY, audience = subgraph, nowMs, ttlMs }: CallOptions = {}): Promise<Record<string, string>> {
  return as === null ? {} : { [INTERNAL_IDENTITY_HEADER]: await signIdentity(as, key, { audience, nowMs, ttlMs }) };
}

/** POSTs an operation to a subgraph as the gateway would: signed as TEST_ADMIN unless `options` say otherwise. */
export async function gql<TData = any>(subgraph: { url: string; name: string }, query: string, variables?: Record<string, unknown>, options?: CallOptions): Promise<GraphQLAnswer<TData>> {
  return postGraphQL<TData>(subgraph.url, query, variables, await identityHeaders(subgraph.name, options));
}

/** The data of an answer that must have no errors (the errors are shown if it has). */
export async function data<TData = any>(subgraph: { url: string; name: string }, query: string, variables?: Record<string, unknown>, options?: CallOptions): Promise<TData> {
  const answer = await gql<TData>(subgraph, query, variables, options);
  if (answer.body.errors?.length) throw new Error(`unexpected errors: ${JSON.stringify(answer.body.errors, null, 2)}`);
  return answer.body.data as TData;
}

/** The one error code of an answer that must fail with exactly one error. */
export async function errorCode(subgraph: { url: string; name: string }, query: string, variables?: Record<string, unknown>, options?: CallOptions): Promise<string> {
  const answer = await gql(subgraph, query, variables, options);
  expect(answer.body.errors).toHaveLength(1);
  return answer.body.errors![0].extensions?.code;
}

/** How many store round trips `action` costs. */
export async function roundTripsOf(store: { stats: { roundTrips: number } }, action: () => Promise<unknown>): Promise<number> {
  const before = store.stats.roundTrips;
  await action();
  return store.stats.roundTrips - before;
}

/** Tallies the outcomes of concurrent answers: data or the first error's code. */
export function outcomes(answers: GraphQLAnswer[]): Record<string, number> {
  const tally: Record<string, number> = {};
  for (const answer of answers) {
    const key = answer.body.errors?.length ? String(answer.body.errors[0].extensions?.code) : 'ok';
    tally[key] = (tally[key] ?? 0) + 1;
  }
  return tally;
}
