/**
 * Options of `npm run bench`, from flags (`--duration 10` or `--duration=10`)
 * or environment variables (BENCH_DURATION=10); flags win.
 */
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

interface OptionSpec {
  key: keyof BenchOptions;
  flag: string;
  env: string;
  kind: 'int' | 'list' | 'string';
  help: string;
}

const SPECS: OptionSpec[] = [
  { key: 'durationSec', flag: '--duration', env: 'BENCH_DURATION', kind: 'int', help: 'seconds per measured run (default 10)' },
  { key: 'warmupSec', flag: '--warmup', env: 'BENCH_WARMUP', kind: 'int', help: 'seconds of warm-up per target and scenario, not counted (default 5; 0 skips it)' },
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
    ...SPECS.map((s) => `  ${`${s.flag} <${s.kind === 'int' ? 'n' : 'value'}>`.padEnd(22)} ${s.help} [${s.env}]`),
    '  --help                 this text',
    '',
    `Scenarios: ${scenarioNames.join(', ')}`,
    `Targets:   ${targetNames.join(', ')}`,
  ].join('\n');
}

export class OptionsError extends Error {}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv, defaults: BenchOptions): BenchOptions {
  const raw = new Map<OptionSpec, string>();
  for (const spec of SPECS) {
    const value = env[spec.env];
    if (value !== undefined && value !== '') raw.set(spec, value);
  }
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2);
    const spec = SPECS.find((s) => s.flag === name);
    if (!spec) throw new OptionsError(`Unknown option "${argv[i]}"`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new OptionsError(`Option ${name} needs a value`);
    raw.set(spec, value);
  }

  const options: BenchOptions = { ...defaults };
  for (const [spec, value] of raw) {
    if (spec.kind === 'int') {
      const minimum = spec.key === 'warmupSec' ? 0 : 1;
      if (!/^\d+$/.test(value) || Number(value) < minimum) {
        throw new OptionsError(`${spec.flag} (${spec.env}) must be an integer >= ${minimum} (got "${value}")`);
      }
      (options[spec.key] as number) = Number(value);
    } else if (spec.kind === 'list') {
      (options[spec.key] as string[]) = value.split(',').map((s) => s.trim()).filter(Boolean);
    } else {
      (options[spec.key] as string) = value;
    }
  }
  return options;
}

export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
