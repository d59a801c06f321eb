/**
 * The baseline of `npm run bench`: stock Apollo Gateway as its documentation
 * shows it, every option left at its default (including the gateway's own
 * fetcher for subgraph requests).
 *
 *   node dist/bench/stock-gateway.js --supergraph <file> --port <n> [--pooled-fetcher]
 *
 * `--pooled-fetcher` swaps in only our keep-alive PooledDataSource, so the
 * benchmark can tell how much of the difference is the subgraph fetcher.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { GatewayConfigSchema } from '../gateway/src/config/schema';
import { PooledDataSource } from '../gateway/src/federation/pooled-data-source';

function flag(name: string): string {
  const index = process.argv.indexOf(name);
  const value = index === -1 ? undefined : process.argv[index + 1];
  if (value === undefined) {
    console.error(`stock-gateway: ${name} <value> is required`);
    process.exit(1);
  }
  return value;
}

async function main(): Promise<void> {
  const supergraphSdl = readFileSync(flag('--supergraph'), 'utf8');
  const port = Number(flag('--port'));
  const pooled = process.argv.includes('--pooled-fetcher');
  // Our gateway's defaults, so this variant differs from ours only above the fetcher.
  const { subgraphRequests } = GatewayConfigSchema.parse({ supergraph: { path: '-' } });
  const gateway = new ApolloGateway({
    supergraphSdl,
    ...(pooled && {
      buildService: ({ name, url }) =>
        new PooledDataSource({ name, url: url!, timeoutMs: subgraphRequests.timeoutMs, connections: subgraphRequests.maxConnectionsPerSubgraph }),
    }),
  });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, { listen: { port } });
  console.log(`stock gateway ready at ${url}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
