/**
 * `npm run bench:subscriptions`: how one gateway process fans events out to
 * many WebSocket subscribers.
 *
 * Starts a redis-server (lib/redis.ts), the three subgraphs with REDIS_URL
 * (stores and events in that Redis, as in production) and, for every
 * (subscribers, rate) case, a fresh gateway process on the same Redis. Then
 * N graphql-transport-ws subscribers (lib/subscribers.ts: one connection and
 * one subscription each, in worker threads) subscribe to `stockChanged` of
 * one product, and StockChanged events are published straight to Redis at a
 * fixed rate (lib/stock-events.ts); the gateway enriches each with the
 * product's name and price from the products subgraph.
 *
 * Every subscriber sends the same operation, variables and token: the case
 * the subscription engine deduplicates (one group, so one enrichment and one
 * serialization per event, whatever N). The products subgraph's request count
 * over the window divided by the events shows it.
 *
 * Per case: a probe subscriber warms the gateway up (and proves events flow
 * through Redis), the gateway's RSS is read, the N subscribers connect, RSS
 * is read again; events are published for the warm-up (until every
 * subscriber has received one), the gateway is let drain, then events are
 * published for the measured window and the results of window events are
 * awaited. Prints the results, the gateway's counters and the CPU used,
 * writes bench/results/subscriptions-<time>.json, and exits non-zero when a
 * case is invalid: a connection failure or drop, an error in a result, less
 * than 99% of the expected results once they stopped coming (lost). A case
 * whose results come slower than they are offered is SATURATED: a finding,
 * not a failure; the wait for its backlog is bounded.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, ServiceGroup, describeExit, type RunningService } from '../scripts/start';
import { BENCH_IDENTITY_ENV, BENCH_JWT_SECRET, benchToken } from './lib/auth';
import { OptionsError, optionLines, parseFlags, wantsHelp, type OptionSpec } from './lib/options';
import { cpuSecondsOf, findChildProcess, machineCpuSeconds, memoryOf, openFileLimit } from './lib/proc';
import { scrapeMetrics, type MetricSamples } from './lib/prometheus';
import { startRedis, type BenchRedis } from './lib/redis';
import { formatColumns, machineFacts } from './lib/report';
import { benchEnv, freePort, startSubgraphs } from './lib/stack';
import { StockEventPublisher, type PublishRun } from './lib/stock-events';
import { Subscribers, type SubscriberStats, type SubscribersOptions } from './lib/subscribers';
import { probeHttp, PROBE_QUERY, type ProbeRun } from './lib/http-probe';
import { ResumableSubscribers } from './lib/resumable-subscribers';

interface SubscriptionBenchOptions {
  /** Seconds of each measured window. */
  durationSec: number;
  /** Seconds of events before each window, not counted (longer when a subscriber has not received one yet). */
  warmupSec: number;
  /** Subscriber counts to run, each with every rate. */
  subscribers: number[];
  /** Events per second to publish, each with every subscriber count. */
  rates: number[];
  /** Worker threads the subscribers are spread over. */
  clientThreads: number;
  resultsDir: string;
  /** The graphql-ws servers to compare, each in every case: ours, and the graphql-ws package's useServer. */
  servers: string[];
  /** Write a .cpuprofile of each case's gateway. */
  cpuProf: boolean;
  /** What to run: `saturation` (the cases) and/or `fault` (replica stop + resume). */
  scenarios: string[];
  /** Fault scenario: subscribers (half on each of two replicas), events per second, seconds of events. */
  faultSubscribers: number;
  faultRate: number;
  faultDurationSec: number;
}

const DEFAULTS: SubscriptionBenchOptions = {
  durationSec: 10,
  warmupSec: 3,
  subscribers: [1_000, 5_000],
  rates: [10, 100],
  clientThreads: 2,
  resultsDir: join(ROOT, 'bench', 'results'),
  servers: ['ours', 'graphql-ws'],
  cpuProf: false,
  scenarios: ['fault', 'saturation'],
  faultSubscribers: 1_000,
  faultRate: 20,
  faultDurationSec: 9,
};

const SPECS: OptionSpec<SubscriptionBenchOptions>[] = [
  { key: 'durationSec', flag: '--duration', env: 'BENCH_DURATION', kind: 'int', help: 'seconds of each measured window (default 10)' },
  { key: 'warmupSec', flag: '--warmup', env: 'BENCH_WARMUP', kind: 'int', min: 0, help: 'seconds of events before each window, not counted (default 3)' },
  { key: 'subscribers', flag: '--subscribers', env: 'BENCH_SUBSCRIBERS', kind: 'int-list', help: 'subscriber counts, one connection each (default 1000,5000)' },
  { key: 'rates', flag: '--rates', env: 'BENCH_RATES', kind: 'int-list', help: 'events published per second (default 10,100)' },
  { key: 'clientThreads', flag: '--client-threads', env: 'BENCH_CLIENT_THREADS', kind: 'int', help: 'worker threads running the subscribers (default 2)' },
  { key: 'resultsDir', flag: '--results-dir', env: 'BENCH_RESULTS_DIR', kind: 'string', help: 'directory for the JSON results (default bench/results)' },
  { key: 'servers', flag: '--servers', env: 'BENCH_WS_SERVERS', kind: 'list', help: 'graphql-ws servers to compare: ours, graphql-ws (default both)' },
  { key: 'scenarios', flag: '--scenarios', env: 'BENCH_SCENARIOS', kind: 'list', help: 'fault (two replicas, one stopped mid-stream, clients resume on the other), saturation (the cases); default both' },
  { key: 'faultSubscribers', flag: '--fault-subscribers', env: 'BENCH_FAULT_SUBSCRIBERS', kind: 'int', help: 'subscribers of the fault scenario, half on each replica (default 1000)' },
  { key: 'faultRate', flag: '--fault-rate', env: 'BENCH_FAULT_RATE', kind: 'int', help: 'events per second of the fault scenario (default 20)' },
  { key: 'faultDurationSec', flag: '--fault-duration', env: 'BENCH_FAULT_DURATION', kind: 'int', help: 'seconds of events of the fault scenario; the first replica stops after a third (default 9)' },
  { key: 'cpuProf', flag: '--cpu-prof', env: 'BENCH_CPU_PROF', kind: 'switch', help: "write a .cpuprofile of each case's gateway (read it with dist/bench/lib/profile-top.js)" },
];

const PRODUCT_ID = 'p-0001';
/** The same operation, variables (none) and identity for every subscriber: one group in the engine. */
const OPERATION = `subscription { stockChanged(productId: "${PRODUCT_ID}") { id occurredAt productId delta available product { name price { amount currency } } } }`;
const GATEWAY_ENTRY = 'dist/gateway/src/main.js';
/** Budgets no case can exhaust, and room for every subscriber of one client (all share the bench token). */
const UNLIMITED_TIER = { capacity: 1e12, refillPerSecond: 1e12, maxSubscriptions: 1_000_000 };
/** File descriptors a process needs besides one per subscriber: Node, Redis and subgraph connections, worker threads. */
const FD_HEADROOM = 500;
/** A run with fewer results than this share of subscribers x events is invalid. */
const MIN_DELIVERY_RATIO = 0.99;
/** Deliveries below this share of subscribers x rate a second: the gateway (or the machine) could not keep up. */
const SATURATION_RATIO = 0.95;
const PROBE_TIMEOUT_MS = 15_000;
/** Warm-up goes on this much longer at most while some subscriber has received nothing. */
const WARMUP_EXTENSION_MS = 20_000;
/** Waiting for the gateway to deliver the warm-up's backlog, at most. */
const QUIET_TIMEOUT_MS = 90_000;
/** After the window, results are awaited until none arrived for this long (lost ones never will)... */
const DRAIN_IDLE_MS = 3_000;
/**
 * ...or until twice the window (at least 10 s) went by after the last event
 * while results still arrive: the gateway is saturated and has a backlog; the
 * case ends (it does not hang) with what throughput it measured.
 */
const DRAIN_WINDOWS = 2;
const MIN_DRAIN_MS = 10_000;
const POLL_MS = 250;

interface CaseResult {
  /** The graphql-ws server of the gateway: ours or graphql-ws's useServer (GATEWAY_WS_SERVER). */
  server: string;
  subscribers: number;
  ratePerSec: number;
  /** A small HTTP query asked throughout: with every subscriber connected but no events (idle), and during the window. */
  http?: { idle: ProbeRun; loaded: ProbeRun; p99Ratio?: number };
  valid: boolean;
  /** Fewer deliveries a second than SATURATION_RATIO x subscribers x rate, or results still queued at the drain deadline. */
  saturated: boolean;
  problems: string[];
  connect?: { ms: number; subscribed: number; failures: number };
  window?: {
    publish: PublishRun & { scheduled: number };
    /** Results of window events: expected is subscribers x events published. */
    expected: number;
    received: number;
    deliveryRatio: number;
    deliveriesPerSec: number;
    expectedPerSec: number;
    /** From the window start to the last result, and from the last event to its results. */
    deliverySec: number;
    drainAfterLastEventMs: number;
    /**
     * Why the wait for results ended: all arrived; none arrived for a while
     * (the missing ones are lost); or the deadline passed while they still
     * arrived (saturated: `expected - received` were still on their way).
     */
    drainEnded: 'all-arrived' | 'idle' | 'deadline';
    minPerSubscriber: number;
    maxPerSubscriber: number;
    latencyMs: { p50?: number; p90?: number; p99?: number; max?: number };
    /**
     * Subgraph GraphQL requests during the window (and drain), per event
     * published; and the products subgraph's per enrichment the gateway made
     * (the same unless the gateway was saturated and had not enriched every event yet).
     */
    fetchesPerEvent: { products: number; inventory: number; productsPerEnrichment: number };
    /** The gateway's /metrics counters over the window (and drain). */
    gateway: { events: number; enrichments: number; deliveries: number; enrichmentsPerEvent: number };
    /**
     * Over the window and drain. Cores: CPU seconds a second (1 = one core
     * busy all the time), the gateway's split into user space and kernel;
     * its CPU per delivery; this process (the subscriber threads and the
     * publisher); how busy each subscriber thread's event loop was (it counts
     * time the thread was runnable but not running); the machine's share of
     * all its cores.
     */
    cpu: {
      gatewayCores: number;
      gatewayUserCores: number;
      gatewaySystemCores: number;
      gatewayMicrosPerDelivery: number;
      clientCores: number;
      clientThreadsElu: number[];
      machineBusy: number;
    };
  };
  gatewayRss?: { beforeKiB: number; connectedKiB: number; afterKiB: number; peakKiB: number; perConnectionKiB: number };
  /** The gateway's gauges once every subscriber had connected. */
  gatewayGauges?: { wsConnections: number; wsOperations: number; groups: number; channels: number };
}

interface BenchContext {
  group: ServiceGroup;
  supergraphPath: string;
  redis: BenchRedis;
  subgraphMetrics: { products: string; inventory: string };
  publisher: StockEventPublisher;
  token: string;
  options: SubscriptionBenchOptions;
  /** Rejects when a subgraph or redis-server exits during the run. */
  crashed: Promise<never>;
  /** The subscribers of the case running, closed on Ctrl-C. */
  live: Set<Subscribers>;
}

function usage(): string {
  return ['Usage: npm run bench:subscriptions -- [options]', '', ...optionLines(SPECS)].join('\n');
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    console.log(usage());
    return 0;
  }
  let options: SubscriptionBenchOptions;
  try {
    options = parseFlags(SPECS, argv, process.env, DEFAULTS);
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    console.error(`bench:subscriptions: ${error.message}\n\n${usage()}`);
    return 2;
  }
  if (process.platform !== 'linux') {
    console.error('bench:subscriptions: reads process memory and CPU time from /proc; it runs on Linux only');
    return 2;
  }
  // This process holds one socket per subscriber, and so does the gateway, which inherits the limit.
  const needed = Math.max(...options.subscribers) + FD_HEADROOM;
  const limit = openFileLimit();
  if (limit < needed) {
    console.error(
      `bench:subscriptions: the open-file limit (ulimit -n) is ${limit}; ${Math.max(...options.subscribers)} subscribers need at least ${needed} ` +
        `(one socket each in this process and in the gateway, plus ${FD_HEADROOM}). Raise it in this shell, e.g. \`ulimit -n ${Math.max(needed, 20_000)}\`, and run again.`,
    );
    return 2;
  }

  const machine = machineFacts();
  const cases = options.subscribers.flatMap((subscribers) => options.rates.flatMap((ratePerSec) => options.servers.map((server) => ({ subscribers, ratePerSec, server }))));
  console.log(
    [
      `Machine: ${machine.cpus} CPU(s) (${machine.cpuModel}), Node ${machine.node}, ${machine.platform}, ${machine.memoryGiB} GiB RAM, load ${machine.loadAverage1m}`,
      `Cases:   ${cases.map((c) => `${c.subscribers} x ${c.ratePerSec}/s`).join(', ')}; ${options.warmupSec} s warm-up and ${options.durationSec} s measured each, ` +
        `a fresh gateway per case; subscribers in ${options.clientThreads} worker thread(s) of this process, sharing the CPUs with the servers`,
      `Subscription (the same operation, variables and token for every subscriber: one engine group, so one enrichment per event):`,
      `  ${OPERATION}`,
      '',
    ].join('\n'),
  );

  const group = new ServiceGroup();
  const workDir = mkdtempSync(join(tmpdir(), 'subscriptions-bench-'));
  const live = new Set<Subscribers>();
  let redis: BenchRedis | undefined;
  let publisher: StockEventPublisher | undefined;
  let stopping = false;
  const cleanUp = async () => {
    stopping = true;
    await Promise.all([...live].map((s) => s.close()));
    await publisher?.close().catch(() => {});
    await group.stopAll();
    // After the gateway and subgraphs: they close their Redis connections as they stop.
    await redis?.stop().catch(() => {});
    rmSync(workDir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return; // a Ctrl-C can arrive twice (terminal and a wrapper forwarding it)
    interrupted = true;
    console.error(`\nbench:subscriptions: ${signal}, stopping every process`);
    void cleanUp().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    redis = await startRedis();
    const { supergraphPath, urls } = await startSubgraphs(group, workDir, { REDIS_URL: redis.url });
    // Only the subgraphs are in the group yet: any of them exiting from here on is a crash.
    const crashed = Promise.race([
      group.firstExit().then(({ service, status }) => `${service.name} exited during the benchmark (${describeExit(status)}); see its output above`),
      redis.exited.then((why) => `${why} during the benchmark`),
    ]).then((why) => (stopping ? new Promise<never>(() => {}) : Promise.reject(new Error(why))));
    crashed.catch(() => {});
    console.log(`Stack:   redis-server at ${redis.url}; subgraphs ${Object.entries(urls).map(([name, url]) => `${name} ${url}`).join(', ')}\n`);
    publisher = await StockEventPublisher.connect(redis.url);
    const context: BenchContext = {
      group,
      supergraphPath,
      redis,
      subgraphMetrics: { products: urls.products.replace(/\/graphql$/, '/metrics'), inventory: urls.inventory.replace(/\/graphql$/, '/metrics') },
      publisher,
      token: await benchToken(),
      options,
      crashed,
      live,
    };

    let fault: FaultResult | undefined;
    if (options.scenarios.includes('fault')) {
      console.log(`Fault: ${options.faultSubscribers} subscribers on two replicas, ${options.faultRate} events/s for ${options.faultDurationSec} s, the first replica stopped after a third`);
      fault = await runFault(context);
      console.log(`  ${faultLine(fault)}\n`);
    }
    const results: CaseResult[] = [];
    for (const { subscribers, ratePerSec, server } of options.scenarios.includes('saturation') ? cases : []) {
      console.log(`Case ${subscribers} subscribers x ${ratePerSec} events/s, ${server} graphql-ws server`);
      const result = await runCase(context, subscribers, ratePerSec, server);
      if (interrupted) return 130;
      results.push(result);
      console.log(`  ${summaryLine(result)}\n`);
    }

    if (results.length > 0) console.log(formatResults(results, options));
    if (fault) console.log(`\nFault scenario: ${faultLine(fault)}`);
    const file = writeResults(options, machine, results, fault);
    console.log(`\nResults written to ${relative(process.cwd(), file) || file}`);
    return results.every((r) => r.valid) && (fault?.valid ?? true) ? 0 : 1;
  } finally {
    if (!stopping) await cleanUp();
  }
}

/** What the fault scenario found: deliveries lost, duplicated or out of order against the events appended during it. */
interface FaultResult {
  valid: boolean;
  problems: string[];
  subscribers: number;
  events: number;
  /** Subscribers that moved to the other replica and resumed there. */
  resumed: number;
  /** Subscribers that received every event. */
  complete: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
}

function faultLine(f: FaultResult): string {
  return (
    `${f.events} events x ${f.subscribers} subscribers, ${f.resumed} resumed on the other replica: ` +
    `${f.lost} lost, ${f.duplicated} duplicated, ${f.outOfOrder} out of order, ${f.complete}/${f.subscribers} complete${f.valid ? '' : `; INVALID: ${f.problems.join('; ')}`}`
  );
}

/**
 * Two gateway processes on the same Redis, half of the subscribers on each;
 * events are appended at a fixed rate, and a third of the way through the
 * first replica is stopped (SIGTERM: `complete` then close 1001). Its
 * subscribers resubscribe on the second with `extensions.resumeFrom` = the
 * last event id they received. Every subscriber must end with every event of
 * the run, once and in order.
 */
async function runFault(context: BenchContext): Promise<FaultResult> {
  const { options } = context;
  const problems: string[] = [];
  const ports = [await freePort(), await freePort()];
  const gateways = await Promise.all(
    ports.map((port, i) =>
      context.group.start({
        name: `gateway-${i + 1}`,
        entry: GATEWAY_ENTRY,
        args: ['--supergraph', context.supergraphPath, '--port', String(port), '--host', '127.0.0.1'],
        env: benchEnv({
          ...BENCH_IDENTITY_ENV.gateway,
          JWT_SECRET: BENCH_JWT_SECRET,
          REDIS_URL: context.redis.url,
          GATEWAY_RATE_LIMIT_TIERS: JSON.stringify({ anonymous: UNLIMITED_TIER, authenticated: UNLIMITED_TIER }),
        }),
        readyUrl: `http://127.0.0.1:${port}/ready`,
      }),
    ),
  );
  const subscribers = await ResumableSubscribers.open({
    urls: ports.map((port) => `ws://127.0.0.1:${port}/graphql`),
    connectionParams: { token: context.token },
    request: { query: OPERATION },
    subscribers: options.faultSubscribers,
  });
  try {
    for (let i = 0; subscribers.receiving() < options.faultSubscribers && i < 40; i++) await context.publisher.publishAtRate(5, 500, PRODUCT_ID);
    if (subscribers.receiving() < options.faultSubscribers) problems.push(`${options.faultSubscribers - subscribers.receiving()} subscribers received nothing before the run`);
    const durationMs = options.faultDurationSec * 1_000;
    const publishing = context.publisher.publishAtRate(options.faultRate, durationMs, PRODUCT_ID);
    await sleep(durationMs / 3);
    await gateways[0].stop();
    const run = await publishing;
    await subscribers.waitFor(run.ids, 60_000);
    const tally = subscribers.tally(run.ids);
    if (run.failed > 0) problems.push(`${run.failed} appends failed`);
    if (tally.lost + tally.duplicated + tally.outOfOrder > 0) problems.push('deliveries lost, duplicated or out of order');
    problems.push(...tally.errors.map((e) => `subscriber: ${e}`));
    return {
      valid: problems.length === 0,
      problems,
      subscribers: options.faultSubscribers,
      events: run.ids.length,
      resumed: subscribers.resumed(),
      complete: tally.complete,
      lost: tally.lost,
      duplicated: tally.duplicated,
      outOfOrder: tally.outOfOrder,
    };
  } finally {
    await subscribers.close();
    await Promise.all(gateways.map((g) => g.stop()));
  }
}

/** Loads bench/lib/cpu-profile-preload into the gateway: a .cpuprofile in `dir` when it exits. */
function cpuProfileEnv(name: string, dir: string): Record<string, string> {
  return { NODE_OPTIONS: `--require "${join(ROOT, 'dist/bench/lib/cpu-profile-preload.js')}"`, BENCH_CPU_PROF_DIR: resolve(dir), BENCH_CPU_PROF_NAME: name };
}

/** Set on Ctrl-C: the signal handler stops everything and exits; failures it causes are not reported. */
let interrupted = false;

/** One case on a gateway of its own: started, measured, stopped. A gateway crash makes the case invalid; other failures end the run. */
async function runCase(context: BenchContext, subscribers: number, ratePerSec: number, server: string): Promise<CaseResult> {
  const result: CaseResult = { server, subscribers, ratePerSec, valid: false, saturated: false, problems: [] };
  const profile = context.options.cpuProf ? cpuProfileEnv(`gateway-${server}-${subscribers}x${ratePerSec}`, context.options.resultsDir) : {};
  const port = await freePort();
  const gateway = await context.group.start({
    name: 'gateway',
    entry: GATEWAY_ENTRY,
    args: ['--supergraph', context.supergraphPath, '--port', String(port), '--host', '127.0.0.1'],
    env: benchEnv({
      ...BENCH_IDENTITY_ENV.gateway,
      JWT_SECRET: BENCH_JWT_SECRET,
      REDIS_URL: context.redis.url,
      GATEWAY_WS_SERVER: server,
      ...profile,
      GATEWAY_RATE_LIMIT_TIERS: JSON.stringify({ anonymous: UNLIMITED_TIER, authenticated: UNLIMITED_TIER }),
    }),
    readyUrl: `http://127.0.0.1:${port}/ready`,
  });
  let stopping = false;
  // Ends a measurement the race below left behind (the gateway crashed), so it publishes nothing into the next case.
  const abandon = new AbortController();
  const gatewayCrashed = gateway.exited.then((status) =>
    stopping || interrupted ? new Promise<never>(() => {}) : Promise.reject(new GatewayCrash(`the gateway exited during the case (${describeExit(status)}); see its output above`)),
  );
  gatewayCrashed.catch(() => {});
  const measuring = measureCase(context, gateway, port, result, abandon.signal);
  try {
    await Promise.race([measuring, gatewayCrashed, context.crashed]);
  } catch (error) {
    if (!(error instanceof GatewayCrash)) throw error;
    result.problems.push(error.message);
  } finally {
    stopping = true;
    abandon.abort();
    await Promise.all([...context.live].map((s) => s.close()));
    context.live.clear();
    await measuring.catch(() => {});
    await gateway.stop();
  }
  result.valid = result.problems.length === 0;
  return result;
}

class GatewayCrash extends Error {}

async function measureCase(context: BenchContext, gateway: RunningService, port: number, result: CaseResult, signal: AbortSignal): Promise<void> {
  const { options } = context;
  const { subscribers, ratePerSec } = result;
  const publish = (rate: number, ms: number) => context.publisher.publishAtRate(rate, ms, PRODUCT_ID, signal);
  const origin = `http://127.0.0.1:${port}`;
  const pid = findChildProcess([resolve(ROOT, GATEWAY_ENTRY), String(port)]);
  if (pid === undefined) throw new Error(`cannot find the process of ${gateway.name} (port ${port}) in /proc`);
  const subscriberOptions: SubscribersOptions = {
    url: `ws://127.0.0.1:${port}/graphql`,
    connectionParams: { token: context.token },
    request: { query: OPERATION },
    timestampPath: ['stockChanged', 'occurredAt'],
    requiredPath: ['stockChanged', 'product', 'name'],
    subscribers,
    threads: options.clientThreads,
  };
  const open = async (settings: SubscribersOptions) => {
    signal.throwIfAborted();
    const opened = await Subscribers.open(settings);
    context.live.add(opened);
    return opened;
  };
  const close = async (opened: Subscribers) => {
    context.live.delete(opened);
    await opened.close();
  };

  // 1. A probe: one subscriber until it receives an event, so the baseline RSS includes what the first subscription loads once.
  const probe = await open({ ...subscriberOptions, subscribers: 1, threads: 1 });
  const probeDeadline = Date.now() + PROBE_TIMEOUT_MS;
  let probeStats = await probe.stats();
  while (probeStats.receiving === 0 && probeStats.subscribed === 1 && probeStats.dropped === 0 && Date.now() < probeDeadline) {
    await publish(5, 400);
    probeStats = await probe.stats();
  }
  await close(probe);
  if (probeStats.receiving === 0 || probeStats.badResults > 0) {
    result.problems.push(`the probe subscriber received ${probeStats.receiving === 0 ? 'no event within ' + PROBE_TIMEOUT_MS / 1000 + ' s' : 'a bad result'}`, ...probeStats.problems);
    return;
  }
  await sleep(1_000);
  const before = memoryOf(pid);

  // 2. Every subscriber connects.
  const connectStart = Date.now();
  const subs = await open(subscriberOptions);
  let stats = await subs.stats();
  result.connect = { ms: Date.now() - connectStart, subscribed: stats.subscribed, failures: stats.connectFailures };
  console.log(`  connected ${stats.subscribed}/${subscribers} in ${(result.connect.ms / 1000).toFixed(1)} s${stats.connectFailures ? `, ${stats.connectFailures} failed` : ''}`);
  if (stats.subscribed === 0) {
    result.problems.push(`no subscriber could connect`, ...stats.problems);
    return;
  }
  // The engine admits subscriptions asynchronously: wait until the gateway runs them all.
  let gauges = await gatewayGauges(origin);
  const admitDeadline = Date.now() + 15_000;
  while (gauges.wsOperations < stats.subscribed && Date.now() < admitDeadline) {
    await sleep(POLL_MS);
    gauges = await gatewayGauges(origin);
  }
  await sleep(500);
  const connected = memoryOf(pid);
  result.gatewayGauges = gauges;

  // The small HTTP query with every subscriber connected and no events: its idle latency.
  const httpUrl = `${origin}/graphql`;
  const idleHttp = await probeHttp(httpUrl, sleep(3_000));

  // 3. Warm-up: until every subscriber has received an event; then let the gateway deliver its backlog.
  await publish(ratePerSec, options.warmupSec * 1_000);
  const warmupDeadline = Date.now() + WARMUP_EXTENSION_MS;
  stats = await subs.stats();
  while (stats.receiving < stats.subscribed - stats.dropped && Date.now() < warmupDeadline) {
    await publish(ratePerSec, 1_000);
    stats = await subs.stats();
  }
  await waitUntilQuiet(origin);

  // 4. The measured window.
  const gatewayBefore = await scrapeMetrics(`${origin}/metrics`);
  const productsBefore = await scrapeMetrics(context.subgraphMetrics.products);
  const inventoryBefore = await scrapeMetrics(context.subgraphMetrics.inventory);
  const since = Date.now();
  await subs.startWindow(since);
  const cpuBefore = cpuSecondsOf(pid);
  const clientCpuBefore = cpuSecondsOf(process.pid);
  const machineBefore = machineCpuSeconds();
  const eluBefore = subs.eventLoopUtilization();
  const scheduled = Math.max(1, Math.round(ratePerSec * options.durationSec));
  const publishing = publish(ratePerSec, options.durationSec * 1_000);
  const loadedHttp = probeHttp(httpUrl, publishing);
  const published = await publishing;
  const loaded = await loadedHttp;
  result.http = { idle: idleHttp, loaded, p99Ratio: loaded.p99Ms !== undefined && idleHttp.p99Ms ? loaded.p99Ms / idleHttp.p99Ms : undefined };
  signal.throwIfAborted();
  const expected = published.published * subscribers;

  // 5. Drain: the results of window events still on their way.
  const drainDeadline = Date.now() + Math.max(MIN_DRAIN_MS, DRAIN_WINDOWS * options.durationSec * 1_000);
  let lastProgressAt = Date.now();
  let drainEnded: NonNullable<CaseResult['window']>['drainEnded'];
  stats = await subs.stats();
  for (;;) {
    if (stats.windowResults >= expected) drainEnded = 'all-arrived';
    else if (Date.now() - lastProgressAt >= DRAIN_IDLE_MS) drainEnded = 'idle';
    else if (Date.now() >= drainDeadline) drainEnded = 'deadline';
    else {
      await sleep(POLL_MS);
      const latest = await subs.stats();
      if (latest.windowResults > stats.windowResults) lastProgressAt = Date.now();
      stats = latest;
      continue;
    }
    break;
  }
  const drainEnd = Date.now();
  const cpuAfter = cpuSecondsOf(pid);
  const clientCpuAfter = cpuSecondsOf(process.pid);
  const gatewayCpu = { user: cpuAfter.user - cpuBefore.user, system: cpuAfter.system - cpuBefore.system };
  const clientCpu = clientCpuAfter.user + clientCpuAfter.system - clientCpuBefore.user - clientCpuBefore.system;
  const machineAfter = machineCpuSeconds();
  const elu = subs.eventLoopUtilization(eluBefore);
  const after = memoryOf(pid);
  const gatewayAfter = await scrapeMetrics(`${origin}/metrics`);
  const productsAfter = await scrapeMetrics(context.subgraphMetrics.products);
  const inventoryAfter = await scrapeMetrics(context.subgraphMetrics.inventory);
  await close(subs);

  const delta = (a: MetricSamples, b: MetricSamples, name: string) => b.sum(name) - a.sum(name);
  const seconds = (drainEnd - since) / 1_000;
  const events = Math.max(1, published.published);
  const deliverySec = Math.max(options.durationSec, (stats.lastWindowReceiveAt - since) / 1_000);
  const gatewayCounters = {
    events: delta(gatewayBefore, gatewayAfter, 'gateway_subscriptions_events_total'),
    enrichments: delta(gatewayBefore, gatewayAfter, 'gateway_subscriptions_enrichments_total'),
    deliveries: delta(gatewayBefore, gatewayAfter, 'gateway_subscriptions_deliveries_total'),
  };
  result.gatewayRss = {
    beforeKiB: before.rssKiB,
    connectedKiB: connected.rssKiB,
    afterKiB: after.rssKiB,
    peakKiB: after.peakRssKiB,
    perConnectionKiB: (connected.rssKiB - before.rssKiB) / Math.max(1, result.connect.subscribed),
  };
  result.window = {
    publish: { ...published, scheduled },
    expected,
    received: stats.windowResults,
    deliveryRatio: stats.windowResults / Math.max(1, expected),
    deliveriesPerSec: stats.windowResults / deliverySec,
    expectedPerSec: ratePerSec * subscribers,
    deliverySec,
    drainAfterLastEventMs: stats.lastWindowReceiveAt > 0 ? Math.max(0, stats.lastWindowReceiveAt - published.lastAt) : 0,
    drainEnded,
    minPerSubscriber: stats.minPerSubscriber,
    maxPerSubscriber: stats.maxPerSubscriber,
    latencyMs: { p50: stats.latency.percentile(0.5), p90: stats.latency.percentile(0.9), p99: stats.latency.percentile(0.99), max: stats.latency.max() },
    fetchesPerEvent: {
      products: delta(productsBefore, productsAfter, 'graphql_requests_total') / events,
      inventory: delta(inventoryBefore, inventoryAfter, 'graphql_requests_total') / events,
      productsPerEnrichment: delta(productsBefore, productsAfter, 'graphql_requests_total') / Math.max(1, gatewayCounters.enrichments),
    },
    gateway: { ...gatewayCounters, enrichmentsPerEvent: gatewayCounters.enrichments / events },
    cpu: {
      gatewayCores: (gatewayCpu.user + gatewayCpu.system) / seconds,
      gatewayUserCores: gatewayCpu.user / seconds,
      gatewaySystemCores: gatewayCpu.system / seconds,
      gatewayMicrosPerDelivery: ((gatewayCpu.user + gatewayCpu.system) * 1e6) / Math.max(1, gatewayCounters.deliveries),
      clientCores: clientCpu / seconds,
      clientThreadsElu: elu.map((e) => e.utilization),
      machineBusy: (machineAfter.busy - machineBefore.busy) / Math.max(1e-9, machineAfter.total - machineBefore.total),
    },
  };
  result.saturated = drainEnded === 'deadline' || result.window.deliveriesPerSec < SATURATION_RATIO * result.window.expectedPerSec;
  result.problems.push(...problemsOf(result, stats, gatewayCounters.events));
}

/** Why a measured case is not valid: what the subscribers saw, and results missing. */
function problemsOf(result: CaseResult, stats: SubscriberStats, gatewayEvents: number): string[] {
  const problems: string[] = [];
  const window = result.window!;
  if (stats.connectFailures > 0) problems.push(`${stats.connectFailures} of ${result.subscribers} subscribers could not connect`);
  if (stats.dropped > 0) problems.push(`${stats.dropped} subscribed sockets were closed by the server or the network`);
  if (stats.operationErrors > 0) problems.push(`${stats.operationErrors} graphql-ws error or complete messages`);
  if (stats.badResults > 0) problems.push(`${stats.badResults} results with errors or without ${['data', 'stockChanged', 'product', 'name'].join('.')}`);
  if (stats.receiving < stats.subscribed - stats.dropped) problems.push(`${stats.subscribed - stats.dropped - stats.receiving} subscribers received nothing during the warm-up`);
  if (window.publish.failed > 0) problems.push(`${window.publish.failed} PUBLISH calls failed`);
  if (gatewayEvents < window.publish.published) problems.push(`the gateway counted ${gatewayEvents} events of ${window.publish.published} published`);
  // Results still arriving at the deadline are late (saturation), not lost.
  if (window.deliveryRatio < MIN_DELIVERY_RATIO && window.drainEnded !== 'deadline') {
    problems.push(`${window.received} of ${window.expected} expected results arrived (${(window.deliveryRatio * 100).toFixed(1)}%; at least ${MIN_DELIVERY_RATIO * 100}% needed)`);
  }
  if (problems.length > 0) problems.push(...stats.problems.map((p) => `subscriber: ${p}`));
  return problems;
}

async function gatewayGauges(origin: string): Promise<NonNullable<CaseResult['gatewayGauges']>> {
  const metrics = await scrapeMetrics(`${origin}/metrics`);
  return {
    wsConnections: metrics.sum('gateway_subscriptions_ws_connections'),
    wsOperations: metrics.sum('gateway_subscriptions_ws_operations'),
    groups: metrics.sum('gateway_subscriptions_groups'),
    channels: metrics.sum('gateway_subscriptions_channels'),
  };
}

/** Waits until the gateway's delivery counter stops moving (the warm-up's backlog delivered), at most QUIET_TIMEOUT_MS. */
async function waitUntilQuiet(origin: string): Promise<void> {
  const deadline = Date.now() + QUIET_TIMEOUT_MS;
  let previous = -1;
  for (;;) {
    const deliveries = (await scrapeMetrics(`${origin}/metrics`)).sum('gateway_subscriptions_deliveries_total');
    if (deliveries === previous || Date.now() > deadline) return;
    previous = deliveries;
    await sleep(500);
  }
}

// ---------------------------------------------------------------- report

const fixed = (value: number | undefined, digits: number) => (value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits));
const mib = (kib: number | undefined) => (kib === undefined ? '-' : (kib / 1024).toFixed(0));

function summaryLine(r: CaseResult): string {
  const w = r.window;
  if (!w) return `INVALID: ${r.problems.join('; ')}`;
  const http = r.http ? `, HTTP p99 ${fixed(r.http.loaded.p99Ms, 1)} ms (idle ${fixed(r.http.idle.p99Ms, 1)})` : '';
  return (
    `${r.server}: ${w.received}/${w.expected} results (${(w.deliveryRatio * 100).toFixed(1)}%), ${w.deliveriesPerSec.toFixed(0)}/s of ${w.expectedPerSec}/s, ` +
    `p50 ${fixed(w.latencyMs.p50, 1)} ms, p99 ${fixed(w.latencyMs.p99, 1)} ms, gateway CPU ${(w.cpu.gatewayCores * 100).toFixed(0)}% of a core, ` +
    `${w.cpu.gatewayMicrosPerDelivery.toFixed(1)} us/delivery, RSS ${fixed(r.gatewayRss?.perConnectionKiB, 1)} KiB/subscriber${http}` +
    `${r.saturated ? ', SATURATED' : ''}${r.valid ? '' : `; INVALID: ${r.problems[0]}`}`
  );
}

function formatResults(results: CaseResult[], options: SubscriptionBenchOptions): string {
  const header = [
    'subscribers',
    'events/s',
    'events',
    'deliveries/s',
    'expected/s',
    'ratio',
    'p50 ms',
    'p99 ms',
    'max ms',
    'RSS before MiB',
    'RSS connected MiB',
    'KiB/conn',
    'products fetches/event',
    'gateway CPU',
    'result',
  ];
  const rows = results.map((r) => {
    const w = r.window;
    return [
      String(r.subscribers),
      String(r.ratePerSec),
      w ? String(w.publish.published) : '-',
      w ? w.deliveriesPerSec.toFixed(0) : '-',
      w ? String(w.expectedPerSec) : '-',
      w ? w.deliveryRatio.toFixed(4) : '-',
      fixed(w?.latencyMs.p50, 1),
      fixed(w?.latencyMs.p99, 1),
      fixed(w?.latencyMs.max, 0),
      mib(r.gatewayRss?.beforeKiB),
      mib(r.gatewayRss?.connectedKiB),
      fixed(r.gatewayRss?.perConnectionKiB, 1),
      fixed(w?.fetchesPerEvent.products, 2),
      w ? `${(w.cpu.gatewayCores * 100).toFixed(0)}%` : '-',
      r.valid ? (r.saturated ? 'SATURATED' : 'ok') : 'INVALID',
    ];
  });
  const caseCells = (r: CaseResult) => [String(r.subscribers), String(r.ratePerSec)];
  const percent = (share: number) => `${(share * 100).toFixed(0)}%`;
  const metricsHeader = ['subscribers', 'events/s', 'gw events', 'gw enrichments', 'gw deliveries', 'ws connections', 'groups', 'products fetches/enrichment', 'inventory fetches/event'];
  const metricsRows = results.map((r) => {
    const w = r.window;
    const g = r.gatewayGauges;
    return [
      ...caseCells(r),
      w ? String(w.gateway.events) : '-',
      w ? String(w.gateway.enrichments) : '-',
      w ? String(w.gateway.deliveries) : '-',
      g ? String(g.wsConnections) : '-',
      g ? String(g.groups) : '-',
      fixed(w?.fetchesPerEvent.productsPerEnrichment, 2),
      fixed(w?.fetchesPerEvent.inventory, 2),
    ];
  });
  const loadHeader = ['subscribers', 'events/s', 'gw CPU', 'gw user', 'gw kernel', 'gw CPU us/delivery', 'client CPU', 'client thread ELU', 'machine CPU', 'publish late max ms', 'drain ms'];
  const loadRows = results.map((r) => {
    const w = r.window;
    if (!w) return [...caseCells(r), ...loadHeader.slice(2).map(() => '-')];
    return [
      ...caseCells(r),
      percent(w.cpu.gatewayCores),
      percent(w.cpu.gatewayUserCores),
      percent(w.cpu.gatewaySystemCores),
      w.cpu.gatewayMicrosPerDelivery.toFixed(1),
      percent(w.cpu.clientCores),
      w.cpu.clientThreadsElu.map(percent).join('/'),
      percent(w.cpu.machineBusy),
      w.publish.maxLateMs.toFixed(1),
      String(Math.round(w.drainAfterLastEventMs)),
    ];
  });
  const problems = results.flatMap((r) => r.problems.map((p) => `  ${r.subscribers} x ${r.ratePerSec}/s (${r.server}): ${p}`));
  const serverHeader = ['subscribers', 'events/s', 'server', 'deliveries/s', 'p99 ms', 'gw CPU us/delivery', 'KiB/subscriber', 'HTTP p99 idle ms', 'HTTP p99 loaded ms', 'HTTP p99 ratio'];
  const serverRows = results.map((r) => [
    ...caseCells(r),
    r.server,
    r.window ? r.window.deliveriesPerSec.toFixed(0) : '-',
    fixed(r.window?.latencyMs.p99, 1),
    r.window ? r.window.cpu.gatewayMicrosPerDelivery.toFixed(1) : '-',
    fixed(r.gatewayRss?.perConnectionKiB, 1),
    fixed(r.http?.idle.p99Ms, 1),
    fixed(r.http?.loaded.p99Ms, 1),
    fixed(r.http?.p99Ratio, 2),
  ]);
  return [
    `Results (${options.durationSec} s windows; latency = receive time - occurredAt, which has ms precision, so up to 1 ms high):`,
    ...formatColumns(header, rows, new Set([...header.keys()].slice(0, -1))),
    '',
    "The gateway's /metrics over each window (and its drain), its gauges once every subscriber had connected, and subgraph requests:",
    ...formatColumns(metricsHeader, metricsRows, new Set(metricsHeader.keys())),
    '',
    'CPU over each window and drain (% of one core; the subscriber threads and the publisher run in this process), and timing:',
    ...formatColumns(loadHeader, loadRows, new Set(loadHeader.keys())),
    '',
    `Per graphql-ws server, and a small HTTP query (${PROBE_QUERY}, 2 at a time) with every subscriber connected: idle (no events) and during the window:`,
    ...formatColumns(serverHeader, serverRows, new Set([0, 1, 3, 4, 5, 6, 7, 8, 9])),
    ...serverRatios(results),
    ...saturationNotes(results),
    ...(problems.length > 0 ? ['', 'Invalid cases:', ...problems] : []),
  ].join('\n');
}

/** ours / graphql-ws for each case both ran: deliveries a second and gateway CPU per delivery. */
function serverRatios(results: CaseResult[]): string[] {
  const lines: string[] = [];
  for (const ours of results.filter((r) => r.server === 'ours' && r.window)) {
    const library = results.find((r) => r.server === 'graphql-ws' && r.subscribers === ours.subscribers && r.ratePerSec === ours.ratePerSec && r.window);
    if (!library) continue;
    lines.push(
      `  ${ours.subscribers} x ${ours.ratePerSec}/s: ours delivers ${(ours.window!.deliveriesPerSec / library.window!.deliveriesPerSec).toFixed(2)}x graphql-ws's deliveries/s ` +
        `at ${(library.window!.cpu.gatewayMicrosPerDelivery / ours.window!.cpu.gatewayMicrosPerDelivery).toFixed(2)}x less gateway CPU per delivery`,
    );
  }
  return lines.length > 0 ? ['', 'Ours against graphql-ws useServer (same engine, same events):', ...lines] : [];
}

/** What saturation meant for each saturated case: late results, and how many were still on their way when the wait ended. */
function saturationNotes(results: CaseResult[]): string[] {
  const saturated = results.filter((r) => r.saturated && r.window);
  if (saturated.length === 0) return [];
  return [
    '',
    `SATURATED: fewer than ${SATURATION_RATIO * 100}% of subscribers x rate results a second arrived; they came late, not lost:`,
    ...saturated.map(({ subscribers, ratePerSec, window: w }) => {
      const head = `  ${subscribers} x ${ratePerSec}/s: ${w!.deliveriesPerSec.toFixed(0)} results/s of ${w!.expectedPerSec} offered`;
      return w!.drainEnded === 'deadline'
        ? `${head}; ${w!.expected - w!.received} were still on their way ${(w!.drainAfterLastEventMs / 1000).toFixed(0)} s after the last event ` +
            `when the wait ended, the gateway having enriched ${w!.gateway.enrichments} of ${w!.publish.published} events ` +
            `(their latency is not counted: p50/p99 are lower bounds)`
        : `${head}; the last arrived ${(w!.drainAfterLastEventMs / 1000).toFixed(1)} s after the last event`;
    }),
  ];
}

function writeResults(options: SubscriptionBenchOptions, machine: ReturnType<typeof machineFacts>, cases: CaseResult[], fault: FaultResult | undefined): string {
  const dir = resolve(options.resultsDir);
  mkdirSync(dir, { recursive: true });
  const finishedAt = new Date().toISOString();
  const file = join(dir, `subscriptions-${finishedAt.replace(/[:.]/g, '-')}.json`);
  const setup = {
    operation: OPERATION,
    grouping: 'every subscriber sends the same operation, variables and token: one engine group, one enrichment per event',
    gateway: `one ${GATEWAY_ENTRY} process per case, NODE_ENV=production, REDIS_URL (events and rate limits in the run's redis-server), unlimited rate-limit tiers`,
    subgraphs: 'products, inventory, payments with REDIS_URL (stores and events in the same redis-server)',
    events: `StockChanged of ${PRODUCT_ID} appended to its Redis log by this process (lib/events createEvent + RedisEventLog: XADD, trim and PUBLISH in one script), occurredAt = send time`,
    subscribers: `one graphql-transport-ws connection and subscription each, raw ws sockets in ${options.clientThreads} worker thread(s) of this process`,
  };
  writeFileSync(file, JSON.stringify({ finishedAt, machine, options, setup, cases, fault }, null, 2) + '\n');
  return file;
}

main().then(
  (code) => interrupted || process.exit(code),
  (error) => {
    if (interrupted) return;
    console.error(`bench:subscriptions: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
