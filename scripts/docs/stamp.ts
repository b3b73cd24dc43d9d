/**
 * Draws docs/stamp.png: the top of a stamped archive page, as the pipeline
 * composes it (a generated scan, its registry stamp and QR code), so a reader
 * of the README sees what a stamp looks like.
 *
 * Usage: npm run docs:stamp
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { renderFooter, renderStamp, srgbIccProfile } from '../../ingest/adapters/stampImage';
import { composeArchivePdf } from '../../ingest/adapters/pdf';
import { renderPdfPage } from '../../ingest/adapters/pdfread';
import { qrModules } from '../../ingest/adapters/qr';
import { stampLines, verifyUrl } from '../../ingest/stamp';
import { toArabicIndic } from '../../kernel/text';
import { renderArabicScan } from '../fixtures/arabicScan';

async function main(): Promise<void> {
  const registryNo = '2026/000123';
  const sha256 = 'c0ffee5d1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5';
  const registeredAt = new Date('2026-11-29T09:41:00Z');
  const scan = await renderArabicScan(
    ['وزارة الشؤون الإدارية', 'الموضوع: تعميم بشأن ساعات الدوام الرسمي', 'يرجى الالتزام بالمواعيد المحددة'],
    {
      seed: 5,
    },
  );
  const meta = await sharp(scan).metadata();
  const lines = stampLines({
    organisation: 'وزارة الشؤون الإدارية — الديوان',
    organisationEn: 'Ministry of Administrative Affairs — Registry',
    registryNo,
    registeredAt,
    timeZone: 'Asia/Riyadh',
    sha256,
  });
  const url = verifyUrl('https://diwan.example.gov', registryNo, sha256);
  const pdf = await composeArchivePdf(
    [{ source: { kind: 'jpeg', bytes: scan, width: meta.width!, height: meta.height!, dpi: 200 }, words: [], wordsDpi: 200 }],
    { text: await renderStamp(lines, { widthPt: 220, emphasise: 1 }), qr: qrModules(url) },
    [await renderFooter(`رقم القيد ${toArabicIndic(registryNo)} — صفحة ١ من ١   ·   ${registryNo} — page 1 of 1`)],
    {
      title: 'تعميم',
      registryNo,
      registeredAt,
      originalSha256: sha256,
      organisation: 'الديوان',
      verifyUrl: url,
      iccProfile: await srgbIccProfile(),
    },
  );
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-stamp-')), 'stamp.pdf');
  fs.writeFileSync(file, pdf);
  const dpi = 110;
  const page = await renderPdfPage(file, 0, { dpi, maxPagePixels: 50_000_000 });
  const { width } = await sharp(page).metadata();
  const out = path.resolve(__dirname, '..', '..', '..', 'docs', 'stamp.png');
  await sharp(page)
    .extract({ left: 0, top: 0, width: width!, height: Math.round((260 * dpi) / 72) })
    .png({ compressionLevel: 9, palette: true })
    .toFile(out);
  process.stdout.write(`${out}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
