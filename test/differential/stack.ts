import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import type { RunningGateway } from '../../gateway/src/gateway';
import { startTestGateway, writeSupergraphFile } from '../support/gateway';
import { startSubgraph, type RunningSubgraph } from '../support/subgraph-server';
import type { SupergraphDefinition } from './corpus';


/** The two executors under comparison, by their `GATEWAY_EXECUTION_ENGINE` value. */
export const ENGINES = ['native', 'apollo'] as const;
export type Engine = (typeof ENGINES)[number];

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
          // Every operation meets the dead subgraph itself: an open breaker would answer for it after a few.
          GATEWAY_SUBGRAPH_BREAKER_ENABLED: 'false',
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
