/**
 * The lint rules that keep the floors fail `npm run check` when a file imports
 * upwards or uses a library outside its adapter. Each case lints a line of
 * source as if it were in a real file of that floor.
 */
import path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '..', '..');
// The project's own config, given as an object (jest cannot load it the way the eslint command does).
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfigFile: true,
  overrideConfig: require(path.join(ROOT, 'eslint.config.js')) as ESLint.Options['overrideConfig'],
});

async function problems(filePath: string, importLine: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${importLine}\nexport const used = probe;\n`, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test.each([
  ['kernel/text.ts', "import { keys as probe } from '../storage/layout';", 'kernel/ imports nothing'],
  ['storage/layout.ts', "import { loadConfig as probe } from '../src/config';", 'storage/ imports only kernel/'],
  ['storage/repos/users.ts', "import { STAGES as probe } from '../../ingest/pipeline';", 'storage/ imports only kernel/'],
  ['search/records.ts', "import { STAGES as probe } from '../ingest/pipeline';", 'search/ imports only'],
  ['ingest/pipeline.ts', "import { loadConfig as probe } from '../src/config';", 'ingest/ never imports src/'],
  ['ingest/stages/pages.ts', "import { arabicScan as probe } from '../../scripts/fixtures/arabicScan';", 'ingest/ never imports'],
  ['src/http/app.ts', "import { arabicScan as probe } from '../../scripts/fixtures/arabicScan';", 'never imports scripts/'],
  ['src/http/documents.ts', "import probe from 'multer';", 'src/http/uploads.ts'],
  ['src/runtime/core.ts', "import probe from 'pg';", 'Only storage/ talks to PostgreSQL'],
  ['ingest/ocr/lines.ts', "import probe from 'sharp';", 'ingest/adapters/sharp.ts'],
  ['ingest/stages/record.ts', "import * as probe from 'minio';", 'storage/objectStore.ts'],
  ['src/web/router.ts', "import { Meilisearch as probe } from 'meilisearch';", 'search/searchIndex.ts'],
])('%s: %s is refused', async (file, line, why) => {
  const found = await problems(file, line);
  expect(found).toHaveLength(1);
  expect(found[0]).toContain(why);
});

test.each([
  ['ingest/stages/pages.ts', "import { keys as probe } from '../../storage/layout';"],
  ['src/http/app.ts', "import { STAGES as probe } from '../../ingest/pipeline';"],
  ['search/records.ts', "import { keys as probe } from '../storage/layout';"],
  ['storage/layout.ts', "import { isUuid as probe } from '../kernel/text';"],
  ['src/http/uploads.ts', "import probe from 'multer';"],
  ['storage/db.ts', "import probe from 'pg';"],
  ['ingest/adapters/sharp.ts', "import probe from 'sharp';"],
])('%s: %s is allowed', async (file, line) => {
  expect(await problems(file, line)).toEqual([]);
});
