import type { DocumentNode } from 'graphql';

/** The error code of every removal, as Apollo Router reports it. */
export const UNAUTHORIZED_FIELD_OR_TYPE = 'UNAUTHORIZED_FIELD_OR_TYPE';

/**
 * One indivisible requirement. A field or type carries a list of them, all of
 * which must hold; `scopes` is itself "any group, every scope of the group".
 */
export type Requirement = { readonly kind: 'authenticated' } | { readonly kind: 'scopes'; readonly anyOf: ReadonlyArray<ReadonlyArray<string>> };

/**
 * The alias under which a filtered document asks for `__typename` where a
 * removal sits inside a fragment that narrows an interface or union: only the
 * runtime type tells applyDenials which objects the removal applies to. It is
 * reserved (a client must not use it) and applyDenials strips it from results.
 */
export const TYPENAME_ALIAS = '__authz_typename';

/** Who is asking, as far as authorization is concerned. */
export interface Caller {
  /** The caller has a verified identity (satisfies @authenticated). */
  authenticated: boolean;
  /** Scopes granted to the caller (matched against @requiresScopes). */
  scopes: ReadonlySet<string>;
}

/** Which kind of requirement made the caller fail a check. */
export type DenialReason = 'authentication' | 'scopes';

/** Why one place of the document is denied to a caller. */
export interface DeniedSite {
  readonly reason: DenialReason;
  readonly unmet: ReadonlyArray<Requirement>;
}

/** One removal from the operation, reported as one error per concrete path. */
export interface Denial {
  /** Response path (aliases, '@' for list items), e.g. ['payments', 'nodes', '@', 'customerId']. */
  path: ReadonlyArray<string>;
  /** For messages and logs: 'Payment.customerId' for a field, 'Book' for a fragment on a restricted type. */
  coordinate: string;
  /** 'authentication' when an unmet requirement was @authenticated, else 'scopes'. */
  reason: DenialReason;
  /** The requirements the caller does not meet here, all of which it would need. */
  unmet: ReadonlyArray<Requirement>;
}

/**
 * One step of a response path with what applyDenials needs to patch a result:
 * `field` steps name a response key, the type conditions the object holding
 * it must satisfy (fragments narrowing an interface or union; [] otherwise)
 * and whether the field is non-null; `item` steps enter the items of a list;
 * a trailing `match` step (fragment denials only) keeps just the objects
 * whose runtime type satisfies its conditions.
 */
export type PathStep =
  | { readonly kind: 'field'; readonly key: string; readonly when: ReadonlyArray<string>; readonly nonNull: boolean }
  | { readonly kind: 'item'; readonly nonNull: boolean }
  | { readonly kind: 'match'; readonly when: ReadonlyArray<string> };

/** How to bring a result of the filtered document back to the shape of the original one. */
export interface ResultPatch {
  /** Fields the filtered document no longer selects: null wherever absent from a result. */
  readonly nulls: ReadonlyArray<ReadonlyArray<PathStep>>;
  /** The steps of each denial, index for index with AuthorizationOutcome.denials. */
  readonly denials: ReadonlyArray<ReadonlyArray<PathStep>>;
  /** The filtered document selects TYPENAME_ALIAS somewhere. */
  readonly typenameAdded: boolean;
}

export interface AuthorizationOutcome {
  /** The document to plan and execute: the same object as the input when nothing was removed. */
  document: DocumentNode;
  denials: ReadonlyArray<Denial>;
  /** Every root field was removed: answer without executing. The document then only selects `__authz_typename: __typename`, so executing it anyway reveals nothing. */
  nothingLeft: boolean;
  /** Stable string identifying which removals were made ('' when none); the gateway appends it to the query-plan cache key. */
  key: string;
  /**
   * For the reject mode: answer 401 rather than 403. True when the caller is
   * anonymous and anything was denied: scopes come with an identity, so
   * authenticating is the first thing such a caller has to do.
   */
  needsAuthentication: boolean;
  /** For applyDenials; opaque to everyone else. */
  patch: ResultPatch;
}
