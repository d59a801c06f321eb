import { parse } from 'graphql';
import { createLogger } from '../../../lib/logger';
import { ANONYMOUS, type Caller } from '../../../gateway/src/auth/caller';
import { Admission, COST_EXCEEDS_CAPACITY, RATE_LIMITED } from '../../../gateway/src/pipeline/admission';
import { OperationRefusal } from '../../../gateway/src/pipeline/refusal';
import { createRateLimiter, type RateLimiter } from '../../../gateway/src/ratelimit';
import { projectSupergraph } from '../cost/support';

const { supergraph, schema } = projectSupergraph();
const PRODUCTS = (first: number) => parse(`{ products(first: ${first}) { nodes { name stock { warehouses { warehouse { name } } } } } }`);
const signedIn: Caller = Object.freeze({ authenticated: true, subject: 'carol', scopes: new Set<string>(), expiresAt: null });

function admission(limiter: RateLimiter | undefined, anonymousCapacity = 500): Admission {
  return new Admission({
    supergraphSdl: supergraph,
    schema,
    cost: { mode: 'enforce', mutationBaseCost: 10, defaultListSize: 1, maxCost: 5_000 },
    limiter,
    tiers: {
      tiers: {
        anonymous: { capacity: anonymousCapacity, refillPerSecond: 0.001, maxSubscriptions: 1 },
        authenticated: { capacity: 10_000, refillPerSecond: 0.001, maxSubscriptions: 1 },
      },
      rules: [],
    },
  });
}

async function refusalOf(promise: Promise<unknown>): Promise<OperationRefusal> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OperationRefusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('admission: charging an operation before it runs', () => {
  let limiter: RateLimiter;
  beforeEach(() => {
    limiter = createRateLimiter({ logger: createLogger('silent') });
  });
  afterEach(() => limiter.close());

  it('refuses with 400 and COST_EXCEEDS_RATE_LIMIT_CAPACITY, naming the capacity, what a full budget can never pay (no useless Retry-After)', async () => {
    const control = admission(limiter);
    const cost = control.estimate(PRODUCTS(60), undefined, {}); // 1 + 60 × (Product 1 + stock 8) = 541
    expect(cost.estimated).toBe(541);
    const refused = await refusalOf(control.charge(ANONYMOUS, '10.0.0.1', cost));
    expect(refused.status).toBe(400);
    expect(refused.errors[0].extensions).toMatchObject({ code: COST_EXCEEDS_CAPACITY, capacity: 500, tier: 'anonymous', cost: cost.estimated });
    expect(refused.errors[0].message).toContain('500');
    expect(refused.headers['retry-after']).toBeUndefined();
    // Nothing was taken: the same client can still spend its whole budget.
    expect((await control.charge(ANONYMOUS, '10.0.0.1', control.estimate(PRODUCTS(5), undefined, {}))).decision?.allowed).toBe(true);
  });

  it('answers 429 RATE_LIMITED with Retry-After once the budget is spent, and takes nothing for the refusal', async () => {
    const control = admission(limiter, 60);
    const cost = control.estimate(PRODUCTS(5), undefined, {});
    const first = await control.charge(ANONYMOUS, '10.0.0.2', cost);
    expect(first.decision?.remaining).toBe(60 - cost.estimated); // 46 of 60
    const refused = await refusalOf(control.charge(ANONYMOUS, '10.0.0.2', cost));
    expect(refused.status).toBe(429);
    expect(refused.errors[0].extensions?.code).toBe(RATE_LIMITED);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await limiter.debit('ip:10.0.0.2', control.tierOf(ANONYMOUS), 0)).remaining).toBe(60 - cost.estimated);
  });

  it('charges at least 1 point, and settles to the actual cost: points back for shorter lists', async () => {
    const control = admission(limiter);
    const free = await control.charge(signedIn, '10.0.0.3', control.estimate(parse('{ __typename }'), undefined, {}));
    expect(free.points).toBe(1);
    const charge = await control.charge(signedIn, '10.0.0.3', control.estimate(PRODUCTS(10), undefined, {}));
    const settled = control.settle(charge, { products: { nodes: [{ name: 'a', stock: null }] } });
    expect(settled.extensions.cost).toMatchObject({ requestedQueryCost: charge.cost.estimated, actualQueryCost: 2 }); // connection 1 + one product 1
    expect(settled.headers['ratelimit-remaining']).toBe(String(10_000 - 1 - 2));
  });

  it('takes the difference when the lists returned are longer than the estimate assumed, never below an empty bucket', async () => {
    const control = admission(limiter);
    const charge = await control.charge(signedIn, '10.0.0.4', control.estimate(PRODUCTS(1), undefined, {}));
    expect(charge.points).toBe(10);
    const warehouses = Array.from({ length: 5 }, () => ({ warehouse: { name: 'w' } }));
    const nodes = Array.from({ length: 3 }, () => ({ name: 'a', stock: { warehouses } }));
    const settled = control.settle(charge, { products: { nodes } }); // 1 + 3 × (1 + 2 + 5 × 2) = 40
    expect(settled.extensions.cost).toMatchObject({ requestedQueryCost: 10, actualQueryCost: 40 });
    expect(settled.headers['ratelimit-remaining']).toBe(String(10_000 - 40));
    await new Promise((resolve) => setImmediate(resolve));
    expect((await limiter.debit('sub:carol', control.tierOf(signedIn), 0)).remaining).toBe(10_000 - 40);
  });
});
