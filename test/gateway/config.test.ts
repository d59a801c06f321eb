import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_IDENTITY_PRIVATE_KEY } from '../../lib/auth/internal-identity';
import { DEPLOYED_IDENTITY } from '../support/identity-keys';
import { DEV_JWT_SECRET } from '../../gateway/src/auth/dev-secret';
import { ConfigError, loadConfig } from '../../gateway/src/config/load';

const SUPERGRAPH = ['--supergraph', 'supergraph.graphql'];
/** Production needs the key it signs identities for the subgraphs with. */
const PRODUCTION = { NODE_ENV: 'production', INTERNAL_AUTH_PRIVATE_KEY: DEPLOYED_IDENTITY.privatePem };
/** Development defaults apply only when NODE_ENV says so. */
const DEVELOPMENT = { NODE_ENV: 'development' };

function configFile(value: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gateway-config-')), 'gateway.json');
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

describe('gateway configuration', () => {
  it('has working defaults: port 4000, 1 MiB body limit, introspection and IDE on outside production', () => {
    const config = loadConfig({ argv: SUPERGRAPH, env: DEVELOPMENT });
    expect(config.port).toBe(4000);
    expect(config.limits.maxBodyBytes).toBe(1_048_576);
    expect(config.security).toEqual({ introspection: true, ide: true });
    expect(config.redisUrl).toBeUndefined();
  });

  it.each([['unset', {}], ['staging', { NODE_ENV: 'staging' }], ['prod', { NODE_ENV: 'prod' }]])(
    'treats NODE_ENV %s as production: no development secret, no introspection',
    (_name, env) => {
      expect(() => loadConfig({ argv: SUPERGRAPH, env })).toThrow(/auth\.identityPrivateKey is required unless nodeEnv is development or test/);
      const config = loadConfig({ argv: SUPERGRAPH, env: { ...env, INTERNAL_AUTH_PRIVATE_KEY: PRODUCTION.INTERNAL_AUTH_PRIVATE_KEY } });
      expect(config.security).toEqual({ introspection: false, ide: false });
      expect(config.auth.jwt.secret).toBeUndefined();
    },
  );

  it('turns introspection and the IDE off when NODE_ENV=production', () => {
    const config = loadConfig({ argv: SUPERGRAPH, env: PRODUCTION });
    expect(config.security).toEqual({ introspection: false, ide: false });
  });

  it('lets production opt back into introspection explicitly', () => {
    const config = loadConfig({ argv: SUPERGRAPH, env: { ...PRODUCTION, GATEWAY_INTROSPECTION: 'true' } });
    expect(config.security.introspection).toBe(true);
  });

  it('applies file < environment < flags', () => {
    const file = configFile({ port: 5000, limits: { maxBodyBytes: 2048 }, subgraphRequests: { timeoutMs: 500 } });
    const config = loadConfig({
      argv: ['--config', file, ...SUPERGRAPH, '--port', '7000'],
      env: { ...DEVELOPMENT, GATEWAY_PORT: '6000', GATEWAY_MAX_BODY_BYTES: '4096' },
    });
    expect(config.port).toBe(7000);
    expect(config.limits.maxBodyBytes).toBe(4096);
    expect(config.subgraphRequests.timeoutMs).toBe(500);
  });

  it('reads subgraph URL overrides from SUBGRAPH_<NAME>_URL', () => {
    const config = loadConfig({ argv: SUPERGRAPH, env: { ...DEVELOPMENT, SUBGRAPH_INVENTORY_URL: 'http://inventory:4002/graphql' } });
    expect(config.subgraphs).toEqual({ inventory: { url: 'http://inventory:4002/graphql' } });
  });

  it.each([
    ['the port is not a number', { argv: SUPERGRAPH, env: { GATEWAY_PORT: 'eighty' } }, /port \(from GATEWAY_PORT\): expected an integer, got "eighty"/],
    ['the port is out of range', { argv: SUPERGRAPH, env: { GATEWAY_PORT: '70000' } }, /port \(from environment variable GATEWAY_PORT\)/],
    ['the body limit is negative', { argv: SUPERGRAPH, env: { GATEWAY_MAX_BODY_BYTES: '-1' } }, /limits\.maxBodyBytes \(from environment variable GATEWAY_MAX_BODY_BYTES\)/],
    ['a boolean is not a boolean', { argv: SUPERGRAPH, env: { GATEWAY_INTROSPECTION: 'maybe' } }, /security\.introspection \(from GATEWAY_INTROSPECTION\): expected true or false/],
    ['the log level is unknown', { argv: SUPERGRAPH, env: { LOG_LEVEL: 'loud' } }, /logLevel \(from environment variable LOG_LEVEL\)/],
    ['REDIS_URL is not a redis URL', { argv: SUPERGRAPH, env: { REDIS_URL: 'http://nope' } }, /redisUrl \(from environment variable REDIS_URL\)/],
    ['a subgraph URL is not a URL', { argv: SUPERGRAPH, env: { SUBGRAPH_PRODUCTS_URL: 'not a url' } }, /subgraphs\.products\.url \(from environment variable SUBGRAPH_PRODUCTS_URL\)/],
    ['a config file has a misspelt key', { argv: ['--config', configFile({ limits: { maxBodyByte: 5 } }), ...SUPERGRAPH] }, /limits: unknown key\(s\) maxBodyByte/],
    ['a config file is not JSON', { argv: ['--config', configFile('{ not json')] }, /is not valid JSON/],
    ['no supergraph is given', { argv: [] }, /supergraph\.path is required/],
    ['a flag is unknown', { argv: [...SUPERGRAPH, '--prot', '1'] }, /Unknown option --prot/],
    ['a flag has no value', { argv: ['--port'] }, /Option --port needs a value/],
  ])('fails start-up naming the bad key when %s', (_case, input, message) => {
    expect(() => loadConfig(input)).toThrow(ConfigError);
    expect(() => loadConfig(input)).toThrow(message);
  });
});

describe('authentication configuration', () => {
  const PROD_INTERNAL = PRODUCTION;

  it('signs development tokens with the public development secret outside production only', () => {
    expect(loadConfig({ argv: SUPERGRAPH, env: DEVELOPMENT }).auth.jwt.secret).toBe(DEV_JWT_SECRET);
    expect(loadConfig({ argv: SUPERGRAPH, env: { NODE_ENV: 'test' } }).auth.jwt.secret).toBe(DEV_JWT_SECRET);
    expect(loadConfig({ argv: SUPERGRAPH, env: PROD_INTERNAL }).auth.jwt.secret).toBeUndefined();
  });

  it('refuses the development JWT secret in production, naming the key and its source', () => {
    expect(() => loadConfig({ argv: SUPERGRAPH, env: { ...PROD_INTERNAL, JWT_SECRET: DEV_JWT_SECRET } })).toThrow(
      /auth\.jwt\.secret \(from environment variable JWT_SECRET\): the public development secret is only accepted when nodeEnv is development or test/,
    );
  });

  it('requires an Ed25519 identity key in production, refusing the development key, naming the key and its source', () => {
    expect(() => loadConfig({ argv: SUPERGRAPH, env: { NODE_ENV: 'production' } })).toThrow(/auth\.identityPrivateKey is required/);
    expect(() => loadConfig({ argv: SUPERGRAPH, env: { NODE_ENV: 'production', INTERNAL_AUTH_PRIVATE_KEY: DEV_IDENTITY_PRIVATE_KEY } })).toThrow(
      /auth\.identityPrivateKey \(from environment variable INTERNAL_AUTH_PRIVATE_KEY\): the public development key is only accepted when nodeEnv is development or test/,
    );
    expect(() => loadConfig({ argv: SUPERGRAPH, env: { ...DEVELOPMENT, INTERNAL_AUTH_PRIVATE_KEY: DEPLOYED_IDENTITY.publicPem } })).toThrow(
      /auth\.identityPrivateKey \(from environment variable INTERNAL_AUTH_PRIVATE_KEY\): is not a PEM private key/,
    );
  });

  it('reads lists from comma-separated environment variables', () => {
    const config = loadConfig({
      argv: SUPERGRAPH,
      env: { ...DEVELOPMENT, JWT_JWKS_URLS: 'https://a.test/jwks.json, https://b.test/jwks.json', JWT_ISSUERS: 'https://a.test', JWT_ALGORITHMS: 'RS256,ES256' },
    });
    expect(config.auth.jwt.jwksUrls).toEqual(['https://a.test/jwks.json', 'https://b.test/jwks.json']);
    expect(config.auth.jwt.issuers).toEqual(['https://a.test']);
    expect(config.auth.jwt.algorithms).toEqual(['RS256', 'ES256']);
  });

  it.each([
    [{ JWT_SECRET: 'short' }, /auth\.jwt\.secret \(from environment variable JWT_SECRET\): must be at least 32 characters/],
    [{ JWT_ALGORITHMS: 'none' }, /auth\.jwt\.algorithms\.0/],
    [{ JWT_JWKS_URLS: 'ftp://keys.test/jwks' }, /auth\.jwt\.jwksUrls\.0/],
    [{ GATEWAY_AUTHORIZATION_MODE: 'lenient' }, /auth\.authorizationMode \(from environment variable GATEWAY_AUTHORIZATION_MODE\)/],
    [{ GATEWAY_API_KEYS: '[{"name":"ci","sha256":"abc"}]' }, /auth\.apiKeys\.0\.sha256 \(from environment variable GATEWAY_API_KEYS\): must be the hex SHA-256/],
    [{ GATEWAY_API_KEYS: `[{"name":"ci","sha256":"${'a'.repeat(64)}","tier":"gold"}]` }, /auth\.apiKeys\.0\.tier .*no tier named "gold"/],
    [{ GATEWAY_API_KEYS_IN_REDIS: 'true' }, /auth\.apiKeysInRedis .*needs redisUrl/],
  ])('rejects %p with a message naming the key', (env, message) => {
    expect(() => loadConfig({ argv: SUPERGRAPH, env: { ...DEVELOPMENT, ...env } })).toThrow(message);
  });

  it('requires exp by default and lets an operator allow tokens without it', () => {
    expect(loadConfig({ argv: SUPERGRAPH, env: DEVELOPMENT }).auth.jwt.requireExp).toBe(true);
    expect(loadConfig({ argv: SUPERGRAPH, env: { ...DEVELOPMENT, JWT_REQUIRE_EXP: 'false' } }).auth.jwt.requireExp).toBe(false);
  });

  it('binds each issuer to its JWKS, and takes key sets only over https in production', () => {
    const jwks = JSON.stringify([{ url: 'https://a.test/jwks.json', issuer: 'https://a.test' }]);
    expect(loadConfig({ argv: SUPERGRAPH, env: { ...PRODUCTION, JWT_JWKS: jwks } }).auth.jwt.jwks).toEqual([
      { url: 'https://a.test/jwks.json', issuer: 'https://a.test' },
    ]);
    const plain = JSON.stringify([{ url: 'http://a.test/jwks.json', issuer: 'https://a.test' }]);
    expect(() => loadConfig({ argv: SUPERGRAPH, env: { ...PRODUCTION, JWT_JWKS: plain } })).toThrow(
      /auth\.jwt\.jwks \(from environment variable JWT_JWKS\): http:\/\/a\.test\/jwks\.json is not https/,
    );
    expect(() => loadConfig({ argv: SUPERGRAPH, env: { ...PRODUCTION, JWT_JWKS_URLS: 'http://b.test/jwks.json' } })).toThrow(/auth\.jwt\.jwksUrls .*is not https/);
    expect(loadConfig({ argv: SUPERGRAPH, env: { ...DEVELOPMENT, JWT_JWKS: plain } }).auth.jwt.jwks[0].url).toBe('http://a.test/jwks.json');
  });
});
