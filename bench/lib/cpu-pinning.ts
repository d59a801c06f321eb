/**
 * Keeps the gateway under test and everything else on separate CPUs, so a
 * gateway's throughput is what one core of it does, not what it gets while
 * competing with the subgraphs, redis-server and autocannon for both cores.
 *
 * The benchmark pins itself (all its threads, autocannon's included) to the
 * "rest" CPU before it starts anything: subgraphs and redis-server inherit
 * that affinity when spawned. Each gateway is moved to the "gateway" CPU
 * (`taskset -a -p`: every thread) once it is ready; threads it starts later
 * inherit it. The ServiceGroup (scripts/start.ts) spawns `node <entry>` itself,
 * so there is no `taskset -c 0 node ...` command line to write.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { allowedCpusOf } from './proc';

export type CpuPinning =
  | { enabled: true; gatewayCpu: number; restCpu: number }
  | { enabled: false; why: string };

const GATEWAY_CPU = 0;
const REST_CPU = 1;

/** Pinning is on unless turned off, taskset is missing or the machine has a single CPU. */
export function planCpuPinning(turnedOff: boolean): CpuPinning {
  if (turnedOff) return { enabled: false, why: '--no-pin' };
  if (cpus().length < 2) return { enabled: false, why: `${cpus().length} CPU` };
  if (!hasTaskset()) return { enabled: false, why: 'no taskset (util-linux)' };
  return { enabled: true, gatewayCpu: GATEWAY_CPU, restCpu: REST_CPU };
}

/** Pins every thread of `pid` to `cpu`, then checks /proc that each one is. */
export function pinProcess(pid: number, cpu: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
  const allowed = allowedCpusOf(pid);
  if (allowed.length !== 1 || allowed[0] !== cpu) throw new Error(`taskset did not pin process ${pid} to CPU ${cpu}: its threads may run on ${describeCpus(allowed)}`);
}

/** `CPU 0`, `CPUs 0-1`, `CPUs 0,2`: where a process may run, as its threads' affinity says. */
export function describeCpus(list: number[]): string {
  if (list.length === 1) return `CPU ${list[0]}`;
  const contiguous = list.every((cpu, i) => i === 0 || cpu === list[i - 1] + 1);
  return `CPUs ${contiguous && list.length > 2 ? `${list[0]}-${list[list.length - 1]}` : list.join(',')}`;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
