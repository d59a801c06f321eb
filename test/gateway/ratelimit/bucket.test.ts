import { debitBucket, settleBucket, tokensAt, type BucketState } from '../../../gateway/src/ratelimit/bucket';
import { NEVER } from '../../../gateway/src/ratelimit';
import { tier } from './support';

const T0 = 1_000_000;
// 10 points, 2 points per second: one point every 500 ms.
const budget = tier({ capacity: 10, refillPerSecond: 2 });

describe('token bucket arithmetic', () => {
  it('starts full and debits the cost, reporting what is left and when the bucket is full again', () => {
    const { decision, state } = debitBucket(undefined, budget, 4, T0);
    expect(decision).toEqual({ allowed: true, remaining: 6, capacity: 10, refillPerSecond: 2, retryAfterMs: 0, resetMs: 2_000 });
    expect(state).toEqual({ tokens: 6, updatedAt: T0 });
  });

  it('refuses a cost larger than what is left without taking anything, with the time until enough is back', () => {
    const spent: BucketState = { tokens: 3, updatedAt: T0 };
    const { decision, state } = debitBucket(spent, budget, 5, T0);
    expect(decision).toMatchObject({ allowed: false, remaining: 3, retryAfterMs: 1_000, resetMs: 3_500 });
    expect(state).toBe(spent);
  });

  it('allows the refused cost exactly retryAfterMs later', () => {
    const spent: BucketState = { tokens: 0.3, updatedAt: T0 };
    const refused = debitBucket(spent, tier({ capacity: 10, refillPerSecond: 3 }), 1, T0).decision;
    expect(refused.retryAfterMs).toBe(234);
    expect(debitBucket(spent, tier({ capacity: 10, refillPerSecond: 3 }), 1, T0 + refused.retryAfterMs).decision.allowed).toBe(true);
    expect(debitBucket(spent, tier({ capacity: 10, refillPerSecond: 3 }), 1, T0 + refused.retryAfterMs - 1).decision.allowed).toBe(false);
  });

  it('refills continuously by elapsed time', () => {
    const empty: BucketState = { tokens: 0, updatedAt: T0 };
    expect(tokensAt(empty, budget, T0 + 250)).toBe(0.5);
    expect(tokensAt(empty, budget, T0 + 1_500)).toBe(3);
    expect(debitBucket(empty, budget, 3, T0 + 1_500).decision).toMatchObject({ allowed: true, remaining: 0, resetMs: 5_000 });
  });

  it('never refills above capacity, and forgets a full bucket (a missing bucket is full)', () => {
    const empty: BucketState = { tokens: 0, updatedAt: T0 };
    expect(tokensAt(empty, budget, T0 + 3_600_000)).toBe(10);
    const { decision, state } = debitBucket(empty, budget, 0, T0 + 3_600_000);
    expect(decision).toMatchObject({ allowed: true, remaining: 10, resetMs: 0 });
    expect(state).toBeUndefined();
  });

  it('ignores a clock that goes backwards instead of draining the bucket', () => {
    expect(tokensAt({ tokens: 4, updatedAt: T0 }, budget, T0 - 10_000)).toBe(4);
  });

  it('reports whole points left, rounded down, while keeping the fraction', () => {
    const { decision, state } = debitBucket({ tokens: 5, updatedAt: T0 }, budget, 1, T0 + 250);
    expect(decision.remaining).toBe(4);
    expect(state?.tokens).toBe(4.5);
  });

  it('gives points back up to capacity, and a full bucket stays forgotten', () => {
    expect(settleBucket({ tokens: 2, updatedAt: T0 }, budget, 3, T0)).toEqual({ tokens: 5, updatedAt: T0 });
    expect(settleBucket({ tokens: 8, updatedAt: T0 }, budget, 50, T0)).toBeUndefined();
    expect(settleBucket(undefined, budget, 5, T0)).toBeUndefined();
  });

  it('takes points for a cost found higher than charged, down to an empty bucket and never below', () => {
    expect(settleBucket({ tokens: 6, updatedAt: T0 }, budget, -4, T0)).toEqual({ tokens: 2, updatedAt: T0 });
    expect(settleBucket({ tokens: 2, updatedAt: T0 }, budget, -50, T0)).toEqual({ tokens: 0, updatedAt: T0 });
    expect(settleBucket(undefined, budget, -3, T0)).toEqual({ tokens: budget.capacity - 3, updatedAt: T0 });
  });

  it('refuses a cost larger than the capacity for ever (retryAfterMs NEVER), even from a full bucket', () => {
    const { decision, state } = debitBucket(undefined, budget, 11, T0);
    expect(decision).toMatchObject({ allowed: false, remaining: 10, retryAfterMs: NEVER, resetMs: 0 });
    expect(state).toBeUndefined();
  });

  it('allows a cost equal to the whole capacity from a full bucket', () => {
    expect(debitBucket(undefined, budget, 10, T0).decision).toMatchObject({ allowed: true, remaining: 0, resetMs: 5_000 });
  });
});
