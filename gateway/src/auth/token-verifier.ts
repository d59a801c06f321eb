import { createRemoteJWKSet, errors, jwtVerify, type JWTHeaderParameters, type JWTPayload, type FlattenedJWSInput, type KeyLike } from 'jose';
import { BoundedCache } from '../../../lib/cache/bounded';
import type { Logger } from '../../../lib/logger';
import type { Caller } from './caller';
import { AuthenticationError, type TokenProblem } from './errors';
import { scopesFromClaims } from './scopes';

export interface TokenVerifierOptions {
  /** HS256/384/512 secret; without it no HMAC-signed token is accepted. */
  secret?: string;
  /** JWKS endpoints for asymmetric keys (RS*, PS*, ES*, EdDSA) that serve any issuer no `jwks` entry binds. */
  jwksUrls: readonly string[];
  /** JWKS endpoints bound to an issuer: a token claiming that issuer is verified with that JWKS only. */
  jwks?: ReadonlyArray<{ url: string; issuer?: string }>;
  /** Refuse tokens without `exp` (default true). */
  requireExp?: boolean;
  issuers: readonly string[];
  audiences: readonly string[];
  algorithms: readonly string[];
  clockToleranceSec: number;
  maxTokenBytes: number;
  scopesClaim?: string;
  /** Least time between two JWKS fetches caused by unknown `kid`s. */
  jwksCooldownMs: number;
  /** A JWKS older than this is fetched again on the next verification. */
  jwksCacheMaxAgeMs: number;
  jwksTimeoutMs: number;
  /** Verified tokens remembered (until they expire, at most cacheTtlMs). */
  cacheSize?: number;
  cacheTtlMs?: number;
  now?: () => number;
}

export interface TokenVerifier {
  /** The caller a token proves, or an AuthenticationError saying why not. */
  verify(token: string): Promise<Caller>;
}

const HMAC = /^HS/;
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * JWT verification with jose. A key is chosen by the token's algorithm family,
 * never by what the token claims about keys: HMAC algorithms use only the
 * configured secret, asymmetric ones only the JWKS, so a token "signed" with
 * a public key as an HMAC secret (key confusion) or with `alg: none` fails.
 * Verified tokens are cached until they expire (bounded), so a client that
 * sends the same token on every request pays for one signature check.
 */
export function createTokenVerifier(options: TokenVerifierOptions, logger: Logger): TokenVerifier {
  const secret = options.secret ? new TextEncoder().encode(options.secret) : undefined;
  const keySets = [...options.jwksUrls.map((url) => ({ url, issuer: undefined as string | undefined })), ...(options.jwks ?? [])].map(({ url, issuer }) => ({
    url,
    issuer,
    getKey: createRemoteJWKSet(new URL(url), {
      cooldownDuration: options.jwksCooldownMs,
      cacheMaxAge: options.jwksCacheMaxAgeMs,
      timeoutDuration: options.jwksTimeoutMs,
    }),
  }));
  const boundIssuers = new Set(keySets.flatMap((set) => (set.issuer ? [set.issuer] : [])));
  /** The key sets that may verify a token claiming `issuer`: its own when an entry binds it, else the unbound ones. */
  const keySetsFor = (issuer: string | undefined) =>
    issuer !== undefined && boundIssuers.has(issuer) ? keySets.filter((set) => set.issuer === issuer) : keySets.filter((set) => set.issuer === undefined);
  const requiredClaims = options.requireExp === false ? [] : ['exp'];
  const toleranceMs = options.clockToleranceSec * 1000;
  const algorithms = options.algorithms.filter((alg) => (HMAC.test(alg) ? secret !== undefined : keySets.length > 0));
  const now = options.now ?? Date.now;
  const cache = new BoundedCache<{ caller: Caller; header: JWTHeaderParameters; key: KeyLike | Uint8Array; issuer: string | undefined }>({ maxEntries: options.cacheSize ?? 10_000 });
  const cacheTtlMs = options.cacheTtlMs ?? 300_000;

  /** The key for a token's header, among the key sets its claimed issuer may use. */
  const keyFor = async (header: JWTHeaderParameters, issuer: string | undefined, token: FlattenedJWSInput): Promise<KeyLike | Uint8Array> => {
    if (HMAC.test(header.alg)) {
      if (!secret) throw new AuthenticationError('algorithm');
      return secret;
    }
    for (const { url, getKey: fromSet } of keySetsFor(issuer)) {
      try {
        return await fromSet(header, token);
      } catch (error) {
        if (error instanceof errors.JWKSNoMatchingKey) continue;
        if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
          logger.warn('JWKS unavailable', { url, error: (error as Error).message });
          throw new AuthenticationError('keys-unavailable');
        }
        throw error;
      }
    }
    throw new AuthenticationError('unknown-key');
  };
  const getKey = (header: JWTHeaderParameters, token: FlattenedJWSInput) => keyFor(header, issuerOf(token), token);

  return {
    async verify(token) {
      if (token.length > options.maxTokenBytes) throw new AuthenticationError('too-large');
      if (algorithms.length === 0) throw new AuthenticationError('no-keys');
      const cached = cache.get(token);
      if (cached && (cached.caller.expiresAt === null || cached.caller.expiresAt > now()) && (await stillSignedBy(cached))) return cached.caller;
      if (!JWS_COMPACT.test(token)) throw new AuthenticationError('malformed');

      let payload: JWTPayload;
      let header: JWTHeaderParameters;
      let key: KeyLike | Uint8Array;
      try {
        ({ payload, protectedHeader: header, key } = await jwtVerify(token, getKey, {
          algorithms: [...algorithms],
          issuer: options.issuers.length > 0 ? [...options.issuers] : undefined,
          audience: options.audiences.length > 0 ? [...options.audiences] : undefined,
          clockTolerance: options.clockToleranceSec,
          currentDate: new Date(now()),
          requiredClaims,
        }));
      } catch (error) {
        throw error instanceof AuthenticationError ? error : new AuthenticationError(problemOf(error));
      }
      // Valid to this gateway until exp plus the leeway it grants, on every transport alike.
      const expiresAt = typeof payload.exp === 'number' ? payload.exp * 1000 + toleranceMs : null;
      const caller: Caller = Object.freeze({
        authenticated: true,
        subject: typeof payload.sub === 'string' ? payload.sub : null,
        scopes: scopesFromClaims(payload, options.scopesClaim),
        expiresAt,
        claims: Object.freeze({ ...payload }),
      });
      cache.set(token, { caller, header, key, issuer: typeof payload.iss === 'string' ? payload.iss : undefined }, Math.min((expiresAt ?? Infinity) - now(), cacheTtlMs));
      return caller;
    },
  };

  /**
   * A cached token stays valid only while the key that verified it is still
   * the key its header selects: after a JWKS rotation removes that key, the
   * token is checked again (and fails) instead of living on in the cache.
   */
  async function stillSignedBy({ header, key, issuer }: { header: JWTHeaderParameters; key: KeyLike | Uint8Array; issuer: string | undefined }): Promise<boolean> {
    if (HMAC.test(header.alg)) return true;
    try {
      return (await keyFor(header, issuer, NO_TOKEN)) === key;
    } catch {
      return false;
    }
  }
}

/** jose's key lookup reads the protected header; the cache has no token body to give it. */
const NO_TOKEN = { payload: '', signature: '' } as FlattenedJWSInput;

function problemOf(error: unknown): TokenProblem {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'exp' && error.reason === 'missing') return 'no-expiry';
    if (error.claim === 'nbf') return 'not-yet-valid';
    if (error.claim === 'iss') return 'issuer';
    if (error.claim === 'aud') return 'audience';
    return 'invalid';
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return 'algorithm';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return 'unknown-key';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed';
  return 'invalid';
}

/** The `iss` a compact token claims, read without trusting it: it only picks which key set may verify it. */
function issuerOf(token: FlattenedJWSInput): string | undefined {
  try {
    const payload = typeof token.payload === 'string' ? Buffer.from(token.payload, 'base64url') : Buffer.from(token.payload);
    const claims = JSON.parse(payload.toString('utf8')) as { iss?: unknown };
    return typeof claims.iss === 'string' ? claims.iss : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a production gateway should say at start-up about its token setup,
 * once each: a gateway without keys answers every token with 401, and one
 * without issuer or audience accepts tokens minted for anyone by its keys.
 */
export function tokenSetupWarnings(options: Pick<TokenVerifierOptions, 'secret' | 'jwksUrls' | 'jwks' | 'issuers' | 'audiences'>): string[] {
  const warnings: string[] = [];
  if (!options.secret && options.jwksUrls.length === 0 && (options.jwks ?? []).length === 0) {
    warnings.push('no JWT_SECRET and no JWKS configured: every request with a token will be refused (401), only anonymous callers can use the API');
  }
  if (options.issuers.length === 0 && !(options.jwks ?? []).some((set) => set.issuer)) warnings.push('no JWT issuer configured (JWT_ISSUERS): tokens of any issuer the keys verify are accepted');
  if (options.audiences.length === 0) warnings.push('no JWT audience configured (JWT_AUDIENCES): tokens meant for other services are accepted');
  return warnings;
}
