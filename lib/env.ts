/**
 * Development secrets, keys and defaults (introspection, the IDE, the public
 * development JWT secret and identity key) exist only when NODE_ENV says
 * `development` or `test`. Any other value, or none, is production: a
 * forgotten NODE_ENV never opens a deployment up.
 */
export function isDevelopmentEnv(nodeEnv: string | undefined): boolean {
  return nodeEnv === 'development' || nodeEnv === 'test';
}
