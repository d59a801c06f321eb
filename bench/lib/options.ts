/**
 * Options of the benchmarks, from flags (`--duration 10` or `--duration=10`)
 * or environment variables (BENCH_DURATION=10); flags win. Each benchmark
 * lists its options as `OptionSpec`s and parses them with `parseFlags`.
 */
export interface OptionSpec<T> {
  key: keyof T & string;
  flag: string;
  env: string;
  /** `int-list`: comma-separated integers, e.g. `--subscribers 1000,5000`. */
  kind: 'int' | 'int-list' | 'list' | 'string';
  help: string;
  /** Smallest accepted integer (default 1). */
  min?: number;
}

export class OptionsError extends Error {}

/** `defaults`, overridden by the environment, overridden by `argv`; throws OptionsError on an unknown flag or a bad value. */
export function parseFlags<T extends object>(specs: readonly OptionSpec<T>[], argv: string[], env: NodeJS.ProcessEnv, defaults: T): T {
  const raw = new Map<OptionSpec<T>, string>();
  for (const spec of specs) {
    const value = env[spec.env];
    if (value !== undefined && value !== '') raw.set(spec, value);
  }
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2);
    const spec = specs.find((s) => s.flag === name);
    if (!spec) throw new OptionsError(`Unknown option "${argv[i]}"`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new OptionsError(`Option ${name} needs a value`);
    raw.set(spec, value);
  }

  const options = { ...defaults } as Record<string, unknown>;
  for (const [spec, value] of raw) {
    const minimum = spec.min ?? 1;
    const integer = (text: string) => {
      if (!/^\d+$/.test(text) || Number(text) < minimum) {
        throw new OptionsError(`${spec.flag} (${spec.env}) must be ${spec.kind === 'int-list' ? 'a comma-separated list of integers' : 'an integer'} >= ${minimum} (got "${value}")`);
      }
      return Number(text);
    };
    const items = () => value.split(',').map((s) => s.trim()).filter(Boolean);
    if (spec.kind === 'int') options[spec.key] = integer(value);
    else if (spec.kind === 'int-list') {
      const list = items().map(integer);
      if (list.length === 0) throw new OptionsError(`${spec.flag} (${spec.env}) needs at least one value`);
      options[spec.key] = list;
    } else if (spec.kind === 'list') options[spec.key] = items();
    else options[spec.key] = value;
  }
  return options as T;
}

/** One line per option: flag, help, environment variable. */
export function optionLines<T>(specs: readonly OptionSpec<T>[]): string[] {
  const argument = (s: OptionSpec<T>) => (s.kind === 'int' ? 'n' : s.kind === 'int-list' ? 'n,n' : 'value');
  return [...specs.map((s) => `  ${`${s.flag} <${argument(s)}>`.padEnd(22)} ${s.help} [${s.env}]`), '  --help                 this text'];
}

export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** Options of `npm run bench`. */
export interface BenchOptions {
  /** Seconds of each measured run. */
  durationSec: number;
  /** Seconds of the unmeasured warm-up run of each target, per scenario. */
  warmupSec: number;
  /** Concurrent keep-alive connections autocannon holds open. */
  connections: number;
  /** Measured runs per target and scenario, interleaved (A B C, B C A, ...). */
  rounds: number;
  /** Scenario names to run (empty: all). */
  scenarios: string[];
  /** Target names to run (empty: all). The baseline is always kept. */
  targets: string[];
  /** Where the JSON results go (a directory). */
  resultsDir: string;
}

const SPECS: OptionSpec<BenchOptions>[] = [
  { key: 'durationSec', flag: '--duration', env: 'BENCH_DURATION', kind: 'int', help: 'seconds per measured run (default 10)' },
  { key: 'warmupSec', flag: '--warmup', env: 'BENCH_WARMUP', kind: 'int', min: 0, help: 'seconds of warm-up per target and scenario, not counted (default 5; 0 skips it)' },
  { key: 'connections', flag: '--connections', env: 'BENCH_CONNECTIONS', kind: 'int', help: 'concurrent connections (default 32)' },
  { key: 'rounds', flag: '--rounds', env: 'BENCH_ROUNDS', kind: 'int', help: 'measured runs per target, interleaved (default 3)' },
  { key: 'scenarios', flag: '--scenario', env: 'BENCH_SCENARIO', kind: 'list', help: 'comma-separated scenario names (default all)' },
  { key: 'targets', flag: '--target', env: 'BENCH_TARGET', kind: 'list', help: 'comma-separated target names (default all; the baseline always runs)' },
  { key: 'resultsDir', flag: '--results-dir', env: 'BENCH_RESULTS_DIR', kind: 'string', help: 'directory for the JSON results (default bench/results)' },
];

export function usage(scenarioNames: string[], targetNames: string[]): string {
  return [
    'Usage: npm run bench -- [options]',
    '',
    ...optionLines(SPECS),
    '',
    `Scenarios: ${scenarioNames.join(', ')}`,
    `Targets:   ${targetNames.join(', ')}`,
  ].join('\n');
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv, defaults: BenchOptions): BenchOptions {
  return parseFlags(SPECS, argv, env, defaults);
}
