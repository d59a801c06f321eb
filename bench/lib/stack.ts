import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { composeSupergraph, readSubgraphSources } from '../../scripts/compose';
import { ROOT, type ServiceGroup } from '../../scripts/start';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/shared/ports';
import { BENCH_IDENTITY_ENV } from './auth';

/** The secret the benchmark's subgraphs verify identities with; every gateway target must sign with it. */

/**
 * The environment of every benchmarked process: only what it needs, so a
 * REDIS_URL, SUBGRAPH_*_URL or APOLLO_KEY of the shell cannot make one
 * target do other work than another. No REDIS_URL: embedded stores.
 */
export function benchEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...extra };
}

/** A TCP port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/**
 * Starts the three subgraphs on free ports (embedded stores, verifying
 * identities signed with the run's BENCH_IDENTITY_ENV key) and writes a supergraph
 * routed to them into `dir`; returns its path. `env` is added to each
 * subgraph's environment (REDIS_URL: stores and events in that Redis).
 */
export async function startSubgraphs(
  group: ServiceGroup,
  dir: string,
  env: Record<string, string> = {},
): Promise<{ supergraphPath: string; urls: Record<SubgraphName, string> }> {
  const urls = {} as Record<SubgraphName, string>;
  const services = [];
  for (const name of SUBGRAPH_NAMES) {
    const port = await freePort();
    urls[name] = `http://127.0.0.1:${port}/graphql`;
    services.push(
      group.spawn({
        name,
        entry: `dist/subgraphs/${name}/main.js`,
        env: benchEnv({ ...env, PORT: String(port), HOST: '127.0.0.1', ...BENCH_IDENTITY_ENV.subgraph }),
        readyUrl: `http://127.0.0.1:${port}/health`,
      }),
    );
  }
  await Promise.all(services.map((s) => s.ready));

  const routing = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`SUBGRAPH_${name.toUpperCase()}_URL`, urls[name]]));
  const supergraphPath = join(dir, 'supergraph.graphql');
  writeFileSync(supergraphPath, composeSupergraph(readSubgraphSources(join(ROOT, 'schemas'), routing)));
  return { supergraphPath, urls };
}
