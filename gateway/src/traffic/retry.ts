export interface RetryOptions {
  enabled: boolean;
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Backoff before retry n is a random delay in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))] ("full jitter"). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Retries allowed, over the last 10 s, per first attempt: retries add at most this share of load. */
  budgetRatio: number;
  /** Retries allowed per second whatever the traffic, so a quiet subgraph can still be retried. */
  minPerSecond: number;
}

/** The delay before retry `retry` (1 for the first retry), with full jitter. */
export function backoffMs(options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * `Retry-After` as milliseconds from now: delta-seconds or an HTTP date
 * (RFC 9110 §10.2.3). Undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1_000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const SLOTS = 10;
const SLOT_MS = 1_000;

/**
 * How many retries a subgraph may still take: over a sliding window of 10 s,
 * `minPerSecond * 10 + budgetRatio * first attempts`. When a subgraph fails
 * everything, retries stop at that share instead of multiplying the load on
 * it (Finagle's and Linkerd's retry budgets work the same way).
 */
export class RetryBudget {
  private readonly requests = new Array<number>(SLOTS).fill(0);
  private readonly retries = new Array<number>(SLOTS).fill(0);
  private slot = 0;
  private slotStart = 0;

  constructor(
    private readonly options: Pick<RetryOptions, 'budgetRatio' | 'minPerSecond'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a first attempt. */
  recordRequest(): void {
    this.advance();
    this.requests[this.slot]++;
  }

  /** Takes one retry from the budget; false when there is none left. */
  tryRetry(): boolean {
    this.advance();
    const allowed = this.options.minPerSecond * SLOTS + this.options.budgetRatio * sum(this.requests);
    if (sum(this.retries) + 1 > allowed) return false;
    this.retries[this.slot]++;
    return true;
  }

  private advance(): void {
    const now = this.now();
    let elapsed = Math.floor((now - this.slotStart) / SLOT_MS);
    if (elapsed <= 0) return;
    if (elapsed > SLOTS) elapsed = SLOTS;
    for (let i = 0; i < elapsed; i++) {
      this.slot = (this.slot + 1) % SLOTS;
      this.requests[this.slot] = 0;
      this.retries[this.slot] = 0;
    }
    this.slotStart = now - ((now - this.slotStart) % SLOT_MS);
  }
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
