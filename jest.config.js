/** Integration tests start real servers and a real redis-server, so they run
 * with few workers and generous timeouts; none of them asserts wall-clock time.
 * ts-jest only transpiles (the type check is `npm run typecheck`); it is pure
 * JavaScript, so `npm ci` needs no platform binaries the registry may lack. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/gateway', '<rootDir>/subgraphs', '<rootDir>/lib'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 30000,
  maxWorkers: 2,
};
