/**
 * Unit tests live beside the code; integration tests in test/ run against the
 * real services that test/setup/globalSetup.ts starts once per run.
 * ts-jest compiles TypeScript to CommonJS; the ESM-only meilisearch client is
 * transformed too, so jest and the runtime (Node's require(esm)) agree.
 */
module.exports = {
  testEnvironment: 'node',
  roots: [
    '<rootDir>/kernel',
    '<rootDir>/src',
    '<rootDir>/ingest',
    '<rootDir>/search',
    '<rootDir>/storage',
    '<rootDir>/scripts',
    '<rootDir>/test',
  ],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(meilisearch)/)'],
  globalSetup: '<rootDir>/test/setup/globalSetup.ts',
  globalTeardown: '<rootDir>/test/setup/globalTeardown.ts',
  setupFiles: ['<rootDir>/test/setup/noNetwork.ts'],
  testTimeout: 180000,
};
