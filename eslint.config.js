// Lint: typescript-eslint with type information, so floating promises are caught.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

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
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'minio', message: 'Only storage/objectStore.ts talks to object storage.' },
            { name: 'meilisearch', message: 'Only search/index.ts talks to Meilisearch.' },
            { name: 'tesseract.js', message: 'Only ingest/ocr.ts runs OCR.' },
            {
              name: 'pdf-lib',
              message:
                'Only ingest/pdf.ts and its text layer, ingest/textLayer.ts, write PDFs; ingest/pdfscans.mjs copies scans out of them.',
            },
            { name: 'pg-boss', message: 'Only ingest/jobs.ts uses the job queue.' },
          ],
        },
      ],
    },
  },
  {
    // The adapters themselves, tests, and fixture generators (which build test files directly).
    files: [
      'storage/objectStore.ts',
      'search/index.ts',
      'ingest/ocr.ts',
      'ingest/pdf.ts',
      'ingest/textLayer.ts',
      'ingest/pdfscans.mjs',
      'ingest/jobs.ts',
      '**/*.test.ts',
      'scripts/**',
    ],
    rules: { 'no-restricted-imports': 'off' },
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
