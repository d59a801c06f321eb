import { createTokenVerifier, tokenSetupWarnings, type TokenVerifierOptions } from '../../gateway/src/auth/token-verifier';
import { AuthenticationError } from '../../gateway/src/auth/errors';
import { createLogger } from '../../lib/logger';
import { TEST_JWT_SECRET, hsToken, rsaKey, rsToken, startJwksServer, type JwksServer, type SigningKey } from '../support/tokens';

const ISSUER_A = 'https://a.issuer.test';
const ISSUER_B = 'https://b.issuer.test';

const BASE: TokenVerifierOptions = {
  secret: TEST_JWT_SECRET,
  jwksUrls: [],
  issuers: [],
  audiences: [],
  algorithms: ['HS256', 'RS256'],
  clockToleranceSec: 0,
  maxTokenBytes: 8_192,
  jwksCooldownMs: 0,
  jwksCacheMaxAgeMs: 600_000,
  jwksTimeoutMs: 2_000,
};

const verifier = (options: Partial<TokenVerifierOptions> = {}) => createTokenVerifier({ ...BASE, ...options }, createLogger('silent'));

async function problemOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuthenticationError) return error.problem;
    throw error;
  }
  return 'accepted';
}

describe('token verification', () => {
  let keyA: SigningKey;
  let keyB: SigningKey;
  let jwksA: JwksServer;
  let jwksB: JwksServer;

  beforeAll(async () => {
    [keyA, keyB] = await Promise.all([rsaKey('a-1'), rsaKey('b-1')]);
    [jwksA, jwksB] = await Promise.all([startJwksServer([keyA]), startJwksServer([keyB])]);
  });
  afterAll(() => Promise.all([jwksA.close(), jwksB.close()]));

  it('refuses a token without exp by default, and accepts it when the operator allows that', async () => {
    const forever = await hsToken({ expiresIn: null });
    expect(await problemOf(verifier().verify(forever))).toBe('no-expiry');
    const caller = await verifier({ requireExp: false }).verify(forever);
    expect(caller).toMatchObject({ authenticated: true, subject: 'alice', expiresAt: null });
  });

  it('keeps a verified token valid until exp plus the leeway, and no longer, even from its cache', async () => {
    let now = Date.now();
    const tokens = verifier({ clockToleranceSec: 10, now: () => now });
    const token = await hsToken({ expiresIn: 60 });
    const caller = await tokens.verify(token);
    const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp;
    expect(caller.expiresAt).toBe(exp * 1000 + 10_000);
    now = exp * 1000 + 11_000;
    expect(await problemOf(tokens.verify(token))).toBe('expired');
  });

  it('verifies each issuer only with the key set bound to it: a key of issuer B cannot sign for issuer A', async () => {
    const tokens = verifier({ jwks: [{ url: jwksA.url, issuer: ISSUER_A }, { url: jwksB.url, issuer: ISSUER_B }] });
    expect((await tokens.verify(await rsToken(keyA, { iss: ISSUER_A, sub: 'from-a' }))).subject).toBe('from-a');
    expect((await tokens.verify(await rsToken(keyB, { iss: ISSUER_B, sub: 'from-b' }))).subject).toBe('from-b');
    expect(await problemOf(tokens.verify(await rsToken(keyB, { iss: ISSUER_A })))).toBe('unknown-key');
    expect(await problemOf(tokens.verify(await rsToken(keyA, { iss: ISSUER_B })))).toBe('unknown-key');
    // An issuer no entry binds has no key set at all here.
    expect(await problemOf(tokens.verify(await rsToken(keyA, { iss: 'https://elsewhere.test' })))).toBe('unknown-key');
  });

  it('says the gateway has no keys, rather than blaming the token\'s algorithm, when none are configured', async () => {
    const tokens = verifier({ secret: undefined });
    const refused = tokens.verify(await hsToken());
    await expect(refused).rejects.toThrow(/no key to verify tokens with .*JWT_SECRET, JWT_JWKS or JWT_JWKS_URLS/);
  });

  it('warns a production operator about a setup that accepts nothing, or tokens meant for anyone', () => {
    expect(tokenSetupWarnings({ jwksUrls: [], issuers: [], audiences: [] })).toEqual([
      expect.stringMatching(/no JWT_SECRET and no JWKS configured: every request with a token will be refused/),
      expect.stringMatching(/no JWT issuer configured \(JWT_ISSUERS\)/),
      expect.stringMatching(/no JWT audience configured \(JWT_AUDIENCES\)/),
    ]);
    expect(tokenSetupWarnings({ jwksUrls: [], jwks: [{ url: jwksA.url, issuer: ISSUER_A }], issuers: [], audiences: ['gw'] })).toEqual([]);
  });
});
