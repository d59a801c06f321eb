import type { KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { INTERNAL_IDENTITY_HEADER, IdentityVerifier, InternalIdentityError, type VerifiedIdentity } from '../../lib/auth/internal-identity';
import { HttpError, TransportErrorCode } from '../../lib/http/errors';
import type { Logger } from '../../lib/logger';

export type { Identity } from '../../lib/auth/internal-identity';

/** The one answer to every request without a valid identity: which check failed stays in our logs. */
export const NOT_FROM_GATEWAY_MESSAGE = 'This subgraph only answers requests from the gateway';

/**
 * Subgraphs trust only the gateway: every `/graphql` and `/events` request
 * must carry the caller's identity signed by the gateway's Ed25519 key for
 * this subgraph (`x-gateway-identity`, see lib/auth/internal-identity).
 * Returns the function the HTTP adapter calls before it reads the body; a
 * missing or invalid identity is answered 401 UNAUTHENTICATED without
 * reading the body or executing anything.
 */
export function gatewayIdentityOf(
  publicKey: KeyObject,
  subgraph: string,
  { logger, onRefused }: { logger: Logger; onRefused?: (reason: InternalIdentityError['reason']) => void },
): (req: IncomingMessage) => Promise<VerifiedIdentity> {
  const verifier = new IdentityVerifier(publicKey, subgraph);
  return async (req) => {
    const header = req.headers[INTERNAL_IDENTITY_HEADER];
    try {
      // Node joins a repeated header with ", ", which never verifies.
      return await verifier.verify(Array.isArray(header) ? header.join(', ') : header);
    } catch (error) {
      if (!(error instanceof InternalIdentityError)) throw error;
      logger.debug('refused a request without a valid gateway identity', { reason: error.reason, detail: error.message });
      onRefused?.(error.reason);
      throw new HttpError(401, TransportErrorCode.Unauthenticated, NOT_FROM_GATEWAY_MESSAGE);
    }
  };
}
