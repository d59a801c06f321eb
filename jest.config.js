/** Integration tests start real servers and a real redis-server, so they run
 * with few workers and generous timeouts; none of them asserts wall-clock time. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/gateway', '<rootDir>/subgraphs', '<rootDir>/lib'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  testTimeout: 30000,
  maxWorkers: 2,
};
