import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  CLOCK_SKEW_MS,
  DEV_IDENTITY_PRIVATE_KEY,
  DEV_IDENTITY_PUBLIC_KEY,
  IDENTITY_ISSUER,
  IdentitySigner,
  IdentityVerifier,
  InternalIdentityError,
  MAX_IDENTITY_HEADER_LENGTH,
  identityPrivateKey,
  identityPublicKey,
  signIdentity,
  type Identity,
} from '../../lib/auth/internal-identity';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const NOW = Date.UTC(2026, 0, 1);
const alice: Identity = { subject: 'alice', scopes: ['payments:read', 'products:write'] };
const verifier = (audience = 'payments', now = NOW) => new IdentityVerifier(publicKey, audience, { now: () => now });
const sign = (identity: Identity = alice, options: { audience?: string; nowMs?: number; ttlMs?: number; key?: typeof privateKey } = {}) =>
  signIdentity(identity, options.key ?? privateKey, { audience: options.audience ?? 'payments', nowMs: options.nowMs ?? NOW, ttlMs: options.ttlMs });

/** The reason verification fails with (and that it fails with an InternalIdentityError). */
async function failure(header: string | undefined, check = verifier()): Promise<string> {
  try {
    await check.verify(header);
  } catch (error) {
    expect(error).toBeInstanceOf(InternalIdentityError);
    return (error as InternalIdentityError).reason;
  }
  throw new Error('the header was accepted');
}

describe('identities the gateway signs for its subgraphs', () => {
  it('round-trips a subject and its scopes', async () => {
    expect(await verifier().verify(await sign())).toEqual({ subject: 'alice', scopes: alice.scopes, expiresAt: NOW + 60_000 + CLOCK_SKEW_MS });
  });

  it('round-trips an anonymous caller (no sub, no scopes)', async () => {
    expect(await verifier().verify(await sign({ subject: null, scopes: [] }))).toMatchObject({ subject: null, scopes: [] });
  });

  it('is an EdDSA JWT with the gateway as issuer, the subgraph as audience and a 60 s expiry by default', async () => {
    const header = await sign();
    expect(decodeProtectedHeader(header)).toEqual({ alg: 'EdDSA', typ: 'gateway-identity+jwt' });
    expect(decodeJwt(header)).toEqual({ sub: 'alice', scp: alice.scopes, iss: IDENTITY_ISSUER, aud: 'payments', iat: NOW / 1000, exp: NOW / 1000 + 60 });
  });

  it('is refused by every other subgraph: a header captured at one is useless at the next', async () => {
    expect(await failure(await sign(alice, { audience: 'products' }))).toBe('wrong-audience');
  });

  it('cannot be minted without the private key: another key, or changed claims, fail the signature', async () => {
    expect(await failure(await sign(alice, { key: generateKeyPairSync('ed25519').privateKey }))).toBe('bad-signature');
    const [head, , signature] = (await sign()).split('.');
    const claims = Buffer.from(JSON.stringify({ sub: 'alice', scp: ['payments:read:all'], iss: IDENTITY_ISSUER, aud: 'payments', exp: NOW / 1000 + 60 })).toString('base64url');
    expect(await failure(`${head}.${claims}.${signature}`)).toBe('bad-signature');
  });

  it('refuses an HS256 token even if it carries the right claims (only EdDSA is accepted)', async () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const forged = `${b64({ alg: 'HS256', typ: 'gateway-identity+jwt' })}.${b64({ sub: 'alice', scp: [], iss: IDENTITY_ISSUER, aud: 'payments', exp: NOW / 1000 + 60 })}.c2ln`;
    expect(await failure(forged)).toBe('malformed');
  });

  it(`accepts an identity up to ${CLOCK_SKEW_MS} ms past exp (clock skew) and refuses it after as expired`, async () => {
    const header = await sign(alice, { ttlMs: 1_000 });
    expect((await verifier('payments', NOW + 1_000 + CLOCK_SKEW_MS - 1_000).verify(header)).subject).toBe('alice');
    expect(await failure(header, verifier('payments', NOW + 1_000 + CLOCK_SKEW_MS + 1_000))).toBe('expired');
  });

  it('remembers a verified header only until it expires', async () => {
    let now = NOW;
    const check = new IdentityVerifier(publicKey, 'payments', { now: () => now });
    const header = await sign(alice, { ttlMs: 1_000 });
    await check.verify(header);
    now = NOW + 1_000 + CLOCK_SKEW_MS + 1_000;
    expect(await failure(header, check)).toBe('expired');
  });

  it.each([
    ['missing', 'missing', undefined],
    ['empty', 'missing', ''],
    ['not a JWT', 'malformed', 'Bearer eyJhbGciOi'],
    ['longer than 8 KiB', 'malformed', 'a'.repeat(MAX_IDENTITY_HEADER_LENGTH + 1)],
  ])('reports a header that is %s as %s', async (_case, reason, header) => {
    expect(await failure(header)).toBe(reason);
  });
});

describe('IdentitySigner', () => {
  it('signs once per caller and subgraph, and again once half the ttl has passed', async () => {
    let now = NOW;
    const signer = new IdentitySigner(privateKey, { ttlMs: 60_000, now: () => now });
    const first = await signer.headerFor(alice, 'payments');
    expect(await signer.headerFor({ subject: 'alice', scopes: ['products:write', 'payments:read'] }, 'payments')).toBe(first);
    expect(await signer.headerFor(alice, 'products')).not.toBe(first);
    now += 29_999;
    expect(await signer.headerFor(alice, 'payments')).toBe(first);
    now += 1;
    expect(await signer.headerFor(alice, 'payments')).not.toBe(first);
  });

  it('never lets two different callers share a cached header, whatever their subjects and scopes contain', async () => {
    const signer = new IdentitySigner(privateKey);
    const look = async (identity: Identity) => decodeJwt(await signer.headerFor(identity, 'payments'));
    const pairs: Identity[][] = [
      [{ subject: null, scopes: [] }, { subject: 'null', scopes: [] }],
      [{ subject: '', scopes: [] }, { subject: null, scopes: [] }],
      [{ subject: 'a","b', scopes: [] }, { subject: 'a', scopes: ['b'] }],
      [{ subject: 'a', scopes: ['b,c'] }, { subject: 'a', scopes: ['b', 'c'] }],
    ];
    for (const [one, other] of pairs) {
      expect((await look(one)).sub).toBe(one.subject ?? undefined);
      expect((await look(other)).sub).toBe(other.subject ?? undefined);
      expect((await look(other)).scp).toEqual(other.scopes);
    }
  });

  it('keeps at most maxEntries headers', async () => {
    const signer = new IdentitySigner(privateKey, { maxEntries: 2 });
    for (const subject of ['a', 'b', 'c']) await signer.headerFor({ subject, scopes: [] }, 'payments');
    expect(signer.size).toBe(2);
  });
});

describe('identity keys from configuration', () => {
  it('reads PEM with real newlines or \\n escapes, and checks the kind of key', () => {
    expect(identityPrivateKey(DEV_IDENTITY_PRIVATE_KEY.replace(/\n/g, '\\n')).asymmetricKeyType).toBe('ed25519');
    expect(identityPublicKey(DEV_IDENTITY_PUBLIC_KEY).asymmetricKeyType).toBe('ed25519');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(() => identityPrivateKey(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toThrow('must be an Ed25519 key (got rsa)');
    expect(() => identityPublicKey(DEV_IDENTITY_PRIVATE_KEY)).toThrow('must be the public key, not the private one');
    expect(() => identityPrivateKey('secret')).toThrow(/is not a PEM private key/);
  });

  it('pairs the development keys with each other', async () => {
    const header = await signIdentity(alice, identityPrivateKey(DEV_IDENTITY_PRIVATE_KEY), { audience: 'products' });
    expect((await new IdentityVerifier(identityPublicKey(DEV_IDENTITY_PUBLIC_KEY), 'products').verify(header)).subject).toBe('alice');
  });
});
