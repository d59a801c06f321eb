/**
 * Apollo Federation's @authenticated and @requiresScopes, enforced by the
 * gateway before query planning, the way Apollo Router's filter mode does:
 * read the policy from the supergraph once, let an Authorizer remove what a
 * caller may not see (cached per document and caller class), then patch the
 * execution result with nulls and UNAUTHORIZED_FIELD_OR_TYPE errors.
 */
export { readAccessPolicy, type AccessPolicy, type Requirement } from './policy';
export { Authorizer, type AuthorizerOptions } from './authorizer';
export { applyDenials, type PatchedResult } from './apply';
export { AuthorizationControl, type AuthorizationMode } from './control';
export { denialMessage } from './messages';
export {
  TYPENAME_ALIAS,
  UNAUTHORIZED_FIELD_OR_TYPE,
  type AuthorizationOutcome,
  type Caller,
  type Denial,
  type DenialReason,
  type PathStep,
  type ResultPatch,
} from './types';
