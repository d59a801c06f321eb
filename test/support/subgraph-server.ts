import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createGraphQLHttpHandler } from '../../lib/http/graphql-handler';
import { startHttpServer } from '../../lib/http/server';
import { createLogger } from '../../lib/logger';

type SchemaModules = Parameters<typeof buildSubgraphSchema>[0];
/** The resolver map `buildSubgraphSchema` takes (its type is not exported by @apollo/subgraph). */
export type SubgraphResolvers = NonNullable<Extract<SchemaModules, { typeDefs: unknown; resolvers?: unknown }>['resolvers']>;

/** A subgraph written for a test: its SDL and a factory of resolvers over fresh, deterministic in-memory data. */
export interface SubgraphDefinition {
  name: string;
  typeDefs: string;
  /** Called once per start, so every start begins from the same data whatever mutations ran before. */
  createResolvers(): SubgraphResolvers;
}

export interface RunningSubgraph {
  name: string;
  url: string;
  /** Stops the HTTP server: the gateways' next fetches to it are refused. */
  stop(): Promise<void>;
}

/** A subgraph served over real HTTP on a free port, as the library subgraph of test/support is (no identity check). */
export async function startSubgraph(definition: SubgraphDefinition): Promise<RunningSubgraph> {
  const schema = buildSubgraphSchema({ typeDefs: parse(definition.typeDefs), resolvers: definition.createResolvers() });
  const server = new ApolloServer({ schema, includeStacktraceInErrorResponses: false, plugins: [ApolloServerPluginInlineTraceDisabled()] });
  await server.start();
  const handler = createGraphQLHttpHandler({ server, maxBodyBytes: 10_000_000, context: async () => ({}), logger: createLogger('silent') });
  const http = await startHttpServer(handler, { port: 0, host: '127.0.0.1' });
  let stopped: Promise<void> | undefined;
  return {
    name: definition.name,
    url: `${http.url}/graphql`,
    stop: () => (stopped ??= http.close(0).then(() => server.stop())),
  };
}

