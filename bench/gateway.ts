/**
 * `npm run bench`: our gateway against stock Apollo Gateway on the same
 * machine, the same subgraphs and the same queries.
 *
 * Starts the three subgraphs (embedded stores) on free ports, composes a
 * supergraph routed to them, starts every target (targets.ts), then for each
 * scenario (scenarios.ts) runs autocannon against the targets in interleaved
 * rounds (lib/interleave.ts), prints one table, then same-run ratios between
 * scenarios and between targets (what authentication, cost analysis and rate
 * limiting cost), and writes it all to bench/results/<timestamp>.json. A
 * redis-server (lib/redis.ts) runs for targets that keep rate-limit buckets in
 * Redis. Exits non-zero when a run is invalid (a non-2xx, an `errors` body, a
 * connection error, targets disagreeing, or a target's own audit failing).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { ROOT, ServiceGroup, describeExit } from '../scripts/start';
import { graphqlClient, runInterleaved, type ScenarioRun } from './lib/interleave';
import { OptionsError, parseOptions, usage, wantsHelp, type BenchOptions } from './lib/options';
import { startRedis, type BenchRedis } from './lib/redis';
import {
  formatScenarioRatios,
  formatTable,
  formatTargetRatios,
  machineFacts,
  scenarioRatios,
  summarize,
  targetRatios,
  type ScenarioComparison,
  type ScenarioRatio,
  type ScenarioReport,
  type TargetComparison,
  type TargetRatio,
} from './lib/report';
import { startSubgraphs } from './lib/stack';
import { SCENARIOS } from './scenarios';
import { BASELINE, TARGETS, type StartedTarget } from './targets';

const DEFAULTS: BenchOptions = {
  durationSec: 10,
  warmupSec: 5,
  connections: 32,
  rounds: 3,
  scenarios: [],
  targets: [],
  resultsDir: join(ROOT, 'bench', 'results'),
};

function pick<T extends { name: string }>(all: T[], names: string[], kind: string, keep?: string): T[] {
  const unknown = names.filter((n) => !all.some((item) => item.name === n));
  if (unknown.length > 0) throw new OptionsError(`Unknown ${kind}(s) ${unknown.join(', ')}; known: ${all.map((i) => i.name).join(', ')}`);
  return names.length === 0 ? all : all.filter((item) => names.includes(item.name) || item.name === keep);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    console.log(usage(SCENARIOS.map((s) => s.name), TARGETS.map((t) => t.name)));
    return 0;
  }
  let options: BenchOptions;
  let scenarios: typeof SCENARIOS;
  let targets: typeof TARGETS;
  try {
    options = parseOptions(argv, process.env, DEFAULTS);
    scenarios = pick(SCENARIOS, options.scenarios, 'scenario');
    targets = pick(TARGETS, options.targets, 'target', BASELINE);
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    console.error(`bench: ${error.message}\n\n${usage(SCENARIOS.map((s) => s.name), TARGETS.map((t) => t.name))}`);
    return 2;
  }

  const machine = machineFacts();
  const perScenarioSec = targets.length * (options.warmupSec + options.rounds * options.durationSec);
  console.log(
    [
      `Machine: ${machine.cpus} CPU(s) (${machine.cpuModel}), Node ${machine.node}, ${machine.platform}, ` +
        `${machine.memoryGiB} GiB RAM, load ${machine.loadAverage1m}`,
      `Load:    ${options.connections} connections, ${options.rounds} interleaved round(s) of ${options.durationSec} s per target, ` +
        `${options.warmupSec} s warm-up each; the load generator shares the CPUs with the servers`,
      `Targets: ${targets.map((t) => `${t.name} (${t.description})`).join('; ')}`,
      `Expect about ${Math.ceil((scenarios.length * perScenarioSec) / 60 + 0.3)} min.`,
      '',
    ].join('\n'),
  );

  const group = new ServiceGroup();
  const workDir = mkdtempSync(join(tmpdir(), 'gateway-bench-'));
  let redis: Promise<BenchRedis> | undefined;
  let stopping = false;
  const cleanUp = async () => {
    stopping = true;
    await group.stopAll();
    // After the gateways: they close their Redis connections as they stop.
    await redis?.then((r) => r.stop()).catch(() => {});
    rmSync(workDir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return; // a Ctrl-C can arrive twice (terminal and a wrapper forwarding it)
    interrupted = true;
    console.error(`\nbench: ${signal}, stopping every process`);
    void cleanUp().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const { supergraphPath } = await startSubgraphs(group, workDir);
    const context = { supergraphPath, group, redis: () => (redis ??= startRedis()) };
    const started: Array<{ name: string } & StartedTarget> = [];
    for (const target of targets) started.push({ name: target.name, ...(await target.start(context)) });
    const baseline = started.find((t) => t.name === BASELINE)!;

    // From here on, any process that exits is a crash: fail the run with its name instead of measuring errors.
    const redisExit = redis ? redis.then((r) => r.exited) : new Promise<never>(() => {});
    const crashed = Promise.race([
      group.firstExit().then(({ service, status }) => `${service.name} exited during the benchmark (${describeExit(status)}); see its output above`),
      redisExit.then((why) => `${why} during the benchmark`),
    ]).then((why) => (stopping ? new Promise<never>(() => {}) : Promise.reject(new Error(why))));
    crashed.catch(() => {});

    const runs: Array<{ scenario: (typeof SCENARIOS)[number]; run: ScenarioRun }> = [];
    for (const scenario of scenarios) {
      console.log(`Scenario ${scenario.name}: ${scenario.description}`);
      const run = await Promise.race([
        scenario.request(graphqlClient(baseline.url)).then((request) => runInterleaved(started, request, options, (line) => console.log(line))),
        crashed,
      ]);
      runs.push({ scenario, run });
      console.log('');
    }

    const reports: ScenarioReport[] = runs.map(({ scenario, run }) => summarize(scenario, run, BASELINE));
    console.log(formatTable(reports, BASELINE));
    const ratios = { scenarios: scenarioRatios(reports, SCENARIO_RATIOS), targets: targetRatios(reports, TARGET_RATIOS) };
    for (const line of [...formatScenarioRatios(ratios.scenarios), ...formatTargetRatios(ratios.targets)]) console.log(line);
    const file = writeResults(options, machine, reports, runs, ratios);
    console.log(`\nResults written to ${relative(process.cwd(), file) || file}`);
    return reports.every((r) => r.valid) ? 0 : 1;
  } finally {
    if (!stopping) await cleanUp();
  }
}

/** Same-run comparisons between scenarios, printed under the table. */
const SCENARIO_RATIOS: ScenarioComparison[] = [
  { label: 'Authentication cost (valid token on every request vs anonymous)', target: 'ours', measured: 'products-list-50-token', reference: 'products-list-50' },
];

/** Same-run comparisons between targets on every scenario, printed under the table. */
const TARGET_RATIOS: TargetComparison[] = [
  // The issue's acceptance: cost analysis + Redis rate limiting must cost less than 10% of throughput.
  { label: 'Cost analysis + Redis rate limiting', measured: 'ours-redis-limits', reference: 'ours-no-limits', maxLoss: 0.1 },
  { label: 'Cost analysis + in-memory rate limiting (the default)', measured: 'ours', reference: 'ours-no-limits' },
  { label: 'Redis round trips alone (buckets in Redis vs in memory)', measured: 'ours-redis-limits', reference: 'ours' },
];

/** Set on Ctrl-C: the signal handler stops everything and exits; failures it causes are not reported. */
let interrupted = false;

function writeResults(
  options: BenchOptions,
  machine: ReturnType<typeof machineFacts>,
  reports: ScenarioReport[],
  runs: Array<{ scenario: { name: string }; run: ScenarioRun }>,
  ratios: { scenarios: ScenarioRatio[]; targets: TargetRatio[] },
): string {
  const dir = resolve(options.resultsDir);
  mkdirSync(dir, { recursive: true });
  const finishedAt = new Date().toISOString();
  const file = join(dir, `${finishedAt.replace(/[:.]/g, '-')}.json`);
  const targets = TARGETS.map((t) => ({ name: t.name, description: t.description }));
  const scenarios = reports.map((report, i) => ({ ...report, request: runs[i].run.request, runs: runs[i].run.series }));
  writeFileSync(file, JSON.stringify({ finishedAt, machine, options, baseline: BASELINE, targets, scenarios, ratios }, null, 2) + '\n');
  return file;
}

main().then(
  (code) => interrupted || process.exit(code),
  (error) => {
    if (interrupted) return;
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
