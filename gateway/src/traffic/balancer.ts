import { CircuitBreaker, type BreakerOptions } from './breaker';
import type { BreakerState } from './observer';

export type LoadBalancing = 'round-robin' | 'least-in-flight';

/** One URL of a subgraph: its breaker and the requests it has in flight. */
export interface Instance<T> {
  readonly url: string;
  readonly transport: T;
  readonly breaker: CircuitBreaker;
  inFlight: number;
}

/**
 * Picks the instance of a subgraph each attempt goes to, skipping the ones
 * whose breaker is open; an open instance is probed again (half-open) once
 * its `openMs` has passed. Round-robin, or least requests in flight with
 * round-robin between equals.
 */
export class Balancer<T> {
  readonly instances: readonly Instance<T>[];
  private next = 0;

  constructor(
    urls: readonly string[],
    private readonly strategy: LoadBalancing,
    breaker: BreakerOptions,
    transportOf: (url: string) => T,
    onBreakerChange: (instance: string, state: BreakerState) => void,
  ) {
    this.instances = urls.map((url) => ({
      url,
      transport: transportOf(url),
      breaker: new CircuitBreaker(breaker, (state) => onBreakerChange(url, state)),
      inFlight: 0,
    }));
  }

  /** The instance for the next attempt (its breaker's probe reserved), or undefined when every breaker is open. */
  pick(avoid?: Instance<T>): Instance<T> | undefined {
    const { instances } = this;
    if (instances.length === 1) return instances[0].breaker.tryAcquire() ? instances[0] : undefined;
    const start = this.next;
    this.next = (this.next + 1) % instances.length;
    let best: Instance<T> | undefined;
    // A retry goes to another instance when there is one.
    let fallback: Instance<T> | undefined;
    for (let i = 0; i < instances.length; i++) {
      const candidate = instances[(start + i) % instances.length];
      if (!candidate.breaker.available()) continue;
      if (candidate === avoid) {
        fallback = candidate;
        continue;
      }
      if (!best) {
        best = candidate;
        if (this.strategy === 'round-robin') break;
      } else if (candidate.inFlight < best.inFlight) {
        best = candidate;
      }
    }
    const chosen = best ?? fallback;
    return chosen && chosen.breaker.tryAcquire() ? chosen : undefined;
  }

  /** closed while any instance's breaker is; half-open while a probe decides; open when every breaker is. */
  state(): BreakerState {
    let halfOpen = false;
    for (const { breaker } of this.instances) {
      if (breaker.state === 'closed') return 'closed';
      if (breaker.state === 'half-open') halfOpen = true;
    }
    return halfOpen ? 'half-open' : 'open';
  }
}
