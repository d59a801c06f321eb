import type { Logger } from '../../../lib/logger';
import type { Tier } from '../../../gateway/src/ratelimit';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields?: Record<string, unknown>;
}

/** A Logger that keeps its lines (children included) for assertions. */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger: Logger & { lines: LogLine[] } = {
    lines,
    debug: (msg, fields) => void lines.push({ level: 'debug', msg, fields }),
    info: (msg, fields) => void lines.push({ level: 'info', msg, fields }),
    warn: (msg, fields) => void lines.push({ level: 'warn', msg, fields }),
    error: (msg, fields) => void lines.push({ level: 'error', msg, fields }),
    child: () => logger,
  };
  return logger;
}

export function tier(budget: Partial<Tier> = {}): Tier {
  return { name: 'test', capacity: 10, refillPerSecond: 1, maxSubscriptions: 2, ...budget };
}

/** Polls `check` until it passes (returns its value) or `timeoutMs` runs out (throws its last error). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** A clock the test moves by hand. */
export function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

let counter = 0;
/** A client key no other test uses. */
export function uniqueKey(label: string): string {
  return `sub:${label}-${process.pid}-${++counter}`;
}
