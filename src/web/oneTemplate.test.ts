/**
 * The viewer writes HTML one way: the escaping template of src/web/html.ts.
 * A file under src/web/ (or the public verification page) that imports the
 * plain escaper is asking for escaping at each insertion again, where one
 * forgotten call is a hole; this test names it.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const WEB = path.join(ROOT, 'src', 'web');

/** The template itself escapes with it. */
const ALLOWED = new Set(['src/web/html.ts']);

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** Whether the source imports `escapeHtml` (under any name) from the kernel's text helpers. */
function importsEscaper(source: string): boolean {
  const imports = source.match(/import\s*\{[^}]*\}\s*from\s*['"][./]*kernel\/text['"]/g) ?? [];
  return imports.some((i) => /\bescapeHtml\b/.test(i));
}

test('the check recognises the escaper imported under its own name or another', () => {
  expect(importsEscaper("import { escapeHtml as esc } from '../../../kernel/text';")).toBe(true);
  expect(importsEscaper("import {\n  toArabicIndic,\n  escapeHtml,\n} from '../../kernel/text';")).toBe(true);
  expect(importsEscaper("import { toArabicIndic } from '../../../kernel/text';")).toBe(false);
  expect(importsEscaper("import { html } from '../html';")).toBe(false);
});

test('no file of the viewer escapes by hand: every page is written with the html template', () => {
  const files = [...sources(WEB), path.join(ROOT, 'src', 'http', 'stampCheck.ts')];
  expect(files.length).toBeGreaterThan(20);
  const offenders = files
    .map((f) => path.relative(ROOT, f).split(path.sep).join('/'))
    .filter((rel) => !ALLOWED.has(rel) && importsEscaper(fs.readFileSync(path.join(ROOT, rel), 'utf8')));
  expect(offenders).toEqual([]);
});
