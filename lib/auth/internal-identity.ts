/**
 * The caller's identity as the gateway hands it to the subgraphs: the
 * gateway verifies the client's JWT once, then signs `{ sub, scp, exp }`
 * with a secret only it and the subgraphs know and sends it on every
 * subgraph fetch in the `x-gateway-identity` header. A subgraph answers only
 * requests carrying a valid signature, so it trusts nobody but the gateway
 * and never parses a JWT itself.
 *
 * Format: `<base64url(JSON payload)>.<base64url(HMAC-SHA256(secret, payloadPart))>`
 * with payload `{ sub: string | null, scp: string[], exp: <unix ms> }`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const INTERNAL_IDENTITY_HEADER = 'x-gateway-identity';

/**
 * Used by gateway and subgraphs when INTERNAL_AUTH_SECRET is not configured,
 * so a development stack works out of the box; refused in production (callers enforce that).
 */
export const DEV_INTERNAL_SECRET = 'dev-only-internal-auth-secret--never-use-in-production';

/** Shortest secret accepted: 32 characters, at least as long as the HMAC-SHA256 output. */
export const MIN_INTERNAL_SECRET_LENGTH = 32;
/** How long a signed identity is valid by default. */
export const DEFAULT_IDENTITY_TTL_MS = 60_000;
/** Clock difference tolerated between gateway and subgraph hosts. */
export const CLOCK_SKEW_MS = 5_000;
/** A longer header is rejected as malformed before any work (a real one is a few hundred bytes). */
export const MAX_IDENTITY_HEADER_LENGTH = 8 * 1024;
/** IdentitySigner keeps at most this many signed headers (one per distinct caller). */
export const DEFAULT_SIGNER_CACHE_SIZE = 10_000;

export interface Identity {
  /** JWT subject of the caller; null for an anonymous caller. */
  subject: string | null;
  scopes: readonly string[];
}

export type InternalIdentityFailure = 'missing' | 'malformed' | 'bad-signature' | 'expired';

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

interface IdentityPayload {
  sub: string | null;
  scp: string[];
  /** Expiry, unix milliseconds. */
  exp: number;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** HMAC-SHA256 is 32 bytes: 43 base64url characters without padding. */
const SIGNATURE_BYTES = 32;

function hmac(secret: string, payloadPart: string): Buffer {
  return createHmac('sha256', secret).update(payloadPart).digest();
}

/** Signs `identity` until `nowMs + ttlMs`. */
export function signIdentity(identity: Identity, secret: string, options: { nowMs?: number; ttlMs?: number } = {}): string {
  const { nowMs = Date.now(), ttlMs = DEFAULT_IDENTITY_TTL_MS } = options;
  const payload: IdentityPayload = { sub: identity.subject, scp: [...identity.scopes], exp: nowMs + ttlMs };
  const payloadPart = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${payloadPart}.${hmac(secret, payloadPart).toString('base64url')}`;
}

/**
 * The identity in a header signed with `secret`, or an InternalIdentityError:
 * `missing` (no header), `malformed` (not our format, or longer than 8 KiB),
 * `bad-signature` (another secret, or a changed payload), `expired` (more than
 * 5 s past `exp`). The signature is checked (in constant time) before the
 * payload is parsed, so unsigned JSON is never parsed.
 */
export function verifyIdentity(header: string | undefined, secret: string, nowMs: number = Date.now()): Identity {
  if (header === undefined || header === '') throw new InternalIdentityError('missing', `no ${INTERNAL_IDENTITY_HEADER} header`);
  if (header.length > MAX_IDENTITY_HEADER_LENGTH) {
    throw new InternalIdentityError('malformed', `${INTERNAL_IDENTITY_HEADER} is longer than ${MAX_IDENTITY_HEADER_LENGTH} characters`);
  }
  const dot = header.indexOf('.');
  const payloadPart = header.slice(0, dot);
  const signaturePart = header.slice(dot + 1);
  if (dot === -1 || !BASE64URL.test(payloadPart) || !BASE64URL.test(signaturePart)) {
    throw new InternalIdentityError('malformed', `${INTERNAL_IDENTITY_HEADER} is not <payload>.<signature> in base64url`);
  }
  const given = Buffer.from(signaturePart, 'base64url');
  if (given.length !== SIGNATURE_BYTES) throw new InternalIdentityError('malformed', `${INTERNAL_IDENTITY_HEADER} signature is not an HMAC-SHA256`);
  if (!timingSafeEqual(given, hmac(secret, payloadPart))) {
    throw new InternalIdentityError('bad-signature', `${INTERNAL_IDENTITY_HEADER} signature does not match`);
  }

  const payload = parsePayload(payloadPart);
  if (nowMs > payload.exp + CLOCK_SKEW_MS) throw new InternalIdentityError('expired', `${INTERNAL_IDENTITY_HEADER} expired at ${new Date(payload.exp).toISOString()}`);
  return { subject: payload.sub, scopes: payload.scp };
}

/** A signed payload of the wrong shape is a bug on the signing side, still answered as malformed. */
function parsePayload(payloadPart: string): IdentityPayload {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    throw new InternalIdentityError('malformed', `${INTERNAL_IDENTITY_HEADER} payload is not JSON`);
  }
  const payload = value as Partial<IdentityPayload> | null;
  if (
    payload === null ||
    typeof payload !== 'object' ||
    !(payload.sub === null || typeof payload.sub === 'string') ||
    !Array.isArray(payload.scp) ||
    !payload.scp.every((scope) => typeof scope === 'string') ||
    typeof payload.exp !== 'number' ||
    !Number.isFinite(payload.exp)
  ) {
    throw new InternalIdentityError('malformed', `${INTERNAL_IDENTITY_HEADER} payload is not { sub, scp, exp }`);
  }
  return payload as IdentityPayload;
}

/**
 * Signed headers per caller for the gateway's hot path: a header is re-signed
 * only once half its ttl has passed (so it always has at least ttl/2 left when
 * sent), and a subgraph fetch otherwise costs a Map lookup. Callers are keyed
 * by subject and sorted scopes; the cache holds at most `maxEntries`, evicting
 * the least recently signed.
 */
export class IdentitySigner {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly maxEntries: number;
  private readonly cache = new Map<string, { header: string; signedAt: number }>();

  constructor(
    private readonly secret: string,
    options: {
      /** Validity of each signed header. Default: 60 000 ms. */
      ttlMs?: number;
      /** Clock, for tests. Default: Date.now. */
      now?: () => number;
      /** Default: 10 000. */
      maxEntries?: number;
    } = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_IDENTITY_TTL_MS;
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? DEFAULT_SIGNER_CACHE_SIZE;
  }

  headerFor(identity: Identity): string {
    const scopes = identity.scopes.length < 2 ? identity.scopes : [...identity.scopes].sort();
    // \u0000 never appears in a JWT subject or scope; the leading tag tells null from "".
    const key = `${identity.subject === null ? '-' : `+${identity.subject}`}\u0000${scopes.join('\u0000')}`;
    const now = this.now();
    const cached = this.cache.get(key);
    if (cached && now - cached.signedAt < this.ttlMs / 2) return cached.header;

    const header = signIdentity({ subject: identity.subject, scopes }, this.secret, { nowMs: now, ttlMs: this.ttlMs });
    this.cache.delete(key);
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { header, signedAt: now });
    return header;
  }

  /** Callers currently cached. */
  get size(): number {
    return this.cache.size;
  }
}

/**
 * What is wrong with a secret, as a phrase to follow the variable's name
 * ("must be at least 32 characters (got 12)"; never quoting the secret), or
 * undefined when it can be used.
 */
export function validateInternalSecret(secret: string): string | undefined {
  if (secret.length < MIN_INTERNAL_SECRET_LENGTH) {
    return `must be at least ${MIN_INTERNAL_SECRET_LENGTH} characters (got ${secret.length})`;
  }
  if (secret.trim() !== secret) return 'must not start or end with whitespace';
  return undefined;
}
