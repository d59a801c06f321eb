/**
 * What Linux's /proc says about the benchmark's own child processes and the
 * machine: memory, CPU time and allowed CPUs of a process, busy time of the
 * CPUs, the open-file limit. The ServiceGroup does not hand out process ids, so a child
 * is found by its parent (this process) and its command line.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat and /proc/stat (USER_HZ: 100 on every mainstream Linux build). */
const CLOCK_TICKS_PER_SEC = 100;

/** The process id of a child of `parent` (default: this process) whose argv contains every one of `args` (in any order); undefined when none. */
export function findChildProcess(args: string[], parent: number = process.pid): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (parentOf(Number(entry)) !== parent) continue;
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

/**
 * Sets VmHWM back to the current VmRSS (`echo 5 > /proc/<pid>/clear_refs`,
 * Linux >= 4.0), so the next memoryOf().peakRssKiB is the peak since now.
 * False when the kernel does not allow it (the peak then counts from the start).
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** The CPUs any thread of `pid` may run on (Cpus_allowed_list of each /proc/<pid>/task/<tid>/status), ascending. */
export function allowedCpusOf(pid: number): number[] {
  const cpus = new Set<number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1] ?? '';
    for (const range of list.split(',').filter(Boolean)) {
      const [from, to = from] = range.split('-').map(Number);
      for (let cpu = from; cpu <= to; cpu++) cpus.add(cpu);
    }
  }
  return [...cpus].sort((a, b) => a - b);
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

/** Busy and total CPU seconds since boot of each CPU (/proc/stat's cpu0, cpu1, ... lines), indexed by CPU number. */
export function perCpuSeconds(): Array<{ busy: number; total: number }> {
  const perCpu: Array<{ busy: number; total: number }> = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const ticks = match[2].trim().split(/\s+/).slice(0, 8).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    perCpu[Number(match[1])] = { busy: (total - ticks[3] - ticks[4]) / CLOCK_TICKS_PER_SEC, total: total / CLOCK_TICKS_PER_SEC };
  }
  return perCpu;
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
