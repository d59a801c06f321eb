import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';

/**
 * Structured logs on pino: one JSON object per line, so every process of the
 * stack (gateway replicas, subgraphs) is read by the same log pipeline. This
 * file is a thin adapter that keeps our small `Logger` interface (message
 * first, fields second) for the call sites; pino does the rest: safe
 * serialization (cycles, BigInt), errors with pino's standard serializer,
 * redaction of credentials, and the request id of the request being served
 * (`requestId`, from the log scope) on every line logged while serving it.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export const LOG_LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/**
 * Fields that must never reach a log line, at the top level of the fields or
 * one or two levels down (`{ headers: { authorization } }`, `{ req: { headers: ... } }`).
 */
const SECRET_KEYS = ['authorization', 'cookie', 'set-cookie', 'x-api-key', 'token', 'password'];
export const REDACTED_PATHS: string[] = SECRET_KEYS.flatMap((key) => {
  const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
  const member = name.startsWith('[') ? name : `.${name}`;
  return [name, `*${member}`, `*.*${member}`];
});
export const REDACTED = '[REDACTED]';

/** The header a request id comes in on, goes back out on, and is passed on to subgraphs with. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** What a client may choose as its request id; anything else is replaced (never echoed into logs or headers). */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The request id of an incoming request: its `x-request-id` when acceptable, else a fresh UUID. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && ACCEPTABLE_REQUEST_ID.test(header) ? header : randomUUID();
}

/** What is known of the request being served; every log line written inside it carries `requestId`. */
export interface LogScope {
  readonly requestId: string;
}

const scopes = new AsyncLocalStorage<LogScope>();

/** Runs `fn` (and everything it starts) inside `scope`: its log lines carry the scope's request id. */
export function runInLogScope<S extends LogScope, R>(scope: S, fn: () => R): R {
  return scopes.run(scope, fn);
}

/** The scope of the request being served here, if any. */
export function currentLogScope(): LogScope | undefined {
  return scopes.getStore();
}

function requestIdMixin(): Record<string, unknown> {
  const scope = scopes.getStore();
  return scope ? { requestId: scope.requestId } : {};
}

export interface LoggerOptions {
  /**
   * Where the lines go. Default: debug and info to stdout, warn and error to
   * stderr. Tests pass a stream to read the lines.
   */
  destination?: DestinationStream;
}

export function createLogger(level: LogLevel, base: Record<string, unknown> = {}, options: LoggerOptions = {}): Logger {
  const destination =
    options.destination ??
    // dedupe: a line goes to the one stream with the highest level it reaches.
    pino.multistream(
      [
        { level: 'debug', stream: pino.destination({ fd: 1, sync: true }) },
        { level: 'warn', stream: pino.destination({ fd: 2, sync: true }) },
      ],
      { dedupe: true },
    );
  const root = pino(
    {
      level,
      base,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors are not enumerable: type, message, stack (and cause) through pino's own serializer, server-side only.
      serializers: { error: pino.stdSerializers.err, err: pino.stdSerializers.err },
      redact: { paths: REDACTED_PATHS, censor: REDACTED },
      mixin: requestIdMixin,
    },
    destination,
  );
  return adapt(root);
}

function adapt(logger: PinoLogger): Logger {
  return {
    debug: (msg, fields) => (fields ? logger.debug(fields, msg) : logger.debug(msg)),
    info: (msg, fields) => (fields ? logger.info(fields, msg) : logger.info(msg)),
    warn: (msg, fields) => (fields ? logger.warn(fields, msg) : logger.warn(msg)),
    error: (msg, fields) => (fields ? logger.error(fields, msg) : logger.error(msg)),
    child: (fields) => adapt(logger.child(fields)),
  };
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
