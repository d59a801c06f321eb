import autocannon from 'autocannon';

/** One GraphQL request, sent as the JSON body of every POST of a run. */
export interface GraphQLRequestBody {
  query: string;
  variables?: Record<string, unknown>;
}

/** A request and the headers it goes with (an Authorization header, say). */
export interface BenchRequest {
  body: GraphQLRequestBody;
  headers?: Record<string, string>;
}

export interface LoadOptions {
  connections: number;
  durationSec: number;
}

/** What one autocannon run measured, and whether every answer was a good one. */
export interface RunResult {
  /** Mean of the per-second request counts (autocannon's "Req/Sec avg"). */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  meanLatencyMs: number;
  /** Completed responses. */
  responses: number;
  non2xx: number;
  /** Responses whose body is not `{"data":{...}}` without `errors` (non-2xx ones included). */
  badBodies: number;
  /** Connection errors, timeouts included. */
  connectionErrors: number;
  timeouts: number;
  /** The first bad body seen, cut short, to show what went wrong. */
  firstBadBody?: string;
  /** No non-2xx, no bad body, no connection error. */
  valid: boolean;
  /** Busy percent of each CPU (index = CPU number) during the run; set by runInterleaved. */
  cpuBusyPercent?: number[];
  /** CPU time (user + system) the gateway process spent per answer during the run. */
  gatewayCpuMsPerAnswer?: number;
}

/**
 * A GraphQL success: data present, no `errors` key. Checked on the raw text
 * so the check costs the load generator (which shares the CPUs with the
 * servers) next to nothing; the full answer is checked once per target
 * before the runs (see probe in interleave.ts).
 */
function isGraphQLSuccess(body: string): boolean {
  return body.includes('"data":{') && !body.includes('"errors"');
}

/** Loads `url` with the same POST for `durationSec` over `connections` keep-alive connections. */
export async function measure(url: string, request: BenchRequest, options: LoadOptions): Promise<RunResult> {
  let firstBadBody: string | undefined;
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...request.headers },
    body: JSON.stringify(request.body),
    connections: options.connections,
    duration: options.durationSec,
    verifyBody: (raw) => {
      const body = typeof raw === 'string' ? raw : String(raw ?? '');
      if (isGraphQLSuccess(body)) return true;
      firstBadBody ??= body.length > 500 ? `${body.slice(0, 500)}...` : body;
      return false;
    },
  });
  const valid = result.non2xx === 0 && result.mismatches === 0 && result.errors === 0 && result.requests.total > 0;
  return {
    rps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    meanLatencyMs: result.latency.average,
    responses: result.requests.total,
    non2xx: result.non2xx,
    badBodies: result.mismatches,
    connectionErrors: result.errors,
    timeouts: result.timeouts,
    firstBadBody,
    valid,
  };
}
