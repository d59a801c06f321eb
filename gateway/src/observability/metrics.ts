/**
 * `/metrics` of the gateway in the Prometheus text format: the rate
 * limiter's counters and store state, and the subscription engine's and
 * transports' gauges and counters. Read at scrape time; nothing is kept here.
 */
export function gatewayMetrics(sources: {
  limiter?: { debits: number; refusals: number; fallbacks: number };
  rateLimiter?: { store: string; degraded: boolean };
  subscriptions?: Record<string, number>;
}): string {
  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, value: number) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
  };
  if (sources.limiter) {
    metric('gateway_ratelimit_debits_total', 'counter', 'Operations charged to a client budget.', sources.limiter.debits);
    metric('gateway_ratelimit_refusals_total', 'counter', 'Operations refused for lack of budget or subscription slots.', sources.limiter.refusals);
    metric('gateway_ratelimit_fallbacks_total', 'counter', 'Limiter calls answered in-process because Redis was unavailable.', sources.limiter.fallbacks);
  }
  if (sources.rateLimiter) {
    metric('gateway_ratelimit_degraded', 'gauge', '1 while Redis is configured but unavailable to the limiter.', sources.rateLimiter.degraded ? 1 : 0);
  }
  for (const [name, value] of Object.entries(sources.subscriptions ?? {})) {
    const counter = /^(events|enrichments|deliveries)$/.test(name);
    metric(`gateway_subscriptions_${name}${counter ? '_total' : ''}`, counter ? 'counter' : 'gauge', `Subscriptions: ${name.replace(/_/g, ' ')}.`, value);
  }
  return `${lines.join('\n')}\n`;
}
