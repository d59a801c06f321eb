import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { HttpError, TransportErrorCode } from '../../../lib/http/errors';
import type { ApiKeyEntry, ApiKeys } from './api-keys';
import { ANONYMOUS, type Caller } from './caller';
import { bearerToken, connectionParamsApiKey, connectionParamsToken, headerApiKey } from './credentials';
import { AuthenticationError, unauthenticated } from './errors';
import type { TokenVerifier } from './token-verifier';

export interface Authenticator {
  /** The caller of an HTTP request (Authorization, X-API-Key); a refused credential is a 401 (503 when keys cannot be checked) HttpError. */
  fromRequest(req: IncomingMessage): Promise<Caller>;
  /**
   * The caller of a WebSocket connection: the token from its `connection_init`
   * payload, the API key from the payload or the upgrade request's headers.
   * A refused credential is an AuthenticationError.
   */
  fromConnection(payload: unknown, upgradeHeaders: IncomingHttpHeaders): Promise<Caller>;
}

/**
 * No credential: anonymous. A token: verified, or the request is refused
 * (never downgraded to anonymous). An API key: a configured one, or refused
 * (INVALID_API_KEY); with a token the token says who calls and the key which
 * client application (its tier and bucket); alone, the key is the caller —
 * authenticated, with no subject and the key's scopes.
 */
export function createAuthenticator(verifier: TokenVerifier, apiKeys?: ApiKeys): Authenticator {
  const keyCallers = new WeakMap<ApiKeyEntry, Caller>();
  const withKey = new WeakMap<Caller, WeakMap<ApiKeyEntry, Caller>>();

  const callerOf = async (token: string | undefined, key: string | undefined): Promise<Caller> => {
    const entry = key === undefined ? undefined : await lookup(key);
    const tokenCaller = token === undefined ? undefined : await verifier.verify(token);
    if (!entry) return tokenCaller ?? ANONYMOUS;
    return tokenCaller ? combined(tokenCaller, entry) : keyCaller(entry);
  };
  const lookup = (key: string): Promise<ApiKeyEntry> => {
    if (!apiKeys) return Promise.reject(new AuthenticationError('unknown-api-key'));
    return apiKeys.lookup(key);
  };
  // One Caller object per key (and per token with a key), so per-caller caches downstream stay hits.
  const keyCaller = (entry: ApiKeyEntry): Caller => {
    let caller = keyCallers.get(entry);
    if (!caller) {
      caller = Object.freeze({ authenticated: true, subject: null, scopes: new Set(entry.scopes ?? []), expiresAt: null, apiKey: apiKeyOf(entry) });
      keyCallers.set(entry, caller);
    }
    return caller;
  };
  const combined = (tokenCaller: Caller, entry: ApiKeyEntry): Caller => {
    let byKey = withKey.get(tokenCaller);
    if (!byKey) withKey.set(tokenCaller, (byKey = new WeakMap()));
    let caller = byKey.get(entry);
    if (!caller) byKey.set(entry, (caller = Object.freeze({ ...tokenCaller, apiKey: apiKeyOf(entry) })));
    return caller;
  };

  return {
    async fromRequest(req) {
      try {
        return await callerOf(bearerToken(req.headers.authorization), headerApiKey(req.headers['x-api-key']));
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        if (error.problem === 'unknown-api-key') throw new HttpError(401, TransportErrorCode.InvalidApiKey, error.message);
        if (error.problem === 'api-keys-unavailable') throw new HttpError(503, TransportErrorCode.ServiceUnavailable, error.message, { 'retry-after': '1' });
        throw unauthenticated(error);
      }
    },
    fromConnection: (payload, upgradeHeaders) =>
      callerOf(connectionParamsToken(payload), connectionParamsApiKey(payload) ?? headerApiKey(upgradeHeaders['x-api-key'])),
  };
}

function apiKeyOf(entry: ApiKeyEntry): { name: string; tier?: string } {
  return entry.tier ? { name: entry.name, tier: entry.tier } : { name: entry.name };
}
