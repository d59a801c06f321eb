import { createHmac } from 'node:crypto';
import {
  CLOCK_SKEW_MS,
  DEV_INTERNAL_SECRET,
  IdentitySigner,
  InternalIdentityError,
  MAX_IDENTITY_HEADER_LENGTH,
  signIdentity,
  validateInternalSecret,
  verifyIdentity,
  type Identity,
} from '../../lib/auth/internal-identity';

const SECRET = 'a-test-secret-that-is-long-enough-for-hmac';
const NOW = Date.UTC(2026, 0, 1);
const alice: Identity = { subject: 'alice', scopes: ['payments:read', 'products:write'] };

/** The reason verifyIdentity fails with (and that it fails with an InternalIdentityError). */
function failure(header: string | undefined, secret = SECRET, nowMs = NOW): string {
  try {
    verifyIdentity(header, secret, nowMs);
  } catch (error) {
    expect(error).toBeInstanceOf(InternalIdentityError);
    return (error as InternalIdentityError).reason;
  }
  throw new Error('verifyIdentity accepted the header');
}

const b64 = (value: string) => Buffer.from(value, 'utf8').toString('base64url');

describe('signIdentity and verifyIdentity', () => {
  it('round-trips a subject and its scopes', () => {
    const header = signIdentity(alice, SECRET, { nowMs: NOW });
    expect(verifyIdentity(header, SECRET, NOW)).toEqual({ subject: 'alice', scopes: ['payments:read', 'products:write'] });
  });

  it('round-trips an anonymous caller (subject null, no scopes)', () => {
    const header = signIdentity({ subject: null, scopes: [] }, SECRET, { nowMs: NOW });
    expect(verifyIdentity(header, SECRET, NOW)).toEqual({ subject: null, scopes: [] });
  });

  it('writes <base64url payload>.<base64url HMAC> with sub, scp and exp (unix ms, default ttl 60 s)', () => {
    const [payloadPart, signaturePart] = signIdentity(alice, SECRET, { nowMs: NOW }).split('.');
    expect(JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'))).toEqual({ sub: 'alice', scp: alice.scopes, exp: NOW + 60_000 });
    expect(Buffer.from(signaturePart, 'base64url')).toHaveLength(32);
  });

  it('rejects a payload changed after signing (more scopes) as bad-signature', () => {
    const [, signaturePart] = signIdentity(alice, SECRET, { nowMs: NOW }).split('.');
    const forged = b64(JSON.stringify({ sub: 'alice', scp: ['payments:read:all'], exp: NOW + 60_000 }));
    expect(failure(`${forged}.${signaturePart}`)).toBe('bad-signature');
  });

  it('rejects a header signed with another secret as bad-signature', () => {
    expect(failure(signIdentity(alice, DEV_INTERNAL_SECRET, { nowMs: NOW }))).toBe('bad-signature');
  });

  it('rejects a changed signature as bad-signature', () => {
    const header = signIdentity(alice, SECRET, { nowMs: NOW });
    const flipped = header.slice(0, -2) + (header.at(-2) === 'A' ? 'B' : 'A') + header.at(-1);
    expect(failure(flipped)).toBe('bad-signature');
  });

  it(`accepts an identity up to ${CLOCK_SKEW_MS} ms past exp (clock skew) and rejects it after as expired`, () => {
    const header = signIdentity(alice, SECRET, { nowMs: NOW, ttlMs: 1_000 });
    expect(verifyIdentity(header, SECRET, NOW + 1_000 + CLOCK_SKEW_MS).subject).toBe('alice');
    expect(failure(header, SECRET, NOW + 1_000 + CLOCK_SKEW_MS + 1)).toBe('expired');
  });

  it('reports a missing header as missing', () => {
    expect(failure(undefined)).toBe('missing');
    expect(failure('')).toBe('missing');
  });

  it.each([
    ['no dot', 'abcdef'],
    ['an empty payload', '.abcdef'],
    ['an empty signature', 'abcdef.'],
    ['three parts', 'a.b.c'],
    ['characters outside base64url', 'ab+c/d==.ef$g'],
    ['a signature of the wrong length', `${b64('{}')}.${b64('short')}`],
  ])('rejects %s as malformed', (_case, header) => {
    expect(failure(header)).toBe('malformed');
  });

  it(`rejects a header longer than ${MAX_IDENTITY_HEADER_LENGTH} characters as malformed without verifying it`, () => {
    const huge = signIdentity({ subject: 'x'.repeat(MAX_IDENTITY_HEADER_LENGTH), scopes: [] }, SECRET, { nowMs: NOW });
    expect(failure(huge)).toBe('malformed');
  });

  it.each([
    ['not JSON', 'not json at all'],
    ['JSON of the wrong shape', JSON.stringify({ sub: 42, scp: 'all', exp: 'soon' })],
    ['JSON null', 'null'],
  ])('rejects a correctly signed payload that is %s as malformed', (_case, json) => {
    const payloadPart = b64(json);
    const signature = createHmac('sha256', SECRET).update(payloadPart).digest('base64url');
    expect(failure(`${payloadPart}.${signature}`)).toBe('malformed');
  });
});

describe('IdentitySigner', () => {
  const clock = () => {
    let now = NOW;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('answers the same header for the same caller until half the ttl has passed, then re-signs', () => {
    const time = clock();
    const signer = new IdentitySigner(SECRET, { ttlMs: 10_000, now: time.now });
    const first = signer.headerFor(alice);
    time.advance(4_999);
    expect(signer.headerFor({ subject: 'alice', scopes: [...alice.scopes] })).toBe(first);
    time.advance(1);
    const second = signer.headerFor(alice);
    expect(second).not.toBe(first);
    expect(verifyIdentity(second, SECRET, time.now() + 9_999).subject).toBe('alice');
  });

  it('treats scopes in another order as the same caller', () => {
    const signer = new IdentitySigner(SECRET, { now: () => NOW });
    expect(signer.headerFor({ subject: 'alice', scopes: ['b', 'a'] })).toBe(signer.headerFor({ subject: 'alice', scopes: ['a', 'b'] }));
    expect(signer.size).toBe(1);
  });

  it('keeps subjects, scope sets and the anonymous caller apart', () => {
    const signer = new IdentitySigner(SECRET, { now: () => NOW });
    const headers = [
      signer.headerFor({ subject: 'alice', scopes: ['a'] }),
      signer.headerFor({ subject: 'alice', scopes: ['a', 'b'] }),
      signer.headerFor({ subject: 'bob', scopes: ['a'] }),
      signer.headerFor({ subject: null, scopes: [] }),
      signer.headerFor({ subject: '', scopes: [] }),
    ];
    expect(new Set(headers).size).toBe(5);
    expect(headers.map((h) => verifyIdentity(h, SECRET, NOW))).toEqual([
      { subject: 'alice', scopes: ['a'] },
      { subject: 'alice', scopes: ['a', 'b'] },
      { subject: 'bob', scopes: ['a'] },
      { subject: null, scopes: [] },
      { subject: '', scopes: [] },
    ]);
  });

  it('signs headers that verify with the same secret and expire after the ttl', () => {
    const signer = new IdentitySigner(SECRET, { ttlMs: 2_000, now: () => NOW });
    const header = signer.headerFor(alice);
    expect(verifyIdentity(header, SECRET, NOW + 2_000)).toEqual(alice);
    expect(failure(header, SECRET, NOW + 2_000 + CLOCK_SKEW_MS + 1)).toBe('expired');
  });

  it('holds at most maxEntries callers, evicting the least recently signed', () => {
    const time = clock();
    const signer = new IdentitySigner(SECRET, { now: time.now, maxEntries: 3 });
    const headerOf = (subject: string) => {
      time.advance(1);
      return signer.headerFor({ subject, scopes: [] });
    };
    const u1 = headerOf('u1');
    headerOf('u2');
    headerOf('u3');
    const u4 = headerOf('u4');
    expect(signer.size).toBe(3);
    // u1 was evicted: it is signed again (a later exp), and evicts u2 in turn; u4 is still cached.
    expect(headerOf('u1')).not.toBe(u1);
    expect(headerOf('u4')).toBe(u4);
    expect(signer.size).toBe(3);
  });

  it('holds 10 000 callers by default', () => {
    const signer = new IdentitySigner(SECRET, { now: () => NOW });
    for (let i = 0; i < 10_050; i++) signer.headerFor({ subject: `u${i}`, scopes: [] });
    expect(signer.size).toBe(10_000);
  });
});

describe('validateInternalSecret', () => {
  it('accepts a secret of 32 characters or more, including the development secret', () => {
    expect(validateInternalSecret('x'.repeat(32))).toBeUndefined();
    expect(validateInternalSecret(DEV_INTERNAL_SECRET)).toBeUndefined();
    expect(DEV_INTERNAL_SECRET.length).toBeGreaterThanOrEqual(32);
  });

  it('explains a secret shorter than 32 characters without quoting it', () => {
    const problem = validateInternalSecret('hunter2');
    expect(problem).toBe('must be at least 32 characters (got 7)');
    expect(problem).not.toContain('hunter2');
  });

  it('refuses surrounding whitespace (a stray newline from a secrets file)', () => {
    expect(validateInternalSecret(`${'x'.repeat(40)}\n`)).toMatch(/whitespace/);
  });
});
