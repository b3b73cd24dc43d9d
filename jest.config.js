/**
 * Two projects:
 * - unit: the tests beside the code (kernel/, src/, ingest/, search/, storage/,
 *   scripts/), which start no service: `npm run test:unit`, well under a minute;
 * - services: the integration tests in test/, and the slow tests beside the
 *   code listed below, against the real services that test/setup/globalSetup.ts starts once per run.
 * `npm test` runs both. ts-jest compiles TypeScript to CommonJS; the ESM-only
 * meilisearch and openid-client (with oauth4webapi and jose) are transformed too, so jest and the runtime (Node's
 * require(esm)) agree.
 */
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  transformIgnorePatterns: ['/node_modules/(?!(meilisearch|openid-client|oauth4webapi|jose)/)'],
  setupFiles: ['<rootDir>/test/setup/noNetwork.ts'],
};

/**
 * Tests beside the code that run with the integration tests: the OCR engine's
 * (it needs the models the services setup unpacks) and the PDF reader's (a
 * sandboxed child process per case, half a minute in all).
 */
const NEEDS_SERVICES = ['<rootDir>/ingest/ocr/engine.test.ts', '<rootDir>/ingest/adapters/pdfread.test.ts'];

module.exports = {
  testTimeout: 180000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      roots: [
        '<rootDir>/kernel',
        '<rootDir>/src',
        '<rootDir>/ingest',
        '<rootDir>/search',
        '<rootDir>/storage',
        '<rootDir>/scripts',
      ],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...NEEDS_SERVICES],
    },
    {
      ...common,
      displayName: 'services',
      roots: ['<rootDir>/test', '<rootDir>/ingest'],
      testMatch: ['<rootDir>/test/**/*.test.ts', ...NEEDS_SERVICES],
      globalSetup: '<rootDir>/test/setup/globalSetup.ts',
      globalTeardown: '<rootDir>/test/setup/globalTeardown.ts',
    },
  ],
};
