/**
 * Referrals and directives in a real browser (Debian's Chromium through
 * playwright-core): from the document page an official refers a letter to the
 * legal department with a due date already past, writes a directive beside
 * the page, finds the letter first and marked in the inbox and closes the
 * referral there with a note (a closing with neither a reply nor a note is
 * refused in words); the letter's page shows how it ended; an administrator
 * suspends the deadlines there with a reason and resumes them. Arabic
 * right-to-left, and not one Content-Security-Policy complaint on the way.
 */
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { addDays } from '../src/http/referrals';
import { todayIn } from '../src/http/search';
import { passSecondStep, startTestServer, type DocumentJson, type TestServer } from './helpers';

jest.setTimeout(300_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'كلمة-مرور-طويلة-للاختبار';
const LEGAL = 'الشؤون القانونية';

const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) process.stderr.write(`referral browser tests skipped: no Chromium at ${CHROMIUM}\n`);
const inBrowser = HAVE_CHROMIUM ? describe : describe.skip;

inBrowser('referrals in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let letter: DocumentJson;
  const problems: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    const made = await server.api('/api/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'huda', displayName: 'هدى', role: 'official', clearance: 'secret', password: PASSWORD }),
    });
    expect(made.status).toBe(201);
    const up = await server.upload(await renderArabicScan(['كتاب وارد بشأن عقد الصيانة'], { seed: 31 }), 'عقد.jpg', {
      title: 'عقد الصيانة',
    });
    letter = await server.waitFor(((await up.json()) as { id: string }).id);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(`${server.url}/login`);
    await page.fill('input[name=username]', 'huda');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL((u) => u.pathname === '/search');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('an official refers the letter from its page and writes a directive beside it', async () => {
    await page.goto(`${server.url}/documents/${letter.id}`);
    expect(await page.textContent('#referrals h2')).toBe('الإحالات');
    expect(await page.textContent('#referrals')).toContain('لم تُحَل هذه الوثيقة بعد.');
    await page.fill('#refer-form input[name=toDepartment]', LEGAL);
    await page.fill('#refer-form input[name=dueDate]', addDays(todayIn(server.config.archive.timeZone), -2));
    await page.fill('#refer-form textarea[name=instruction]', 'لإبداء الرأي القانوني');
    await Promise.all([page.waitForURL((u) => u.hash === '#referrals'), page.click('#refer-form button[type=submit]')]);
    const item = page.locator('li.referral.open.overdue');
    await item.waitFor({ state: 'visible' });
    expect(await item.textContent()).toContain(LEGAL);
    expect(await item.textContent()).toContain('متأخرة يومين');

    await page.fill('#directive-form textarea[name=text]', 'يُعرض على المستشار القانوني');
    await Promise.all([page.waitForURL((u) => u.hash === '#directives'), page.click('#directive-form button[type=submit]')]);
    expect(await page.textContent('ul.directives li')).toContain('يُعرض على المستشار القانوني');
    expect(await page.textContent('ul.directives li')).toContain('هدى');
  });

  test('the inbox lists it first and marked; closing there needs a reply or a note, and a note closes it', async () => {
    await page.goto(`${server.url}/search`);
    await Promise.all([page.waitForURL((u) => u.pathname === '/inbox'), page.click('header nav a[href="/inbox"]')]);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    const rows = page.locator('#inbox-table tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-overdue')).toBe('true');
    expect(await rows.first().textContent()).toContain('عقد الصيانة');
    // The department select shows that department alone.
    await page.selectOption('#inbox-department', LEGAL);
    await Promise.all([page.waitForURL((u) => u.search.includes('department=')), page.click('.inbox-filter button')]);
    expect(await page.locator('#inbox-table tbody tr').count()).toBe(1);

    // A closing with neither a reply nor a note is refused in words; a note closes it, from the inbox itself.
    await Promise.all([
      page.waitForURL((u) => u.search.includes('referralError')),
      page.click('#inbox-table form.close-referral button'),
    ]);
    expect(await page.textContent('#referral-error')).toContain('الطلب غير صالح');
    await page.fill('#inbox-table form.close-referral input[name=note]', 'أُبدي الرأي في اجتماع اللجنة');
    await Promise.all([
      page.waitForURL((u) => !u.search.includes('referralError')),
      page.click('#inbox-table form.close-referral button'),
    ]);
    await page.locator('#inbox-empty').waitFor({ state: 'visible' });

    // The letter's page shows how it ended.
    await page.goto(`${server.url}/documents/${letter.id}`);
    const closed = page.locator('li.referral.closed');
    await closed.waitFor({ state: 'visible' });
    expect(await closed.textContent()).toContain('أُغلقت بملاحظة: أُبدي الرأي في اجتماع اللجنة');
    expect(await page.locator('#referrals form.close-referral').count()).toBe(0);
    // The API agrees: closed with a note, by the person who referred it.
    const api = (await (await server.api(`/api/v1/documents/${letter.id}/referrals`)).json()) as {
      referralState: string;
      referrals: Array<{ state: string; closeKind: string; createdBy: string }>;
    };
    expect(api).toMatchObject({
      referralState: 'closed',
      referrals: [{ state: 'closed', closeKind: 'note', createdBy: 'huda' }],
    });
    expect(problems).toEqual([]);
  });

  test('an administrator suspends the deadlines from the inbox with a reason, and resumes them', async () => {
    // An official has no such form.
    expect(await page.locator('#deadlines-form').count()).toBe(0);
    const made = await server.api('/api/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'sami', displayName: 'سامي', role: 'admin', clearance: 'secret', password: PASSWORD }),
    });
    expect(made.status).toBe(201);
    const referred = await server.api(`/api/v1/documents/${letter.id}/referrals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        toDepartment: LEGAL,
        instruction: 'للمتابعة',
        dueDate: addDays(todayIn(server.config.archive.timeZone), -3),
      }),
    });
    expect(referred.status).toBe(201);
    const admin = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    admin.on('pageerror', (e) => problems.push(String(e)));
    await admin.goto(`${server.url}/login`);
    await admin.fill('input[name=username]', 'sami');
    await admin.fill('input[name=password]', PASSWORD);
    await admin.click('button[type=submit]');
    await passSecondStep(admin);
    expect(new URL(admin.url()).pathname).toBe('/search');
    await admin.goto(`${server.url}/inbox`);
    expect(await admin.getAttribute('#inbox-table tbody tr', 'data-overdue')).toBe('true');
    // Without a reason it is refused in words; with one, the deadline stops counting.
    await Promise.all([admin.waitForURL((u) => u.search.includes('referralError')), admin.click('#suspend-deadlines')]);
    expect(await admin.textContent('#referral-error')).toContain('الطلب غير صالح');
    await admin.fill('#deadlines-reason', 'انقطاع الخدمة في المبنى');
    await Promise.all([admin.waitForURL((u) => !u.search.includes('referralError')), admin.click('#suspend-deadlines')]);
    expect(await admin.getAttribute('#inbox-table tbody tr', 'data-overdue')).toBe('false');
    expect(await admin.textContent('#inbox-table tbody tr')).toContain('المهلة موقوفة');
    await Promise.all([admin.waitForURL((u) => u.hash === '#deadlines'), admin.click('#resume-deadlines')]);
    expect(await admin.textContent('#inbox-table tbody tr')).not.toContain('المهلة موقوفة');
    const entries = await server.core.db.query<{ event: string }>(
      "SELECT event FROM ledger WHERE event IN ('deadline-suspended', 'deadline-resumed') ORDER BY seq",
    );
    expect(entries.rows.map((r) => r.event)).toEqual(['deadline-suspended', 'deadline-resumed']);
    await admin.close();
    expect(problems).toEqual([]);
  });
});
