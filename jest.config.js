/**
 * Three projects:
 * - unit: the tests beside the code (kernel/, src/, ingest/, search/, storage/,
 *   scripts/), which start no service: `npm run test:unit`, well under a minute;
 * - services: the integration tests in test/, and the slow tests beside the
 *   code listed below, against the real services that test/setup/globalSetup.ts starts once per run;
 * - timed: the integration tests that compare timings, listed below.
 * `npm test` runs unit and services two files at a time (each integration test file has its own database,
 * buckets and index on the shared services), then timed alone. ts-jest compiles TypeScript to CommonJS; the ESM-only
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

/**
 * Integration tests that compare timings taken in the same run (a probe at 10k beside 200k documents, an
 * incremental check beside a full one): `npm test` runs them after the others, alone, so a neighbour's OCR
 * does not land on one side of a comparison only.
 */
const TIMED = ['<rootDir>/test/scale-probes.e2e.test.ts', '<rootDir>/test/ledger-verify.e2e.test.ts'];

const services = {
  ...common,
  roots: ['<rootDir>/test', '<rootDir>/ingest'],
  globalSetup: '<rootDir>/test/setup/globalSetup.ts',
  globalTeardown: '<rootDir>/test/setup/globalTeardown.ts',
};

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
      ...services,
      displayName: 'services',
      testMatch: ['<rootDir>/test/**/*.test.ts', ...NEEDS_SERVICES],
      testPathIgnorePatterns: ['/node_modules/', ...TIMED],
    },
    { ...services, displayName: 'timed', testMatch: TIMED },
  ],
};
