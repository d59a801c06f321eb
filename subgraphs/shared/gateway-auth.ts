import type { IncomingMessage } from 'node:http';
import { INTERNAL_IDENTITY_HEADER, InternalIdentityError, verifyIdentity, type Identity } from '../../lib/auth/internal-identity';
import { HttpError, TransportErrorCode } from '../../lib/http/errors';
import type { Logger } from '../../lib/logger';

export type { Identity } from '../../lib/auth/internal-identity';

/** The one answer to every request without a valid identity: which check failed stays in our logs. */
export const NOT_FROM_GATEWAY_MESSAGE = 'This subgraph only answers requests from the gateway';

/**
 * Subgraphs trust only the gateway: every `/graphql` request must carry the
 * caller's identity signed by the gateway with the shared secret
 * (`x-gateway-identity`, see lib/auth/internal-identity). Returns the
 * function the HTTP adapter calls before it reads the body; a missing or
 * invalid identity is answered 401 UNAUTHENTICATED without reading the body
 * or executing anything.
 */
export function gatewayIdentityOf(
  secret: string,
  { logger, onRefused }: { logger: Logger; onRefused?: (reason: InternalIdentityError['reason']) => void },
): (req: IncomingMessage) => Identity {
  return (req) => {
    const header = req.headers[INTERNAL_IDENTITY_HEADER];
    try {
      // Node joins a repeated header with ", ", which never verifies.
      return verifyIdentity(Array.isArray(header) ? header.join(', ') : header, secret);
    } catch (error) {
      if (!(error instanceof InternalIdentityError)) throw error;
      logger.debug('refused a request without a valid gateway identity', { reason: error.reason, detail: error.message });
      onRefused?.(error.reason);
      throw new HttpError(401, TransportErrorCode.Unauthenticated, NOT_FROM_GATEWAY_MESSAGE);
    }
  };
}
