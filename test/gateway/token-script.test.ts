import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/process';
import { createTokenVerifier } from '../../gateway/src/auth/token-verifier';
import { loadConfig } from '../../gateway/src/config/load';
import { createLogger } from '../../lib/logger';
import { createDevToken, parseTokenArgs } from '../../scripts/token';

/** The verifier exactly as a development gateway configures it. */
const devVerifier = () => createTokenVerifier(loadConfig({ argv: ['--supergraph', 'x.graphql'], env: { NODE_ENV: 'development' } }).auth.jwt, createLogger('silent'));

describe('npm run token', () => {
  it('prints a token a development gateway accepts, with the subject and scopes asked for', async () => {
    const token = await createDevToken(parseTokenArgs(['--sub', 'alice', '--scopes', 'payments:write inventory:write']), { NODE_ENV: 'development' });
    const caller = await devVerifier().verify(token);
    expect(caller).toMatchObject({ authenticated: true, subject: 'alice', scopes: new Set(['payments:write', 'inventory:write']) });
    expect(caller.expiresAt! - Date.now()).toBeGreaterThan(3_500_000);
  });

  it('accepts --flag=value and a custom lifetime', async () => {
    const token = await createDevToken(parseTokenArgs(['--sub=bob', '--ttl=60']), { NODE_ENV: 'test' });
    const caller = await devVerifier().verify(token);
    expect(caller.subject).toBe('bob');
    expect((caller.claims!.exp as number) * 1000 - Date.now()).toBeLessThanOrEqual(60_000);
  });

  it.each([['production'], ['staging'], [undefined]])('refuses the public development secret when NODE_ENV is %s', async (NODE_ENV) => {
    await expect(createDevToken({}, { NODE_ENV })).rejects.toThrow(/development secret unless NODE_ENV is development or test/);
  });

  it('runs from the existing build when no source is newer, with NODE_ENV defaulting to development', () => {
    const entry = join(ROOT, 'dist', 'scripts', 'token.js');
    const before = statSync(entry).mtimeMs;
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'run-dev.js'), 'token', '--sub', 'carol'], {
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const claims = JSON.parse(Buffer.from(run.stdout.trim().split('.')[1], 'base64url').toString());
    expect(claims.sub).toBe('carol');
    expect(statSync(entry).mtimeMs).toBe(before);
  });

  it('names an unknown option or a missing value', () => {
    expect(() => parseTokenArgs(['--subject', 'x'])).toThrow(/Unknown option --subject/);
    expect(() => parseTokenArgs(['--sub'])).toThrow(/--sub needs a value/);
  });
});
