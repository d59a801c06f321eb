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
}

export interface ScenarioReport {
  scenario: string;
  description: string;
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
      return {
        target: s.target,
        rps: mean(rps),
        rpsMin: Math.min(...rps),
        rpsMax: Math.max(...rps),
        p99Ms: mean(s.rounds.map((r) => r.p99Ms)),
        p50Ms: mean(s.rounds.map((r) => r.p50Ms)),
      };
    });
  const base = summaries.find((s) => s.target === baseline);
  if (base) {
    for (const s of summaries) {
      if (s === base) continue;
      s.rpsRatio = s.rps / base.rps;
      s.p99Ratio = s.p99Ms / base.p99Ms;
    }
  }
  return { scenario: scenario.name, description: scenario.description, valid: run.problems.length === 0, problems: run.problems, summaries };
}

/** One table for every scenario and target; ratios are against the baseline. */
export function formatTable(reports: ScenarioReport[], baseline: string): string {
  const header = ['scenario', 'target', 'RPS (mean)', 'RPS min-max', 'p50 ms', 'p99 ms', `RPS x/${baseline}`, `p99 x/${baseline}`, 'result'];
  const rows: string[][] = [];
  for (const report of reports) {
    if (report.summaries.length === 0) rows.push([report.scenario, '-', '-', '-', '-', '-', '-', '-', 'INVALID']);
    for (const s of report.summaries) {
      rows.push([
        report.scenario,
        s.target,
        s.rps.toFixed(0),
        `${s.rpsMin.toFixed(0)}-${s.rpsMax.toFixed(0)}`,
        s.p50Ms.toFixed(1),
        s.p99Ms.toFixed(1),
        s.rpsRatio === undefined ? (s.target === baseline ? 'baseline' : '-') : `${s.rpsRatio.toFixed(2)}x`,
        s.p99Ratio === undefined ? (s.target === baseline ? 'baseline' : '-') : `${s.p99Ratio.toFixed(2)}x`,
        report.valid ? 'ok' : 'INVALID',
      ]);
    }
  }
  const problems = reports.flatMap((r) => r.problems.map((p) => `  ${r.scenario}: ${p}`));
  return [
    ...formatColumns(header, rows, new Set([2, 3, 4, 5, 6, 7])),
    ...(problems.length > 0 ? ['', 'Invalid runs (their numbers are not a comparison):', ...problems] : []),
  ].join('\n');
}

/** A plain-text table: the header, a rule, the rows; columns in `numeric` are right-aligned. */
export function formatColumns(header: string[], rows: string[][], numeric: ReadonlySet<number>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
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
      const measuredRps = rpsOf(reports, report.scenario, comparison.measured);
      const referenceRps = rpsOf(reports, report.scenario, comparison.reference);
      if (measuredRps === undefined || referenceRps === undefined) return [];
      return [{ scenario: report.scenario, measuredRps, referenceRps, ratio: measuredRps / referenceRps, valid: report.valid }];
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
  const cost = (ratio: number) => (ratio <= 1 ? `costs ${((1 - ratio) * 100).toFixed(1)}% of throughput` : `${((ratio - 1) * 100).toFixed(1)}% faster: no measurable cost`);
  return ratios.flatMap((r) => {
    const rows = r.scenarios.map((s) => {
      const rps = `${s.measuredRps.toFixed(0)} / ${s.referenceRps.toFixed(0)} RPS`.padStart(18);
      return `  ${s.scenario.padEnd(width)}  ${rps} = ${s.ratio.toFixed(2)}x  ${s.valid ? cost(s.ratio) : 'INVALID run, not counted'}`;
    });
    const budget = r.maxLoss === undefined || r.mean === undefined ? '' : ` (budget ${r.maxLoss * 100}%: ${1 - r.mean <= r.maxLoss ? 'within' : 'OVER'})`;
    const overall = r.mean === undefined ? 'no valid scenario' : `${r.mean.toFixed(2)}x  ${cost(r.mean)}${budget}`;
    return ['', `${r.label}: ${r.measured} / ${r.reference} (RPS, same run)`, ...rows, `  ${'geometric mean'.padEnd(width)}  ${''.padStart(18)}   ${overall}`];
  });
}

function rpsOf(reports: ScenarioReport[], scenario: string, target: string): number | undefined {
  return reports.find((r) => r.scenario === scenario)?.summaries.find((s) => s.target === target)?.rps;
}
