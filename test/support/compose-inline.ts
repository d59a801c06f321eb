import { composeServices } from '@apollo/composition';
import { ROUTER_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph } from '@apollo/federation-internals';
import { parse, type GraphQLSchema } from 'graphql';

/** A real supergraph, composed from inline subgraph SDLs (security links and directives kept as composed). */
export function composeSupergraph(subgraphs: Record<string, string>): string {
  const result = composeServices(
    Object.entries(subgraphs).map(([name, sdl]) => ({ name, url: `http://${name}.test/graphql`, typeDefs: parse(sdl) })),
  );
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}

/** The API schema clients query: what the gateway's ApolloGateway would expose. */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(supergraphSdl, { supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES }).apiSchema().toGraphQLJSSchema();
}
