import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContext } from '@apollo/server';
import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import { TransportErrorCode } from '../../../lib/http/errors';
import { Authorizer, applyDenials, readAccessPolicy, type AuthorizationOutcome } from './authorization';
import type { Caller } from './caller';
import { bearerChallenge } from './errors';

export type AuthorizationMode = 'filter' | 'reject';

interface AuthorizedContext {
  caller: Caller;
}

/** What one request's authorization decided, kept until its response is written. */
interface Decision {
  outcome: AuthorizationOutcome;
  original: DocumentNode;
}

/**
 * Evaluates `@authenticated` and `@requiresScopes` against the caller after
 * the operation is resolved and before it is planned, so no subgraph is ever
 * asked for what the caller may not see. In `filter` mode the unauthorized
 * fields are cut from the operation (the plan is cached per cut) and come
 * back null with an UNAUTHORIZED_FIELD_OR_TYPE error each; in `reject` mode
 * the whole operation is refused: 401 for an anonymous caller who needs to
 * authenticate, 403 otherwise.
 */
export function useAuthorization<TContext extends AuthorizedContext>(supergraphSdl: string, mode: AuthorizationMode): ApolloServerPlugin<TContext> {
  let authorizer: Authorizer | undefined;
  let apiSchema: GraphQLSchema | undefined;
  const decisions = new WeakMap<GraphQLRequestContext<TContext>['request'], Decision>();

  return {
    async serverWillStart() {
      return {
        schemaDidLoadOrUpdate({ apiSchema: schema }) {
          apiSchema = schema;
          const policy = readAccessPolicy(supergraphSdl, schema);
          authorizer = policy.isEmpty ? undefined : new Authorizer(policy, schema);
        },
      };
    },
    async requestDidStart() {
      if (!authorizer) return;
      return {
        async didResolveOperation(context) {
          const outcome = authorizer!.authorize(context.document, context.operationName ?? undefined, context.contextValue.caller);
          if (outcome.denials.length === 0) return;
          if (mode === 'reject') throw rejection(outcome, context.contextValue.caller);
          decisions.set(context.request, { outcome, original: context.document });
          // @apollo/gateway plans `document` and caches the plan under `queryHash`: both follow the cut.
          const mutable = context as { document: DocumentNode; queryHash: string };
          mutable.document = outcome.document;
          mutable.queryHash = `${context.queryHash}:${outcome.key}`;
        },
        async responseForOperation(context) {
          const decision = decisions.get(context.request);
          if (!decision?.outcome.nothingLeft) return null;
          // Nothing the caller may see is left: answer without planning or calling any subgraph.
          return { http: context.response.http, body: { kind: 'single', singleResult: { data: {} } } };
        },
        async willSendResponse(context) {
          const decision = decisions.get(context.request);
          if (!decision || context.response.body.kind !== 'single') return;
          const result = context.response.body.singleResult;
          const patched = applyDenials(result as Parameters<typeof applyDenials>[0], decision.outcome, apiSchema!, decision.original, context.operationName ?? undefined);
          context.response.body.singleResult = { ...result, data: patched.data, errors: patched.errors as typeof result.errors };
        },
      };
    },
  };
}

function rejection(outcome: AuthorizationOutcome, caller: Caller): GraphQLError {
  const anonymous = !caller.authenticated && outcome.needsAuthentication;
  const headers = new HeaderMap();
  if (anonymous) headers.set('www-authenticate', bearerChallenge());
  const fields = outcome.denials.map((denial) => denial.coordinate).filter((c, i, all) => all.indexOf(c) === i);
  return new GraphQLError(
    anonymous ? `Authentication required to access ${fields.join(', ')}` : `Not authorized to access ${fields.join(', ')}`,
    {
      extensions: {
        code: anonymous ? TransportErrorCode.Unauthenticated : TransportErrorCode.Forbidden,
        http: { status: anonymous ? 401 : 403, headers },
      },
    },
  );
}
