/**
 * What the subgraph fetch layer tells the outside about each fetch: the seam
 * between traffic shaping (this folder) and telemetry (observability/), so
 * neither imports the other. One observer per gateway; every method is
 * called on the hot path and must be cheap.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export type OperationKind = 'query' | 'mutation' | 'subscription';

export interface FetchAttempt {
  /** The subgraph's name in the supergraph. */
  readonly subgraph: string;
  /** 1 for the first try, 2 for the first retry... */
  readonly attempt: number;
  readonly operationKind: OperationKind;
  /** The instance's origin (one of the subgraph's URLs). */
  readonly instance: string;
}

export interface AttemptOutcome {
  /** The HTTP status, when the subgraph answered at all. */
  readonly status?: number;
  /** Set when the attempt failed: a stable code (`SUBREQUEST_HTTP_ERROR`, `SUBGRAPH_TIMEOUT`...). */
  readonly errorCode?: string;
}

export interface AttemptObservation {
  /** Headers the attempt's request carries (W3C `traceparent`, `x-request-id`). */
  readonly headers?: Readonly<Record<string, string>>;
  finish(outcome: AttemptOutcome): void;
}

export interface SubgraphFetchObserver {
  /** Before each attempt's request is sent (after breaker, balancer and dedup decided it goes out). */
  attemptStarted(attempt: FetchAttempt): AttemptObservation;
  /** A fetch answered from an identical one already in flight. */
  deduplicated(subgraph: string): void;
  /** A fetch refused without a request because the subgraph's breaker is open. */
  shortCircuited(subgraph: string): void;
  breakerChanged(subgraph: string, instance: string, state: BreakerState): void;
}

const NOTHING: AttemptObservation = { finish() {} };

/** Telemetry off: no work at all per fetch. */
export const NO_OBSERVER: SubgraphFetchObserver = {
  attemptStarted: () => NOTHING,
  deduplicated() {},
  shortCircuited() {},
  breakerChanged() {},
};
