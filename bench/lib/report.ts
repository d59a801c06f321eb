import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';
import type { ScenarioRun } from './interleave';

export interface MachineFacts {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  memoryGiB: number;
  freeMemoryGiB: number;
  loadAverage1m: number;
}

export function machineFacts(): MachineFacts {
  const list = cpus();
  const gib = (bytes: number) => Math.round((bytes / 2 ** 30) * 10) / 10;
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${platform()} ${release()}`,
    memoryGiB: gib(totalmem()),
    freeMemoryGiB: gib(freemem()),
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
  };
}

export interface TargetSummary {
  target: string;
  /** Every measured round of this target was valid and passed its audit (a ratio involving an invalid target is not counted). */
  valid: boolean;
  /** Mean over the measured rounds. */
  rps: number;
  rpsMin: number;
  rpsMax: number;
  /** Mean over the measured rounds of each round's p99 (and p50). */
  p99Ms: number;
  p50Ms: number;
  /** This target's RPS and p99 divided by the baseline's (absent for the baseline itself). */
  rpsRatio?: number;
  p99Ratio?: number;
  /** The process's peak resident memory during the scenario (over its life when `peakRssSince` is `start`), and over the baseline's. */
  peakRssMiB?: number;
  peakRssSince?: 'scenario' | 'start';
  peakRssRatio?: number;
  /** Mean over the measured rounds of each CPU's busy percent (index = CPU number). */
  cpuBusyPercent?: number[];
  /** The gateway's own CPU per answer, mean over the rounds; and answers per gateway CPU-second over the baseline's (its efficiency, whatever capped the RPS). */
  gatewayCpuMs?: number;
  perCoreRatio?: number;
}

export interface ScenarioReport {
  scenario: string;
  description: string;
  /** Bytes of the answer's JSON. */
  answerBytes?: number;
  valid: boolean;
  problems: string[];
  summaries: TargetSummary[];
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

export function summarize(scenario: { name: string; description: string }, run: ScenarioRun, baseline: string): ScenarioReport {
  const summaries: TargetSummary[] = run.series
    .filter((s) => s.rounds.length > 0)
    .map((s) => {
      const rps = s.rounds.map((r) => r.rps);
      const cpuRounds = s.rounds.flatMap((r) => (r.cpuBusyPercent ? [r.cpuBusyPercent] : []));
      const summary: TargetSummary = {
        target: s.target,
        valid: s.rounds.every((r) => r.valid) && !(s.audits ?? []).some((a) => a.problem),
        rps: mean(rps),
        rpsMin: Math.min(...rps),
        rpsMax: Math.max(...rps),
        p99Ms: mean(s.rounds.map((r) => r.p99Ms)),
        p50Ms: mean(s.rounds.map((r) => r.p50Ms)),
      };
      if (s.peakRssKiB !== undefined) Object.assign(summary, { peakRssMiB: s.peakRssKiB / 1024, peakRssSince: s.peakRssSince });
      const cpuMs = s.rounds.flatMap((r) => (r.gatewayCpuMsPerAnswer !== undefined ? [r.gatewayCpuMsPerAnswer] : []));
      if (cpuMs.length > 0) summary.gatewayCpuMs = mean(cpuMs);
      if (cpuRounds.length > 0) summary.cpuBusyPercent = cpuRounds[0].map((_, cpu) => Math.round(mean(cpuRounds.map((busy) => busy[cpu] ?? 0))));
      return summary;
    });
  const base = summaries.find((s) => s.target === baseline);
  if (base) {
    for (const s of summaries) {
      if (s === base) continue;
      s.rpsRatio = s.rps / base.rps;
      s.p99Ratio = s.p99Ms / base.p99Ms;
      if (s.peakRssMiB !== undefined && base.peakRssMiB !== undefined) s.peakRssRatio = s.peakRssMiB / base.peakRssMiB;
      if (s.gatewayCpuMs && base.gatewayCpuMs) s.perCoreRatio = base.gatewayCpuMs / s.gatewayCpuMs;
    }
  }
  return {
    scenario: scenario.name,
    description: scenario.description,
    answerBytes: run.answerBytes,
    valid: run.problems.length === 0,
    problems: run.problems,
    summaries,
  };
}

/**
 * One table for every scenario and target; ratios are against the baseline.
 * Peak RSS is the target process's over the scenario; `cpu busy %` is each
 * CPU's (cpu0/cpu1/...) during the target's measured rounds.
 */
export function formatTable(reports: ScenarioReport[], baseline: string): string {
  const header = [
    'scenario',
    'target',
    'RPS (mean)',
    'RPS min-max',
    'p50 ms',
    'p99 ms',
    `RPS x/${baseline}`,
    `p99 x/${baseline}`,
    'peak RSS MiB',
    `RSS x/${baseline}`,
    'cpu busy %',
    'gw CPU ms/ans',
    `per core x/${baseline}`,
    'result',
  ];
  const rows: string[][] = [];
  const ratio = (value: number | undefined, target: string) => (value === undefined ? (target === baseline ? 'baseline' : '-') : `${value.toFixed(2)}x`);
  let lifetimePeaks = false;
  for (const report of reports) {
    if (report.summaries.length === 0) rows.push([report.scenario, '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', 'INVALID']);
    for (const s of report.summaries) {
      lifetimePeaks ||= s.peakRssSince === 'start';
      rows.push([
        report.scenario,
        s.target,
        s.rps.toFixed(0),
        `${s.rpsMin.toFixed(0)}-${s.rpsMax.toFixed(0)}`,
        s.p50Ms.toFixed(1),
        s.p99Ms.toFixed(1),
        ratio(s.rpsRatio, s.target),
        ratio(s.p99Ratio, s.target),
        s.peakRssMiB === undefined ? '-' : `${s.peakRssSince === 'start' ? '*' : ''}${s.peakRssMiB.toFixed(0)}`,
        ratio(s.peakRssRatio, s.target),
        s.cpuBusyPercent?.join('/') ?? '-',
        s.gatewayCpuMs === undefined ? '-' : s.gatewayCpuMs.toFixed(2),
        ratio(s.perCoreRatio, s.target),
        s.valid ? 'ok' : 'INVALID',
      ]);
    }
  }
  const problems = reports.flatMap((r) => r.problems.map((p) => `  ${r.scenario}: ${p}`));
  return [
    ...formatColumns(header, rows, new Set([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])),
    ...(lifetimePeaks ? ['* peak since the process started: this kernel does not let /proc/<pid>/clear_refs reset it per scenario'] : []),
    ...(problems.length > 0 ? ['', 'Invalid runs (their numbers are not a comparison):', ...problems] : []),
  ].join('\n');
}

/** A plain-text table: the header, a rule, the rows; columns in `numeric` are right-aligned. */
export function formatColumns(header: string[], rows: string[][], numeric: ReadonlySet<number>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/** A CPU this busy during a run was saturated: whatever ran on it set the pace. */
const SATURATED_PERCENT = 95;

/**
 * With the gateway on one CPU and subgraphs, redis-server and the load
 * generator on the other, a run whose "rest" CPU was saturated measured the
 * subgraphs as much as the gateway: its RPS is a floor of what the gateway
 * can do, and its ratio to a target that was not held back understates it.
 */
export function formatSaturatedRest(reports: ScenarioReport[], cpus: { gatewayCpu: number; restCpu: number }): string[] {
  const held = reports.flatMap((report) =>
    report.summaries.flatMap((s) => {
      const rest = s.cpuBusyPercent?.[cpus.restCpu];
      const gateway = s.cpuBusyPercent?.[cpus.gatewayCpu];
      if (rest === undefined || gateway === undefined || rest < SATURATED_PERCENT) return [];
      return [`  ${report.scenario} ${s.target}: CPU ${cpus.restCpu} ${rest}% busy, the gateway's CPU ${cpus.gatewayCpu} ${gateway}%`];
    }),
  );
  if (held.length === 0) return [];
  return [
    '',
    `Runs with CPU ${cpus.restCpu} (subgraphs, redis-server, load generator) saturated (>= ${SATURATED_PERCENT}% busy): their RPS is capped by it, ` +
      `more so where the gateway's CPU had room left:`,
    ...held,
  ];
}

/** A same-run comparison of two scenarios for one target, e.g. what authentication costs. */
export interface ScenarioComparison {
  label: string;
  target: string;
  measured: string;
  reference: string;
}

export interface ScenarioRatio extends ScenarioComparison {
  measuredRps: number;
  referenceRps: number;
  ratio: number;
}

/**
 * Ratios between two scenarios of the same run for one target, e.g. the cost
 * of authentication: `products-list-50-token` against `products-list-50` for
 * `ours`. Only pairs that both ran.
 */
export function scenarioRatios(reports: ScenarioReport[], pairs: readonly ScenarioComparison[]): ScenarioRatio[] {
  return pairs.flatMap((pair) => {
    const measuredRps = rpsOf(reports, pair.measured, pair.target);
    const referenceRps = rpsOf(reports, pair.reference, pair.target);
    if (measuredRps === undefined || referenceRps === undefined) return [];
    return [{ ...pair, measuredRps, referenceRps, ratio: measuredRps / referenceRps }];
  });
}

export function formatScenarioRatios(ratios: readonly ScenarioRatio[]): string[] {
  return ratios.map(
    (r) => `${r.label}: ${r.target} ${r.measured} ${r.measuredRps.toFixed(0)} RPS / ${r.reference} ${r.referenceRps.toFixed(0)} RPS = ${r.ratio.toFixed(2)}x`,
  );
}

/** A same-run comparison of two targets on every scenario, e.g. what Redis rate limiting costs. */
export interface TargetComparison {
  label: string;
  measured: string;
  reference: string;
  /** Largest acceptable loss of throughput (0.1: `measured` keeps at least 90% of `reference`'s RPS); reported, not enforced. */
  maxLoss?: number;
  /** `cost` (default): what `measured` adds over `reference`, as a share of throughput lost. `speedup`: how many times `reference`'s RPS `measured` serves. */
  reading?: 'cost' | 'speedup';
}

export interface TargetRatio extends TargetComparison {
  scenarios: Array<{ scenario: string; measuredRps: number; referenceRps: number; ratio: number; valid: boolean }>;
  /** Geometric mean of the ratios of the valid scenarios; absent when there is none. */
  mean?: number;
}

/** `measured` RPS over `reference` RPS per scenario where both ran; comparisons with no such scenario are left out. */
export function targetRatios(reports: ScenarioReport[], comparisons: readonly TargetComparison[]): TargetRatio[] {
  return comparisons.flatMap((comparison) => {
    const scenarios = reports.flatMap((report) => {
      const measured = summaryOf(reports, report.scenario, comparison.measured);
      const reference = summaryOf(reports, report.scenario, comparison.reference);
      if (!measured || !reference) return [];
      return [{ scenario: report.scenario, measuredRps: measured.rps, referenceRps: reference.rps, ratio: measured.rps / reference.rps, valid: measured.valid && reference.valid }];
    });
    if (scenarios.length === 0) return [];
    const valid = scenarios.filter((s) => s.valid);
    if (valid.length === 0) return [{ ...comparison, scenarios }];
    return [{ ...comparison, scenarios, mean: Math.exp(mean(valid.map((s) => Math.log(s.ratio)))) }];
  });
}

/**
 * One block per comparison:
 *
 *   Cost analysis + Redis rate limiting: ours-redis-limits / ours-no-limits (RPS, same run)
 *     payment-3-subgraphs   812 / 840 RPS = 0.97x  costs 3.3% of throughput
 *     geometric mean                        0.97x  costs 3.3% of throughput (budget 10%: within)
 */
export function formatTargetRatios(ratios: readonly TargetRatio[]): string[] {
  const width = Math.max('geometric mean'.length, ...ratios.flatMap((r) => r.scenarios.map((s) => s.scenario.length)));
  return ratios.flatMap((r) => {
    const cost = (ratio: number) =>
      r.reading === 'speedup'
        ? `${r.measured} ${ratio >= 1 ? `${((ratio - 1) * 100).toFixed(1)}% faster` : `${((1 - ratio) * 100).toFixed(1)}% slower`}`
        : ratio <= 1
          ? `costs ${((1 - ratio) * 100).toFixed(1)}% of throughput`
          : `${((ratio - 1) * 100).toFixed(1)}% faster: no measurable cost`;
    const rows = r.scenarios.map((s) => {
      const rps = `${s.measuredRps.toFixed(0)} / ${s.referenceRps.toFixed(0)} RPS`.padStart(18);
      return `  ${s.scenario.padEnd(width)}  ${rps} = ${s.ratio.toFixed(2)}x  ${s.valid ? cost(s.ratio) : 'INVALID run, not counted'}`;
    });
    const budget = r.maxLoss === undefined || r.mean === undefined ? '' : ` (budget ${r.maxLoss * 100}%: ${1 - r.mean <= r.maxLoss ? 'within' : 'OVER'})`;
    const overall = r.mean === undefined ? 'no valid scenario' : `${r.mean.toFixed(2)}x  ${cost(r.mean)}${budget}`;
    return ['', `${r.label}: ${r.measured} / ${r.reference} (RPS, same run)`, ...rows, `  ${'geometric mean'.padEnd(width)}  ${''.padStart(18)}   ${overall}`];
  });
}

function summaryOf(reports: ScenarioReport[], scenario: string, target: string): TargetSummary | undefined {
  return reports.find((r) => r.scenario === scenario)?.summaries.find((s) => s.target === target);
}

function rpsOf(reports: ScenarioReport[], scenario: string, target: string): number | undefined {
  return summaryOf(reports, scenario, target)?.rps;
}

/** A throughput target: `measured` must serve at least `minRatio` times `reference`'s RPS on `scenario` (every scenario when absent). */
export interface ThroughputGoal {
  measured: string;
  reference: string;
  minRatio: number;
  scenario?: string;
}

export interface GoalResult {
  scenario: string;
  measured: string;
  reference: string;
  ratio: number;
  minRatio: number;
  /** `invalid`: a run of either target cannot be trusted, so it is not judged. */
  verdict: 'pass' | 'miss' | 'invalid';
}

/** Each scenario where both targets ran, judged against the goal for that scenario (a scenario's own goal before the general one). */
export function goalResults(reports: ScenarioReport[], goals: readonly ThroughputGoal[]): GoalResult[] {
  return reports.flatMap((report) => {
    const goal = goals.find((g) => g.scenario === report.scenario) ?? goals.find((g) => g.scenario === undefined);
    if (!goal) return [];
    const measured = summaryOf(reports, report.scenario, goal.measured);
    const reference = summaryOf(reports, report.scenario, goal.reference);
    if (!measured || !reference) return [];
    const ratio = measured.rps / reference.rps;
    const verdict = !(measured.valid && reference.valid) ? 'invalid' : ratio >= goal.minRatio ? 'pass' : 'miss';
    return [{ scenario: report.scenario, measured: goal.measured, reference: goal.reference, ratio, minRatio: goal.minRatio, verdict }];
  });
}

/**
 *   Targets (RPS, same run):
 *     deep-federated     ours / stock = 3.12x (target ≥ 4x on deep-federated, ≥ 2x on the others)  miss
 */
export function formatGoals(results: readonly GoalResult[], goals: readonly ThroughputGoal[]): string[] {
  if (results.length === 0) return [];
  const width = Math.max(...results.map((r) => r.scenario.length));
  const rule = goals.map((g) => `≥ ${g.minRatio}x on ${g.scenario ?? (goals.length > 1 ? 'the others' : 'every scenario')}`).join(', ');
  return [
    '',
    'Targets (RPS, same run):',
    ...results.map(
      (r) =>
        `  ${r.scenario.padEnd(width)}  ${r.measured} / ${r.reference} = ${r.ratio.toFixed(2)}x (target ${rule})  ${r.verdict === 'invalid' ? 'INVALID run, not judged' : r.verdict}`,
    ),
  ];
}
