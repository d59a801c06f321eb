import { HttpError, TransportErrorCode } from '../../../lib/http/errors';

/** The code of the error that ends a running subscription when its token expires (graphql-ws then closes 4403). */
export const SUBSCRIPTION_JWT_EXPIRED = 'SUBSCRIPTION_JWT_EXPIRED';

/** Why a presented token was refused; each maps to one client-facing description. */
export type TokenProblem =
  | 'malformed'
  | 'no-expiry'
  | 'no-keys'
  | 'unknown-api-key'
  | 'api-keys-unavailable'
  | 'too-large'
  | 'expired'
  | 'not-yet-valid'
  | 'issuer'
  | 'audience'
  | 'algorithm'
  | 'signature'
  | 'unknown-key'
  | 'keys-unavailable'
  | 'invalid';

const DESCRIPTIONS: Record<TokenProblem, string> = {
  malformed: 'The token is malformed',
  'no-expiry': 'The token has no expiry (exp)',
  'no-keys': 'This gateway has no key to verify tokens with (the operator must configure JWT_SECRET, JWT_JWKS or JWT_JWKS_URLS)',
  'unknown-api-key': 'The API key is not known to this gateway',
  'api-keys-unavailable': 'API keys cannot be checked right now; retry shortly',
  'too-large': 'The token is too large',
  expired: 'The token has expired',
  'not-yet-valid': 'The token is not valid yet',
  issuer: 'The token was issued by an issuer this gateway does not accept',
  audience: 'The token is not meant for this gateway',
  algorithm: 'The token is signed with an algorithm this gateway does not accept',
  signature: 'The token signature is invalid',
  'unknown-key': 'The token is signed with an unknown key',
  'keys-unavailable': 'The keys to verify the token could not be fetched',
  invalid: 'The token is invalid',
};

/** A refused credential. Its message is safe for clients: no key material, no library internals. */
export class AuthenticationError extends Error {
  constructor(readonly problem: TokenProblem) {
    super(DESCRIPTIONS[problem]);
    this.name = 'AuthenticationError';
  }
}

/** RFC 6750 challenge: tells the client how to authenticate and, after a refused token, why. */
export function bearerChallenge(error?: AuthenticationError): string {
  return error ? `Bearer realm="graphql", error="invalid_token", error_description="${error.message}"` : 'Bearer realm="graphql"';
}

/** 401 UNAUTHENTICATED with a WWW-Authenticate challenge. */
export function unauthenticated(error?: AuthenticationError, message = error?.message ?? 'Authentication required'): HttpError {
  return new HttpError(401, TransportErrorCode.Unauthenticated, message, { 'www-authenticate': bearerChallenge(error) });
}
