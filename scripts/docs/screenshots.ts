/**
 * Takes the README's screenshots of the viewer (docs/screenshots/*.png): a
 * fresh archive (`diwan serve` on embedded services in a temporary folder)
 * gets a small batch of generated Arabic letters; then Debian's Chromium,
 * driven by playwright-core, signs in and photographs the search page, a
 * document with its matched words highlighted, the upload page after a batch,
 * the audit page, the public verification page, and the document page in
 * English, the search page on a tablet and the document page on a phone.
 *
 * Usage: npm run docs:screenshots
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { freePort } from '../../src/runtime/services/util';
import { renderArabicScan } from '../fixtures/arabicScan';
import { passSecondStep } from '../fixtures/secondStep';
import { serveChild } from '../bench/serve';

const OUT = path.resolve(__dirname, '..', '..', '..', 'docs', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const LETTERS = [
  [
    'وزارة الشؤون الإدارية',
    'الموضوع: تنظيم الأرشيف الإلكتروني',
    'يعتمد الديوان حفظ المراسلات الواردة والصادرة',
    'ويحفظ نسخة موثقة في موقع خارجي',
  ],
  ['وزارة المالية', 'الموضوع: الميزانية السنوية للعام القادم', 'نرفق لكم جدول الاعتمادات المقترحة', 'للاطلاع والتوجيه'],
  [
    'إدارة الموارد البشرية',
    'الموضوع: تعميم بشأن ساعات الدوام الرسمي',
    'يرجى الالتزام بالمواعيد المحددة في الأرشيف',
    'وشكرًا لتعاونكم',
  ],
];

async function main(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-screens-'));
  fs.chmodSync(dataDir, 0o755);
  const port = await freePort();
  const token = crypto.randomBytes(16).toString('hex');
  const base = `http://127.0.0.1:${port}`;
  const auth = { authorization: `Bearer ${token}` };
  const server = await serveChild({
    DIWAN_DATA_DIR: dataDir,
    PORT: String(port),
    DIWAN_ADMIN_TOKEN: token,
    DIWAN_LOG: 'silent',
    DIWAN_ORG_NAME: 'وزارة الشؤون الإدارية — الديوان',
    DIWAN_ORG_NAME_EN: 'Ministry of Administrative Affairs — Registry',
    DIWAN_TIMEZONE: 'Asia/Riyadh',
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const batch = (await (
      await fetch(`${base}/api/v1/batches`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'وارد الأسبوع',
          department: 'الشؤون الإدارية',
          docType: 'تعميم',
          correspondent: 'وزارة المالية',
        }),
      })
    ).json()) as { id: string };
    const form = new FormData();
    for (const [i, lines] of LETTERS.entries())
      form.append('files', new Blob([await renderArabicScan(lines, { seed: 70 + i })]), `خطاب-${i + 1}.jpg`);
    await fetch(`${base}/api/v1/batches/${batch.id}/files`, { method: 'POST', body: form, headers: auth });
    for (;;) {
      const b = (await (await fetch(`${base}/api/v1/batches/${batch.id}`, { headers: auth })).json()) as { done: boolean };
      if (b.done) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await fetch(`${base}/api/v1/audit/checkpoint`, { method: 'POST', headers: auth });
    // A fixity sweep is a job: the audit page shows its result once it is done.
    const { job } = (await (await fetch(`${base}/api/v1/fixity`, { method: 'POST', headers: auth })).json()) as {
      job: { id: string };
    };
    while (
      ((await (await fetch(`${base}/api/v1/jobs/${job.id}`, { headers: auth })).json()) as { state: string }).state !== 'done'
    )
      await new Promise((r) => setTimeout(r, 500));

    const password = 'كلمة-مرور-للصور-التوضيحية';
    await fetch(`${base}/api/v1/users`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'amina', displayName: 'أمينة', role: 'admin', clearance: 'secret', password }),
    });
    const laptop = await browser.newPage({ viewport: { width: 1366, height: 900 }, deviceScaleFactor: 1 });
    await laptop.goto(`${base}/login`);
    await laptop.fill('input[name=username]', 'amina');
    await laptop.screenshot({ path: path.join(OUT, 'login.png') });
    await laptop.fill('input[name=password]', password);
    await laptop.click('button[type=submit]');
    // An administrator sets up the second factor at the first sign-in.
    await passSecondStep(laptop);
    await laptop.goto(`${base}/search?q=${encodeURIComponent('الأرشيف')}`);
    await laptop.screenshot({ path: path.join(OUT, 'search.png'), fullPage: true });
    await laptop.click('.hit a.title');
    await laptop.waitForLoadState('load');
    await laptop.screenshot({ path: path.join(OUT, 'document.png'), fullPage: true });
    await laptop.click('#verify-now');
    await laptop.waitForSelector('#verify-result');
    const docUrl = laptop.url();
    await laptop.goto(`${docUrl.split('#')[0]}&lang=en`);
    await laptop.waitForLoadState('load');
    await laptop.screenshot({ path: path.join(OUT, 'document-en.png'), fullPage: true });
    await laptop.goto(`${base}/search?lang=ar`);

    const files = path.join(dataDir, 'upload');
    fs.mkdirSync(files);
    const paths = [];
    for (let i = 0; i < 2; i++) {
      const p = path.join(files, `وارد-${i + 1}.jpg`);
      fs.writeFileSync(p, await renderArabicScan([`كتاب وارد رقم ${i + 1}`, 'بشأن الأرشفة الإلكترونية'], { seed: 90 + i }));
      paths.push(p);
    }
    const notAScan = path.join(files, 'ملاحظات.txt');
    fs.writeFileSync(notAScan, 'ليس مسحًا ضوئيًا');
    paths.push(notAScan);
    await laptop.goto(`${base}/upload`);
    await laptop.fill('input[name=name]', 'دفعة اليوم');
    await laptop.fill('input[name=department]', 'الديوان');
    await laptop.setInputFiles('#files', paths);
    await laptop.click('#start');
    await laptop.waitForSelector('#upload-form[data-done="true"]', { timeout: 300_000 });
    await laptop.screenshot({ path: path.join(OUT, 'upload.png'), fullPage: true });

    await laptop.goto(`${base}/audit`);
    await laptop.screenshot({ path: path.join(OUT, 'audit.png'), fullPage: true });

    const hit = (await (await fetch(`${base}/api/v1/search?q=${encodeURIComponent('الميزانية')}`, { headers: auth })).json()) as {
      hits: Array<{ id: string; registryNo: string }>;
    };
    const doc = (await (await fetch(`${base}/api/v1/documents/${hit.hits[0]!.id}`, { headers: auth })).json()) as {
      sha256: { original: string };
    };
    const visitor = await browser.newPage({ viewport: { width: 1366, height: 760 } });
    await visitor.goto(`${base}/verify/${hit.hits[0]!.registryNo}?sha256=${doc.sha256.original}`);
    await visitor.screenshot({ path: path.join(OUT, 'verify.png'), fullPage: true });

    const tablet = await browser.newContext({ viewport: { width: 820, height: 1180 }, deviceScaleFactor: 1 });
    await tablet.addCookies(await laptop.context().cookies());
    const tab = await tablet.newPage();
    await tab.goto(`${base}/search?q=${encodeURIComponent('الميزانية')}`);
    await tab.screenshot({ path: path.join(OUT, 'search-tablet.png') });
    // A phone, in Arabic: the long verification link and the fingerprints wrap, nothing scrolls sideways.
    const phone = await browser.newContext({ viewport: { width: 360, height: 780 }, deviceScaleFactor: 1 });
    await phone.addCookies(await laptop.context().cookies());
    const mobile = await phone.newPage();
    await mobile.goto(`${docUrl.split('?')[0]}?lang=ar`);
    await mobile.screenshot({ path: path.join(OUT, 'document-phone.png'), fullPage: true });
    process.stdout.write(`screenshots in ${OUT}\n`);
  } finally {
    await browser.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
