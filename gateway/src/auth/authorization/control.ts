import type { DocumentNode, GraphQLSchema } from 'graphql';
import { TransportErrorCode } from '../../../../lib/http/errors';
import { refusal } from '../../pipeline/refusal';
import type { Caller } from '../caller';
import { bearerChallenge } from '../errors';
import { Authorizer } from './authorizer';
import { denialExtensions, denialMessage } from './messages';
import { readAccessPolicy } from './policy';
import { UNAUTHORIZED_FIELD_OR_TYPE, type AuthorizationOutcome } from './types';

export type AuthorizationMode = 'filter' | 'reject';

/**
 * Stage 3, authorization: `@authenticated` and `@requiresScopes` against the
 * caller, after validation and before cost and planning, so no subgraph is
 * ever asked for what the caller may not see. In `filter` mode the
 * unauthorized fields are cut from the operation (the plan is cached per cut)
 * and come back null with an UNAUTHORIZED_FIELD_OR_TYPE error each; in
 * `reject` mode the whole operation is refused: 401 for an anonymous caller
 * who needs to authenticate, 403 otherwise. One policy and one decision cache
 * serve every transport.
 */
export class AuthorizationControl {
  private readonly authorizer?: Authorizer;

  constructor(
    supergraphSdl: string,
    readonly schema: GraphQLSchema,
    readonly mode: AuthorizationMode,
    options: { maxSelections: number },
  ) {
    const policy = readAccessPolicy(supergraphSdl, schema);
    this.authorizer = policy.isEmpty ? undefined : new Authorizer(policy, schema, { maxSelections: options.maxSelections });
  }

  /**
   * What of the operation the caller may see: undefined when nothing is
   * denied (or the supergraph declares no requirement). Throws the refusal in
   * `reject` mode.
   */
  authorize(document: DocumentNode, operationName: string | undefined, caller: Caller): AuthorizationOutcome | undefined {
    const outcome = this.authorizer?.authorize(document, operationName, caller);
    if (!outcome || outcome.denials.length === 0) return undefined;
    if (this.mode === 'reject') throw rejection(outcome, caller);
    return outcome;
  }

  /**
   * A subscription has no partial answer to give: when authorization leaves
   * nothing of it, it is refused with UNAUTHORIZED_FIELD_OR_TYPE (401 for an
   * anonymous caller, 403 otherwise), saying what is missing.
   */
  refuseEmptied(outcome: AuthorizationOutcome, caller: Caller) {
    const first = outcome.denials[0];
    const anonymous = !caller.authenticated && outcome.needsAuthentication;
    return refusal(anonymous ? 401 : 403, UNAUTHORIZED_FIELD_OR_TYPE, denialMessage(first), {
      headers: anonymous ? { 'www-authenticate': bearerChallenge() } : {},
      extensions: denialExtensions(first),
    });
  }
}

function rejection(outcome: AuthorizationOutcome, caller: Caller) {
  const anonymous = !caller.authenticated && outcome.needsAuthentication;
  const first = outcome.denials.find((denial) => denial.reason === 'authentication') ?? outcome.denials[0];
  const fields = [...new Set(outcome.denials.map((denial) => denial.coordinate))];
  const message = fields.length === 1 ? denialMessage(first) : `${denialMessage(first)} (and ${fields.length - 1} more: ${fields.filter((f) => f !== first.coordinate).join(', ')})`;
  return anonymous
    ? refusal(401, TransportErrorCode.Unauthenticated, message, { headers: { 'www-authenticate': bearerChallenge() }, extensions: denialExtensions(first) })
    : refusal(403, TransportErrorCode.Forbidden, message, { extensions: denialExtensions(first) });
}
