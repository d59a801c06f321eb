/**
 * The HS256 secret development tokens are signed with (`npm run token`), so
 * every README example works by copy and paste. Public by design: the
 * gateway refuses it when NODE_ENV=production.
 */
export const DEV_JWT_SECRET = 'federation-gateway-development-jwt-secret-not-for-production';
