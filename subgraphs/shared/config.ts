import type { KeyObject } from 'node:crypto';
import { DEV_IDENTITY_PUBLIC_KEY, identityPublicKey } from '../../lib/auth/internal-identity';
import { isDevelopmentEnv } from '../../lib/env';
import type { LogRetention } from '../../lib/events/log';
import { LOG_LEVELS, type LogLevel } from '../../lib/logger';
import { readLogRetention } from './event-log';
import { DEFAULT_SUBGRAPH_PORTS, type SubgraphName } from './ports';

/** Everything a subgraph process reads from its environment, validated once at start-up. */
export interface SubgraphConfig {
  /** `PORT`; default: the subgraph's port in DEFAULT_SUBGRAPH_PORTS (4001, 4002, 4003). 0 picks a free port. */
  port: number;
  /** `HOST`; default `0.0.0.0`. */
  host: string;
  /** `REDIS_URL` (`redis://` or `rediss://`); unset means the in-process store. */
  redisUrl?: string;
  /** `LOG_LEVEL`; default `info`. */
  logLevel: LogLevel;
  /** `NODE_ENV`; only `development` and `test` allow introspection and the development secret: any other value, or none, is production. */
  nodeEnv: string;
  /**
   * `INTERNAL_AUTH_PUBLIC_KEY`: the gateway's Ed25519 public key (SPKI PEM)
   * that caller identities are verified with. Unset: the development key in
   * development or test; required otherwise, where the development key is refused.
   */
  identityPublicKey: KeyObject;
  /** `EVENTS_LOG_MAX_LENGTH`, `EVENTS_LOG_MAX_AGE_SECONDS`: what each event channel's log keeps (unset: the log's defaults). */
  eventRetention?: Partial<LogRetention>;
  /** `OTEL_EXPORTER_OTLP_ENDPOINT` (http or https URL): set, the subgraph traces its requests and sends the spans there. */
  otlpEndpoint?: string;
}

/** A bad environment variable: the message names it and the value it had. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const invalid = (variable: string, expected: string, value: string) =>
  new ConfigError(`Invalid configuration: ${variable} must be ${expected} (got "${value}")`);

/** Reads and validates a subgraph's environment; the first bad value throws a ConfigError naming its variable. */
export function readSubgraphConfig(name: SubgraphName, env: NodeJS.ProcessEnv): SubgraphConfig {
  const nodeEnv = env.NODE_ENV === undefined || env.NODE_ENV === '' ? 'production' : env.NODE_ENV;
  return {
    port: readPort(env.PORT, DEFAULT_SUBGRAPH_PORTS[name]),
    host: readHost(env.HOST),
    redisUrl: readRedisUrl(env.REDIS_URL),
    logLevel: readLogLevel(env.LOG_LEVEL),
    nodeEnv,
    identityPublicKey: readIdentityPublicKey(env.INTERNAL_AUTH_PUBLIC_KEY, nodeEnv),
    eventRetention: readEventRetention(env),
    otlpEndpoint: readOtlpEndpoint(env.OTEL_EXPORTER_OTLP_ENDPOINT),
  };
}

/**
 * The key that verifies the gateway's identities, checked the way the subgraph
 * service checks `SubgraphOptions.identityPublicKey`. Messages never quote a key.
 */
export function checkIdentityPublicKey(value: string | KeyObject, nodeEnv: string): KeyObject {
  let key: KeyObject;
  try {
    key = typeof value === 'string' ? identityPublicKey(value) : identityPublicKey(value.export({ type: 'spki', format: 'pem' }).toString());
  } catch (error) {
    throw new ConfigError(`Invalid configuration: INTERNAL_AUTH_PUBLIC_KEY ${(error as Error).message}`);
  }
  if (!isDevelopmentEnv(nodeEnv) && key.equals(identityPublicKey(DEV_IDENTITY_PUBLIC_KEY))) {
    throw new ConfigError('Invalid configuration: INTERNAL_AUTH_PUBLIC_KEY must not be the development key unless NODE_ENV is development or test');
  }
  return key;
}

export function readIdentityPublicKey(value: string | KeyObject | undefined, nodeEnv: string): KeyObject {
  if (value === undefined || value === '') {
    if (!isDevelopmentEnv(nodeEnv)) {
      throw new ConfigError('Invalid configuration: INTERNAL_AUTH_PUBLIC_KEY must be set unless NODE_ENV is development or test (the public half of the gateway\'s INTERNAL_AUTH_PRIVATE_KEY, an Ed25519 SPKI PEM)');
    }
    return identityPublicKey(DEV_IDENTITY_PUBLIC_KEY);
  }
  return checkIdentityPublicKey(value, nodeEnv);
}

function readPort(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw invalid('PORT', 'an integer between 0 and 65535', value);
  return port;
}

function readHost(value: string | undefined): string {
  if (value === undefined || value === '') return '0.0.0.0';
  if (/\s/.test(value)) throw invalid('HOST', 'a host name or IP address without spaces', value);
  return value;
}

function readRedisUrl(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('REDIS_URL', 'a URL such as redis://localhost:6379', value);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw invalid('REDIS_URL', 'a redis:// or rediss:// URL', value);
  }
  return value;
}

function readEventRetention(env: NodeJS.ProcessEnv): Partial<LogRetention> | undefined {
  try {
    const retention = readLogRetention(env);
    return Object.keys(retention).length === 0 ? undefined : retention;
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

function readLogLevel(value: string | undefined): LogLevel {
  if (value === undefined || value === '') return 'info';
  if (!(LOG_LEVELS as string[]).includes(value)) throw invalid('LOG_LEVEL', `one of ${LOG_LEVELS.join(', ')}`, value);
  return value as LogLevel;
}

function readOtlpEndpoint(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^https?:\/\/[^\s/]+/.test(value)) throw invalid('OTEL_EXPORTER_OTLP_ENDPOINT', 'an http(s) URL', value);
  return value;
}
