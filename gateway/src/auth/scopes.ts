import type { JWTPayload } from 'jose';

/** The claims scopes are read from when none is configured, in order. */
export const DEFAULT_SCOPE_CLAIMS = ['scope', 'scp', 'scopes'] as const;

/**
 * Scopes from a verified token: a space-separated string (OAuth 2 `scope`)
 * or an array of strings (`scp`, `scopes`). With `claim` set only that claim
 * is read; otherwise the first of DEFAULT_SCOPE_CLAIMS present.
 */
export function scopesFromClaims(payload: JWTPayload, claim?: string): Set<string> {
  const names = claim ? [claim] : DEFAULT_SCOPE_CLAIMS;
  for (const name of names) {
    const value = payload[name];
    if (value === undefined) continue;
    if (typeof value === 'string') return new Set(value.split(/\s+/).filter(Boolean));
    if (Array.isArray(value)) return new Set(value.filter((s): s is string => typeof s === 'string' && s.length > 0));
    return new Set();
  }
  return new Set();
}
