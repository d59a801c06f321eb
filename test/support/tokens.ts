import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEV_JWT_SECRET } from '../../gateway/src/auth/dev-secret';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWTPayload, type KeyLike } from 'jose';

/** An HS256 secret for tests (what JWT_SECRET would hold). */
export const TEST_JWT_SECRET = 'test-jwt-secret-for-the-attack-matrix-0123456789';
export const TEST_ISSUER = 'https://issuer.test';
export const TEST_AUDIENCE = 'federation-gateway';

export interface TokenOptions {
  sub?: string;
  scope?: string;
  /** Seconds from now; negative for an expired token; null for none (no `exp`). Default 300. */
  expiresIn?: number | null;
  /** Seconds from now for `nbf`. */
  notBefore?: number;
  iss?: string;
  aud?: string;
  extra?: JWTPayload;
}

function claims({ sub = 'alice', scope, iss = TEST_ISSUER, aud = TEST_AUDIENCE, extra = {} }: TokenOptions): JWTPayload {
  return { sub, iss, aud, ...(scope !== undefined && { scope }), ...extra };
}

function withTimes(jwt: SignJWT, { expiresIn = 300, notBefore }: TokenOptions): SignJWT {
  const now = Math.floor(Date.now() / 1000);
  jwt.setIssuedAt(now);
  if (expiresIn !== null) jwt.setExpirationTime(now + expiresIn);
  if (notBefore !== undefined) jwt.setNotBefore(now + notBefore);
  return jwt;
}

/** An HS256 token signed with `secret` (the test secret unless told otherwise). */
export function hsToken(options: TokenOptions = {}, secret = TEST_JWT_SECRET): Promise<string> {
  return withTimes(new SignJWT(claims(options)).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }), options).sign(new TextEncoder().encode(secret));
}

/** Every scope our schemas and subgraphs know: an operator who may do anything. */
export const ALL_SCOPES = 'payments:read:all payments:write inventory:write products:write';

/** The Authorization header of a token a development gateway accepts (the public dev secret). */
export async function devAuthorization(options: TokenOptions = { sub: 'operator', scope: ALL_SCOPES }): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await hsToken(options, DEV_JWT_SECRET)}` };
}

/** An RSA key pair with a `kid`, as an identity provider holds one. */
export interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  publicJwk: Record<string, unknown>;
  publicPem: string;
}

export async function rsaKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }, publicPem: await exportSPKI(publicKey) };
}

export function rsToken(key: SigningKey, options: TokenOptions = {}): Promise<string> {
  return withTimes(new SignJWT(claims(options)).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }), options).sign(key.privateKey);
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** `alg: none`: a header, claims and an empty signature. */
export function unsignedToken(options: TokenOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...claims(options), iat: now, exp: now + 300 })}.`;
}

/** The key-confusion attack: HS256 "signed" with the RSA public key (PEM text) as the HMAC secret, with that key's kid. */
export function confusedToken(key: SigningKey, options: TokenOptions = {}): Promise<string> {
  return withTimes(new SignJWT(claims(options)).setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' }), options).sign(new TextEncoder().encode(key.publicPem));
}

/** A real JWKS endpoint on loopback whose key set a test can rotate; it counts fetches. */
export interface JwksServer {
  url: string;
  fetches: number;
  publish(keys: SigningKey[]): void;
  close(): Promise<void>;
}

export async function startJwksServer(keys: SigningKey[]): Promise<JwksServer> {
  let published = keys;
  const state = { fetches: 0 };
  const server: Server = createServer((_req, res) => {
    state.fetches++;
    const body = JSON.stringify({ keys: published.map((k) => k.publicJwk) });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return state.fetches;
    },
    publish(next) {
      published = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
