import { DEV_IDENTITY_PUBLIC_KEY, identityPublicKey } from '../../lib/auth/internal-identity';
import { DEPLOYED_IDENTITY } from '../support/identity-keys';
import { ConfigError, readSubgraphConfig } from '../../subgraphs/shared/config';

const PUBLIC_KEY = DEPLOYED_IDENTITY.publicPem;

describe('subgraph configuration from the environment', () => {
  it.each([
    ['products', 4001],
    ['inventory', 4002],
    ['payments', 4003],
  ] as const)('defaults %s to port %i on 0.0.0.0, the in-process store, info logs, and in development the development key', (name, port) => {
    expect(readSubgraphConfig(name, { NODE_ENV: 'development' })).toEqual({
      port,
      host: '0.0.0.0',
      redisUrl: undefined,
      logLevel: 'info',
      nodeEnv: 'development',
      identityPublicKey: identityPublicKey(DEV_IDENTITY_PUBLIC_KEY),
    });
  });

  it('reads PORT, HOST, REDIS_URL, LOG_LEVEL, NODE_ENV and INTERNAL_AUTH_PUBLIC_KEY (PEM, real newlines or \\n escapes)', () => {
    const env = { PORT: '0', HOST: '127.0.0.1', REDIS_URL: 'redis://cache:6379/2', LOG_LEVEL: 'debug', NODE_ENV: 'production', INTERNAL_AUTH_PUBLIC_KEY: PUBLIC_KEY.replace(/\n/g, '\\n') };
    expect(readSubgraphConfig('payments', env)).toEqual({
      port: 0,
      host: '127.0.0.1',
      redisUrl: 'redis://cache:6379/2',
      logLevel: 'debug',
      nodeEnv: 'production',
      identityPublicKey: identityPublicKey(PUBLIC_KEY),
    });
  });

  it('requires INTERNAL_AUTH_PUBLIC_KEY in production, naming it, and treats NODE_ENV unset or unknown as production', () => {
    for (const env of [{ NODE_ENV: 'production' }, { NODE_ENV: 'production', INTERNAL_AUTH_PUBLIC_KEY: '' }, {}, { NODE_ENV: 'staging' }]) {
      expect(() => readSubgraphConfig('payments', env)).toThrow(ConfigError);
      expect(() => readSubgraphConfig('payments', env)).toThrow(/^Invalid configuration: INTERNAL_AUTH_PUBLIC_KEY must be set unless NODE_ENV is development or test/);
    }
  });

  it('refuses the development key in production', () => {
    expect(() => readSubgraphConfig('products', { NODE_ENV: 'production', INTERNAL_AUTH_PUBLIC_KEY: DEV_IDENTITY_PUBLIC_KEY })).toThrow(
      /^Invalid configuration: INTERNAL_AUTH_PUBLIC_KEY must not be the development key unless NODE_ENV is development or test$/,
    );
  });

  it('rejects an INTERNAL_AUTH_PUBLIC_KEY that is not an Ed25519 public key, in any environment, without quoting it', () => {
    for (const NODE_ENV of ['development', 'production']) {
      expect(() => readSubgraphConfig('inventory', { NODE_ENV, INTERNAL_AUTH_PUBLIC_KEY: 'hunter2-hunter2' })).toThrow(
        /^Invalid configuration: INTERNAL_AUTH_PUBLIC_KEY is not a PEM public key \(SPKI, "-----BEGIN PUBLIC KEY-----"\)$/,
      );
      expect(() => readSubgraphConfig('inventory', { NODE_ENV, INTERNAL_AUTH_PUBLIC_KEY: DEPLOYED_IDENTITY.privatePem })).toThrow(
        /^Invalid configuration: INTERNAL_AUTH_PUBLIC_KEY must be the public key, not the private one$/,
      );
    }
  });

  it('treats empty variables as unset', () => {
    expect(readSubgraphConfig('inventory', { NODE_ENV: 'development', PORT: '', REDIS_URL: '', LOG_LEVEL: '' })).toMatchObject({ port: 4002, redisUrl: undefined, logLevel: 'info' });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '40.5'],
    ['HOST', 'local host'],
    ['REDIS_URL', 'localhost:6379'],
    ['REDIS_URL', 'http://cache:6379'],
    ['LOG_LEVEL', 'loud'],
  ])('rejects %s=%s with a message naming the variable and the value', (variable, value) => {
    expect(() => readSubgraphConfig('products', { [variable]: value })).toThrow(new RegExp(`^Invalid configuration: ${variable} must be .*\\(got "${value.replace('.', '\\.')}"\\)$`));
  });
});
