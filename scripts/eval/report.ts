/**
 * The OCR evaluation's report, docs/ocr-evaluation.md: every figure of one
 * run, tuning faces and held-out faces apart (the targets are on the
 * held-out), the archive PDF's extracted text beside the OCR text, and the
 * real scanned lines with native Tesseract beside Diwan.
 */
import fs from 'node:fs';
import { machineName } from '../bench/stats';
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
  /** The page's confidence as the archive records it (0-100). */
  confidence?: number;
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
  /** The archive's review threshold: pages read with a lower confidence are flagged for review. */
  reviewBelow: number;
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

/** Bad pages (CER over 5%) should be flagged; good pages (CER 2% or less) should not. */
const BAD_PAGE = 0.05;
const GOOD_PAGE = 0.02;

function reviewRows(pages: PageResult[], reviewBelow: number): string[][] {
  return (['held-out', 'tuning'] as const).map((split) => {
    const ps = pages.filter((p) => p.split === split && p.confidence !== undefined);
    const cerOf = (p: PageResult) => summaryOf([p], (x) => x.diwan)?.cer ?? 0;
    const flagged = (p: PageResult) => (p.confidence as number) < reviewBelow;
    const bad = ps.filter((p) => cerOf(p) > BAD_PAGE);
    const good = ps.filter((p) => cerOf(p) <= GOOD_PAGE);
    const share = (xs: PageResult[]) => (xs.length === 0 ? 'none' : `${xs.filter(flagged).length} of ${xs.length}`);
    const flaggedPages = ps.filter(flagged);
    const unflagged = ps.filter((p) => !flagged(p));
    return [
      split,
      String(ps.length),
      String(flaggedPages.length),
      share(bad),
      share(good),
      pct(flaggedPages.length ? summaryOf(flaggedPages, (p) => p.diwan)?.cer : undefined),
      pct(unflagged.length ? summaryOf(unflagged, (p) => p.diwan)?.cer : undefined),
    ];
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
    '## The review flag',
    '',
    `A page read with a confidence below ${r.reviewBelow} (\`DIWAN_REVIEW_CONFIDENCE\`) is flagged for a person to check.`,
    `Bad pages (CER over ${BAD_PAGE * 100}%) should be flagged; good pages (${GOOD_PAGE * 100}% or less) should not.`,
    '',
    table(
      ['faces', 'pages', 'flagged', 'bad pages flagged', 'good pages flagged', 'CER of flagged', 'CER of the rest'],
      reviewRows(r.pages, r.reviewBelow),
    ),
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
    `On ${machineName()}; the figures move between machines, their ratio less.`,
    '',
    `Diwan ${r.speed.diwanPagesPerMinute.toFixed(1)} pages/min (cleaning the scan included); native Tesseract (2 single-threaded processes) ${
      r.speed.nativePagesPerMinute === null ? 'n/a' : `${r.speed.nativePagesPerMinute.toFixed(1)} pages/min`
    } on the scans as they are, at the native CER above: it returns little or nothing for most medium and heavy`,
    'pages, which is part of its speed. `npm run bench:ocr` times Diwan end to end (upload to archived) beside',
    'native Tesseract with its models loaded once, each with its CER.',
    '',
    ...(r.notes.length ? ['## Notes', '', ...r.notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
}

export function writeReport(file: string, r: ReportInput): void {
  fs.writeFileSync(file, renderReport(r));
}
