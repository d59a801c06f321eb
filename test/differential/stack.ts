import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { createGraphQLHttpHandler } from '../../lib/http/graphql-handler';
import { startHttpServer } from '../../lib/http/server';
import { createLogger } from '../../lib/logger';
import type { RunningGateway } from '../../gateway/src/gateway';
import { startTestGateway, writeSupergraphFile } from '../support/gateway';
import type { SubgraphDefinition, SupergraphDefinition } from './corpus';

/** The two executors under comparison, by their `GATEWAY_EXECUTION_ENGINE` value. */
export const ENGINES = ['native', 'apollo'] as const;
export type Engine = (typeof ENGINES)[number];

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

/** One supergraph's subgraphs and the two gateways, native and apollo, routing to them. */
export interface DifferentialStack {
  gateways: Record<Engine, RunningGateway>;
  subgraph(name: string): RunningSubgraph;
  close(): Promise<void>;
}

/**
 * Starts every subgraph of `definition`, composes the supergraph on their real
 * URLs, and starts one gateway per engine on it, configured as the CLI would be.
 */
export async function startDifferentialStack(definition: SupergraphDefinition): Promise<DifferentialStack> {
  const subgraphs = await Promise.all(definition.subgraphs.map(startSubgraph));
  const gateways: Partial<Record<Engine, RunningGateway>> = {};
  const close = async () => {
    await Promise.all(ENGINES.map((engine) => gateways[engine]?.close()));
    await Promise.all(subgraphs.map((s) => s.stop()));
  };
  try {
    const composed = composeServices(
      definition.subgraphs.map((s, i) => ({ name: s.name, url: subgraphs[i].url, typeDefs: parse(s.typeDefs) })),
    );
    if (composed.errors) throw new Error(`${definition.name} does not compose:\n${composed.errors.map((e) => e.message).join('\n')}`);
    const supergraphPath = writeSupergraphFile(composed.supergraphSdl);
    await Promise.all(
      ENGINES.map(async (engine) => {
        gateways[engine] = await startTestGateway(supergraphPath, {
          GATEWAY_EXECUTION_ENGINE: engine,
          GATEWAY_COST_ENABLED: 'false',
          GATEWAY_SUBSCRIPTIONS_ENABLED: 'false',
        });
      }),
    );
  } catch (error) {
    await close();
    throw error;
  }
  return {
    gateways: gateways as Record<Engine, RunningGateway>,
    subgraph: (name) => {
      const found = subgraphs.find((s) => s.name === name);
      if (!found) throw new Error(`${definition.name} has no subgraph ${name}`);
      return found;
    },
    close,
  };
}
