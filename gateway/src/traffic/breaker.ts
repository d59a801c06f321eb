import type { BreakerState } from './observer';

export interface BreakerOptions {
  enabled: boolean;
  /** Failures within `windowMs` that open the breaker. */
  failureThreshold: number;
  windowMs: number;
  /** How long an open breaker refuses before letting one probe through (half-open). */
  openMs: number;
}

/**
 * A circuit breaker for one subgraph instance: closed → open after
 * `failureThreshold` failures within `windowMs` → half-open after `openMs`,
 * when exactly one request (the probe) goes through: its success closes the
 * breaker, its failure opens it again. Time is read only when a request is
 * about to go out or has ended; no timers.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  /** Times of the recent failures, oldest first (at most failureThreshold of them). */
  private readonly failures: number[] = [];
  private openedAt = 0;
  private probing = false;

  constructor(
    private readonly options: BreakerOptions,
    private readonly onChange: (state: BreakerState) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    return this.current;
  }

  /** Whether a request may go out now; a half-open breaker admits one probe at a time. Reserves the probe. */
  tryAcquire(): boolean {
    if (!this.options.enabled || this.current === 'closed') return true;
    if (this.current === 'open') {
      if (this.now() - this.openedAt < this.options.openMs) return false;
      this.set('half-open');
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Whether tryAcquire would admit a request now (without reserving the probe). */
  available(): boolean {
    if (!this.options.enabled || this.current === 'closed') return true;
    if (this.current === 'open') return this.now() - this.openedAt >= this.options.openMs;
    return !this.probing;
  }

  succeeded(): void {
    if (!this.options.enabled) return;
    this.probing = false;
    this.failures.length = 0;
    if (this.current !== 'closed') this.set('closed');
  }

  failed(): void {
    if (!this.options.enabled) return;
    const now = this.now();
    if (this.current === 'half-open') {
      this.probing = false;
      this.open(now);
      return;
    }
    if (this.current === 'open') return;
    const { failures } = this;
    failures.push(now);
    while (failures.length > 0 && now - failures[0] > this.options.windowMs) failures.shift();
    if (failures.length >= this.options.failureThreshold) this.open(now);
  }

  /** A request that was let through ended without a verdict on the instance (e.g. 429): frees the probe slot. */
  released(): void {
    this.probing = false;
  }

  private open(now: number): void {
    this.failures.length = 0;
    this.openedAt = now;
    this.set('open');
  }

  private set(state: BreakerState): void {
    this.current = state;
    this.onChange(state);
  }
}
