/** Who is calling, as the gateway proved it once per request (or connection). */
export interface Caller {
  /** A valid token was presented. */
  readonly authenticated: boolean;
  /** The token's `sub`; null for an anonymous caller. */
  readonly subject: string | null;
  readonly scopes: ReadonlySet<string>;
  /** When the token stops being valid (ms since epoch); null for an anonymous caller. */
  readonly expiresAt: number | null;
}

export const ANONYMOUS: Caller = Object.freeze({ authenticated: false, subject: null, scopes: new Set<string>(), expiresAt: null });
