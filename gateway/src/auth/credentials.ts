import { AuthenticationError } from './errors';

const BEARER = /^Bearer[ ]+([^ ]+)[ ]*$/i;

/**
 * The token of an HTTP `Authorization` header: undefined when there is none
 * (an anonymous caller); an AuthenticationError when there is one we cannot
 * use, so a client with a broken header learns it instead of silently
 * becoming anonymous.
 */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  if (Array.isArray(header)) throw new AuthenticationError('malformed');
  const match = BEARER.exec(header);
  if (!match) throw new AuthenticationError('malformed');
  return match[1];
}

/**
 * The token of a graphql-ws `connection_init` payload, which browsers fill
 * because they cannot set headers on a WebSocket: `{ authorization: "Bearer …" }`
 * (any case of the key) or `{ token: "…" }`.
 */
export function connectionParamsToken(payload: unknown): string | undefined {
  if (payload === null || payload === undefined) return undefined;
  if (typeof payload !== 'object' || Array.isArray(payload)) throw new AuthenticationError('malformed');
  for (const [key, value] of Object.entries(payload)) {
    const name = key.toLowerCase();
    if (name === 'authorization') {
      if (typeof value !== 'string') throw new AuthenticationError('malformed');
      return bearerToken(value);
    }
    if (name === 'token') {
      if (typeof value !== 'string' || value === '') throw new AuthenticationError('malformed');
      return value;
    }
  }
  return undefined;
}

/** The `X-API-Key` header: undefined when absent; a repeated header is refused (which key would count?). */
export function headerApiKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  if (Array.isArray(header)) throw new AuthenticationError('unknown-api-key');
  return header;
}

/** An API key in a graphql-ws `connection_init` payload: `x-api-key` or `apiKey` (any case). */
export function connectionParamsApiKey(payload: unknown): string | undefined {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  for (const [key, value] of Object.entries(payload)) {
    const name = key.toLowerCase();
    if (name !== 'x-api-key' && name !== 'apikey') continue;
    if (typeof value !== 'string' || value === '') throw new AuthenticationError('unknown-api-key');
    return value;
  }
  return undefined;
}
