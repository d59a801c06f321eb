/**
 * `npm run bench`: our gateway against stock Apollo Gateway on the same
 * machine, the same subgraphs and the same queries.
 *
 * Starts the three subgraphs (embedded stores) on free ports, composes a
 * supergraph routed to them, starts every target (targets.ts), then for each
 * scenario (scenarios.ts) runs autocannon against the targets in interleaved
 * rounds (lib/interleave.ts), prints one table (throughput, latency, peak
 * memory, CPU use), then same-run ratios between scenarios and between
 * targets (what authentication, cost analysis and rate limiting cost, what
 * the native executor is worth), the throughput targets met or missed, and
 * writes it all to bench/results/<timestamp>.json. A redis-server
 * (lib/redis.ts) runs for targets that keep rate-limit buckets in Redis.
 * Gateways run on CPU 0, everything else on CPU 1 (lib/cpu-pinning.ts;
 * --no-pin turns it off); --cpu-prof <target> profiles one target's process
 * (lib/cpu-profile-preload.ts, read with lib/profile-top.ts). Exits non-zero
 * when a run is invalid (a non-2xx, an `errors` body, a connection error,
 * targets disagreeing, or a target's own audit failing).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { ROOT, ServiceGroup, describeExit } from '../scripts/start';
import { SUBGRAPH_NAMES } from '../subgraphs/shared/ports';
import { describeCpus, pinProcess, planCpuPinning, type CpuPinning } from './lib/cpu-pinning';
import { graphqlClient, runInterleaved, type ScenarioRun } from './lib/interleave';
import { OptionsError, parseOptions, usage, wantsHelp, type BenchOptions } from './lib/options';
import { startOtlpSink, type OtlpSink } from './lib/otlp-sink';
import { startRedis, type BenchRedis } from './lib/redis';
import { allowedCpusOf, findChildProcess } from './lib/proc';
import {
  formatGoals,
  formatSaturatedRest,
  formatScenarioRatios,
  formatTable,
  formatTargetRatios,
  goalResults,
  machineFacts,
  scenarioRatios,
  summarize,
  targetRatios,
  type GoalResult,
  type ScenarioComparison,
  type ScenarioRatio,
  type ScenarioReport,
  type TargetComparison,
  type TargetRatio,
  type ThroughputGoal,
} from './lib/report';
import { startSubgraphs } from './lib/stack';
import { WRITE_HEAVY_MIX, runWriteMix, writerHeaders, type WriteMixResult } from './lib/write-mix';
import { SCENARIOS } from './scenarios';
import { BASELINE, TARGETS, entityCacheCounters, type StartedTarget } from './targets';

const DEFAULTS: BenchOptions = {
  durationSec: 10,
  warmupSec: 5,
  connections: 32,
  rounds: 3,
  scenarios: [],
  targets: [],
  resultsDir: join(ROOT, 'bench', 'results'),
  noPin: false,
  cpuProf: '',
};

function pick<T extends { name: string }>(all: T[], names: string[], kind: string, keep?: string): T[] {
  const unknown = names.filter((n) => !all.some((item) => item.name === n));
  if (unknown.length > 0) throw new OptionsError(`Unknown ${kind}(s) ${unknown.join(', ')}; known: ${all.map((i) => i.name).join(', ')}`);
  return names.length === 0 ? all : all.filter((item) => names.includes(item.name) || item.name === keep);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const scenarioNames = [...SCENARIOS.map((s) => s.name), WRITE_HEAVY_MIX];
  if (wantsHelp(argv)) {
    console.log(usage(scenarioNames, TARGETS.map((t) => t.name)));
    return 0;
  }
  let options: BenchOptions;
  let scenarios: typeof SCENARIOS;
  let targets: typeof TARGETS;
  let writeMix: boolean;
  try {
    options = parseOptions(argv, process.env, DEFAULTS);
    // The write-heavy mix is not one repeated request: it runs after the scenarios, on the targets it compares.
    writeMix = options.scenarios.length === 0 || options.scenarios.includes(WRITE_HEAVY_MIX);
    const uniform = options.scenarios.filter((name) => name !== WRITE_HEAVY_MIX);
    scenarios = uniform.length === 0 && options.scenarios.length > 0 ? [] : pick(SCENARIOS, uniform, 'scenario');
    targets = pick(TARGETS, options.targets, 'target', BASELINE);
    if (options.cpuProf && !targets.some((t) => t.name === options.cpuProf)) {
      throw new OptionsError(`--cpu-prof ${options.cpuProf}: not a target of this run (${targets.map((t) => t.name).join(', ')})`);
    }
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    console.error(`bench: ${error.message}\n\n${usage(scenarioNames, TARGETS.map((t) => t.name))}`);
    return 2;
  }

  const machine = machineFacts();
  const pinning = planCpuPinning(options.noPin);
  // Before anything starts: subgraphs and redis-server inherit this process's CPU.
  if (pinning.enabled) pinProcess(process.pid, pinning.restCpu);
  const cpuProfileDir = options.cpuProf ? join(resolve(options.resultsDir), `cpu-prof-${new Date().toISOString().replace(/[:.]/g, '-')}`) : undefined;
  if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });
  const perScenarioSec = targets.length * (options.warmupSec + options.rounds * options.durationSec);
  console.log(
    [
      `Machine: ${machine.cpus} CPU(s) (${machine.cpuModel}), Node ${machine.node}, ${machine.platform}, ` +
        `${machine.memoryGiB} GiB RAM, load ${machine.loadAverage1m}`,
      `Load:    ${options.connections} connections, ${options.rounds} interleaved round(s) of ${options.durationSec} s per target, ` +
        `${options.warmupSec} s warm-up each`,
      `CPUs:    ${describePinning(pinning)}`,
      `Targets: ${targets.map((t) => `${t.name} (${t.description})`).join('; ')}`,
      ...(cpuProfileDir ? [`Profile: ${options.cpuProf}'s process, written to ${cpuProfileDir} when it exits`] : []),
      `Expect about ${Math.ceil((scenarios.length * perScenarioSec) / 60 + 0.3)} min.`,
      '',
    ].join('\n'),
  );

  const group = new ServiceGroup();
  const workDir = mkdtempSync(join(tmpdir(), 'gateway-bench-'));
  let redis: Promise<BenchRedis> | undefined;
  let otlpSink: Promise<OtlpSink> | undefined;
  let stopping = false;
  const cleanUp = async () => {
    stopping = true;
    await group.stopAll();
    // After the gateways: they close their Redis connections as they stop.
    await redis?.then((r) => r.stop()).catch(() => {});
    await otlpSink?.then((sink) => sink.stop()).catch(() => {});
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

  let exitCode: number;
  try {
    const { supergraphPath } = await startSubgraphs(group, workDir);
    const context = {
      supergraphPath,
      group,
      redis: () => (redis ??= startRedis()),
      otlpSink: () => (otlpSink ??= startOtlpSink()),
      cpu: pinning.enabled ? pinning.gatewayCpu : undefined,
    };
    const started: Array<{ name: string } & StartedTarget> = [];
    for (const target of targets) {
      const cpuProfile = target.name === options.cpuProf ? cpuProfileDir : undefined;
      started.push({ name: target.name, ...(await target.start({ ...context, cpuProfileDir: cpuProfile })) });
    }
    const baseline = started.find((t) => t.name === BASELINE)!;
    const placement = processPlacement(started, await redis);
    console.log(`Running: ${placement.map((p) => `${p.name} ${describeCpus(p.cpus)}`).join(', ')}\n`);

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

    const mixes = writeMix ? await Promise.race([runWriteMixes(started, options), crashed]) : [];

    const reports: ScenarioReport[] = runs.map(({ scenario, run }) => summarize(scenario, run, BASELINE));
    console.log(formatTable(reports, BASELINE));
    if (pinning.enabled) for (const line of formatSaturatedRest(reports, pinning)) console.log(line);
    const ratios = { scenarios: scenarioRatios(reports, SCENARIO_RATIOS), targets: targetRatios(reports, TARGET_RATIOS) };
    const scenarioLines = formatScenarioRatios(ratios.scenarios);
    for (const line of [...(scenarioLines.length > 0 ? ['', ...scenarioLines] : []), ...formatTargetRatios(ratios.targets)]) console.log(line);
    const goals = goalResults(reports, THROUGHPUT_GOALS);
    const cachedGoals = goalResults(reports, CACHED_GOALS);
    for (const line of [...formatGoals(goals, THROUGHPUT_GOALS), ...formatGoals(cachedGoals, CACHED_GOALS)]) console.log(line);
    for (const line of formatWriteMixes(mixes)) console.log(line);
    const file = writeResults(options, machine, { pinning, placement, cpuProfileDir }, reports, runs, ratios, [...goals, ...cachedGoals], mixes);
    console.log(`\nResults written to ${relative(process.cwd(), file) || file}`);
    exitCode = reports.every((r) => r.valid) && mixes.every((m) => m.result.staleReads === 0 && m.result.failures === 0) ? 0 : 1;
  } finally {
    if (!stopping) await cleanUp();
  }
  // The profile is written as the target exits, so only now.
  if (cpuProfileDir) {
    const files = readdirSync(cpuProfileDir).filter((f) => f.endsWith('.cpuprofile'));
    console.log(`CPU profile of ${options.cpuProf}: ${cpuProfileDir}${files.length === 0 ? ' (empty: the process did not exit cleanly)' : ''}`);
    for (const f of files) console.log(`  top functions: node dist/bench/lib/profile-top.js ${relative(process.cwd(), join(cpuProfileDir, f))} 30`);
  }
  return exitCode;
}

function describePinning(pinning: CpuPinning): string {
  if (!pinning.enabled) return `not pinned (${pinning.why}): gateways, subgraphs, redis-server and the load generator share every CPU`;
  return (
    `gateways under test on CPU ${pinning.gatewayCpu}; subgraphs, redis-server and the load generator (autocannon, in this process) ` +
    `on CPU ${pinning.restCpu} (--no-pin: no pinning)`
  );
}

/** Where each process of the run may run, as /proc says (every thread's affinity): what the header's plan became. */
function processPlacement(targets: Array<{ name: string; pid: number }>, redis: BenchRedis | undefined): Array<{ name: string; pid: number; cpus: number[] }> {
  const subgraphs = SUBGRAPH_NAMES.map((name) => ({ name, pid: findChildProcess([join(ROOT, `dist/subgraphs/${name}/main.js`)]) }));
  const all = [
    ...targets.map(({ name, pid }) => ({ name, pid })),
    ...subgraphs.flatMap((s) => (s.pid === undefined ? [] : [{ name: s.name, pid: s.pid }])),
    ...(redis ? [{ name: 'redis-server', pid: redis.pid }] : []),
    { name: 'load generator', pid: process.pid },
  ];
  return all.map((p) => ({ ...p, cpus: allowedCpusOf(p.pid) }));
}

/** Same-run comparisons between scenarios, printed under the table. */
const SCENARIO_RATIOS: ScenarioComparison[] = [
  { label: 'Authentication cost (valid token on every request vs anonymous)', target: 'ours', measured: 'products-list-50-token', reference: 'products-list-50' },
];

/** Same-run comparisons between targets on every scenario, printed under the table. */
const TARGET_RATIOS: TargetComparison[] = [
  { label: "Executor (native vs @apollo/gateway's executeQueryPlan)", measured: 'ours', reference: 'ours-apollo', reading: 'speedup' },
  // The issue's acceptance: cost analysis + Redis rate limiting must cost less than 10% of throughput.
  { label: 'Cost analysis + Redis rate limiting', measured: 'ours-redis-limits', reference: 'ours-no-limits', maxLoss: 0.1 },
  { label: 'Cost analysis + in-memory rate limiting (the default)', measured: 'ours', reference: 'ours-no-limits' },
  { label: 'Redis round trips alone (buckets in Redis vs in memory)', measured: 'ours-redis-limits', reference: 'ours' },
  // Tracing every request and exporting it; metrics and logs are on in both.
  { label: 'Telemetry overhead', measured: 'ours-telemetry', reference: 'ours' },
  { label: 'Entity cache, warm (in-process store vs uncached)', measured: 'ours-cached', reference: 'ours', reading: 'speedup' },
  { label: 'Entity cache, warm (Redis store vs uncached)', measured: 'ours-cached-redis', reference: 'ours', reading: 'speedup' },
];

/** The entity cache's goal (issue 12): warm, at least 5x stock on products-list-50. */
const CACHED_GOALS: ThroughputGoal[] = [{ measured: 'ours-cached', reference: BASELINE, minRatio: 5, scenario: 'products-list-50' }];

/** Targets the write-heavy mix compares: uncached, and the entity cache's two stores. */
const WRITE_MIX_TARGETS = ['ours', 'ours-cached', 'ours-cached-redis'];

interface WriteMixRun {
  target: string;
  result: WriteMixResult;
  /** Entity cache hit rate during the mix (cached targets). */
  hitRate?: number;
}

/**
 * One run of the write-heavy mix per compared target that is running
 * (1 mutation per 10 reads of products-list-50 on every connection, through
 * that target), with its hit rate and the stale reads it found.
 */
async function runWriteMixes(started: Array<{ name: string } & StartedTarget>, options: BenchOptions): Promise<WriteMixRun[]> {
  const writer = await writerHeaders();
  const runs: WriteMixRun[] = [];
  console.log(`Scenario ${WRITE_HEAVY_MIX}: 1 stock mutation per 10 reads of products-list-50 on each of ${options.connections} connections, every read checked against the writes acknowledged before it`);
  for (const target of started.filter((t) => WRITE_MIX_TARGETS.includes(t.name))) {
    const origin = new URL(target.url).origin;
    const cached = target.name !== 'ours';
    const before = cached ? await entityCacheCounters(origin) : undefined;
    const result = await runWriteMix(target.url, writer, { connections: options.connections, durationSec: options.durationSec, readsPerWrite: 10 });
    const after = cached ? await entityCacheCounters(origin) : undefined;
    const lookups = before && after ? after.hits - before.hits + after.misses - before.misses : 0;
    const hitRate = before && after && lookups > 0 ? (after.hits - before.hits) / lookups : undefined;
    runs.push({ target: target.name, result, ...(hitRate !== undefined && { hitRate }) });
    console.log(`  ${target.name.padEnd(18)} ${formatWriteMix(runs.at(-1)!)}`);
  }
  console.log('');
  return runs;
}

function formatWriteMix({ result, hitRate }: WriteMixRun): string {
  return (
    `${result.rps.toFixed(0).padStart(7)} ops/s (${result.reads} reads, ${result.writes} writes)` +
    `${hitRate === undefined ? '' : `  cache hit rate ${(100 * hitRate).toFixed(1)}%`}` +
    `  stale reads ${result.staleReads}${result.firstStale ? ` (first: ${result.firstStale})` : ''}` +
    `${result.failures > 0 ? `  FAILURES ${result.failures}: ${result.firstFailure}` : ''}`
  );
}

/** The mix's summary under the table. */
function formatWriteMixes(mixes: readonly WriteMixRun[]): string[] {
  if (mixes.length === 0) return [];
  const stale = mixes.reduce((n, m) => n + m.result.staleReads, 0);
  return [
    '',
    `Write-heavy mix (${WRITE_HEAVY_MIX}, one run each): ${stale === 0 ? 'no stale read' : `${stale} STALE READ(S)`}`,
    ...mixes.map((mix) => `  ${mix.target.padEnd(18)} ${formatWriteMix(mix)}`),
  ];
}

/** What our gateway must serve against stock Apollo Gateway, per scenario (the first matching entry). */
const THROUGHPUT_GOALS: ThroughputGoal[] = [
  { measured: 'ours', reference: BASELINE, minRatio: 4, scenario: 'deep-federated' },
  { measured: 'ours', reference: BASELINE, minRatio: 2 },
];

/** Set on Ctrl-C: the signal handler stops everything and exits; failures it causes are not reported. */
let interrupted = false;

function writeResults(
  options: BenchOptions,
  machine: ReturnType<typeof machineFacts>,
  processes: { pinning: CpuPinning; placement: Array<{ name: string; pid: number; cpus: number[] }>; cpuProfileDir?: string },
  reports: ScenarioReport[],
  runs: Array<{ scenario: { name: string }; run: ScenarioRun }>,
  ratios: { scenarios: ScenarioRatio[]; targets: TargetRatio[] },
  goals: GoalResult[],
  writeMixes: WriteMixRun[],
): string {
  const dir = resolve(options.resultsDir);
  mkdirSync(dir, { recursive: true });
  const finishedAt = new Date().toISOString();
  const file = join(dir, `${finishedAt.replace(/[:.]/g, '-')}.json`);
  const targets = TARGETS.map((t) => ({ name: t.name, description: t.description }));
  const scenarios = reports.map((report, i) => ({ ...report, request: runs[i].run.request, runs: runs[i].run.series }));
  const results = {
    finishedAt,
    machine,
    options,
    processes,
    baseline: BASELINE,
    targets,
    scenarios,
    ratios,
    goals: { rules: [...THROUGHPUT_GOALS, ...CACHED_GOALS], results: goals },
    writeMixes,
  };
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
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
