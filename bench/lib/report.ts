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
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = new Set([2, 3, 4, 5, 6, 7]);
  const line = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  const problems = reports.flatMap((r) => r.problems.map((p) => `  ${r.scenario}: ${p}`));
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    ...(problems.length > 0 ? ['', 'Invalid runs (their numbers are not a comparison):', ...problems] : []),
  ].join('\n');
}

/**
 * Ratios between two scenarios of the same run for one target, e.g. the cost
 * of authentication: `products-list-50-token` against `products-list-50` for
 * `ours`. Lines only for pairs that both ran.
 */
export function formatScenarioRatios(reports: ScenarioReport[], pairs: ReadonlyArray<{ label: string; target: string; measured: string; reference: string }>): string[] {
  const rpsOf = (scenario: string, target: string) => reports.find((r) => r.scenario === scenario)?.summaries.find((s) => s.target === target)?.rps;
  return pairs.flatMap(({ label, target, measured, reference }) => {
    const a = rpsOf(measured, target);
    const b = rpsOf(reference, target);
    if (a === undefined || b === undefined) return [];
    return [`${label}: ${target} ${measured} ${a.toFixed(0)} RPS / ${reference} ${b.toFixed(0)} RPS = ${(a / b).toFixed(2)}x`];
  });
}
