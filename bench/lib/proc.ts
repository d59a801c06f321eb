/**
 * What Linux's /proc says about the benchmark's own child processes and the
 * machine: memory and CPU time of a process, busy time of all CPUs, the
 * open-file limit. The ServiceGroup does not hand out process ids, so a child
 * is found by its parent (this process) and its command line.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat and /proc/stat (USER_HZ: 100 on every mainstream Linux build). */
const CLOCK_TICKS_PER_SEC = 100;

/** The process id of a child of this process whose argv contains every one of `args` (in any order); undefined when none. */
export function findChildProcess(args: string[]): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (parentOf(Number(entry)) !== process.pid) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.every((arg) => argv.includes(arg))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** Resident memory now and at its peak (VmRSS, VmHWM), in KiB. */
export function memoryOf(pid: number): { rssKiB: number; peakRssKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKiB: field('VmRSS'), peakRssKiB: field('VmHWM') };
}

/** CPU seconds a process has used, all its threads: in user space and in the kernel (system calls: a socket write is one). */
export function cpuSecondsOf(pid: number): { user: number; system: number } {
  const fields = statFields(pid);
  return { user: Number(fields[13]) / CLOCK_TICKS_PER_SEC, system: Number(fields[14]) / CLOCK_TICKS_PER_SEC }; // utime (14), stime (15)
}

/** CPU seconds of all CPUs together since boot: busy (not idle or iowait) and total. */
export function machineCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: (total - ticks[3] - ticks[4]) / CLOCK_TICKS_PER_SEC, total: total / CLOCK_TICKS_PER_SEC };
}

/** The soft limit on open files of this process (`ulimit -n`), which its children inherit. */
export function openFileLimit(): number {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
  return soft === undefined || soft === 'unlimited' ? Infinity : Number(soft);
}

/** The fields of /proc/<pid>/stat, index = proc(5)'s field number - 1; the command name (which may hold spaces) is skipped. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [String(pid), '(comm)', ...afterName];
}

function parentOf(pid: number): number {
  return Number(statFields(pid)[3]); // ppid (4)
}
