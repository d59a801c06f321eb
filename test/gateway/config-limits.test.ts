import { ConfigError, loadConfig } from '../../gateway/src/config/load';

const SUPERGRAPH = ['--supergraph', 'supergraph.graphql'];
const DEVELOPMENT = { NODE_ENV: 'development' };

describe('limits and demand control configuration', () => {
  it('defaults every limit on, with budgets that can pay any operation the cost limit admits', () => {
    const config = loadConfig({ argv: SUPERGRAPH, env: DEVELOPMENT });
    expect(config.limits).toEqual({
      maxBodyBytes: 1_048_576,
      maxCost: 1_000,
      maxDepth: 15,
      maxAliases: 30,
      maxRootFields: 20,
      maxSelections: 10_000,
      maxFieldRepeats: 100,
      maxTokens: 2_000,
    });
    expect(config.cost).toEqual({ enabled: true, mode: 'enforce', mutationBaseCost: 10, defaultListSize: 1 });
    for (const tier of Object.values(config.rateLimit.tiers)) expect(tier.capacity).toBeGreaterThanOrEqual(config.limits.maxCost);
    expect(config.http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000 });
  });

  it('refuses a tier whose capacity is below maxCost, naming the tier: such an admitted operation could never be paid', () => {
    const tiers = JSON.stringify({ anonymous: { capacity: 500, refillPerSecond: 25, maxSubscriptions: 5 }, authenticated: { capacity: 2000, refillPerSecond: 50, maxSubscriptions: 20 } });
    expect(() => loadConfig({ argv: SUPERGRAPH, env: { ...DEVELOPMENT, GATEWAY_RATE_LIMIT_TIERS: tiers } })).toThrow(ConfigError);
    expect(() => loadConfig({ argv: SUPERGRAPH, env: { ...DEVELOPMENT, GATEWAY_RATE_LIMIT_TIERS: tiers } })).toThrow(
      /rateLimit\.tiers\.anonymous\.capacity .*500 is below limits\.maxCost \(1000\)/,
    );
    expect(loadConfig({ argv: SUPERGRAPH, env: { ...DEVELOPMENT, GATEWAY_RATE_LIMIT_TIERS: tiers, GATEWAY_MAX_COST: '500' } }).limits.maxCost).toBe(500);
    // Nothing is charged in measure mode, so nothing can be unpayable.
    expect(loadConfig({ argv: SUPERGRAPH, env: { ...DEVELOPMENT, GATEWAY_RATE_LIMIT_TIERS: tiers, GATEWAY_COST_MODE: 'measure' } }).cost.mode).toBe('measure');
  });

  it('names the bad key of a cost mode or limit', () => {
    expect(() => loadConfig({ argv: SUPERGRAPH, env: { ...DEVELOPMENT, GATEWAY_COST_MODE: 'strict' } })).toThrow(/cost\.mode \(from environment variable GATEWAY_COST_MODE\)/);
    expect(() => loadConfig({ argv: SUPERGRAPH, env: { ...DEVELOPMENT, GATEWAY_MAX_SELECTIONS: '0' } })).toThrow(/limits\.maxSelections/);
    expect(() => loadConfig({ argv: SUPERGRAPH, env: { ...DEVELOPMENT, GATEWAY_HTTP_HEADERS_TIMEOUT_MS: '-1' } })).toThrow(/http\.headersTimeoutMs/);
  });
});
