import type { Tier } from './types';

/** A tier's budget; its name is its key in `TierRules.tiers`. */
export type TierBudget = Omit<Tier, 'name'>;

/** A caller with `scope` uses `tier`; or a caller whose token claim `claim` equals `value` (or, for a list, contains it). */
export type TierRule = { scope: string; tier: string } | { claim: string; value: string; tier: string };

/** The `rateLimit` section's `tiers` and `rules`. */
export interface TierRules {
  tiers: Readonly<Record<string, TierBudget>>;
  /** First match wins; no match: ANONYMOUS_TIER or AUTHENTICATED_TIER. */
  rules: readonly TierRule[];
}

export const ANONYMOUS_TIER = 'anonymous';
export const AUTHENTICATED_TIER = 'authenticated';

export const DEFAULT_TIER_RULES: TierRules = {
  tiers: {
    [ANONYMOUS_TIER]: { capacity: 500, refillPerSecond: 25, maxSubscriptions: 5 },
    [AUTHENTICATED_TIER]: { capacity: 1_000, refillPerSecond: 50, maxSubscriptions: 20 },
  },
  rules: [],
};

/** What tier selection reads from a caller (auth's `Caller` fits; `claims` are the token's, when the gateway passes them). */
export interface TierCaller {
  authenticated: boolean;
  scopes: ReadonlySet<string> | readonly string[];
  claims?: Readonly<Record<string, unknown>>;
  /** The configured API key the caller presented, with its tier. */
  apiKey?: { readonly tier?: string };
}

/**
 * The caller's tier: the first rule that matches, else its API key's tier,
 * else `authenticated` or `anonymous`. A rule's claim value matches a string, number or boolean claim
 * with the same text, or a list claim holding it. Call checkTierRules once
 * at start-up: here a missing tier is a bug and throws.
 */
export function pickTier(caller: TierCaller, rules: TierRules): Tier {
  const rule = rules.rules.find((r) => ('scope' in r ? hasScope(caller, r.scope) : claimMatches(caller.claims?.[r.claim], r.value)));
  const name = rule?.tier ?? caller.apiKey?.tier ?? (caller.authenticated ? AUTHENTICATED_TIER : ANONYMOUS_TIER);
  const budget = rules.tiers[name];
  if (!budget) throw new Error(`rate limit tier "${name}" is not defined`);
  return { name, ...budget };
}

/** Throws, naming each problem, when a rule or a default points at a tier that is not defined. */
export function checkTierRules(rules: TierRules): void {
  const problems: string[] = [];
  for (const name of [ANONYMOUS_TIER, AUTHENTICATED_TIER]) {
    if (!rules.tiers[name]) problems.push(`tiers.${name}: the default tier is not defined`);
  }
  rules.rules.forEach((rule, i) => {
    if (!rules.tiers[rule.tier]) problems.push(`rules[${i}].tier: unknown tier "${rule.tier}"`);
  });
  if (problems.length > 0) throw new Error(`Invalid rate limit configuration: ${problems.join('; ')}`);
}

function hasScope(caller: TierCaller, scope: string): boolean {
  return 'has' in caller.scopes ? caller.scopes.has(scope) : caller.scopes.includes(scope);
}

function claimMatches(claim: unknown, value: string): boolean {
  if (Array.isArray(claim)) return claim.some((item) => claimMatches(item, value));
  return (typeof claim === 'string' || typeof claim === 'number' || typeof claim === 'boolean') && String(claim) === value;
}
