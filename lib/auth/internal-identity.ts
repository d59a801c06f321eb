/**
 * The caller's identity as the gateway hands it to the subgraphs: the
 * gateway verifies the client's credentials once, then signs
 * `{ sub, scp, aud, iss, exp }` as a JWT with its Ed25519 private key and sends
 * it on every subgraph fetch in the `x-gateway-identity` header. Subgraphs
 * hold only the public key: they can verify an identity but never mint one,
 * and `aud` is the subgraph's name, so a header captured at one subgraph is
 * refused by every other. Subgraphs never see a client's own token.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';
import { BoundedCache } from '../cache/bounded';

export const INTERNAL_IDENTITY_HEADER = 'x-gateway-identity';
/** `iss` of every identity the gateway signs. */
export const IDENTITY_ISSUER = 'federation-gateway';
const IDENTITY_TYPE = 'gateway-identity+jwt';

/**
 * Used by gateway and subgraphs when no key is configured, so a development
 * stack works out of the box; public, hence refused unless NODE_ENV is
 * development or test (callers enforce that). `npm start` makes a fresh pair per run.
 */
export const DEV_IDENTITY_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIB61WHW1AG7yhj87lFCypfNmyE1c8XJo4dhCOTdHSA0U
-----END PRIVATE KEY-----
`;
export const DEV_IDENTITY_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEATp1zk1buwmk1JCccd6IFib38vb3SZCmbPMNGXQVTV3o=
-----END PUBLIC KEY-----
`;

/** How long a signed identity is valid by default. */
export const DEFAULT_IDENTITY_TTL_MS = 60_000;
/** Clock difference tolerated between gateway and subgraph hosts. */
export const CLOCK_SKEW_MS = 5_000;
/** A longer header is rejected as malformed before any work (a real one is a few hundred bytes). */
export const MAX_IDENTITY_HEADER_LENGTH = 8 * 1024;
/** IdentitySigner keeps at most this many signed headers (one per distinct caller and subgraph). */
export const DEFAULT_SIGNER_CACHE_SIZE = 10_000;

export interface Identity {
  /** Subject of the caller's token; null for an anonymous caller (or an API key alone). */
  subject: string | null;
  scopes: readonly string[];
}

/** A verified identity and when it stops being valid (unix ms, `exp` plus the allowed skew). */
export interface VerifiedIdentity extends Identity {
  expiresAt: number;
}

export type InternalIdentityFailure = 'missing' | 'malformed' | 'bad-signature' | 'wrong-audience' | 'expired';

/** Why a header did not verify. For logs only: a caller is never told which check failed. */
export class InternalIdentityError extends Error {
  constructor(
    readonly reason: InternalIdentityFailure,
    message: string,
  ) {
    super(message);
    this.name = 'InternalIdentityError';
  }
}

/** A PEM key from configuration, with real newlines or `\n` escapes (as env files hold them). */
function pem(value: string): string {
  return value.includes('\\n') ? value.replace(/\\n/g, '\n') : value;
}

/** The gateway's Ed25519 private key (PKCS#8 PEM). */
export function identityPrivateKey(value: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem(value));
  } catch {
    throw new Error('is not a PEM private key (PKCS#8, "-----BEGIN PRIVATE KEY-----")');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`must be an Ed25519 key (got ${key.asymmetricKeyType})`);
  return key;
}

/** The subgraphs' copy of the gateway's Ed25519 public key (SPKI PEM). */
export function identityPublicKey(value: string): KeyObject {
  // createPublicKey would derive the public half from a private key; a subgraph must never hold one.
  if (value.includes('PRIVATE KEY')) throw new Error('must be the public key, not the private one');
  let key: KeyObject;
  try {
    key = createPublicKey(pem(value));
  } catch {
    throw new Error('is not a PEM public key (SPKI, "-----BEGIN PUBLIC KEY-----")');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`must be an Ed25519 key (got ${key.asymmetricKeyType})`);
  return key;
}

/** Signs `identity` for the subgraph `audience` until `nowMs + ttlMs`. */
export function signIdentity(
  identity: Identity,
  privateKey: KeyObject,
  { audience, nowMs = Date.now(), ttlMs = DEFAULT_IDENTITY_TTL_MS }: { audience: string; nowMs?: number; ttlMs?: number },
): Promise<string> {
  const jwt = new SignJWT({ scp: [...identity.scopes] })
    .setProtectedHeader({ alg: 'EdDSA', typ: IDENTITY_TYPE })
    .setIssuer(IDENTITY_ISSUER)
    .setAudience(audience)
    .setIssuedAt(Math.floor(nowMs / 1000))
    .setExpirationTime(Math.floor((nowMs + ttlMs) / 1000));
  if (identity.subject !== null) jwt.setSubject(identity.subject);
  return jwt.sign(privateKey);
}

/**
 * Signed headers per (caller, subgraph) for the gateway's hot path: a header
 * is re-signed only once half its ttl has passed (so it always has at least
 * ttl/2 left when sent), and a subgraph fetch otherwise costs a cache lookup.
 * The cache key is the JSON of (subject, sorted scopes, audience): no
 * delimiter a subject or scope could contain makes two callers one.
 */
export class IdentitySigner {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly cache: BoundedCache<{ header: Promise<string>; signedAt: number }>;

  constructor(
    private readonly privateKey: KeyObject,
    options: { ttlMs?: number; now?: () => number; maxEntries?: number } = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_IDENTITY_TTL_MS;
    this.now = options.now ?? Date.now;
    this.cache = new BoundedCache({ maxEntries: options.maxEntries ?? DEFAULT_SIGNER_CACHE_SIZE });
  }

  headerFor(identity: Identity, audience: string): Promise<string> {
    const scopes = identity.scopes.length < 2 ? identity.scopes : [...identity.scopes].sort();
    const key = JSON.stringify([identity.subject, scopes, audience]);
    const now = this.now();
    const cached = this.cache.get(key);
    if (cached && now - cached.signedAt < this.ttlMs / 2) return cached.header;
    const header = signIdentity({ subject: identity.subject, scopes }, this.privateKey, { audience, nowMs: now, ttlMs: this.ttlMs });
    this.cache.set(key, { header, signedAt: now });
    return header;
  }

  /** Headers currently cached. */
  get size(): number {
    return this.cache.size;
  }
}

/**
 * A subgraph's check of the gateway's identity header: EdDSA only, the
 * gateway's issuer, this subgraph's name as audience, `exp` required (with
 * CLOCK_SKEW_MS leeway). Verified headers are remembered until they expire
 * (bounded), as the gateway reuses each one for half its ttl.
 */
export class IdentityVerifier {
  private readonly now: () => number;
  private readonly cache = new BoundedCache<VerifiedIdentity>({ maxEntries: DEFAULT_SIGNER_CACHE_SIZE });

  constructor(
    private readonly publicKey: KeyObject,
    private readonly audience: string,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async verify(header: string | undefined): Promise<VerifiedIdentity> {
    if (header === undefined || header === '') throw new InternalIdentityError('missing', `no ${INTERNAL_IDENTITY_HEADER} header`);
    if (header.length > MAX_IDENTITY_HEADER_LENGTH) {
      throw new InternalIdentityError('malformed', `${INTERNAL_IDENTITY_HEADER} is longer than ${MAX_IDENTITY_HEADER_LENGTH} characters`);
    }
    const now = this.now();
    const cached = this.cache.get(header);
    if (cached && cached.expiresAt >= now) return cached;
    let payload;
    try {
      ({ payload } = await jwtVerify(header, this.publicKey, {
        algorithms: ['EdDSA'],
        typ: IDENTITY_TYPE,
        issuer: IDENTITY_ISSUER,
        audience: this.audience,
        requiredClaims: ['exp'],
        clockTolerance: CLOCK_SKEW_MS / 1000,
        currentDate: new Date(now),
      }));
    } catch (error) {
      throw failureOf(error);
    }
    const scopes = payload.scp;
    if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string') || (payload.sub !== undefined && typeof payload.sub !== 'string')) {
      throw new InternalIdentityError('malformed', `${INTERNAL_IDENTITY_HEADER} claims are not { sub?, scp }`);
    }
    const identity: VerifiedIdentity = { subject: payload.sub ?? null, scopes, expiresAt: payload.exp! * 1000 + CLOCK_SKEW_MS };
    this.cache.set(header, identity, identity.expiresAt - now);
    return identity;
  }
}

function failureOf(error: unknown): InternalIdentityError {
  const message = `${INTERNAL_IDENTITY_HEADER}: ${(error as Error).message}`;
  if (error instanceof errors.JWTExpired) return new InternalIdentityError('expired', message);
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') return new InternalIdentityError('wrong-audience', message);
  if (error instanceof errors.JWSSignatureVerificationFailed) return new InternalIdentityError('bad-signature', message);
  return new InternalIdentityError('malformed', message);
}
