/**
 * The archive PDF's text layer as readers extract it: a page's OCR words are
 * composed into an archive PDF by the pipeline's own composer, and its text is
 * read back with poppler (`pdftotext`) and mupdf (`mutool draw -F txt`), the
 * way desktop search and document systems index it. The stamp band and footer
 * carry no text here (their lines are checked by the archive-PDF test), so the
 * extracted text compares with the page's ground truth and with the OCR text.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { boxOnPage, type OcrInput } from '../../ingest/adapters/ocrImage';
import { renderFooter, renderStamp, srgbIccProfile } from '../../ingest/adapters/stampImage';
import type { OcrPage } from '../../ingest/ocr/engine';
import { composeArchivePdf } from '../../ingest/adapters/pdf';
import { qrModules } from '../../ingest/adapters/qr';

const run = promisify(execFile);

export interface ExtractedText {
  pdftotext?: string;
  mutool?: string;
}

async function has(tool: string): Promise<boolean> {
  try {
    await run('which', [tool]);
    return true;
  } catch {
    return false;
  }
}

/** Which extractors are installed (poppler-utils, mupdf-tools). */
export async function extractors(): Promise<{ pdftotext: boolean; mutool: boolean }> {
  return { pdftotext: await has('pdftotext'), mutool: await has('mutool') };
}

/** The stamp and footer pictures, the same on every page: drawn once. */
let pictures:
  Promise<{ stamp: Awaited<ReturnType<typeof renderStamp>>; footer: Awaited<ReturnType<typeof renderFooter>> }> | undefined;

/** Composes the page as the pipeline would, writes it as `<file>` and extracts its text with each tool present. */
export async function extractTextLayer(
  page: { png: Buffer; width: number; height: number; dpi: number },
  geometry: OcrInput,
  ocr: OcrPage,
  file: string,
  tools: { pdftotext: boolean; mutool: boolean },
): Promise<ExtractedText> {
  const words = ocr.words.map((w): typeof w => {
    const [x0, y0, x1, y1] = boxOnPage([w[1], w[2], w[3], w[4]], geometry);
    return [w[0], x0, y0, x1, y1, w[5]];
  });
  const { stamp, footer } = await (pictures ??= (async () => ({
    stamp: await renderStamp(['Diwan'], { widthPt: 220 }),
    footer: await renderFooter('Diwan'),
  }))());
  const pdf = await composeArchivePdf(
    [
      {
        source: { kind: 'png', bytes: page.png, width: page.width, height: page.height, dpi: page.dpi },
        words,
        wordsDpi: page.dpi,
      },
    ],
    { text: { ...stamp, lines: [] }, qr: qrModules('https://diwan.invalid/verify') },
    [{ ...footer, lines: [] }],
    {
      title: path.basename(file),
      registryNo: '2026/000001',
      registeredAt: new Date(0),
      originalSha256: '0'.repeat(64),
      organisation: 'Diwan',
      verifyUrl: 'https://diwan.invalid/verify',
      iccProfile: await srgbIccProfile(),
    },
  );
  fs.writeFileSync(file, pdf);
  const out: ExtractedText = {};
  if (tools.pdftotext) out.pdftotext = (await run('pdftotext', ['-enc', 'UTF-8', file, '-'], { maxBuffer: 1 << 24 })).stdout;
  if (tools.mutool)
    out.mutool = (await run('mutool', ['draw', '-q', '-F', 'txt', '-o', '-', file], { maxBuffer: 1 << 24 })).stdout;
  return out;
}
