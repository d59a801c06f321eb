import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { Pool } from 'undici';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { INTERNAL_IDENTITY_HEADER, type IdentitySigner } from '../../../lib/auth/internal-identity';
import type { Logger } from '../../../lib/logger';
import { ANONYMOUS, type Caller } from '../auth/caller';
import type { TrafficPolicy } from '../config/traffic';
import { Balancer, type Instance } from '../traffic/balancer';
import { InFlight } from '../traffic/dedup';
import { NO_OBSERVER, type BreakerState, type OperationKind, type SubgraphFetchObserver } from '../traffic/observer';
import { RetryBudget, backoffMs, retryAfterMs } from '../traffic/retry';
import { SubgraphErrorCode } from './errors';

export interface PooledDataSourceOptions {
  name: string;
  /** One URL per instance of the subgraph. */
  urls: readonly string[];
  policy: TrafficPolicy;
  /** Signs the caller's identity for the subgraph; the client's own Authorization header is never forwarded. */
  signer: IdentitySigner;
  observer?: SubgraphFetchObserver;
  logger?: Logger;
}

/** A subgraph's GraphQL response, as parsed. */
export interface SubgraphResponse {
  data?: Record<string, unknown> | null;
  errors?: ReadonlyArray<GraphQLFormattedError>;
  extensions?: Record<string, unknown>;
}

/** What the data source reads of the gateway's per-request context. */
export interface CallerContext {
  caller?: Caller;
}

/** An instance's connection pool and the path its GraphQL endpoint is on. */
interface Endpoint {
  pool: Pool;
  path: string;
  origin: string;
}

/** What one request to a subgraph came back with, before parsing (shared by deduplicated fetches). */
interface RawAnswer {
  status: number;
  text: string;
}

/** Why an attempt failed, and whether another attempt may follow it. */
interface AttemptFailure {
  error: GraphQLError;
  /** The subgraph's answer, when it answered at all. */
  answer?: RawAnswer;
  /** Nothing reached the subgraph (connection refused): safe to retry even a mutation. */
  notSent: boolean;
  /** A transient answer (502/503/504/429, connection reset) a query may be retried after. */
  retryable: boolean;
  /** Counts against the instance's breaker (not 429: the instance is alive and says so). */
  instanceFault: boolean;
  retryAfterMs?: number;
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/**
 * One subgraph, as every executor and event enrichment sends to it: several
 * instances behind a balancer, each with its circuit breaker and a pool of
 * keep-alive connections (undici); retries with backoff, jitter and a budget
 * (queries only, and mutations only when nothing was sent); identical
 * queries in flight shared.
 *
 * Why not RemoteGraphQLDataSource: it goes through make-fetch-happen and
 * builds node-fetch Headers and Request objects on every fetch; a subgraph
 * fetch is the gateway's innermost hot path, so here it is one pooled
 * request and one JSON.parse. Failures become GraphQL errors with stable
 * codes, so a dead subgraph degrades the answer instead of failing it.
 */
export class PooledDataSource implements GraphQLDataSource {
  readonly name: string;
  private readonly balancer: Balancer<Endpoint>;
  private readonly budget: RetryBudget;
  private readonly inFlight = new InFlight<RawAnswer>();
  private readonly policy: TrafficPolicy;
  private readonly signer: IdentitySigner;
  private readonly observer: SubgraphFetchObserver;
  /** Fetches answered by an identical one in flight. */
  private shared = 0;

  constructor({ name, urls, policy, signer, observer = NO_OBSERVER, logger }: PooledDataSourceOptions) {
    this.name = name;
    this.policy = policy;
    this.signer = signer;
    this.observer = observer;
    this.budget = new RetryBudget(policy.retry);
    this.balancer = new Balancer<Endpoint>(
      urls,
      policy.loadBalancing,
      policy.breaker,
      (url) => {
        const parsed = new URL(url);
        const pool = new Pool(parsed.origin, {
          connections: policy.maxConnectionsPerSubgraph,
          keepAliveTimeout: 30_000,
          headersTimeout: policy.timeoutMs,
          bodyTimeout: policy.timeoutMs,
        });
        return { pool, path: parsed.pathname + parsed.search, origin: parsed.origin };
      },
      (url, state) => {
        const origin = new URL(url).origin;
        logger?.[state === 'open' ? 'warn' : 'info'](`subgraph ${name}: circuit ${state}`, { subgraph: name, instance: origin });
        observer.breakerChanged(name, origin, state);
      },
    );
    for (const instance of this.balancer.instances) observer.breakerChanged(name, instance.transport.origin, 'closed');
  }

  /** @apollo/gateway's entry point (the `apollo` engine, health checks): the same request as `send`. */
  async process(options: GraphQLDataSourceProcessOptions): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    // Only fetches for an incoming operation have a context; health checks go as the anonymous caller.
    const caller = (options as { context?: CallerContext }).context?.caller ?? ANONYMOUS;
    const body = JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName });
    const kind: OperationKind = /^\s*mutation\b/.test(request.query ?? '') ? 'mutation' : 'query';
    return (await this.send(body, caller, kind)) as GatewayGraphQLResponse;
  }

  /**
   * Sends one GraphQL request body, already serialized (the native executor
   * builds it from a pre-serialized query and the variables' JSON), as
   * `caller`. Resolves to the subgraph's GraphQL response; rejects with a
   * coded GraphQLError when there is none to read.
   */
  async send(body: string, caller: Caller, kind: OperationKind = 'query'): Promise<SubgraphResponse> {
    const raw =
      kind === 'query' && this.policy.dedup
        ? // Each waiter parses its own copy: executors merge into the objects they get.
          await this.inFlight.run(body, identityKeyOf(caller), () => this.fetch(body, caller, kind), () => {
            this.shared++;
            this.observer.deduplicated(this.name);
          })
        : await this.fetch(body, caller, kind);
    return this.parse(raw);
  }

  /** The breaker state of the subgraph and of each of its instances, for /health. */
  health(): { state: BreakerState; deduplicated: number; instances: Array<{ url: string; state: BreakerState; inFlight: number }> } {
    return {
      state: this.balancer.state(),
      deduplicated: this.shared,
      instances: this.balancer.instances.map((i) => ({ url: i.transport.origin, state: i.breaker.state, inFlight: i.inFlight })),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.balancer.instances.map((i) => i.transport.pool.close()));
  }

  /** Attempts until an answer, a failure that may not be retried, or the end of the attempts or of the retry budget. */
  private async fetch(body: string, caller: Caller, kind: OperationKind): Promise<RawAnswer> {
    const { retry } = this.policy;
    const identity = await this.signer.headerFor(identityOf(caller), this.name);
    this.budget.recordRequest();
    let previous: Instance<Endpoint> | undefined;
    for (let attempt = 1; ; attempt++) {
      const instance = this.balancer.pick(previous);
      if (!instance) {
        this.observer.shortCircuited(this.name);
        throw this.error(SubgraphErrorCode.CircuitOpen, `Subgraph "${this.name}" is unavailable (circuit open after repeated failures)`);
      }
      previous = instance;
      const outcome = await this.attempt(instance, body, identity, kind, attempt);
      if (!('error' in outcome)) return outcome;
      const mayRetry =
        retry.enabled &&
        attempt < retry.maxAttempts &&
        (outcome.notSent || (kind === 'query' && outcome.retryable)) &&
        (outcome.retryAfterMs === undefined || outcome.retryAfterMs <= retry.maxRetryAfterMs) &&
        this.budget.tryRetry();
      // A 5xx body may be a GraphQL response worth showing: the last answer is parsed as any other.
      if (!mayRetry) {
        if (outcome.answer) return outcome.answer;
        throw outcome.error;
      }
      const delay = outcome.retryAfterMs ?? backoffMs(retry, attempt);
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** One request to one instance; the breaker and the observer learn how it went. */
  private async attempt(instance: Instance<Endpoint>, body: string, identity: string, kind: OperationKind, attempt: number): Promise<RawAnswer | AttemptFailure> {
    const { pool, path, origin } = instance.transport;
    const observation = this.observer.attemptStarted({ subgraph: this.name, attempt, operationKind: kind, instance: origin });
    instance.inFlight++;
    let failure: AttemptFailure | undefined;
    let answer: RawAnswer | undefined;
    try {
      const response = await pool.request({
        path,
        method: 'POST',
        headers: observation.headers
          ? { 'content-type': 'application/json', accept: 'application/json', [INTERNAL_IDENTITY_HEADER]: identity, ...observation.headers }
          : { 'content-type': 'application/json', accept: 'application/json', [INTERNAL_IDENTITY_HEADER]: identity },
        body,
      });
      answer = { status: response.statusCode, text: await response.body.text() };
      if (answer.status >= 500 || answer.status === 429) {
        failure = {
          error: this.error(SubgraphErrorCode.HttpError, `Subgraph "${this.name}" answered HTTP ${answer.status}`),
          answer,
          notSent: false,
          retryable: RETRYABLE_STATUS.has(answer.status),
          instanceFault: answer.status !== 429,
          retryAfterMs: answer.status === 429 || answer.status === 503 ? retryAfterMs(response.headers['retry-after']) : undefined,
        };
      }
    } catch (error) {
      const code = codeOf(error);
      failure = {
        // The client learns which subgraph failed and why in one word; addresses stay internal.
        error: this.error(SubgraphErrorCode.HttpError, `Subgraph "${this.name}" could not be reached (${reasonOf(code)})`),
        notSent: code === 'ECONNREFUSED',
        // A timed-out subgraph is overloaded or hung: retrying would add load and time.
        retryable: code !== 'UND_ERR_HEADERS_TIMEOUT' && code !== 'UND_ERR_BODY_TIMEOUT',
        instanceFault: true,
      };
    } finally {
      instance.inFlight--;
    }
    if (failure) {
      if (failure.instanceFault) instance.breaker.failed();
      else instance.breaker.released();
      observation.finish({ status: answer?.status, errorCode: failure.error.extensions.code as string });
      return failure;
    }
    instance.breaker.succeeded();
    observation.finish({ status: answer!.status });
    return answer!;
  }

  private parse({ status, text }: RawAnswer): SubgraphResponse {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw status >= 300
        ? this.error(SubgraphErrorCode.HttpError, `Subgraph "${this.name}" answered HTTP ${status}`)
        : this.error(SubgraphErrorCode.MalformedResponse, `Subgraph "${this.name}" answered with a body that is not JSON`);
    }
    // A GraphQL server answers errors (validation, coercion) with 4xx and a
    // GraphQL body: those errors are what the client should see.
    if (parsed === null || typeof parsed !== 'object' || !('data' in parsed || 'errors' in parsed)) {
      throw status >= 300
        ? this.error(SubgraphErrorCode.HttpError, `Subgraph "${this.name}" answered HTTP ${status}`)
        : this.error(SubgraphErrorCode.MalformedResponse, `Subgraph "${this.name}" answered with JSON that is not a GraphQL response`);
    }
    return parsed as SubgraphResponse;
  }

  // Not `extensions.http`: Apollo Server would turn the whole response's
  // status into the subgraph's, and a partial answer is still a 200.
  private error(code: string, message: string): GraphQLError {
    return new GraphQLError(message, { extensions: { code, service: this.name } });
  }
}

function codeOf(error: unknown): string | undefined {
  const err = error as { code?: string; cause?: { code?: string } };
  return err?.code ?? err?.cause?.code;
}

function reasonOf(code: string | undefined): string {
  // undici enforces the timeout through headersTimeout and bodyTimeout.
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timed out';
  return code ?? 'connection failed';
}

/** One Identity object per Caller, so the signer's per-identity cache is hit without rebuilding keys. */
const identities = new WeakMap<Caller, { subject: string | null; scopes: string[]; key: string }>();
function identityOf(caller: Caller): { subject: string | null; scopes: string[]; key: string } {
  let identity = identities.get(caller);
  if (!identity) {
    const scopes = [...caller.scopes].sort();
    identity = { subject: caller.subject, scopes, key: JSON.stringify([caller.subject, scopes]) };
    identities.set(caller, identity);
  }
  return identity;
}

function identityKeyOf(caller: Caller): string {
  return identityOf(caller).key;
}
