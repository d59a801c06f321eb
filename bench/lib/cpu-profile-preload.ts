/**
 * `npm run bench -- --cpu-prof <target>`: loaded into that target's node with
 * `NODE_OPTIONS=--require <this file>`, it runs V8's sampling CPU profiler
 * from start to exit and writes `<BENCH_CPU_PROF_DIR>/CPU.<name>.<pid>.cpuprofile`,
 * the file `node --cpu-prof` writes. `--cpu-prof` itself cannot be used: Node
 * refuses it in NODE_OPTIONS, and the ServiceGroup (scripts/start.ts) starts
 * `node <entry>` without a place for node flags.
 *
 * The profile is written on process exit, so the process must exit rather
 * than die of a signal: our gateway and the stock one (bench/stock-gateway.ts)
 * both call process.exit after stopping on SIGTERM.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

/** `node --cpu-prof`'s default sampling interval (`--cpu-prof-interval`), in microseconds. */
const SAMPLING_INTERVAL_US = 1000;

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const name = process.env.BENCH_CPU_PROF_NAME ?? 'node';
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
  session.post('Profiler.start');
  // An in-process session answers synchronously, so this works in an exit handler.
  process.once('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error) process.stderr.write(`cpu-profile: ${error.message}\n`);
      else writeFileSync(join(dir, `CPU.${name}.${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
