/**
 * The functions a .cpuprofile spent most of its own time in:
 *
 *   node dist/bench/lib/profile-top.js <file.cpuprofile> [n]
 *
 * Self time of a function is the time of the samples whose innermost frame
 * it was, summed over every call path (profile nodes) it appears on; frames
 * are grouped by function name, script and line. Prints the top `n` (default
 * 25), with their share of all sampled time.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What this reads of the Chrome DevTools profile format (`node --cpu-prof`, inspector's Profiler.stop). */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }>;
  /** The node of each sample, in time order. */
  samples: number[];
  /** Microseconds between a sample and the one before it. */
  timeDeltas: number[];
}

export interface FunctionSelfTime {
  functionName: string;
  /** `url:line` (1-based line), the url relative to the working directory when it is a file here; '' for V8's own entries ((garbage collector), (idle), (program)). */
  location: string;
  selfMs: number;
  share: number;
}

const DEFAULT_TOP = 25;

export function selfTimes(profile: CpuProfile): FunctionSelfTime[] {
  const frameOf = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFunction = new Map<string, { functionName: string; location: string; selfUs: number }>();
  let totalUs = 0;
  profile.samples.forEach((nodeId, i) => {
    // A sample's time is the gap to the next one (the last sample gets its own delta).
    const us = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0;
    totalUs += us;
    const frame = frameOf.get(nodeId)!;
    const location = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName}\u0000${location}`;
    const entry = byFunction.get(key) ?? { functionName: frame.functionName || '(anonymous)', location, selfUs: 0 };
    entry.selfUs += us;
    byFunction.set(key, entry);
  });
  return [...byFunction.values()]
    .sort((a, b) => b.selfUs - a.selfUs)
    .map((e) => ({ functionName: e.functionName, location: e.location, selfMs: e.selfUs / 1000, share: totalUs > 0 ? e.selfUs / totalUs : 0 }));
}

function shortUrl(url: string): string {
  if (!url.startsWith('file://')) return url;
  const path = fileURLToPath(url);
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith('..') ? path : fromHere;
}

function main(): number {
  const [file, count] = process.argv.slice(2);
  const top = count === undefined ? DEFAULT_TOP : Number(count);
  if (!file || !Number.isInteger(top) || top < 1) {
    console.error('Usage: node dist/bench/lib/profile-top.js <file.cpuprofile> [n]');
    return 2;
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const times = selfTimes(profile);
  const totalMs = times.reduce((sum, t) => sum + t.selfMs, 0);
  const idleMs = times.find((t) => t.functionName === '(idle)' && !t.location)?.selfMs ?? 0;
  console.log(
    `${file}: ${profile.samples.length} samples, ${(totalMs / 1000).toFixed(1)} s sampled, ${((totalMs - idleMs) / 1000).toFixed(1)} s of them busy; ` +
      `top ${Math.min(top, times.length)} by self time`,
  );
  console.log(`${'self ms'.padStart(10)}  ${'share'.padStart(6)}  function  (url:line)`);
  for (const t of times.slice(0, top)) {
    console.log(`${t.selfMs.toFixed(1).padStart(10)}  ${`${(t.share * 100).toFixed(1)}%`.padStart(6)}  ${t.functionName}${t.location ? `  (${t.location})` : ''}`);
  }
  return 0;
}

if (require.main === module) process.exitCode = main();
