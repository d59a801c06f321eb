/**
 * `npm run token -- --sub alice --scopes "payments:write inventory:write"`:
 * prints a development JWT (HS256) the gateway accepts, so every README
 * example works by copy and paste:
 *
 *   TOKEN=$(npm run -s token -- --sub c-001)
 *   curl -H "authorization: Bearer $TOKEN" ...
 *
 * Signed with JWT_SECRET, or the public development secret when it is unset
 * (refused unless NODE_ENV is development or test, as the gateway refuses it elsewhere).
 * Options: --sub (default "dev-user"), --scopes (space-separated),
 * --ttl seconds (default 3600), --iss, --aud (default JWT_ISSUERS/JWT_AUDIENCES' first value).
 */
import { isDevelopmentEnv } from '../lib/env';
import { SignJWT } from 'jose';
import { DEV_JWT_SECRET } from '../gateway/src/auth/dev-secret';

const KNOWN = new Set(['--sub', '--scopes', '--ttl', '--iss', '--aud']);

export function parseTokenArgs(argv: string[]): Record<string, string> {
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (!KNOWN.has(flag)) throw new Error(`Unknown option ${argv[i]}; known: ${[...KNOWN].join(', ')}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`Option ${flag} needs a value`);
    options[flag.slice(2)] = value;
  }
  return options;
}

export async function createDevToken(options: Record<string, string>, env: NodeJS.ProcessEnv): Promise<string> {
  const secret = env.JWT_SECRET || DEV_JWT_SECRET;
  if (!isDevelopmentEnv(env.NODE_ENV) && secret === DEV_JWT_SECRET) {
    throw new Error('Refusing to sign with the public development secret unless NODE_ENV is development or test (npm run token sets development); set JWT_SECRET');
  }
  const ttl = Number(options.ttl ?? 3600);
  if (!Number.isInteger(ttl) || ttl <= 0) throw new Error(`--ttl must be a positive number of seconds (got "${options.ttl}")`);
  const first = (list: string | undefined) => list?.split(',').map((s) => s.trim()).find(Boolean);
  const iss = options.iss ?? first(env.JWT_ISSUERS);
  const aud = options.aud ?? first(env.JWT_AUDIENCES);
  const jwt = new SignJWT({ scope: options.scopes?.trim() ?? '' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub ?? 'dev-user')
    .setIssuedAt()
    .setExpirationTime(`${ttl}s`);
  if (iss) jwt.setIssuer(iss);
  if (aud) jwt.setAudience(aud);
  return jwt.sign(new TextEncoder().encode(secret));
}

if (require.main === module) {
  (async () => {
    try {
      console.log(await createDevToken(parseTokenArgs(process.argv.slice(2)), process.env));
    } catch (error) {
      console.error(`token: ${(error as Error).message}`);
      process.exitCode = 2;
    }
  })();
}
