import { readSubgraphConfig } from '../../subgraphs/shared/config';

describe('subgraph configuration from the environment', () => {
  it.each([
    ['products', 4001],
    ['inventory', 4002],
    ['payments', 4003],
  ] as const)('defaults %s to port %i on 0.0.0.0, the in-process store, info logs and development', (name, port) => {
    expect(readSubgraphConfig(name, {})).toEqual({ port, host: '0.0.0.0', redisUrl: undefined, logLevel: 'info', nodeEnv: 'development' });
  });

  it('reads PORT, HOST, REDIS_URL, LOG_LEVEL and NODE_ENV', () => {
    const env = { PORT: '0', HOST: '127.0.0.1', REDIS_URL: 'redis://cache:6379/2', LOG_LEVEL: 'debug', NODE_ENV: 'production' };
    expect(readSubgraphConfig('payments', env)).toEqual({ port: 0, host: '127.0.0.1', redisUrl: 'redis://cache:6379/2', logLevel: 'debug', nodeEnv: 'production' });
  });

  it('treats empty variables as unset', () => {
    expect(readSubgraphConfig('inventory', { PORT: '', REDIS_URL: '', LOG_LEVEL: '' })).toMatchObject({ port: 4002, redisUrl: undefined, logLevel: 'info' });
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
