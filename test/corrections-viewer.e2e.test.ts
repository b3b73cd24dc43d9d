/**
 * Corrections in the viewer, in Chromium, in Arabic: a clerk opens the
 * letter they sent, follows "correct the record", finds every field filled
 * in, is refused without a change (the reason kept, the message in Arabic),
 * corrects the title with a reason and sees it in the history card (before →
 * after, who, why); then corrects the page's text beside its image, and the
 * document shows the corrected text, its review flag gone. An official, who
 * does not keep the registers, gets no "correct the record" link and is
 * refused the form. No Content-Security-Policy complaint on the way.
 */
import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { startTestServer, type DocumentJson, type TestServer } from './helpers';

jest.setTimeout(300_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'كلمة-مرور-طويلة-للاختبار';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) process.stderr.write(`correction browser tests skipped: no Chromium at ${CHROMIUM}\n`);
const inBrowser = HAVE_CHROMIUM ? describe : describe.skip;

let server: TestServer;
let browser: Browser;
let doc: DocumentJson;
const problems: string[] = [];

async function person(username: string, role: string): Promise<string> {
  const post = (p: string, body: unknown) =>
    server.api(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect((await post('/api/v1/users', { username, role, clearance: 'internal', password: PASSWORD })).status).toBe(201);
  return ((await (await post('/api/v1/tokens', { username, name: 'tests' })).json()) as { token: string }).token;
}

async function signedIn(username: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  page.on('console', (m) => {
    // A refusal the test asks for (400, 403) is logged by the browser too; anything else is a problem.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(`${server.url}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL((u) => u.pathname !== '/login');
  return { context, page };
}

inBrowser('corrections in Chromium', () => {
  beforeAll(async () => {
    server = await startTestServer();
    const clerk = await person('salma', 'clerk');
    await person('omar', 'official');
    const res = await server.upload(
      await renderArabicScan(['كتاب وارد من وزارة الصحة', 'بشأن تجهيز المستشفيات'], { seed: 321 }),
      'كتاب.jpg',
      { title: 'كتاب الصحه', classification: 'internal', docType: 'كتاب' },
      clerk,
    );
    expect(res.status).toBe(202);
    doc = await server.waitFor(((await res.json()) as { id: string }).id);
    expect(doc.status).toBe('archived');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('a clerk corrects the record in Arabic, and the history card shows it', async () => {
    const { context, page } = await signedIn('salma');
    await page.goto(`${server.url}/documents/${doc.id}`);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    expect(await page.locator('#history').textContent()).toContain('قُيِّدت الوثيقة');
    await page.click('#edit-record');
    expect(new URL(page.url()).pathname).toBe(`/documents/${doc.id}/edit`);
    expect(await page.locator('h1').textContent()).toContain('تصحيح بيانات الوثيقة');
    expect(await page.inputValue('#field-title')).toBe('كتاب الصحه');
    expect(await page.inputValue('#field-docType')).toBe('كتاب');
    expect(await page.inputValue('#field-classification')).toBe('internal');

    // Nothing changed: refused on the form, in Arabic, the reason kept.
    await page.fill('#reason', 'مراجعة البيانات');
    await page.click('#save-correction');
    expect(await page.locator('#form-error').textContent()).toContain('لا تغيير');
    expect(await page.inputValue('#reason')).toBe('مراجعة البيانات');

    await page.fill('#field-title', 'كتاب وزارة الصحة بشأن المستشفيات');
    await page.fill('#reason', 'تصحيح الخطأ الإملائي في العنوان');
    await page.click('#save-correction');
    await page.waitForURL((u) => u.pathname === `/documents/${doc.id}`);
    await page.locator('#correction-saved').waitFor({ state: 'visible', timeout: 10_000 });
    const history = (await page.locator('#history').textContent()) ?? '';
    expect(history).toContain('صُحّحت البيانات');
    expect(history).toContain('كتاب الصحه');
    expect(history).toContain('كتاب وزارة الصحة بشأن المستشفيات');
    expect(history).toContain('تصحيح الخطأ الإملائي في العنوان');
    expect(await page.locator('h1').textContent()).toContain('كتاب وزارة الصحة بشأن المستشفيات');
    await context.close();
  });

  test("a clerk corrects the page's text beside its image", async () => {
    const { context, page } = await signedIn('salma');
    await page.goto(`${server.url}/documents/${doc.id}`);
    await page.click('#correct-text');
    expect(new URL(page.url()).pathname).toBe(`/documents/${doc.id}/pages/1/text`);
    expect(await page.locator('.page-view img').count()).toBe(1);
    expect(await page.getAttribute('#page-text', 'dir')).toBe('auto');
    expect(await page.inputValue('#page-text')).toBe(doc.pages[0]!.text);
    const text = 'كتاب وارد من وزارة الصحة\nبشأن تجهيز المستشفيات الميدانية';
    await page.fill('#page-text', text);
    await page.fill('#reason', 'قراءة الآلة ناقصة');
    await page.click('#save-text');
    await page.waitForURL((u) => u.pathname === `/documents/${doc.id}`);
    expect(await page.locator('#ocr-text').textContent()).toContain('الميدانية');
    const history = (await page.locator('#history').textContent()) ?? '';
    expect(history).toContain('صُحّح نص الصفحة');
    expect(history).toContain('قراءة الآلة ناقصة');
    const after = (await (await server.api(`/api/v1/documents/${doc.id}`)).json()) as DocumentJson & { needsReview: boolean };
    expect(after).toMatchObject({ needsReview: false, pages: [expect.objectContaining({ text, confidence: 100 })] });
    await context.close();
  });

  test('an official gets no record correction link and is refused the form', async () => {
    const { context, page } = await signedIn('omar');
    await page.goto(`${server.url}/documents/${doc.id}`);
    await page.locator('#history').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#edit-record').count()).toBe(0);
    expect(await page.locator('#correct-text').count()).toBe(1);
    const refused = await page.goto(`${server.url}/documents/${doc.id}/edit`);
    expect(refused?.status()).toBe(403);
    await context.close();
    expect(problems).toEqual([]);
  });
});
