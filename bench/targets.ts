/**
 * What `npm run bench` compares. Each target is one row per scenario in the
 * result table, compared with the baseline. A variant (auth on, rate limiter
 * off, our gateway with the default fetcher, ...) is one more entry here,
 * usually `gatewayProcess({ ...ours, name, env })` with its own settings.
 */
import type { ServiceGroup } from '../scripts/start';
import { BENCH_INTERNAL_SECRET, BENCH_JWT_SECRET } from './lib/auth';
import { benchEnv, freePort } from './lib/stack';

export interface TargetContext {
  /** The composed supergraph, routed to the benchmark's subgraphs. */
  supergraphPath: string;
  /** Every process a target starts joins it, so it is stopped with the rest. */
  group: ServiceGroup;
}

/** A running GraphQL endpoint under test. */
export interface StartedTarget {
  /** The GraphQL URL, e.g. http://127.0.0.1:43210/graphql. */
  url: string;
  stop(): Promise<void>;
}

export interface Target {
  name: string;
  description: string;
  start(context: TargetContext): Promise<StartedTarget>;
}

interface GatewayProcessOptions {
  name: string;
  description: string;
  /** Compiled entry point relative to the repository root. */
  entry: string;
  args: (port: number, supergraphPath: string) => string[];
  /** Added to the benchmark's minimal environment (NODE_ENV=production, LOG_LEVEL=warn). */
  env?: Record<string, string>;
  /** GET `path` answers 200 once the gateway can serve. */
  readyPath: string;
  readyHeaders?: Record<string, string>;
}

/** A gateway run as its own process on a free port, serving /graphql. */
export function gatewayProcess(options: GatewayProcessOptions): Target {
  return {
    name: options.name,
    description: options.description,
    async start({ supergraphPath, group }) {
      const port = await freePort();
      const service = await group.start({
        name: options.name,
        entry: options.entry,
        args: options.args(port, supergraphPath),
        env: benchEnv(options.env),
        readyUrl: `http://127.0.0.1:${port}${options.readyPath}`,
        readyHeaders: options.readyHeaders,
      });
      return { url: `http://127.0.0.1:${port}/graphql`, stop: async () => void (await service.stop()) };
    },
  };
}

const ours = {
  name: 'ours',
  description: 'our gateway (dist/gateway/src/main.js), default configuration',
  entry: 'dist/gateway/src/main.js',
  args: (port: number, supergraphPath: string) => ['--supergraph', supergraphPath, '--port', String(port), '--host', '127.0.0.1'],
  env: { INTERNAL_AUTH_SECRET: BENCH_INTERNAL_SECRET, JWT_SECRET: BENCH_JWT_SECRET },
  readyPath: '/ready',
};

const stock = {
  name: 'stock',
  description: 'stock @apollo/gateway + @apollo/server startStandaloneServer, defaults (bench/stock-gateway.ts)',
  entry: 'dist/bench/stock-gateway.js',
  args: (port: number, supergraphPath: string) => ['--supergraph', supergraphPath, '--port', String(port)],
  env: { INTERNAL_AUTH_SECRET: BENCH_INTERNAL_SECRET },
  // Apollo Server has no health route; a CSRF-safe GET of `{ __typename }` answers 200 once it serves.
  readyPath: '/graphql?query=%7B__typename%7D',
  readyHeaders: { 'apollo-require-preflight': 'true' },
};

/** Stock Apollo Gateway with only the subgraph fetcher swapped for ours: what keep-alive pooling alone is worth. */
const stockPooled = {
  ...stock,
  name: 'stock-pooled',
  description: 'the stock gateway with our keep-alive PooledDataSource as its only change (--pooled-fetcher)',
  args: (port: number, supergraphPath: string) => [...stock.args(port, supergraphPath), '--pooled-fetcher'],
};

/** Ratios in the table are against this target. */
export const BASELINE = stock.name;

export const TARGETS: Target[] = [gatewayProcess(ours), gatewayProcess(stockPooled), gatewayProcess(stock)];
