import { SignJWT } from 'jose';

export interface DevTokenOptions {
  /** The HS256 secret the gateway verifies with (the public development secret unless JWT_SECRET is set). */
  secret: string;
  issuer?: string;
  audience?: string;
}

/** Lifetime of a token the dashboard's development button mints. */
export const DEV_TOKEN_TTL_SECONDS = 3_600;

/**
 * Signs a token for the dashboard's "development token" buttons, as
 * `npm run token` would. Only ever wired when nodeEnv is development or test
 * (gateway/src/dashboard/index.ts), where the secret is a public one anyway.
 */
export function mintDevToken(options: DevTokenOptions, subject: string, scope: string): Promise<string> {
  const jwt = new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(`${DEV_TOKEN_TTL_SECONDS}s`);
  if (options.issuer) jwt.setIssuer(options.issuer);
  if (options.audience) jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret));
}
