import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { DEV_IDENTITY_PRIVATE_KEY, identityPrivateKey } from '../../../lib/auth/internal-identity';
import { isDevelopmentEnv } from '../../../lib/env';
import { DEV_JWT_SECRET } from '../auth/dev-secret';
import { GatewayConfigSchema, type GatewayConfig } from './schema';

/** A configuration error names the offending key and where the value came from. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type ValueKind = 'int' | 'number' | 'bool' | 'string' | 'list' | 'json';

/** Environment variables and the config keys they set. Documented in the README. */
export const ENV_BINDINGS: ReadonlyArray<{ env: string; path: string; kind: ValueKind }> = [
  { env: 'GATEWAY_PORT', path: 'port', kind: 'int' },
  { env: 'GATEWAY_HOST', path: 'host', kind: 'string' },
  { env: 'NODE_ENV', path: 'nodeEnv', kind: 'string' },
  { env: 'LOG_LEVEL', path: 'logLevel', kind: 'string' },
  { env: 'SUPERGRAPH_PATH', path: 'supergraph.path', kind: 'string' },
  { env: 'SUPERGRAPH_URL', path: 'supergraph.url', kind: 'string' },
  { env: 'SUPERGRAPH_POLL_INTERVAL_MS', path: 'supergraph.pollIntervalMs', kind: 'int' },
  { env: 'SUPERGRAPH_WATCH', path: 'supergraph.watch', kind: 'bool' },
  { env: 'GATEWAY_SUBGRAPH_TIMEOUT_MS', path: 'subgraphRequests.timeoutMs', kind: 'int' },
  { env: 'GATEWAY_SUBGRAPH_MAX_CONNECTIONS', path: 'subgraphRequests.maxConnectionsPerSubgraph', kind: 'int' },
  { env: 'GATEWAY_SUBGRAPH_LOAD_BALANCING', path: 'subgraphRequests.loadBalancing', kind: 'string' },
  { env: 'GATEWAY_SUBGRAPH_DEDUP', path: 'subgraphRequests.dedup', kind: 'bool' },
  { env: 'GATEWAY_SUBGRAPH_RETRY_ENABLED', path: 'subgraphRequests.retry.enabled', kind: 'bool' },
  { env: 'GATEWAY_SUBGRAPH_MAX_ATTEMPTS', path: 'subgraphRequests.retry.maxAttempts', kind: 'int' },
  { env: 'GATEWAY_SUBGRAPH_BREAKER_ENABLED', path: 'subgraphRequests.breaker.enabled', kind: 'bool' },
  { env: 'GATEWAY_SUBGRAPH_BREAKER_THRESHOLD', path: 'subgraphRequests.breaker.failureThreshold', kind: 'int' },
  { env: 'GATEWAY_SUBGRAPH_BREAKER_OPEN_MS', path: 'subgraphRequests.breaker.openMs', kind: 'int' },
  { env: 'GATEWAY_EXECUTION_ENGINE', path: 'execution.engine', kind: 'string' },
  { env: 'GATEWAY_MAX_BODY_BYTES', path: 'limits.maxBodyBytes', kind: 'int' },
  { env: 'GATEWAY_MAX_COST', path: 'limits.maxCost', kind: 'int' },
  { env: 'GATEWAY_MAX_DEPTH', path: 'limits.maxDepth', kind: 'int' },
  { env: 'GATEWAY_MAX_ALIASES', path: 'limits.maxAliases', kind: 'int' },
  { env: 'GATEWAY_MAX_ROOT_FIELDS', path: 'limits.maxRootFields', kind: 'int' },
  { env: 'GATEWAY_MAX_SELECTIONS', path: 'limits.maxSelections', kind: 'int' },
  { env: 'GATEWAY_MAX_FIELD_REPEATS', path: 'limits.maxFieldRepeats', kind: 'int' },
  { env: 'GATEWAY_MAX_TOKENS', path: 'limits.maxTokens', kind: 'int' },
  { env: 'GATEWAY_COST_ENABLED', path: 'cost.enabled', kind: 'bool' },
  { env: 'GATEWAY_COST_MODE', path: 'cost.mode', kind: 'string' },
  { env: 'GATEWAY_MUTATION_BASE_COST', path: 'cost.mutationBaseCost', kind: 'int' },
  { env: 'GATEWAY_DEFAULT_LIST_SIZE', path: 'cost.defaultListSize', kind: 'int' },
  { env: 'GATEWAY_RATE_LIMIT_ENABLED', path: 'rateLimit.enabled', kind: 'bool' },
  { env: 'GATEWAY_TRUST_FORWARDED_FOR', path: 'rateLimit.trustForwardedFor', kind: 'bool' },
  { env: 'GATEWAY_SUBSCRIPTIONS_ENABLED', path: 'subscriptions.enabled', kind: 'bool' },
  { env: 'GATEWAY_WS_INIT_TIMEOUT_MS', path: 'subscriptions.connectionInitTimeoutMs', kind: 'int' },
  { env: 'GATEWAY_WS_MAX_PAYLOAD_BYTES', path: 'subscriptions.maxPayloadBytes', kind: 'int' },
  { env: 'GATEWAY_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION', path: 'subscriptions.maxPerConnection', kind: 'int' },
  { env: 'GATEWAY_WS_MAX_BUFFERED_BYTES', path: 'subscriptions.maxBufferedBytes', kind: 'int' },
  { env: 'GATEWAY_SUBSCRIPTIONS_MAX_QUEUED_EVENTS', path: 'subscriptions.maxQueuedEvents', kind: 'int' },
  { env: 'GATEWAY_WS_SERVER', path: 'subscriptions.webSocketServer', kind: 'string' },
  { env: 'GATEWAY_RATE_LIMIT_TIERS', path: 'rateLimit.tiers', kind: 'json' },
  { env: 'GATEWAY_RATE_LIMIT_RULES', path: 'rateLimit.rules', kind: 'json' },
  { env: 'GATEWAY_INTROSPECTION', path: 'security.introspection', kind: 'bool' },
  { env: 'GATEWAY_IDE', path: 'security.ide', kind: 'bool' },
  { env: 'GATEWAY_DASHBOARD_ENABLED', path: 'dashboard.enabled', kind: 'bool' },
  { env: 'GATEWAY_DASHBOARD_SCOPE', path: 'dashboard.scope', kind: 'string' },
  { env: 'REDIS_URL', path: 'redisUrl', kind: 'string' },
  { env: 'JWT_SECRET', path: 'auth.jwt.secret', kind: 'string' },
  { env: 'JWT_JWKS_URLS', path: 'auth.jwt.jwksUrls', kind: 'list' },
  { env: 'JWT_JWKS', path: 'auth.jwt.jwks', kind: 'json' },
  { env: 'JWT_REQUIRE_EXP', path: 'auth.jwt.requireExp', kind: 'bool' },
  { env: 'GATEWAY_API_KEYS', path: 'auth.apiKeys', kind: 'json' },
  { env: 'GATEWAY_API_KEYS_IN_REDIS', path: 'auth.apiKeysInRedis', kind: 'bool' },
  { env: 'JWT_ISSUERS', path: 'auth.jwt.issuers', kind: 'list' },
  { env: 'JWT_AUDIENCES', path: 'auth.jwt.audiences', kind: 'list' },
  { env: 'JWT_ALGORITHMS', path: 'auth.jwt.algorithms', kind: 'list' },
  { env: 'JWT_CLOCK_TOLERANCE_SEC', path: 'auth.jwt.clockToleranceSec', kind: 'int' },
  { env: 'JWT_MAX_TOKEN_BYTES', path: 'auth.jwt.maxTokenBytes', kind: 'int' },
  { env: 'JWT_SCOPES_CLAIM', path: 'auth.jwt.scopesClaim', kind: 'string' },
  { env: 'JWT_JWKS_COOLDOWN_MS', path: 'auth.jwt.jwksCooldownMs', kind: 'int' },
  { env: 'GATEWAY_AUTHORIZATION_MODE', path: 'auth.authorizationMode', kind: 'string' },
  { env: 'INTERNAL_AUTH_PRIVATE_KEY', path: 'auth.identityPrivateKey', kind: 'string' },
  { env: 'GATEWAY_WORKERS', path: 'workers', kind: 'string' },
  { env: 'GATEWAY_SHUTDOWN_GRACE_MS', path: 'shutdownGraceMs', kind: 'int' },
  { env: 'GATEWAY_HTTP_HEADERS_TIMEOUT_MS', path: 'http.headersTimeoutMs', kind: 'int' },
  { env: 'GATEWAY_HTTP_REQUEST_TIMEOUT_MS', path: 'http.requestTimeoutMs', kind: 'int' },
  { env: 'GATEWAY_DOCUMENT_CACHE_BYTES', path: 'caches.documentsMaxBytes', kind: 'int' },
  { env: 'GATEWAY_ENTITY_CACHE_ENABLED', path: 'entityCache.enabled', kind: 'bool' },
  { env: 'GATEWAY_ENTITY_CACHE_STORE', path: 'entityCache.store', kind: 'string' },
  { env: 'GATEWAY_ENTITY_CACHE_MAX_ENTRIES', path: 'entityCache.maxEntries', kind: 'int' },
  { env: 'GATEWAY_ENTITY_CACHE_MAX_BYTES', path: 'entityCache.maxBytes', kind: 'int' },
  { env: 'GATEWAY_ENTITY_CACHE_DEBUG', path: 'entityCache.debug', kind: 'bool' },
  { env: 'GATEWAY_ENTITY_CACHE_INVALIDATION_SCOPE', path: 'entityCache.invalidationScope', kind: 'string' },
  { env: 'GATEWAY_APQ_ENABLED', path: 'persistedOperations.apq.enabled', kind: 'bool' },
  { env: 'GATEWAY_PERSISTED_MANIFESTS', path: 'persistedOperations.manifests', kind: 'list' },
  { env: 'GATEWAY_SAFELIST', path: 'persistedOperations.safelist', kind: 'bool' },
  { env: 'GATEWAY_METRICS_PORT', path: 'telemetry.metrics.port', kind: 'int' },
  { env: 'GATEWAY_METRICS_MAX_OPERATION_NAMES', path: 'telemetry.metrics.maxOperationNames', kind: 'int' },
  { env: 'GATEWAY_TRACING_ENABLED', path: 'telemetry.tracing.enabled', kind: 'bool' },
  { env: 'OTEL_EXPORTER_OTLP_ENDPOINT', path: 'telemetry.tracing.otlpEndpoint', kind: 'string' },
  { env: 'GATEWAY_TRACING_SAMPLE_RATIO', path: 'telemetry.tracing.sampleRatio', kind: 'number' },
  { env: 'OTEL_SERVICE_NAME', path: 'telemetry.tracing.serviceName', kind: 'string' },
];

/** Command-line flags and the config keys they set. */
const FLAG_BINDINGS: Record<string, { path: string; kind: ValueKind }> = {
  '--port': { path: 'port', kind: 'int' },
  '--host': { path: 'host', kind: 'string' },
  '--supergraph': { path: 'supergraph.path', kind: 'string' },
};

const SUBGRAPH_URL_ENV = /^SUBGRAPH_([A-Z0-9_]+)_URL$/;
/** Several instances of one subgraph, comma-separated. */
const SUBGRAPH_URLS_ENV = /^SUBGRAPH_([A-Z0-9_]+)_URLS$/;

/**
 * Builds the configuration from, in increasing precedence: defaults, a JSON
 * file (`--config <file>`), environment variables, command-line flags. It is
 * validated once; the first bad value fails start-up with its key and source.
 */
export function loadConfig({ argv = [], env = {} }: { argv?: string[]; env?: NodeJS.ProcessEnv }): GatewayConfig {
  const raw: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  const set = (path: string, value: unknown, source: string) => {
    setPath(raw, path, value);
    sources.set(path, source);
  };

  const flags = parseFlags(argv);
  const configFile = flags.get('--config');
  if (configFile !== undefined) {
    const fromFile = readConfigFile(configFile);
    for (const [path, value] of flatten(fromFile)) set(path, value, `config file ${configFile}`);
  }
  for (const { env: name, path, kind } of ENV_BINDINGS) {
    const value = env[name];
    if (value !== undefined && value !== '') set(path, coerce(value, kind, `${path} (from ${name})`), `environment variable ${name}`);
  }
  for (const [name, value] of Object.entries(env)) {
    const match = SUBGRAPH_URL_ENV.exec(name);
    if (match && value) set(`subgraphs.${match[1].toLowerCase()}.url`, value, `environment variable ${name}`);
    const several = SUBGRAPH_URLS_ENV.exec(name);
    if (several && value) set(`subgraphs.${several[1].toLowerCase()}.urls`, coerce(value, 'list', name), `environment variable ${name}`);
  }
  for (const [flag, value] of flags) {
    if (flag === '--config') continue;
    const binding = FLAG_BINDINGS[flag];
    if (!binding) throw new ConfigError(`Unknown option ${flag}; known: --config, ${Object.keys(FLAG_BINDINGS).join(', ')}`);
    set(binding.path, coerce(value, binding.kind, `${binding.path} (from ${flag})`), `option ${flag}`);
  }
  if (getPath(raw, 'supergraph.path') === undefined && getPath(raw, 'supergraph.url') === undefined) {
    throw new ConfigError('Invalid configuration: supergraph.path is required (use --supergraph <file> or SUPERGRAPH_PATH), or supergraph.url (SUPERGRAPH_URL)');
  }

  const parsed = GatewayConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.join('.') || '(root)';
    // A value set as a whole (JSON in one variable) is the source of every key inside it.
    const source = issue.path.map((_, i) => sources.get(issue.path.slice(0, issue.path.length - i).join('.'))).find(Boolean);
    const detail = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message;
    throw new ConfigError(`Invalid configuration: ${key}${source ? ` (from ${source})` : ''}: ${detail}`);
  }
  const config = parsed.data;
  const production = !isDevelopmentEnv(config.nodeEnv);
  const source = (key: string) => (sources.has(key) ? ` (from ${sources.get(key)})` : '');
  const { jwt, identityPrivateKey: identityKey } = config.auth;
  if (production && jwt.secret === DEV_JWT_SECRET) {
    throw new ConfigError(`Invalid configuration: auth.jwt.secret${source('auth.jwt.secret')}: the public development secret is only accepted when nodeEnv is development or test`);
  }
  for (const tier of ['anonymous', 'authenticated']) {
    if (!(tier in config.rateLimit.tiers)) {
      throw new ConfigError(`Invalid configuration: rateLimit.tiers${source('rateLimit.tiers')}: needs a "${tier}" tier`);
    }
  }
  // An admitted operation must be payable by a full bucket, or it could never run.
  if (config.cost.enabled && config.cost.mode === 'enforce' && config.rateLimit.enabled) {
    for (const [name, tier] of Object.entries(config.rateLimit.tiers)) {
      if (tier.capacity < config.limits.maxCost) {
        throw new ConfigError(
          `Invalid configuration: rateLimit.tiers.${name}.capacity${source('rateLimit.tiers')}: ${tier.capacity} is below limits.maxCost (${config.limits.maxCost}); an operation the gateway admits could never be paid for by this tier (raise the capacity or lower limits.maxCost)`,
        );
      }
    }
  }
  if (production) {
    for (const [key, urls] of [['auth.jwt.jwksUrls', jwt.jwksUrls], ['auth.jwt.jwks', jwt.jwks.map((set) => set.url)]] as const) {
      const plain = urls.find((url) => !url.startsWith('https:'));
      if (plain) {
        throw new ConfigError(`Invalid configuration: ${key}${source(key)}: ${plain} is not https; the keys that verify tokens must come over TLS unless nodeEnv is development or test`);
      }
    }
  }
  for (const [i, key] of config.auth.apiKeys.entries()) {
    if (key.tier !== undefined && !(key.tier in config.rateLimit.tiers)) {
      throw new ConfigError(`Invalid configuration: auth.apiKeys.${i}.tier${source('auth.apiKeys')}: no tier named "${key.tier}" in rateLimit.tiers`);
    }
  }
  if (config.entityCache.store === 'redis' && !config.redisUrl) {
    throw new ConfigError(`Invalid configuration: entityCache.store${source('entityCache.store')}: redis needs redisUrl (REDIS_URL)`);
  }
  if (config.auth.apiKeysInRedis && !config.redisUrl) {
    throw new ConfigError(`Invalid configuration: auth.apiKeysInRedis${source('auth.apiKeysInRedis')}: needs redisUrl (REDIS_URL)`);
  }
  const workers = config.workers === 'auto' ? availableParallelism() : config.workers;
  // Without Redis each worker would keep its own rate-limit buckets (N times every budget) and event subscriptions.
  if (production && workers > 1 && !config.redisUrl) {
    throw new ConfigError(
      `Invalid configuration: workers${source('workers')}: ${workers} workers need redisUrl (REDIS_URL); without Redis each worker keeps its own rate-limit buckets (every budget multiplied by the workers) and its own event subscriptions (set REDIS_URL, or run one worker; development and test only warn)`,
    );
  }
  for (const [i, rule] of config.rateLimit.rules.entries()) {
    if (!(rule.tier in config.rateLimit.tiers)) {
      throw new ConfigError(`Invalid configuration: rateLimit.rules.${i}.tier${source('rateLimit.rules')}: no tier named "${rule.tier}" in rateLimit.tiers`);
    }
  }
  if (production && identityKey === undefined) {
    throw new ConfigError(
      'Invalid configuration: auth.identityPrivateKey is required unless nodeEnv is development or test (set INTERNAL_AUTH_PRIVATE_KEY to an Ed25519 PKCS#8 PEM; the subgraphs get its public half as INTERNAL_AUTH_PUBLIC_KEY)',
    );
  }
  if (identityKey !== undefined) {
    let key;
    try {
      key = identityPrivateKey(identityKey);
    } catch (error) {
      throw new ConfigError(`Invalid configuration: auth.identityPrivateKey${source('auth.identityPrivateKey')}: ${(error as Error).message}`);
    }
    if (production && key.equals(identityPrivateKey(DEV_IDENTITY_PRIVATE_KEY))) {
      throw new ConfigError(`Invalid configuration: auth.identityPrivateKey${source('auth.identityPrivateKey')}: the public development key is only accepted when nodeEnv is development or test`);
    }
  }
  return {
    ...config,
    auth: {
      ...config.auth,
      jwt: { ...jwt, secret: jwt.secret ?? (production ? undefined : DEV_JWT_SECRET) },
      identityPrivateKey: identityKey ?? DEV_IDENTITY_PRIVATE_KEY,
    },
    logLevel: config.logLevel as GatewayConfig['logLevel'],
    workers,
    security: {
      introspection: config.security.introspection ?? !production,
      ide: config.security.ide ?? !production,
    },
    dashboard: { ...config.dashboard, enabled: config.dashboard.enabled ?? !production },
  };
}

function parseFlags(argv: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new ConfigError(`Unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    if (eq !== -1) {
      flags.set(arg.slice(0, eq), arg.slice(eq + 1));
    } else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new ConfigError(`Option ${arg} needs a value`);
      flags.set(arg, value);
      i++;
    }
  }
  return flags;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${file}: ${(error as Error).message}`);
  }
  try {
    const value = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a JSON object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`Config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function coerce(value: string, kind: ValueKind, key: string): unknown {
  if (kind === 'string') return value;
  if (kind === 'list') return value.split(',').map((item) => item.trim()).filter(Boolean);
  if (kind === 'json') {
    try {
      return JSON.parse(value);
    } catch (error) {
      throw new ConfigError(`Invalid configuration: ${key}: expected JSON (${(error as Error).message})`);
    }
  }
  if (kind === 'number') {
    if (!/^-?(\d+\.?\d*|\.\d+)$/.test(value.trim())) throw new ConfigError(`Invalid configuration: ${key}: expected a number, got "${value}"`);
    return Number(value);
  }
  if (kind === 'int') {
    if (!/^-?\d+$/.test(value.trim())) throw new ConfigError(`Invalid configuration: ${key}: expected an integer, got "${value}"`);
    return Number(value);
  }
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new ConfigError(`Invalid configuration: ${key}: expected true or false, got "${value}"`);
}

/** Leaves of a nested object as [dotted path, value]; arrays and records of objects stay nested at their leaves. */
function* flatten(value: Record<string, unknown>, prefix = ''): Generator<[string, unknown]> {
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (child !== null && typeof child === 'object' && !Array.isArray(child)) yield* flatten(child as Record<string, unknown>, path);
    else yield [path, child];
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (node[key] === undefined || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

function getPath(target: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], target);
}
