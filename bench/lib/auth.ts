/**
 * The credentials of the benchmark: gateways run with NODE_ENV=production,
 * so they need real (non-development) secrets, and the scenarios need tokens
 * those gateways accept.
 */
import { createDevToken } from '../../scripts/token';

export const BENCH_JWT_SECRET = 'benchmark-only-jwt-secret-0123456789-abcdefghij';
/** Shared by the benchmark's subgraphs and every gateway target. */
export const BENCH_INTERNAL_SECRET = 'benchmark-only-internal-secret-0123456789-abcdefgh';

/** The caller the stock gateway presents to the subgraphs (it cannot verify tokens itself). */
export const BENCH_CALLER = { subject: 'bench-support', scopes: ['payments:read:all'] } as const;

/** A token for BENCH_CALLER, valid for the whole run. */
export function benchToken(): Promise<string> {
  return createDevToken({ sub: BENCH_CALLER.subject, scopes: BENCH_CALLER.scopes.join(' '), ttl: String(6 * 3600) }, { JWT_SECRET: BENCH_JWT_SECRET });
}
