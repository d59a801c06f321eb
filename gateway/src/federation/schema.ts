import { DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph, type Schema } from '@apollo/federation-internals';
import type { GraphQLSchema } from 'graphql';
import { SupergraphError } from './supergraph';

/** The supergraph, read once, in each form the gateway's stages need it. */
export interface FederatedSchema {
  /** For the query planner. */
  readonly supergraph: Supergraph;
  /** The API schema as the planner reads operations against it. */
  readonly apiSchema: Schema;
  /** The API schema clients validate against (graphql-js), with the @defer directive. */
  readonly schema: GraphQLSchema;
  /** The whole supergraph (graphql-js): plan inputs and rewrites may name types the API hides. */
  readonly supergraphSchema: GraphQLSchema;
}

/**
 * Features a supergraph may declare `for: SECURITY` or `for: EXECUTION`:
 * Apollo's defaults, plus @context/@fromContext, which our executor runs.
 * (@authenticated and @requiresScopes are enforced before planning and
 * marked handled in the executable SDL; any other such feature, e.g.
 * @policy, refuses the supergraph rather than be silently ignored.)
 */
const SUPPORTED_FEATURES = new Set([...DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES, 'https://specs.apollo.dev/context/v0.1']);

/** Builds every form of the supergraph from its executable SDL (security features this gateway enforces marked handled). */
export function buildFederatedSchema(executableSdl: string, path: string): FederatedSchema {
  let supergraph: Supergraph;
  try {
    supergraph = Supergraph.build(executableSdl, { supportedFeatures: SUPPORTED_FEATURES });
  } catch (error) {
    throw new SupergraphError(`Cannot load supergraph ${path}: ${(error as Error).message}`);
  }
  const apiSchema = supergraph.apiSchema();
  return {
    supergraph,
    apiSchema,
    schema: apiSchema.toGraphQLJSSchema({ includeDefer: true }),
    supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
  };
}
