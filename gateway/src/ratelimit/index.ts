/**
 * Rate limiting: a token bucket per client, debited by an operation's
 * estimated cost before execution and refunded the difference after, shared
 * by every replica through Redis (one Lua round trip per call), with
 * in-process buckets when Redis is absent or down. See README.md.
 */
export { createRateLimiter, DEFAULT_SUBSCRIPTION_TTL_MS } from './limiter';
export { clientKey, type ClientIdentity } from './client-key';
export {
  pickTier,
  checkTierRules,
  ANONYMOUS_TIER,
  AUTHENTICATED_TIER,
  DEFAULT_TIER_RULES,
  type TierBudget,
  type TierCaller,
  type TierRule,
  type TierRules,
} from './tiers';
export {
  NEVER,
  type Decision,
  type RateLimiter,
  type RateLimiterHealth,
  type RateLimiterOptions,
  type RateLimiterStats,
  type SubscriptionRefusalReason,
  type SubscriptionStart,
  type Tier,
} from './types';
