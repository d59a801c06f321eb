import type { GraphQLFieldResolver, GraphQLScalarType } from 'graphql';

/**
 * The resolvers `buildSubgraphSchema` takes, per type and field. Written out
 * here because @apollo/subgraph exports it only from a private module.
 */
export interface ResolverMap<TContext = {}> {
  [typeName: string]:
    | {
        [fieldName: string]:
          | GraphQLFieldResolver<any, TContext>
          | { requires?: string; resolve?: GraphQLFieldResolver<any, TContext>; subscribe?: GraphQLFieldResolver<any, TContext> };
      }
    | GraphQLScalarType
    | { [enumValue: string]: string | number };
}
