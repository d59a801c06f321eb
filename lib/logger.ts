/**
 * A small structured logger: one JSON object per line on stdout, so every
 * process of the stack (gateway replicas, subgraphs) can be read by the same
 * log pipeline. The level is chosen once at start-up.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const SEVERITY: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export const LOG_LEVELS = Object.keys(SEVERITY) as LogLevel[];

export function createLogger(level: LogLevel, base: Record<string, unknown> = {}): Logger {
  const threshold = SEVERITY[level];
  const write = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>) => {
    if (SEVERITY[lvl] < threshold) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...base, ...fields }, errorReplacer);
    (lvl === 'error' || lvl === 'warn' ? process.stderr : process.stdout).write(line + '\n');
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => createLogger(level, { ...base, ...fields }),
  };
}

// Errors are not enumerable; log their message and stack server-side only.
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

/** The level from LOG_LEVEL, for processes that have no richer configuration. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env, fallback: LogLevel = 'info'): LogLevel {
  const value = env.LOG_LEVEL;
  if (value === undefined || value === '') return fallback;
  if (!(LOG_LEVELS as string[]).includes(value)) {
    throw new Error(`Invalid configuration: LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${value}")`);
  }
  return value as LogLevel;
}
