/** The pure parts of traffic shaping, on a clock the test moves. */
import { Balancer } from '../../../gateway/src/traffic/balancer';
import { CircuitBreaker } from '../../../gateway/src/traffic/breaker';
import type { BreakerState } from '../../../gateway/src/traffic/observer';
import { RetryBudget, backoffMs, retryAfterMs } from '../../../gateway/src/traffic/retry';
import { trafficPolicyOf } from '../../../gateway/src/config/traffic';
import { GatewayConfigSchema } from '../../../gateway/src/config/schema';

const BREAKER = { enabled: true, failureThreshold: 3, windowMs: 1_000, openMs: 500 };

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('the circuit breaker', () => {
  it('opens after failureThreshold failures within windowMs, refuses while open, and lets one probe through after openMs', () => {
    const time = clock();
    const changes: BreakerState[] = [];
    const breaker = new CircuitBreaker(BREAKER, (s) => changes.push(s), time.now);
    breaker.failed();
    breaker.failed();
    expect(breaker.tryAcquire()).toBe(true);
    breaker.failed();
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    time.advance(500);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(false);
    breaker.succeeded();
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('forgets failures older than windowMs', () => {
    const time = clock();
    const breaker = new CircuitBreaker(BREAKER, () => {}, time.now);
    breaker.failed();
    breaker.failed();
    time.advance(1_001);
    breaker.failed();
    expect(breaker.state).toBe('closed');
  });

  it('opens again when the probe fails, for another openMs', () => {
    const time = clock();
    const breaker = new CircuitBreaker(BREAKER, () => {}, time.now);
    for (let i = 0; i < 3; i++) breaker.failed();
    time.advance(500);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.failed();
    expect(breaker.state).toBe('open');
    time.advance(499);
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('frees the probe without a verdict when the instance answered 429', () => {
    const time = clock();
    const breaker = new CircuitBreaker(BREAKER, () => {}, time.now);
    for (let i = 0; i < 3; i++) breaker.failed();
    time.advance(500);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.released();
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(true);
  });

  it('never refuses when disabled', () => {
    const breaker = new CircuitBreaker({ ...BREAKER, enabled: false }, () => {});
    for (let i = 0; i < 10; i++) breaker.failed();
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.state).toBe('closed');
  });
});

describe('the retry budget', () => {
  it('allows minPerSecond × 10 retries plus budgetRatio of the requests over the last 10 s', () => {
    const time = clock();
    const budget = new RetryBudget({ budgetRatio: 0.2, minPerSecond: 0.5 }, time.now);
    for (let i = 0; i < 50; i++) budget.recordRequest();
    let granted = 0;
    while (budget.tryRetry()) granted++;
    expect(granted).toBe(5 + 10);
  });

  it('refills as the window slides past old retries', () => {
    const time = clock();
    const budget = new RetryBudget({ budgetRatio: 0, minPerSecond: 0.1 }, time.now);
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    time.advance(10_000);
    expect(budget.tryRetry()).toBe(true);
  });
});

describe('backoff and Retry-After', () => {
  it('draws the delay of retry n in [0, min(maxDelayMs, baseDelayMs × 2^(n-1))]', () => {
    const options = { baseDelayMs: 50, maxDelayMs: 300 };
    expect(backoffMs(options, 1, () => 0.999)).toBe(49);
    expect(backoffMs(options, 3, () => 0.999)).toBe(199);
    expect(backoffMs(options, 6, () => 0.999)).toBe(299);
    expect(backoffMs(options, 6, () => 0)).toBe(0);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-12-05T12:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2_000);
    expect(retryAfterMs('Sat, 05 Dec 2026 12:00:03 GMT', now)).toBe(3_000);
    expect(retryAfterMs('Sat, 05 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe('the balancer', () => {
  const urls = ['http://a.test/graphql', 'http://b.test/graphql', 'http://c.test/graphql'];
  const balancer = (strategy: 'round-robin' | 'least-in-flight') => new Balancer(urls, strategy, BREAKER, (url) => url, () => {});

  it('goes round the instances', () => {
    const b = balancer('round-robin');
    expect([1, 2, 3, 4].map(() => b.pick()!.url)).toEqual([urls[0], urls[1], urls[2], urls[0]]);
  });

  it('prefers the instance with the fewest requests in flight', () => {
    const b = balancer('least-in-flight');
    b.instances[0].inFlight = 3;
    b.instances[1].inFlight = 1;
    b.instances[2].inFlight = 2;
    expect(b.pick()!.url).toBe(urls[1]);
  });

  it('skips instances whose breaker is open, retries elsewhere, and says open only when every breaker is', () => {
    const b = balancer('round-robin');
    for (let i = 0; i < 3; i++) b.instances[0].breaker.failed();
    expect(new Set([1, 2, 3, 4].map(() => b.pick()!.url))).toEqual(new Set([urls[1], urls[2]]));
    expect(b.pick(b.instances[1])!.url).not.toBe(urls[1]);
    expect(b.state()).toBe('closed');
    for (const instance of b.instances.slice(1)) for (let i = 0; i < 3; i++) instance.breaker.failed();
    expect(b.state()).toBe('open');
    expect(b.pick()).toBeUndefined();
  });
});

describe('traffic configuration', () => {
  it('lays one subgraph’s overrides over the defaults, nested sections included', () => {
    const config = GatewayConfigSchema.parse({
      supergraph: { path: 'x' },
      subgraphRequests: { retry: { maxAttempts: 2 } },
      subgraphs: { payments: { urls: ['http://p1.test/graphql', 'http://p2.test/graphql'], retry: { enabled: false }, breaker: { openMs: 1_000 } } },
    });
    const payments = trafficPolicyOf(config.subgraphRequests, config.subgraphs.payments);
    expect(payments.retry).toMatchObject({ enabled: false, maxAttempts: 2, baseDelayMs: 50 });
    expect(payments.breaker).toEqual({ enabled: true, failureThreshold: 5, windowMs: 10_000, openMs: 1_000 });
    expect(trafficPolicyOf(config.subgraphRequests, undefined)).toMatchObject({ dedup: true, loadBalancing: 'least-in-flight', timeoutMs: 30_000 });
  });

  it('refuses url and urls together', () => {
    const parsed = GatewayConfigSchema.safeParse({ supergraph: { path: 'x' }, subgraphs: { a: { url: 'http://a.test/', urls: ['http://b.test/'] } } });
    expect(parsed.success).toBe(false);
  });
});
