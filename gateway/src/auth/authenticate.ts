import type { IncomingMessage } from 'node:http';
import { ANONYMOUS, type Caller } from './caller';
import { bearerToken, connectionParamsToken } from './credentials';
import { AuthenticationError, unauthenticated } from './errors';
import type { TokenVerifier } from './token-verifier';

export interface Authenticator {
  /** The caller of an HTTP request; a refused token is a 401 HttpError with a WWW-Authenticate challenge. */
  fromRequest(req: IncomingMessage): Promise<Caller>;
  /** The caller of a WebSocket connection, from its `connection_init` payload; a refused token is an AuthenticationError. */
  fromConnectionParams(payload: unknown): Promise<Caller>;
}

/** No token: anonymous. A token: verified, or the request is refused (never downgraded to anonymous). */
export function createAuthenticator(verifier: TokenVerifier): Authenticator {
  const callerOf = (token: string | undefined) => (token === undefined ? Promise.resolve(ANONYMOUS) : verifier.verify(token));
  return {
    async fromRequest(req) {
      try {
        return await callerOf(bearerToken(req.headers.authorization));
      } catch (error) {
        if (error instanceof AuthenticationError) throw unauthenticated(error);
        throw error;
      }
    },
    fromConnectionParams: (payload) => callerOf(connectionParamsToken(payload)),
  };
}
