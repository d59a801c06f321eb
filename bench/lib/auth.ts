/**
 * The credentials of the benchmark: gateways run with NODE_ENV=production,
 * so they need real (non-development) secrets, and the scenarios need tokens
 * those gateways accept.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createDevToken } from '../../scripts/token';

export const BENCH_JWT_SECRET = 'benchmark-only-jwt-secret-0123456789-abcdefghij';
/** The identity key pair of this run: gateways sign with the private half, the benchmark's subgraphs verify with the public one. */
const identityKeys = generateKeyPairSync('ed25519');
export const BENCH_IDENTITY_ENV = {
  gateway: { INTERNAL_AUTH_PRIVATE_KEY: identityKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
  subgraph: { INTERNAL_AUTH_PUBLIC_KEY: identityKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
};

/** The caller the stock gateway presents to the subgraphs (it cannot verify tokens itself). */
export const BENCH_CALLER = { subject: 'bench-support', scopes: ['payments:read:all'] } as const;

/** A token for BENCH_CALLER, valid for the whole run. */
export function benchToken(): Promise<string> {
  return createDevToken({ sub: BENCH_CALLER.subject, scopes: BENCH_CALLER.scopes.join(' '), ttl: String(6 * 3600) }, { JWT_SECRET: BENCH_JWT_SECRET });
}
