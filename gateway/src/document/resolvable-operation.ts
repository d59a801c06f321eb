import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';

/**
 * A document with several operations and no (or an unknown) operationName is
 * the client's mistake. Apollo Server leaves that to the executor, and
 * @apollo/gateway then fails it as a 500; we answer 400 with Apollo Server's
 * own code for it before anything is planned.
 */
export function useResolvableOperation(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          if (operation) return;
          const message = request.operationName
            ? `Unknown operation named "${request.operationName}".`
            : 'Must provide operation name if query contains multiple operations.';
          throw new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } });
        },
      };
    },
  };
}
