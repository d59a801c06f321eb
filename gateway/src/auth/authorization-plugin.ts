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
export class AuthorizationControl {
  private authorizer?: Authorizer;
  private apiSchema?: GraphQLSchema;

  constructor(
    private readonly supergraphSdl: string,
    readonly mode: AuthorizationMode,
  ) {}

  /** Called when the gateway (re)loads its schema: the policy is read once per schema. */
  load(apiSchema: GraphQLSchema): void {
    this.apiSchema = apiSchema;
    const policy = readAccessPolicy(this.supergraphSdl, apiSchema);
    this.authorizer = policy.isEmpty ? undefined : new Authorizer(policy, apiSchema);
  }

  /** The cached decision for a document and caller; undefined when the supergraph declares no requirement. */
  authorize(document: DocumentNode, operationName: string | undefined, caller: Caller): AuthorizationOutcome | undefined {
    return this.authorizer?.authorize(document, operationName, caller);
  }

  /** Whether the supergraph declares any requirement at all (a public graph skips the hooks). */
  get active(): boolean {
    return this.authorizer !== undefined;
  }

  get schema(): GraphQLSchema | undefined {
    return this.apiSchema;
  }

  plugin<TContext extends AuthorizedContext>(): ApolloServerPlugin<TContext> {
    return useAuthorization<TContext>(this);
  }
}

function useAuthorization<TContext extends AuthorizedContext>(control: AuthorizationControl): ApolloServerPlugin<TContext> {
  const decisions = new WeakMap<GraphQLRequestContext<TContext>['request'], Decision>();
  const mode = control.mode;

  return {
    async serverWillStart() {
      return {
        schemaDidLoadOrUpdate({ apiSchema }) {
          control.load(apiSchema);
        },
      };
    },
    async requestDidStart() {
      if (!control.active) return;
      return {
        async didResolveOperation(context) {
          const outcome = control.authorize(context.document, context.operationName ?? undefined, context.contextValue.caller);
          if (!outcome || outcome.denials.length === 0) return;
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
          const patched = applyDenials(result as Parameters<typeof applyDenials>[0], decision.outcome, control.schema!, decision.original, context.operationName ?? undefined);
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
