/**
 * The baseline of `npm run bench`: stock Apollo Gateway as its documentation
 * shows it, every option that affects serving left at its default (including
 * the gateway's own fetcher for subgraph requests), plus the one header our subgraphs require
 * (a signed caller identity) and the supergraph with its security features
 * marked as handled (stock Apollo Gateway refuses to load it otherwise).
 *
 *   node dist/bench/stock-gateway.js --supergraph <file> --port <n> [--pooled-fetcher]
 *
 * `--pooled-fetcher` swaps in only our keep-alive PooledDataSource, so the
 * benchmark can tell how much of the difference is the subgraph fetcher.
 */
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { GatewayConfigSchema } from '../gateway/src/config/schema';
import { PooledDataSource } from '../gateway/src/federation/pooled-data-source';
import { readSupergraph } from '../gateway/src/federation/supergraph';
import { INTERNAL_IDENTITY_HEADER, IdentitySigner, identityPrivateKey } from '../lib/auth/internal-identity';
import { BENCH_CALLER } from './lib/auth';

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
  // Stock Apollo Gateway refuses a supergraph with `@link(for: SECURITY)`
  // features it does not enforce, so it gets the copy ours plans with.
  const supergraphSdl = readSupergraph(flag('--supergraph')).executableSdl;
  const port = Number(flag('--port'));
  const pooled = process.argv.includes('--pooled-fetcher');
  // Our subgraphs answer only requests carrying a signed caller identity; the
  // stock gateway cannot verify tokens, so it always presents the benchmark's caller.
  const key = process.env.INTERNAL_AUTH_PRIVATE_KEY;
  if (!key) throw new Error('stock-gateway: INTERNAL_AUTH_PRIVATE_KEY is required (the subgraphs check the identity it signs)');
  const signer = new IdentitySigner(identityPrivateKey(key));
  const caller = { authenticated: true, subject: BENCH_CALLER.subject, scopes: new Set<string>(BENCH_CALLER.scopes), expiresAt: null };
  // Our gateway's defaults, so this variant differs from ours only above the fetcher; no deduplication
  // (as for ours: every benchmark request is identical, so sharing fetches would measure the workload, not the gateway).
  const { subgraphRequests } = GatewayConfigSchema.parse({ supergraph: { path: '-' } });
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) =>
      pooled
        ? new PooledDataSource({ name, urls: [url!], policy: { ...subgraphRequests, dedup: false }, signer })
        : new SigningDataSource({ url }, name, signer),
  });
  // Stopping is Apollo Server's default (server.stop() on SIGINT/SIGTERM), but then the process exits
  // instead of re-raising the signal: one killed by a signal writes no CPU profile (lib/cpu-profile-preload.ts).
  const server = new ApolloServer({ gateway, stopOnTerminationSignals: false });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void server.stop().finally(() => process.exit(0)));
  const { url } = await startStandaloneServer(server, { listen: { port }, context: async () => ({ caller }) });
  console.log(`stock gateway ready at ${url}`);
}

/** The stock fetcher plus the one header our subgraphs require. */
class SigningDataSource extends RemoteGraphQLDataSource {
  constructor(
    config: ConstructorParameters<typeof RemoteGraphQLDataSource>[0],
    private readonly subgraph: string,
    private readonly signer: IdentitySigner,
  ) {
    super(config);
  }

  override async willSendRequest({ request }: Parameters<NonNullable<RemoteGraphQLDataSource['willSendRequest']>>[0]): Promise<void> {
    request.http?.headers.set(INTERNAL_IDENTITY_HEADER, await this.signer.headerFor(BENCH_CALLER, this.subgraph));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
