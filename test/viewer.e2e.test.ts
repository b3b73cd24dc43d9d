/**
 * The viewer in a real browser: Debian's Chromium driven by playwright-core.
 * A clerk uploads a batch through the page and watches it finish; an official
 * searches an Arabic word, opens the hit and sees the word boxed on the page
 * image exactly where the OCR found it, downloads the stamped PDF; an auditor
 * verifies the document and identifies a file by upload; a visitor checks a
 * fingerprint on the public page. Arabic right-to-left by default, English on
 * the switch, and not one Content-Security-Policy complaint on the way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { matches, queryTerms } from '../search/highlight';
import { ledgerForDocument } from '../storage/integrity/ledger';
import { passSecondStep, sha256, startTestServer, type DocumentJson, type TestServer } from './helpers';

jest.setTimeout(600_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WORD = 'الميزانية';
const PASSWORD = 'كلمة-مرور-طويلة-للاختبار';

let server: TestServer;
let browser: Browser;
let page: Page;
let dir: string;
const problems: string[] = [];
const scans: string[] = [];

// Without Debian's chromium (`.ci/run` installs it) these tests are reported as skipped, not passed.
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) process.stderr.write(`viewer browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)\n`);
const inBrowser = HAVE_CHROMIUM ? describe : describe.skip;

inBrowser('the viewer in Chromium', () => {
  beforeAll(async () => {
    server = await startTestServer();
    // One person who does everything in these tests: an administrator of the viewer.
    const made = await server.api('/api/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'amina', displayName: 'أمينة', role: 'admin', clearance: 'secret', password: PASSWORD }),
    });
    expect(made.status).toBe(201);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-viewer-'));
    const letters = [
      ['وزارة المالية', `الموضوع: ${WORD} السنوية للعام القادم`, 'نرفق لكم جدول الاعتمادات المقترحة'],
      ['إدارة الموارد البشرية', 'الموضوع: تعميم بشأن ساعات الدوام', 'يرجى الالتزام بالمواعيد المحددة'],
    ];
    for (const [i, lines] of letters.entries()) {
      const file = path.join(dir, `خطاب-${i + 1}.jpg`);
      fs.writeFileSync(file, await renderArabicScan(lines, { seed: 80 + i }));
      scans.push(file);
    }
    const notAScan = path.join(dir, 'ملاحظات.txt');
    fs.writeFileSync(notAScan, 'ليس مسحًا ضوئيًا');
    scans.push(notAScan);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('without signing in, a page leads to the sign-in form, which refuses a wrong token', async () => {
    await page.goto(`${server.url}/search`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('input[name=username]', 'amina');
    await page.fill('input[name=password]', 'not the password');
    await page.click('button[type=submit]');
    await expect(page.locator('.verdict.bad')).toBeVisibleSoon();
    await page.fill('input[name=username]', 'amina');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    // An administrator sets up the second factor at the first sign-in.
    expect(new URL(page.url()).pathname).toBe('/login/enrol');
    await passSecondStep(page);
    expect(new URL(page.url()).pathname).toBe('/search');
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    expect(await page.getAttribute('html', 'lang')).toBe('ar');
  });

  test('a clerk uploads a batch through the page and watches every file finish', async () => {
    await page.goto(`${server.url}/upload`);
    await page.fill('input[name=name]', 'دفعة من المتصفح');
    await page.fill('input[name=department]', 'الشؤون المالية');
    await page.setInputFiles('#files', scans);
    await page.click('#start');
    await page.waitForSelector('#upload-form[data-done="true"]', { timeout: 300_000 });
    const rows = await page.$$eval('#file-rows tr', (trs) =>
      trs.map((tr) => ({ status: tr.getAttribute('data-status'), text: tr.textContent ?? '' })),
    );
    expect(rows.map((r) => r.status)).toEqual(['archived', 'archived', 'rejected']);
    // Registry numbers in Arabic-Indic digits; the rejection's reason in Arabic.
    expect(rows[0]!.text).toMatch(/[٠-٩]{4}\/[٠-٩]{6}/);
    expect(rows[2]!.text).toContain('نوع الملف غير مدعوم');
    expect(await page.textContent('#batch-text')).toBe('٣ / ٣');
  });

  test('an official searches an Arabic word, opens the hit, and the word is boxed where the OCR found it', async () => {
    await page.goto(`${server.url}/search`);
    await page.fill('input[name=q]', WORD);
    await page.press('input[name=q]', 'Enter');
    await page.waitForSelector('.hit');
    expect(await page.$$eval('.hit', (h) => h.length)).toBe(1);
    expect(await page.innerHTML('.hit .snippet')).toContain(`<mark>${WORD}</mark>`);
    await page.click('.hit a.title');
    // Polled from here: a predicate polled inside the page would be evaluated there, which its CSP refuses.
    const shown = page.locator('.page-view img');
    type Img = { complete: boolean; naturalWidth: number };
    const loaded = () => shown.evaluate((e) => (e as unknown as Img).complete && (e as unknown as Img).naturalWidth > 0);
    for (let i = 0; i < 300 && !(await loaded()); i++) await page.waitForTimeout(100);

    const id = new URL(page.url()).pathname.split('/').pop()!;
    const pages = await server.core.documents.pages(id);
    const terms = queryTerms(WORD);
    const word = pages[0]!.words.find((w) => matches(w[0], terms))!;
    expect(word).toBeDefined();
    const rects = await page.$$eval('svg rect.hit-box', (rs) =>
      rs.map((r) => ['x', 'y', 'width', 'height'].map((a) => Number(r.getAttribute(a)))),
    );
    expect(rects).toEqual([[word[1], word[2], word[3] - word[1], word[4] - word[2]]]);
    // On screen, the box sits over the same part of the image (its 2-pixel outline aside).
    const img = (await page.locator('.page-view img').boundingBox())!;
    const box = (await page.locator('svg rect.hit-box').boundingBox())!;
    const scale = img.width / pages[0]!.width;
    expect(Math.abs(box.x - (img.x + word[1] * scale))).toBeLessThan(3);
    expect(Math.abs(box.y - (img.y + word[2] * scale))).toBeLessThan(3);
    expect(Math.abs(box.width - (word[3] - word[1]) * scale)).toBeLessThan(3);
    // The recognised text beside it marks the same word.
    expect(await page.innerHTML('#ocr-text')).toContain(`<mark>${WORD}</mark>`);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');

    // The stamped PDF downloads, byte for byte what was archived.
    const doc = (await (await server.api(`/api/v1/documents/${id}`)).json()) as DocumentJson;
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-pdf')]);
    expect(sha256(fs.readFileSync((await download.path())!))).toBe(doc.sha256.archive);

    // The view and the download are ledger entries, by a person.
    const events = (await ledgerForDocument(server.core.db, id)).map((e) => [e.event, e.payload.by]);
    expect(events).toEqual(
      expect.arrayContaining([
        ['viewed', 'amina'],
        ['downloaded', 'amina'],
      ]),
    );
  });

  test('an auditor verifies the document now, and identifies a file by uploading it', async () => {
    await page.click('#verify-now');
    await page.waitForSelector('#verify-result');
    expect(await page.getAttribute('#verify-result', 'class')).toContain('good');
    expect(await page.textContent('#last-verification')).toContain('✓');

    await page.goto(`${server.url}/audit`);
    expect(await page.textContent('#ledger-panel')).toContain('السلسلة سليمة');
    await page.setInputFiles('#verify-file input[type=file]', scans[0]!);
    await page.click('#verify-file button[type=submit]');
    await page.waitForSelector('#identify-result');
    expect(await page.getAttribute('#identify-result', 'class')).toContain('good');
    expect(await page.textContent('#identify-result')).toMatch(/[٠-٩]{4}\/[٠-٩]{6}/);
  });

  test('English is a switch away: left to right, Latin digits', async () => {
    await page.goto(`${server.url}/search?q=${encodeURIComponent(WORD)}`);
    await page.click('#lang-switch');
    expect(await page.getAttribute('html', 'dir')).toBe('ltr');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('#result-count')).toBe('1 result');
    await page.click('#lang-switch');
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
  });

  test('the public verification page says authentic for the right fingerprint, and nothing else of the document', async () => {
    const visitor = await browser.newPage();
    const hits = (await (await server.api(`/api/v1/search?q=${encodeURIComponent(WORD)}`)).json()) as {
      hits: Array<{ id: string; registryNo: string }>;
    };
    const doc = (await (await server.api(`/api/v1/documents/${hits.hits[0]!.id}`)).json()) as DocumentJson;
    await visitor.goto(`${server.url}/verify/${doc.registryNo}?sha256=${doc.sha256.original}`);
    expect(await visitor.getAttribute('html', 'dir')).toBe('rtl');
    expect(await visitor.textContent('.verdict')).toContain('أصيل');
    expect(await visitor.content()).not.toContain(WORD);
    await visitor.close();
  });

  test('no Content-Security-Policy violation or script error on any page', () => {
    expect(problems).toEqual([]);
  });
});

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      toBeVisibleSoon(): Promise<R>;
    }
  }
}

expect.extend({
  async toBeVisibleSoon(locator: ReturnType<Page['locator']>) {
    try {
      await locator.waitFor({ state: 'visible', timeout: 10_000 });
      return { pass: true, message: () => 'visible' };
    } catch {
      return { pass: false, message: () => 'not visible within 10 s' };
    }
  },
});
