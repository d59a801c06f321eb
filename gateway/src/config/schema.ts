import { z } from 'zod';
import { LOG_LEVELS } from '../../../lib/logger';
import { SubgraphOverridesSchema, SubgraphRequestsSchema } from './traffic';

const positiveInt = z.number().int().positive();

/** Algorithms a token may be signed with; HS* need `auth.jwt.secret`, the others a JWKS. `none` is never accepted. */
export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/**
 * The gateway's whole configuration. Every field has its default next to it;
 * the README's configuration table mirrors this schema and ENV_BINDINGS.
 */
export const GatewayConfigSchema = z
  .object({
    /** Port for HTTP (and, later, WebSocket) traffic. */
    port: z.number().int().min(0).max(65535).default(4000),
    host: z.string().min(1).default('0.0.0.0'),
    /** Only `development` and `test` allow development secrets and turn introspection and the IDE on by default; anything else (or nothing) is production. */
    nodeEnv: z.string().default('production'),
    logLevel: z.enum(LOG_LEVELS as [string, ...string[]]).default('info'),
    supergraph: z
      .object({
        /** Path to a composed supergraph SDL file (`npm run compose` writes ./supergraph.graphql); reloaded when it changes. */
        path: z.string().min(1).optional(),
        /** Or a URL serving it (e.g. a schema registry), polled with If-None-Match; the path, if set too, is read first. */
        url: z.url({ protocol: /^https?$/ }).optional(),
        pollIntervalMs: z.number().int().min(1_000).default(10_000),
        /** Watch the file and hot-reload it on change. */
        watch: z.boolean().default(true),
      })
      .strict(),
    /** Per-subgraph URLs and traffic-shaping overrides, keyed by the subgraph's name in the supergraph. */
    subgraphs: SubgraphOverridesSchema,
    /** Traffic shaping towards every subgraph: timeouts, retries, breakers, load balancing, deduplication. */
    subgraphRequests: SubgraphRequestsSchema,
    execution: z
      .object({
        /**
         * `native`: our query-plan executor (gateway/src/execution). `apollo`: @apollo/gateway's executeQueryPlan,
         * kept as the reference the differential tests compare against.
         */
        engine: z.enum(['native', 'apollo']).default('native'),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        /** Largest accepted HTTP request body. */
        maxBodyBytes: positiveInt.default(1_048_576),
        /** Highest estimated cost of one operation (enforce mode); every rate-limit tier must hold at least this much. */
        maxCost: positiveInt.default(1_000),
        /** Shape limits, checked right after parsing, each refused with its own code. */
        maxDepth: positiveInt.default(15),
        maxAliases: positiveInt.default(30),
        maxRootFields: positiveInt.default(20),
        /** Field selections of an operation once its fragments are spread. */
        maxSelections: positiveInt.default(10_000),
        /** Selections of one response key in one selection set (validation is quadratic in them). */
        maxFieldRepeats: positiveInt.default(100),
        /** Lexer tokens of a document; larger documents are refused while parsing. */
        maxTokens: positiveInt.default(2_000),
      })
      .strict()
      .prefault({}),
    cost: z
      .object({
        /** Off: no cost analysis, no cost limit, no rate limiting (benchmarks; not recommended). */
        enabled: z.boolean().default(true),
        /** `enforce`: refuse over maxCost and rate-limit by cost. `measure`: compute and report costs, refuse and charge nothing. */
        mode: z.enum(['enforce', 'measure']).default('enforce'),
        /** Added per mutation root field. */
        mutationBaseCost: z.number().int().min(0).default(10),
        /** Size assumed for a list without @listSize or a slicing argument; the real size is charged after execution. */
        defaultListSize: positiveInt.default(1),
      })
      .strict()
      .prefault({}),
    rateLimit: z
      .object({
        enabled: z.boolean().default(true),
        /** Budgets by tier name; `anonymous` and `authenticated` are the defaults callers fall into. */
        tiers: z
          .record(
            z.string().min(1),
            z.object({ capacity: positiveInt, refillPerSecond: z.number().positive(), maxSubscriptions: z.number().int().min(0) }).strict(),
          )
          .default({
            anonymous: { capacity: 1_000, refillPerSecond: 50, maxSubscriptions: 5 },
            authenticated: { capacity: 2_000, refillPerSecond: 100, maxSubscriptions: 20 },
          }),
        /** First match wins: a caller with `scope` (or whose `claim` equals `value`) uses `tier`. */
        rules: z
          .array(
            z.union([
              z.object({ scope: z.string().min(1), tier: z.string().min(1) }).strict(),
              z.object({ claim: z.string().min(1), value: z.string(), tier: z.string().min(1) }).strict(),
            ]),
          )
          .default([]),
        /** Key anonymous callers by the address the proxy appended to X-Forwarded-For (only behind a proxy that appends it). */
        trustForwardedFor: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    security: z
      .object({
        /** Schema introspection. Default: off when nodeEnv is production, on otherwise. */
        introspection: z.boolean().optional(),
        /** The GraphQL IDE landing page on GET /graphql from a browser. Same default as introspection. */
        ide: z.boolean().optional(),
      })
      .strict()
      .default({}),
    auth: z
      .object({
        jwt: z
          .object({
            /** HS256/384/512 secret. Default outside production: the public development secret (`npm run token`). */
            secret: z.string().min(32, 'must be at least 32 characters').optional(),
            /** JWKS endpoints for RS*, PS*, ES* and EdDSA keys, fetched, cached and refetched on an unknown `kid`; they serve issuers no `jwks` entry binds. https only in production. */
            jwksUrls: z.array(z.url({ protocol: /^https?$/ })).default([]),
            /** JWKS endpoints bound to their issuer: a token claiming `issuer` is verified with that JWKS and no other. */
            jwks: z.array(z.object({ url: z.url({ protocol: /^https?$/ }), issuer: z.string().min(1).optional() }).strict()).default([]),
            /** Refuse tokens without `exp` (a token that never expires cannot be revoked by waiting). */
            requireExp: z.boolean().default(true),
            /** Accepted `iss` values; empty: not checked. */
            issuers: z.array(z.string().min(1)).default([]),
            /** Accepted `aud` values; empty: not checked. */
            audiences: z.array(z.string().min(1)).default([]),
            algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1).default(['HS256', 'RS256', 'ES256', 'EdDSA']),
            /** Leeway for `exp` and `nbf`. */
            clockToleranceSec: z.number().int().min(0).max(300).default(30),
            /** Longer tokens are refused before any parsing. */
            maxTokenBytes: positiveInt.default(8_192),
            /** Claim holding the scopes; default: `scope` (space-separated), else `scp` or `scopes` (arrays). */
            scopesClaim: z.string().min(1).optional(),
            /** Least time between two JWKS fetches caused by unknown `kid`s. */
            jwksCooldownMs: z.number().int().min(0).default(30_000),
            jwksCacheMaxAgeMs: positiveInt.default(600_000),
            jwksTimeoutMs: positiveInt.default(5_000),
          })
          .strict()
          .prefault({}),
        /**
         * The API keys clients may present in `X-API-Key`: each by the SHA-256 of the key (hex), a name (its
         * rate-limit bucket) and optionally a tier and scopes. Any other key is refused (INVALID_API_KEY).
         */
        apiKeys: z
          .array(
            z
              .object({
                name: z.string().min(1),
                sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the hex SHA-256 of the key (64 hex digits)'),
                tier: z.string().min(1).optional(),
                scopes: z.array(z.string().min(1)).optional(),
              })
              .strict(),
          )
          .default([]),
        /** Also accept keys kept in Redis (hash `gw:apikeys`, field = sha256, value = JSON `{ name, tier?, scopes? }`); needs `redisUrl`. */
        apiKeysInRedis: z.boolean().default(false),
        /** `filter`: unauthorized fields come back null with an error each. `reject`: the whole operation is refused (401/403). */
        authorizationMode: z.enum(['filter', 'reject']).default('filter'),
        /**
         * Ed25519 private key (PKCS#8 PEM) that signs the caller's identity for the subgraphs, which hold only
         * its public half. Default in development and test: the public development key.
         */
        identityPrivateKey: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    subscriptions: z
      .object({
        /** GraphQL subscriptions over WebSocket (graphql-ws) and SSE on the GraphQL path. */
        enabled: z.boolean().default(true),
        /** Time to send `connection_init` after the WebSocket handshake (close 4408 after). */
        connectionInitTimeoutMs: positiveInt.default(3_000),
        keepAliveMs: positiveInt.default(30_000),
        /** Largest message a client may send over WebSocket (close 1009 above). */
        maxPayloadBytes: positiveInt.default(65_536),
        /** Operations one connection may run at once. */
        maxPerConnection: positiveInt.default(100),
        /** Outgoing bytes queued per connection before the client is dropped as a slow consumer (close 1008, SLOW_CONSUMER with its last event id). */
        maxBufferedBytes: positiveInt.default(1_048_576),
        /** Events queued per subscriber group waiting for enrichment before its subscribers are dropped as slow consumers (they may resume). */
        maxQueuedEvents: positiveInt.default(1_000),
        /**
         * Which server speaks graphql-ws: ours (transport/graphql-ws: one pre-serialized payload per group spliced
         * into each message), or the graphql-ws package's own `useServer` with our admission and limits around it
         * (transport/graphql-ws/library.ts; kept for the bench:subscriptions comparison, see README).
         */
        webSocketServer: z.enum(['ours', 'graphql-ws']).default('ours'),
      })
      .strict()
      .prefault({}),
    /** The operations dashboard at /dashboard (README "Operations > Dashboard"). */
    dashboard: z
      .object({
        /** Serve it. Default: on when nodeEnv is development or test, off in production. */
        enabled: z.boolean().optional(),
        /** The scope a token (or API key) needs to read the gateway's metrics through it (`/dashboard/metrics.json`); the live events follow the API's own authorization. */
        scope: z.string().min(1).default('gateway:dashboard'),
      })
      .strict()
      .prefault({}),
    /** Redis for state shared between replicas (rate limits, events). Absent: embedded in-process state. */
    redisUrl: z.url({ protocol: /^rediss?$/ }).optional(),
    /**
     * Gateway processes on this host (node:cluster): a primary forks this many workers that share the port and
     * nothing but Redis. `auto`: one per available CPU (os.availableParallelism()). More than one needs redisUrl
     * in production.
     */
    workers: z
      .preprocess(
        (value) => (typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value),
        z.union([positiveInt, z.literal('auto')], { error: 'expected a positive integer or "auto"' }),
      )
      .default(1),
    /** How long shutdown waits for in-flight requests before closing their connections. */
    shutdownGraceMs: z.number().int().min(0).default(10_000),
    http: z
      .object({
        /** A client must send its request headers within this (else 408 and the connection closes): drip-fed headers hold nothing for long. */
        headersTimeoutMs: positiveInt.default(10_000),
        /** A client must send its whole request (headers and body) within this. Not the response: streams live longer. */
        requestTimeoutMs: positiveInt.default(30_000),
        /** Idle keep-alive connections close after this; longer than typical load-balancer idle timeouts. */
        keepAliveTimeoutMs: positiveInt.default(65_000),
      })
      .strict()
      .prefault({}),
    persistedOperations: z
      .object({
        /** Automatic persisted queries (Apollo Client's persistedQuery extension): documents registered by hash, in Redis with redisUrl. */
        apq: z
          .object({ enabled: z.boolean().default(true), ttlSeconds: positiveInt.default(86_400), maxBytes: positiveInt.default(16 * 1024 * 1024) })
          .strict()
          .prefault({}),
        /** Trusted-document manifests (Apollo's persisted-query manifest, or GraphQL Code Generator's `{ hash: document }`). */
        manifests: z.array(z.string().min(1)).default([]),
        /** Serve only the manifests' documents (OPERATION_NOT_PERSISTED for anything else). */
        safelist: z.boolean().default(false),
      })
      .strict()
      .refine((p) => !p.safelist || p.manifests.length > 0, { message: 'safelist needs at least one manifest (persistedOperations.manifests)', path: ['safelist'] })
      .prefault({}),
    /** The entity cache (README "Caching"): subgraph answers kept as the supergraph's `@cacheControl` hints allow. */
    entityCache: z
      .object({
        /** On by default, but it caches only what the supergraph's hints allow: a supergraph without hints caches nothing. */
        enabled: z.boolean().default(true),
        /** `redis`: shared by every replica (needs redisUrl; the default with it). `memory`: this process only (the default without). */
        store: z.enum(['redis', 'memory']).optional(),
        /** Bounds of the in-process store. */
        maxEntries: positiveInt.default(100_000),
        maxBytes: positiveInt.default(64 * 1024 * 1024),
        /** Report hits, misses and the answer's policy in `extensions.cache` (development, tests). */
        debug: z.boolean().default(false),
        /** The scope a token (or API key) needs to call the invalidation endpoint. */
        invalidationScope: z.string().min(1).default('gateway:cache:invalidate'),
      })
      .strict()
      .prefault({}),
    caches: z
      .object({
        /** Bytes of parsed documents and what derives from them (authorization cuts, cost plans), by approximate size. */
        documentsMaxBytes: positiveInt.default(64 * 1024 * 1024),
      })
      .strict()
      .prefault({}),
    /** Metrics (always on), traces (off by default); logs are `logLevel`. See README "Operations". */
    telemetry: z
      .object({
        metrics: z
          .object({
            /** Serve `/metrics` on this port (0: a free one) instead of the main port; unset: on the main port. */
            port: z.number().int().min(0).max(65535).optional(),
            /** Distinct operation names kept as metric labels; later ones are counted as `__other__`. */
            maxOperationNames: positiveInt.default(100),
          })
          .strict()
          .prefault({}),
        tracing: z
          .object({
            /** OpenTelemetry traces; off: no span, no context propagation, no cost. */
            enabled: z.boolean().default(false),
            /** OTLP/HTTP base URL; spans are posted to `<otlpEndpoint>/v1/traces`. */
            otlpEndpoint: z.url({ protocol: /^https?$/ }).default('http://localhost:4318'),
            /** Share of new traces recorded; a client's `traceparent` decides for its own. */
            sampleRatio: z.number().min(0).max(1).default(1),
            serviceName: z.string().min(1).default('gateway'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type GatewayConfigInput = z.input<typeof GatewayConfigSchema>;
type Parsed = z.output<typeof GatewayConfigSchema>;

/** The validated configuration, with environment-dependent defaults resolved. */
export type GatewayConfig = Omit<Parsed, 'security' | 'logLevel' | 'auth' | 'workers' | 'dashboard'> & {
  /** `auto` resolved to the number of available CPUs. */
  workers: number;
  logLevel: (typeof LOG_LEVELS)[number];
  security: { introspection: boolean; ide: boolean };
  /** `enabled` resolved from nodeEnv when unset. */
  dashboard: { enabled: boolean; scope: string };
  /** Secrets resolved: the development defaults outside production, never in it. */
  auth: Parsed['auth'] & { identityPrivateKey: string };
};
