/**
 * Options of the benchmarks, from flags (`--duration 10` or `--duration=10`)
 * or environment variables (BENCH_DURATION=10); flags win. Each benchmark
 * lists its options as `OptionSpec`s and parses them with `parseFlags`.
 */
export interface OptionSpec<T> {
  key: keyof T & string;
  flag: string;
  /** Another spelling of `flag`, accepted the same way (e.g. `--scenario` for `--scenarios`). */
  alias?: string;
  env: string;
  /**
   * `int-list`: comma-separated integers, e.g. `--subscribers 1000,5000`.
   * `switch`: a flag without a value (`--no-pin`) that sets `true`; its environment variable takes 1/true or 0/false.
   */
  kind: 'int' | 'int-list' | 'list' | 'string' | 'switch';
  help: string;
  /** The value's name in the help, e.g. `dir` for `--results-dir <dir>` (default from the kind: n, n,n, a,b, value). */
  placeholder?: string;
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
    const spec = specs.find((s) => s.flag === name || s.alias === name);
    if (!spec) throw new OptionsError(`Unknown option "${argv[i]}"`);
    if (spec.kind === 'switch') {
      if (inline !== undefined) throw new OptionsError(`Option ${name} takes no value`);
      raw.set(spec, 'true');
      continue;
    }
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
  const byKind = { int: 'n', 'int-list': 'n,n', list: 'a,b', string: 'value' } as const;
  const argument = (s: OptionSpec<T>) => (s.kind === 'switch' ? '' : ` <${s.placeholder ?? byKind[s.kind]}>`);
  const line = (s: OptionSpec<T>) => `  ${`${s.flag}${argument(s)}`.padEnd(22)} ${s.help}${s.alias ? ` (also ${s.alias})` : ''} [${s.env}]`;
  return [...specs.map(line), '  --help                 this text'];
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
  /** Leave every process on every CPU instead of gateways on CPU 0, the rest on CPU 1 (lib/cpu-pinning.ts). */
  noPin: boolean;
  /** A target whose node process is CPU-profiled for the whole run ('' for none); profiles go to `<resultsDir>/cpu-prof-<time>/`. */
  cpuProf: string;
}

const SPECS: OptionSpec<BenchOptions>[] = [
  { key: 'durationSec', flag: '--duration', env: 'BENCH_DURATION', kind: 'int', help: 'seconds per measured run (default 10)' },
  { key: 'warmupSec', flag: '--warmup', env: 'BENCH_WARMUP', kind: 'int', min: 0, help: 'seconds of warm-up per target and scenario, not counted (default 5; 0 skips it)' },
  { key: 'connections', flag: '--connections', env: 'BENCH_CONNECTIONS', kind: 'int', help: 'concurrent connections (default 32)' },
  { key: 'rounds', flag: '--rounds', env: 'BENCH_ROUNDS', kind: 'int', help: 'measured runs per target, interleaved (default 3)' },
  { key: 'scenarios', flag: '--scenarios', alias: '--scenario', env: 'BENCH_SCENARIO', kind: 'list', help: 'scenario names (default all)' },
  { key: 'targets', flag: '--targets', alias: '--target', env: 'BENCH_TARGET', kind: 'list', help: 'target names (default all; the baseline always runs)' },
  { key: 'resultsDir', flag: '--results-dir', env: 'BENCH_RESULTS_DIR', kind: 'string', placeholder: 'dir', help: 'directory for the JSON results (default bench/results)' },
  {
    key: 'noPin',
    flag: '--no-pin',
    env: 'BENCH_NO_PIN',
    kind: 'switch',
    help: 'do not pin CPUs (default, with taskset and >= 2 CPUs: gateways on CPU 0; subgraphs, redis-server and the load generator on CPU 1)',
  },
  {
    key: 'cpuProf',
    flag: '--cpu-prof',
    env: 'BENCH_CPU_PROF',
    kind: 'string',
    placeholder: 'target',
    help: "CPU-profile this target's process for the whole run; the .cpuprofile goes to <results-dir>/cpu-prof-<time>/ (read it with node dist/bench/lib/profile-top.js <file> [n])",
  },
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
