// Lint: typescript-eslint with type information (floating promises are caught), and the
// rules that keep the floors: which folder may import which, and which file talks to which library.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

/** The one file (or folder) allowed to use each outside library; anywhere else is an error. */
const ADAPTERS = {
  minio: {
    files: ['storage/objectStore.ts', 'storage/objectPut.ts'],
    why: 'Only storage/objectStore.ts (with objectPut.ts, its single PUT) talks to object storage.',
  },
  meilisearch: { files: ['search/searchIndex.ts'], why: 'Only search/searchIndex.ts talks to Meilisearch.' },
  'tesseract.js': { files: ['ingest/ocr/engine.ts'], why: 'Only ingest/ocr/engine.ts runs OCR.' },
  'pdf-lib': {
    files: [
      'ingest/adapters/pdf.ts',
      'ingest/adapters/pdfImages.ts',
      'ingest/adapters/textLayer.ts',
      'ingest/adapters/pdfscans.mjs',
      'ingest/adapters/sheetPdf.ts',
      'ingest/adapters/pdfPick.ts',
    ],
    why: 'Only the PDF adapters (ingest/adapters/pdf.ts, pdfImages.ts, textLayer.ts, pdfscans.mjs, sheetPdf.ts, pdfPick.ts) handle PDF structure.',
  },
  'pg-boss': { files: ['ingest/adapters/queue.ts'], why: 'Only ingest/adapters/queue.ts uses the job queue.' },
  sharp: {
    files: ['ingest/adapters/sharp.ts'],
    why: 'sharp comes configured from ingest/adapters/sharp.ts, for the image adapters (images, ocrImage, stampImage).',
  },
  pg: { files: ['storage/**'], why: 'Only storage/ talks to PostgreSQL.' },
  multer: { files: ['src/http/uploads.ts'], why: 'Only src/http/uploads.ts receives multipart uploads.' },
  ldapts: { files: ['src/identity/ldap.ts'], why: 'Only src/identity/ldap.ts talks to the directory (LDAP).' },
  'openid-client': { files: ['src/identity/oidc.ts'], why: 'Only src/identity/oidc.ts talks to the OpenID provider.' },
  otpauth: { files: ['src/identity/totp.ts'], why: 'Only src/identity/totp.ts makes and checks one-time codes.' },
  'express-rate-limit': { files: ['src/http/rateLimit.ts'], why: 'Only src/http/rateLimit.ts limits request rates.' },
  commander: { files: ['src/cli/program/**'], why: 'Only src/cli/program/ declares the command line.' },
  'zxing-wasm/reader': { files: ['ingest/adapters/barcodes.ts'], why: 'Only ingest/adapters/barcodes.ts reads barcodes.' },
  'postal-mime': { files: ['ingest/adapters/mailParse.ts'], why: 'Only ingest/adapters/mailParse.ts parses e-mail.' },
  imapflow: { files: ['ingest/adapters/imap.ts'], why: 'Only ingest/adapters/imap.ts talks to the IMAP server.' },
};

/** Floors, lowest first: a folder may import only from the floors below it. */
const FLOORS = [
  { files: ['kernel/**'], forbid: /^\.\.\//, why: 'kernel/ imports nothing of the project.' },
  { files: ['storage/**'], forbid: /^(\.\.\/)+(src|scripts|ingest|search|test)\//, why: 'storage/ imports only kernel/.' },
  { files: ['search/**'], forbid: /^(\.\.\/)+(src|scripts|ingest|test)\//, why: 'search/ imports only kernel/ and storage/.' },
  { files: ['ingest/**'], forbid: /^(\.\.\/)+(src|scripts|test)\//, why: 'ingest/ never imports src/ or scripts/.' },
  { files: ['src/**'], forbid: /^(\.\.\/)+(scripts|test)\//, why: 'Production code never imports scripts/ (tools) or test/.' },
];

const PRODUCT = ['kernel/**', 'src/**', 'ingest/**', 'search/**', 'storage/**'];
const matches = (file, globs) => globs.some((g) => (g.endsWith('/**') ? file.startsWith(g.slice(0, -2)) : file === g));

/** The restriction list for one source file, from its place in the tree. */
function restrictionsFor(file) {
  const paths = Object.entries(ADAPTERS)
    .filter(([, a]) => !matches(file, a.files))
    .map(([name, a]) => ({ name, message: a.why }));
  const patterns = FLOORS.filter((f) => matches(file, f.files)).map((f) => ({ regex: f.forbid.source, message: f.why }));
  return { paths, patterns };
}

/**
 * The rule's options for every product file: one block per floor, then one per
 * file that is the adapter of a library (ESLint does not merge rule options, so
 * each block carries its whole list). Unit tests are handled below.
 */
function floorBlocks() {
  const floors = ['kernel', 'src', 'ingest', 'search', 'storage'].map((top) => ({
    files: [`${top}/**/*.ts`, `${top}/**/*.mjs`],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', restrictionsFor(`${top}/any.ts`)] },
  }));
  // A folder adapter (src/cli/program/**) gets one block for the files under it, checked as any file there;
  // folder blocks come first, so a single file's own block (storage/objectStore.ts within storage/**) wins.
  const adapters = Object.values(ADAPTERS)
    .flatMap((a) => a.files)
    .sort((a, b) => Number(!a.endsWith('/**')) - Number(!b.endsWith('/**')))
    .map((file) => ({
      files: [file.endsWith('/**') ? `${file}/*.ts` : file],
      rules: {
        'no-restricted-imports': ['error', restrictionsFor(file.endsWith('/**') ? `${file.slice(0, -2)}any.ts` : file)],
      },
    }));
  return [...floors, ...adapters];
}

module.exports = tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', '*.config.js', 'bin/', 'scripts/train/out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...floorBlocks(),
  {
    // Unit tests beside the code keep the floors too, but may build fixtures with any library.
    files: PRODUCT.map((g) => g.replace('/**', '/**/*.test.ts')),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: /^(\.\.\/)+src\//.source, message: 'Unit tests below src/ never import src/; fixtures come from scripts/.' },
          ],
        },
      ],
    },
  },
  {
    // The viewer's small browser script, served as it is.
    files: ['src/web/assets/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false },
      sourceType: 'script',
      globals: {
        document: 'readonly',
        window: 'readonly',
        fetch: 'readonly',
        FormData: 'readonly',
        XMLHttpRequest: 'readonly',
        EventSource: 'readonly',
        Map: 'readonly',
      },
    },
  },
  {
    // Plain JavaScript run by Node itself (the PDF reader's child process).
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { parserOptions: { projectService: false }, globals: { process: 'readonly', Buffer: 'readonly' } },
  },
);
