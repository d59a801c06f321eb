import { checkTierRules, DEFAULT_TIER_RULES, pickTier, type TierRules } from '../../../gateway/src/ratelimit';

const rules: TierRules = {
  tiers: {
    anonymous: { capacity: 100, refillPerSecond: 5, maxSubscriptions: 1 },
    authenticated: { capacity: 1_000, refillPerSecond: 50, maxSubscriptions: 10 },
    partner: { capacity: 5_000, refillPerSecond: 250, maxSubscriptions: 50 },
    pro: { capacity: 2_000, refillPerSecond: 100, maxSubscriptions: 20 },
  },
  rules: [
    { scope: 'partner', tier: 'partner' },
    { claim: 'plan', value: 'pro', tier: 'pro' },
  ],
};

describe('pickTier', () => {
  it('puts a caller without a token in the anonymous tier', () => {
    expect(pickTier({ authenticated: false, scopes: new Set() }, rules)).toEqual({ name: 'anonymous', ...rules.tiers.anonymous });
  });

  it('puts an authenticated caller no rule matches in the authenticated tier', () => {
    expect(pickTier({ authenticated: true, scopes: new Set(['read']), claims: { plan: 'free' } }, rules).name).toBe('authenticated');
  });

  it("uses an API key's tier when no rule matches, and a matching rule before it", () => {
    expect(pickTier({ authenticated: true, scopes: new Set(), apiKey: { tier: 'pro' } }, rules).name).toBe('pro');
    expect(pickTier({ authenticated: true, scopes: new Set(['partner']), apiKey: { tier: 'pro' } }, rules).name).toBe('partner');
    expect(pickTier({ authenticated: true, scopes: new Set(), apiKey: {} }, rules).name).toBe('authenticated');
  });

  it('picks the tier of a rule on a scope the caller holds', () => {
    expect(pickTier({ authenticated: true, scopes: new Set(['read', 'partner']) }, rules)).toEqual({ name: 'partner', ...rules.tiers.partner });
    expect(pickTier({ authenticated: true, scopes: ['partner'] }, rules).name).toBe('partner');
  });

  it('picks the tier of a rule on a claim value, a list claim matching when it holds the value', () => {
    expect(pickTier({ authenticated: true, scopes: new Set(), claims: { plan: 'pro' } }, rules).name).toBe('pro');
    expect(pickTier({ authenticated: true, scopes: new Set(), claims: { plan: ['beta', 'pro'] } }, rules).name).toBe('pro');
    expect(pickTier({ authenticated: true, scopes: new Set(), claims: { plan: { name: 'pro' } } }, rules).name).toBe('authenticated');
  });

  it('applies the first rule that matches', () => {
    expect(pickTier({ authenticated: true, scopes: new Set(['partner']), claims: { plan: 'pro' } }, rules).name).toBe('partner');
    const reversed = { ...rules, rules: [...rules.rules].reverse() };
    expect(pickTier({ authenticated: true, scopes: new Set(['partner']), claims: { plan: 'pro' } }, reversed).name).toBe('pro');
  });

  it('gives anonymous callers a smaller budget than authenticated ones by default', () => {
    const anonymous = pickTier({ authenticated: false, scopes: new Set() }, DEFAULT_TIER_RULES);
    const authenticated = pickTier({ authenticated: true, scopes: new Set() }, DEFAULT_TIER_RULES);
    expect(anonymous.capacity).toBeLessThan(authenticated.capacity);
    expect(anonymous.refillPerSecond).toBeLessThan(authenticated.refillPerSecond);
    expect(anonymous.maxSubscriptions).toBeLessThan(authenticated.maxSubscriptions);
  });
});

describe('checkTierRules', () => {
  it('accepts rules whose tiers all exist', () => {
    expect(() => checkTierRules(rules)).not.toThrow();
    expect(() => checkTierRules(DEFAULT_TIER_RULES)).not.toThrow();
  });

  it('names every rule that points at an undefined tier, and a missing default tier', () => {
    const broken: TierRules = { tiers: { anonymous: rules.tiers.anonymous }, rules: [{ scope: 'x', tier: 'gold' }] };
    expect(() => checkTierRules(broken)).toThrow('tiers.authenticated: the default tier is not defined; rules[0].tier: unknown tier "gold"');
  });
});
