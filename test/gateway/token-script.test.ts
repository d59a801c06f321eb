import { createTokenVerifier } from '../../gateway/src/auth/token-verifier';
import { loadConfig } from '../../gateway/src/config/load';
import { createLogger } from '../../lib/logger';
import { createDevToken, parseTokenArgs } from '../../scripts/token';

/** The verifier exactly as a development gateway configures it. */
const devVerifier = () => createTokenVerifier(loadConfig({ argv: ['--supergraph', 'x.graphql'], env: { NODE_ENV: 'development' } }).auth.jwt, createLogger('silent'));

describe('npm run token', () => {
  it('prints a token a development gateway accepts, with the subject and scopes asked for', async () => {
    const token = await createDevToken(parseTokenArgs(['--sub', 'alice', '--scopes', 'payments:write inventory:write']), {});
    const caller = await devVerifier().verify(token);
    expect(caller).toMatchObject({ authenticated: true, subject: 'alice', scopes: new Set(['payments:write', 'inventory:write']) });
    expect(caller.expiresAt! - Date.now()).toBeGreaterThan(3_500_000);
  });

  it('accepts --flag=value and a custom lifetime', async () => {
    const token = await createDevToken(parseTokenArgs(['--sub=bob', '--ttl=60']), {});
    const caller = await devVerifier().verify(token);
    expect(caller.subject).toBe('bob');
    expect((caller.claims!.exp as number) * 1000 - Date.now()).toBeLessThanOrEqual(60_000);
  });

  it('refuses the public development secret when NODE_ENV=production', async () => {
    await expect(createDevToken({}, { NODE_ENV: 'production' })).rejects.toThrow(/development secret/);
  });

  it('names an unknown option or a missing value', () => {
    expect(() => parseTokenArgs(['--subject', 'x'])).toThrow(/Unknown option --subject/);
    expect(() => parseTokenArgs(['--sub'])).toThrow(/--sub needs a value/);
  });
});
