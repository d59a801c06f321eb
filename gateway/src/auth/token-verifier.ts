import { createRemoteJWKSet, errors, jwtVerify, type JWTHeaderParameters, type JWTPayload, type FlattenedJWSInput, type KeyLike } from 'jose';
import type { Logger } from '../../../lib/logger';
import type { Caller } from './caller';
import { AuthenticationError, type TokenProblem } from './errors';
import { scopesFromClaims } from './scopes';

export interface TokenVerifierOptions {
  /** HS256/384/512 secret; without it no HMAC-signed token is accepted. */
  secret?: string;
  /** JWKS endpoints for asymmetric keys (RS*, PS*, ES*, EdDSA). */
  jwksUrls: readonly string[];
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
  const keySets = options.jwksUrls.map((url) => ({
    url,
    getKey: createRemoteJWKSet(new URL(url), {
      cooldownDuration: options.jwksCooldownMs,
      cacheMaxAge: options.jwksCacheMaxAgeMs,
      timeoutDuration: options.jwksTimeoutMs,
    }),
  }));
  const algorithms = options.algorithms.filter((alg) => (HMAC.test(alg) ? secret !== undefined : keySets.length > 0));
  const now = options.now ?? Date.now;
  const cache = new BoundedCache<{ caller: Caller; header: JWTHeaderParameters; key: KeyLike | Uint8Array }>(options.cacheSize ?? 10_000);
  const cacheTtlMs = options.cacheTtlMs ?? 300_000;

  const getKey = async (header: JWTHeaderParameters, token: FlattenedJWSInput): Promise<KeyLike | Uint8Array> => {
    if (HMAC.test(header.alg)) {
      if (!secret) throw new AuthenticationError('algorithm');
      return secret;
    }
    for (const { url, getKey: fromSet } of keySets) {
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

  return {
    async verify(token) {
      if (token.length > options.maxTokenBytes) throw new AuthenticationError('too-large');
      const cached = cache.get(token, now());
      if (cached && (await stillSignedBy(cached.header, cached.key))) return cached.caller;
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
        }));
      } catch (error) {
        throw error instanceof AuthenticationError ? error : new AuthenticationError(problemOf(error));
      }
      const expiresAt = typeof payload.exp === 'number' ? payload.exp * 1000 : null;
      const caller: Caller = Object.freeze({
        authenticated: true,
        subject: typeof payload.sub === 'string' ? payload.sub : null,
        scopes: scopesFromClaims(payload, options.scopesClaim),
        expiresAt,
        claims: Object.freeze({ ...payload }),
      });
      cache.set(token, { caller, header, key }, Math.min(expiresAt ?? Infinity, now() + cacheTtlMs));
      return caller;
    },
  };

  /**
   * A cached token stays valid only while the key that verified it is still
   * the key its header selects: after a JWKS rotation removes that key, the
   * token is checked again (and fails) instead of living on in the cache.
   */
  async function stillSignedBy(header: JWTHeaderParameters, key: KeyLike | Uint8Array): Promise<boolean> {
    if (HMAC.test(header.alg)) return true;
    try {
      return (await getKey(header, NO_TOKEN)) === key;
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

/** Insertion-ordered map with per-entry expiry; the oldest entry goes when full. */
class BoundedCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(private readonly capacity: number) {}

  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, until: number): void {
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, until });
  }
}
