import { z } from 'zod';
import { LOG_LEVELS } from '../../../lib/logger';

const positiveInt = z.number().int().positive();

/**
 * The gateway's whole configuration. Every field has its default next to it;
 * the README's configuration table mirrors this schema and ENV_BINDINGS.
 */
export const GatewayConfigSchema = z
  .object({
    /** Port for HTTP (and, later, WebSocket) traffic. */
    port: z.number().int().min(0).max(65535).default(4000),
    host: z.string().min(1).default('0.0.0.0'),
    /** `production` turns off introspection and the IDE unless explicitly enabled. */
    nodeEnv: z.string().default('development'),
    logLevel: z.enum(LOG_LEVELS as [string, ...string[]]).default('info'),
    supergraph: z.object({
      /** Path to a composed supergraph SDL file (`npm run compose` writes ./supergraph.graphql). */
      path: z.string().min(1),
    }),
    /** Per-subgraph overrides, keyed by the subgraph's name in the supergraph. */
    subgraphs: z.record(z.string(), z.object({ url: z.url({ protocol: /^https?$/ }).optional() }).strict()).default({}),
    subgraphRequests: z
      .object({
        /** Time allowed for one subgraph request (headers and body). */
        timeoutMs: positiveInt.default(30_000),
        /** Keep-alive connections kept open per subgraph. */
        maxConnectionsPerSubgraph: positiveInt.default(128),
      })
      .strict()
      .default({ timeoutMs: 30_000, maxConnectionsPerSubgraph: 128 }),
    limits: z
      .object({
        /** Largest accepted HTTP request body. */
        maxBodyBytes: positiveInt.default(1_048_576),
      })
      .strict()
      .default({ maxBodyBytes: 1_048_576 }),
    security: z
      .object({
        /** Schema introspection. Default: off when nodeEnv is production, on otherwise. */
        introspection: z.boolean().optional(),
        /** The GraphQL IDE landing page on GET /graphql from a browser. Same default as introspection. */
        ide: z.boolean().optional(),
      })
      .strict()
      .default({}),
    /** Redis for state shared between replicas (rate limits, events). Absent: embedded in-process state. */
    redisUrl: z.url({ protocol: /^rediss?$/ }).optional(),
    /** How long shutdown waits for in-flight requests before closing their connections. */
    shutdownGraceMs: z.number().int().min(0).default(10_000),
  })
  .strict();

export type GatewayConfigInput = z.input<typeof GatewayConfigSchema>;
type Parsed = z.output<typeof GatewayConfigSchema>;

/** The validated configuration, with environment-dependent defaults resolved. */
export type GatewayConfig = Omit<Parsed, 'security' | 'logLevel'> & {
  logLevel: (typeof LOG_LEVELS)[number];
  security: { introspection: boolean; ide: boolean };
};
