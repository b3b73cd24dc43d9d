/**
 * The OCR evaluation's report, docs/ocr-evaluation.md: every figure of one
 * run, tuning faces and held-out faces apart (the targets are on the
 * held-out), the archive PDF's extracted text beside the OCR text, and the
 * real scanned lines with native Tesseract beside Diwan.
 */
import fs from 'node:fs';
import { score, summarise, type Summary } from './summary';

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

/** The summed scores of `pages` as read by `pick` (scored as the console table scores them); undefined when a reading is missing. */
function summaryOf(pages: PageResult[], pick: (p: PageResult) => string | undefined): Summary | undefined {
  const texts = pages.map(pick);
  if (pages.length === 0 || texts.some((t) => t === undefined)) return undefined;
  return summarise(
    pages.map((p, i) => score(p.truth, texts[i] as string)),
    0,
    0,
  );
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
      const [diwan, pdftotext, mutool, native] = [
        summaryOf(ps, (p) => p.diwan),
        summaryOf(ps, (p) => p.pdftotext),
        summaryOf(ps, (p) => p.mutool),
        summaryOf(ps, (p) => p.native),
      ];
      rows.push([
        split,
        level,
        String(ps.length),
        pct(diwan?.cer),
        pct(diwan?.arabicIndicNumbersExact),
        pct(diwan?.latinNumbersExact),
        pct(pdftotext?.cer),
        pct(mutool?.cer),
        pct(native?.cer),
        pct(native?.arabicIndicNumbersExact),
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
    return [font, split, String(ps.length), pct(summaryOf(ps, (p) => p.diwan)?.cer), pct(summaryOf(ps, (p) => p.native)?.cer)];
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
    `Diwan ${r.speed.diwanPagesPerMinute.toFixed(1)} pages/min (cleaning the scan included); native Tesseract (2 single-threaded processes) ${
      r.speed.nativePagesPerMinute === null ? 'n/a' : `${r.speed.nativePagesPerMinute.toFixed(1)} pages/min`
    } on the scans as they are, at the native CER above: it returns little or nothing for most medium and heavy`,
    'pages, which is part of its speed. `npm run bench:ocr` also times native Tesseract on cleaned pages.',
    '',
    ...(r.notes.length ? ['## Notes', '', ...r.notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
}

export function writeReport(file: string, r: ReportInput): void {
  fs.writeFileSync(file, renderReport(r));
}
