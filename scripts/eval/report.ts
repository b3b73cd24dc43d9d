/**
 * The OCR evaluation's report, docs/ocr-evaluation.md: every figure of one
 * run, tuning faces and held-out faces apart (the targets are on the
 * held-out), the archive PDF's extracted text beside the OCR text, and the
 * real scanned lines with native Tesseract beside Diwan.
 */
import fs from 'node:fs';
import { charErrors, matchNumbers, rate, type ErrorCount } from './metrics';

export type Split = 'tuning' | 'held-out';

export interface PageResult {
  font: string;
  split: Split;
  level: string;
  truth: string;
  diwan: string;
  native?: string;
  pdftotext?: string;
  mutool?: string;
}

export interface LineRow {
  book: string;
  lines: number;
  strict: number;
  loose: number;
}

export interface ReportInput {
  createdAt: string;
  pages: PageResult[];
  real: { diwan: LineRow[]; native: LineRow[] | null; dir: string };
  speed: { diwanPagesPerMinute: number; nativePagesPerMinute: number | null };
  nativeVersion: string | null;
  notes: string[];
}

const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${(x * 100).toFixed(1)}%`);

function cerOf(pages: PageResult[], pick: (p: PageResult) => string | undefined): number | undefined {
  const total: ErrorCount = { errors: 0, length: 0 };
  for (const p of pages) {
    const text = pick(p);
    if (text === undefined) return undefined;
    const c = charErrors(p.truth, text);
    total.errors += c.errors;
    total.length += c.length;
  }
  return pages.length === 0 ? undefined : rate(total);
}

/** Exact numbers of one digit script: lines of the truth with (or without) Arabic-Indic digits. */
function numbersOf(pages: PageResult[], pick: (p: PageResult) => string | undefined, indic: boolean): number | undefined {
  let total = 0;
  let exact = 0;
  for (const p of pages) {
    const text = pick(p);
    if (text === undefined) return undefined;
    const lines = p.truth.split('\n').filter((l) => /[\u0660-\u0669]/.test(l) === indic);
    const m = matchNumbers(lines.join('\n'), text);
    total += m.total;
    exact += m.exact;
  }
  return total === 0 ? undefined : exact / total;
}

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function splitRows(pages: PageResult[]): string[][] {
  const rows: string[][] = [];
  for (const split of ['held-out', 'tuning'] as const) {
    for (const level of ['light', 'medium', 'heavy', 'all']) {
      const ps = pages.filter((p) => p.split === split && (level === 'all' || p.level === level));
      if (ps.length === 0) continue;
      rows.push([
        split,
        level,
        String(ps.length),
        pct(cerOf(ps, (p) => p.diwan)),
        pct(numbersOf(ps, (p) => p.diwan, true)),
        pct(numbersOf(ps, (p) => p.diwan, false)),
        pct(cerOf(ps, (p) => p.pdftotext)),
        pct(cerOf(ps, (p) => p.mutool)),
        pct(cerOf(ps, (p) => p.native)),
        pct(numbersOf(ps, (p) => p.native, true)),
      ]);
    }
  }
  return rows;
}

function faceRows(pages: PageResult[]): string[][] {
  const faces = [...new Set(pages.map((p) => `${p.split}\u0000${p.font}`))].sort();
  return faces.map((key) => {
    const [split, font] = key.split('\u0000') as [string, string];
    const ps = pages.filter((p) => p.font === font);
    return [font, split, String(ps.length), pct(cerOf(ps, (p) => p.diwan)), pct(cerOf(ps, (p) => p.native))];
  });
}

export function renderReport(r: ReportInput): string {
  const nativeByBook = new Map((r.real.native ?? []).map((x) => [x.book, x]));
  return [
    '# OCR evaluation',
    '',
    `Made by \`npm run eval:ocr\` on ${r.createdAt.slice(0, 10)}; every figure below comes from that one run.`,
    `Native reference: ${r.nativeVersion ?? 'not installed'}.`,
    '',
    '## Synthetic ministry letters, by face split and degradation',
    '',
    'Held-out faces were never used to fit anything (digit shapes, training lines, thresholds); the',
    'targets are on them. CER is after the light normalisation of `scripts/eval/metrics.ts` (diacritics,',
    "tatweel, bidi marks and whitespace set aside). Numbers: share of the letter's numbers read digit",
    'for digit, Arabic-Indic (registry numbers) and Latin (dates, decisions) apart. `pdftotext` and',
    "`mutool`: CER of the text those tools extract from the archive PDF composed from Diwan's reading.",
    '',
    table(
      [
        'faces',
        'level',
        'pages',
        'Diwan CER',
        'Arabic-Indic numbers',
        'Latin numbers',
        'pdftotext CER',
        'mutool CER',
        'native CER',
        'native Arabic-Indic',
      ],
      splitRows(r.pages),
    ),
    '',
    '### By face',
    '',
    table(['face', 'split', 'pages', 'Diwan CER', 'native CER'], faceRows(r.pages)),
    '',
    '## Real scanned lines',
    '',
    `Printed-book lines with double-checked transcriptions, read from \`${r.real.dir}\` (not in the`,
    'repository, never trained or tuned on). Diwan reads each line image as an uploaded scan; native',
    'Tesseract reads the same file with `--psm 7 -l ara`. Strict: every mark counted; loose: diacritics,',
    'tatweel and bidi marks set aside.',
    '',
    r.real.diwan.length === 0
      ? 'No real lines found: nothing measured.'
      : table(
          ['book', 'lines', 'Diwan strict', 'Diwan loose', 'native strict', 'native loose'],
          r.real.diwan.map((d) => {
            const n = nativeByBook.get(d.book);
            return [d.book, String(d.lines), pct(d.strict), pct(d.loose), pct(n?.strict), pct(n?.loose)];
          }),
        ),
    '',
    '## Speed (OCR only, 2 workers, same pages)',
    '',
    `Diwan ${r.speed.diwanPagesPerMinute.toFixed(1)} pages/min; native Tesseract (2 single-threaded processes) ${
      r.speed.nativePagesPerMinute === null ? 'n/a' : `${r.speed.nativePagesPerMinute.toFixed(1)} pages/min`
    }.`,
    '',
    ...(r.notes.length ? ['## Notes', '', ...r.notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
}

export function writeReport(file: string, r: ReportInput): void {
  fs.writeFileSync(file, renderReport(r));
}
