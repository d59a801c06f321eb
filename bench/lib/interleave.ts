import { measure, type BenchRequest, type GraphQLRequestBody, type LoadOptions, type RunResult } from './load';
import { cpuSecondsOf, memoryOf, perCpuSeconds, resetPeakRss } from './proc';

/** Posts one GraphQL request and returns `data`; throws on HTTP or GraphQL errors. */
export type GraphQLClient = (request: GraphQLRequestBody) => Promise<Record<string, unknown>>;

export interface Scenario {
  name: string;
  description: string;
  /** The request every run sends; may look up seeded ids through `client` first. */
  request(client: GraphQLClient): Promise<BenchRequest>;
}

export interface InterleaveOptions extends LoadOptions {
  warmupSec: number;
  rounds: number;
}

/** What a target's own check of one measured run found (see StartedTarget.audit in targets.ts). */
export interface RunAudit {
  /** Shown after the run's numbers, e.g. how many Redis calls each answer took. */
  note?: string;
  /** Set when the run did not measure what the target claims: the scenario is invalid. */
  problem?: string;
}

/** A target to load: its GraphQL URL and, optionally, a check of each measured run. */
export interface InterleavedTarget {
  name: string;
  url: string;
  /** Its process, whose peak resident memory is reported. */
  pid: number;
  audit?(request: BenchRequest): Promise<(run: RunResult) => Promise<RunAudit>>;
}

export interface TargetSeries {
  target: string;
  warmup?: RunResult;
  rounds: RunResult[];
  /** One per round, for targets that audit their runs. */
  audits?: RunAudit[];
  /** The process's peak resident memory (VmHWM) over this scenario, or over its whole life when `peakRssSince` is `start`. */
  peakRssKiB?: number;
  peakRssSince?: 'scenario' | 'start';
}

export interface ScenarioRun {
  request: BenchRequest;
  /** Bytes of the answer's JSON (`{"data":...}`), the same from every target. */
  answerBytes?: number;
  series: TargetSeries[];
  /** Why the comparison cannot be trusted (errors, differing answers); empty when it can. */
  problems: string[];
}

export function graphqlClient(url: string, headers: Record<string, string> = {}): GraphQLClient {
  return async (request) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let body: { data?: Record<string, unknown> | null; errors?: unknown[] };
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${url} answered HTTP ${res.status} with a body that is not JSON: ${text.slice(0, 300)}`);
    }
    if (res.status !== 200 || body.errors || !body.data) {
      throw new Error(`${url} answered HTTP ${res.status}: ${text.slice(0, 500)}`);
    }
    return body.data;
  };
}

/**
 * Measures every target on the same request: first one answer from each,
 * which must be a success and the same everywhere (otherwise they would not
 * be doing the same work), then an unmeasured warm-up run per target, then
 * `rounds` measured runs interleaved so that whatever else the machine does
 * hits every target alike. Each round starts one target later (A B C, B C A,
 * C A B, ...): the run right after the warm-ups and the stock gateway's run
 * came out measurably slower, so it must not always be the same target's. A
 * target with an `audit` checks each of its measured runs; a problem it finds
 * makes the scenario invalid.
 */
export async function runInterleaved(
  targets: InterleavedTarget[],
  request: BenchRequest,
  options: InterleaveOptions,
  log: (line: string) => void,
): Promise<ScenarioRun> {
  const problems: string[] = [];
  const peakRssSince = new Map(targets.map((t) => [t.name, resetPeakRss(t.pid) ? ('scenario' as const) : ('start' as const)]));
  const answers = new Map<string, string>();
  for (const target of targets) {
    try {
      answers.set(target.name, canonicalJson({ data: await graphqlClient(target.url, request.headers)(request.body) }));
    } catch (error) {
      problems.push(`${target.name}: probe request failed: ${(error as Error).message}`);
    }
  }
  const distinct = new Set(answers.values());
  if (distinct.size > 1) problems.push(`targets answered differently: ${[...answers.keys()].join(', ')} do not agree`);
  if (problems.length > 0) return { request, series: targets.map((t) => ({ target: t.name, rounds: [] })), problems };
  const answerBytes = Buffer.byteLength([...distinct][0]);
  log(`  answer: ${answerBytes.toLocaleString('en-US')} bytes of JSON, the same from every target`);

  const series: TargetSeries[] = targets.map((t) => ({ target: t.name, rounds: [] }));
  if (options.warmupSec > 0) {
    for (const [i, target] of targets.entries()) {
      series[i].warmup = await measureWithCpus(target.url, target.pid, request, { ...options, durationSec: options.warmupSec });
      log(`  warm-up  ${target.name.padEnd(NAME_WIDTH)} ${formatRun(series[i].warmup!)}`);
    }
  }
  for (let round = 1; round <= options.rounds; round++) {
    for (let k = 0; k < targets.length; k++) {
      const i = (round - 1 + k) % targets.length;
      const target = targets[i];
      const finishAudit = await target.audit?.(request);
      const result = await measureWithCpus(target.url, target.pid, request, options);
      series[i].rounds.push(result);
      const audit = await finishAudit?.(result);
      if (audit) (series[i].audits ??= []).push(audit);
      if (audit?.problem) problems.push(`${target.name}: round ${round}: ${audit.problem}`);
      log(`  round ${round}  ${target.name.padEnd(NAME_WIDTH)} ${formatRun(result)}${audit?.note ? `  ${audit.note}` : ''}${audit?.problem ? `  INVALID: ${audit.problem}` : ''}`);
    }
  }

  for (const [i, target] of targets.entries()) {
    series[i].peakRssKiB = memoryOf(target.pid).peakRssKiB;
    series[i].peakRssSince = peakRssSince.get(target.name);
  }

  for (const s of series) {
    const bad = s.rounds.filter((r) => !r.valid);
    if (bad.length === 0) continue;
    const sum = (pick: (r: RunResult) => number) => bad.reduce((n, r) => n + pick(r), 0);
    const sample = bad.find((r) => r.firstBadBody)?.firstBadBody;
    problems.push(
      `${s.target}: ${bad.length} of ${s.rounds.length} round(s) invalid: ${sum((r) => r.non2xx)} non-2xx, ` +
        `${sum((r) => r.badBodies)} bodies with errors or without data, ${sum((r) => r.connectionErrors)} connection errors ` +
        `(${sum((r) => r.timeouts)} timeouts)${sample ? `; first bad body: ${sample}` : ''}`,
    );
  }
  return { request, answerBytes, series, problems };
}

/**
 * measure(), plus how busy each CPU was meanwhile (a saturated subgraph CPU
 * caps every target alike) and the gateway process's own CPU time per
 * answer: what the gateway costs, whatever else set the pace.
 */
async function measureWithCpus(url: string, pid: number, request: BenchRequest, options: LoadOptions): Promise<RunResult> {
  const before = perCpuSeconds();
  const gatewayBefore = cpuSecondsOf(pid);
  const result = await measure(url, request, options);
  const gatewayAfter = cpuSecondsOf(pid);
  const gatewaySeconds = gatewayAfter.user + gatewayAfter.system - gatewayBefore.user - gatewayBefore.system;
  if (result.responses > 0) result.gatewayCpuMsPerAnswer = (1000 * gatewaySeconds) / result.responses;
  result.cpuBusyPercent = perCpuSeconds().map((after, cpu) => {
    const total = after.total - (before[cpu]?.total ?? 0);
    return total > 0 ? Math.round((100 * (after.busy - before[cpu].busy)) / total) : 0;
  });
  return result;
}

/** Room for the longest target name (`ours-redis-limits`), so the numbers line up. */
const NAME_WIDTH = 18;

function formatRun(r: RunResult): string {
  const flaws = r.valid ? '' : `  INVALID: ${r.non2xx} non-2xx, ${r.badBodies} bad bodies, ${r.connectionErrors} conn errors`;
  const cpus = r.cpuBusyPercent?.map((busy, cpu) => `cpu${cpu} ${busy}%`).join(' ');
  const own = r.gatewayCpuMsPerAnswer === undefined ? '' : `  gateway ${r.gatewayCpuMsPerAnswer.toFixed(2)} CPU ms/answer`;
  return `${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms${cpus ? `  ${cpus}` : ''}${own}${flaws}`;
}

/** JSON with object keys sorted, so two equal answers compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}
