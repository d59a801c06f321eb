/** Who is calling, as the gateway proved it once per request (or connection). */
export interface Caller {
  /** A valid token was presented. */
  readonly authenticated: boolean;
  /** The token's `sub`; null for an anonymous caller. */
  readonly subject: string | null;
  readonly scopes: ReadonlySet<string>;
  /** When the token stops being valid (ms since epoch); null for an anonymous caller. */
  readonly expiresAt: number | null;
  /** The verified token's claims (rate-limit tiers may key on one); absent for an anonymous caller. */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** The configured API key the request presented: its name (the rate-limit bucket) and tier. Absent without one. */
  readonly apiKey?: { readonly name: string; readonly tier?: string };
}

export const ANONYMOUS: Caller = Object.freeze({ authenticated: false, subject: null, scopes: new Set<string>(), expiresAt: null });
