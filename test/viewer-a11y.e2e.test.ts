/**
 * The viewer reads right for everyone, checked in Chromium: no page scrolls
 * sideways from a phone to a wide screen in either direction; axe-core finds
 * no serious or critical accessibility fault on the main pages in Arabic or in
 * English; counts follow Arabic plural rules, values and dates are said in
 * Arabic (with the Hijri date), a file's name keeps its own direction; and a
 * keyboard alone searches, opens a result, comes back, and chooses files to upload.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { addDays } from '../src/http/referrals';
import { todayIn } from '../src/http/search';
import { passSecondStep, startTestServer, type TestServer } from './helpers';

jest.setTimeout(300_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const AXE = path.resolve(__dirname, '..', 'node_modules', 'axe-core', 'axe.min.js');
const PASSWORD = 'كلمة-مرور-طويلة-للاختبار';
const WORD = 'الميزانية';
const FILE = 'خطاب-1.jpg';
const WIDTHS = [360, 768, 1280, 1920];

const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) process.stderr.write(`viewer accessibility tests skipped: no Chromium at ${CHROMIUM}\n`);
const inBrowser = HAVE_CHROMIUM ? describe : describe.skip;

inBrowser('the viewer reads right for everyone', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let docId: string;
  /** The main pages, by name: where each is. */
  let pages: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer();
    const made = await server.api('/api/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'rana', displayName: 'رنا', role: 'admin', clearance: 'secret', password: PASSWORD }),
    });
    expect(made.status).toBe(201);
    // No title: the page names the letter by its file, «خطاب-1.jpg».
    const scan = await renderArabicScan(['وزارة المالية', `الموضوع: ${WORD} السنوية`, 'نرفق لكم جدول الاعتمادات'], { seed: 61 });
    const up = await server.upload(scan, FILE, { department: 'الشؤون المالية' });
    docId = (await server.waitFor(((await up.json()) as { id: string }).id)).id;
    const today = todayIn(server.config.archive.timeZone);
    const referred = await server.api(`/api/v1/documents/${docId}/referrals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ toDepartment: 'الشؤون القانونية', instruction: 'لإبداء الرأي', dueDate: addDays(today, -2) }),
    });
    expect(referred.status).toBe(201);
    pages = {
      search: `/search?q=${encodeURIComponent(WORD)}`,
      document: `/documents/${docId}?q=${encodeURIComponent(WORD)}`,
      upload: '/upload',
      status: '/status',
      records: '/records/rules',
      inbox: '/inbox',
      audit: '/audit',
    };
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    // axe is added to each page as a script of its own, which the pages' Content-Security-Policy would refuse.
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await page.fill('input[name=username]', 'rana');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await passSecondStep(page);
    expect(new URL(page.url()).pathname).toBe('/search');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Runs a script in the page and answers its value (written as text: the test's own types have no DOM). */
  const inPage = <T>(script: string): Promise<T> => page.evaluate(script) as Promise<T>;
  const focused = () =>
    inPage<{ id: string; className: string }>('({ id: document.activeElement.id, className: document.activeElement.className })');

  /** The innermost elements that reach past the window's sides: what pushes a page sideways. */
  const overflowing = () =>
    inPage<string>(`[...document.querySelectorAll('body *')]
      .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.right > innerWidth + 1 || r.left < -1); })
      .filter((e) => { for (let p = e.parentElement; p; p = p.parentElement) if (getComputedStyle(p).overflowX !== 'visible') return false; return true; })
      .filter((e, _, all) => !all.some((o) => o !== e && e.contains(o)))
      .slice(0, 3)
      .map((e) => [e, e.parentElement, e.parentElement?.parentElement].filter(Boolean)
        .map((x) => x.tagName.toLowerCase() + (x.id ? '#' + x.id : '') + (x.getAttribute('name') ? '[' + x.getAttribute('name') + ']' : '') + (x.className ? '.' + x.className : '')).join(' < '))
      .join(', ')`);

  /** Opens a page in a language (remembered for the next ones). */
  async function open(where: string, lang: 'ar' | 'en'): Promise<void> {
    await page.goto(`${server.url}${where}${where.includes('?') ? '&' : '?'}lang=${lang}`);
  }

  test('no main page scrolls sideways, 360 to 1920 pixels wide, in Arabic or in English', async () => {
    const wide: string[] = [];
    for (const lang of ['ar', 'en'] as const) {
      for (const [name, where] of Object.entries(pages)) {
        await open(where, lang);
        for (const width of WIDTHS) {
          await page.setViewportSize({ width, height: 900 });
          const { scroll, client } = await inPage<{ scroll: number; client: number }>(
            '({ scroll: document.scrollingElement.scrollWidth, client: document.scrollingElement.clientWidth })',
          );
          if (scroll > client) wide.push(`${name} ${lang} ${width}px: ${scroll} > ${client} (${await overflowing()})`);
        }
      }
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(wide).toEqual([]);
  });

  test('axe finds no serious or critical fault on the main pages, in Arabic or in English', async () => {
    const faults: string[] = [];
    for (const lang of ['ar', 'en'] as const) {
      for (const [name, where] of Object.entries(pages)) {
        await open(where, lang);
        await page.addScriptTag({ path: AXE });
        const found = await inPage<Array<{ id: string; impact: string; nodes: string[] }>>(`axe.run().then((r) =>
          r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`);
        for (const v of found.filter((f) => f.impact === 'serious' || f.impact === 'critical'))
          faults.push(`${name} ${lang}: ${v.id} (${v.impact}) at ${v.nodes.join(', ')}`);
      }
    }
    expect(faults).toEqual([]);
  });

  test('Arabic counts, values, dates and file names read right', async () => {
    await open(pages.search!, 'ar');
    expect(await page.textContent('#result-count')).toBe('نتيجة واحدة');
    await open(pages.document!, 'ar');
    const details = (await page.textContent('dl.meta'))!;
    expect(details).toContain('عام');
    expect(details).not.toContain('public');
    expect(details).toMatch(/هـ\)/);
    // The file's name reads «خطاب-1.jpg» from left to right, name, number, extension, even on a right-to-left
    // page: not «jpg.1-خطاب» (the page's direction) nor «1-خطاب.jpg» (the number turning with the Arabic).
    expect(await page.textContent('h1 .file-name')).toBe(FILE);
    const left = await inPage<number[]>(`(() => {
      const texts = [];
      const walk = document.createTreeWalker(document.querySelector('h1 .file-name'), NodeFilter.SHOW_TEXT);
      while (walk.nextNode()) texts.push(walk.currentNode);
      return ['خطاب', '1', 'jpg'].map((part) => {
        const node = texts.find((t) => t.data.includes(part));
        const r = document.createRange();
        r.setStart(node, node.data.indexOf(part));
        r.setEnd(node, node.data.indexOf(part) + part.length);
        return r.getBoundingClientRect().left;
      });
    })()`);
    expect([...left].sort((x, y) => x - y)).toEqual(left);
    await open(pages.inbox!, 'ar');
    expect(await page.textContent('#inbox-table')).toContain('متأخرة يومين');
    expect(await page.textContent('#inbox-counts')).toContain('إحالة مفتوحة واحدة');
    await open(pages.upload!, 'ar');
    expect(await page.textContent('.file-pick .file-button')).toBe('اختر ملفات');
    expect(await page.textContent('#chosen-count')).toBe('لم يُختر ملف');
  });

  test('the keyboard alone searches, opens a result, and comes back; every stop it makes is seen', async () => {
    await open(pages.search!, 'ar');
    const unseen: string[] = [];
    /** Tabs until the focused element matches `selector`, noting any stop without a visible focus ring. */
    const tabTo = async (selector: string) => {
      for (let i = 0; i < 80; i++) {
        await page.keyboard.press('Tab');
        const stop = await inPage<{ matches: boolean; seen: boolean; where: string }>(`(() => {
          const el = document.activeElement;
          const ring = getComputedStyle(el);
          const seen = ring.outlineStyle !== 'none' && parseFloat(ring.outlineWidth) >= 2;
          return {
            matches: el.matches(${JSON.stringify(selector)}),
            // The hidden file input shows its focus on its label (checked on the upload page).
            seen: seen || el.classList.contains('visually-hidden'),
            where: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + el.className,
          };
        })()`);
        if (!stop.seen) unseen.push(stop.where);
        if (stop.matches) return;
      }
      throw new Error(`Tab never reached ${selector}`);
    };
    await tabTo('.hit a.title');
    await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/documents/')), page.keyboard.press('Enter')]);
    // The first stop is the skip link, which takes the keyboard past the top bar.
    await page.keyboard.press('Tab');
    expect((await focused()).className).toBe('skip-link');
    expect(await page.locator('.skip-link').isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    expect((await focused()).id).toBe('main');
    await tabTo('#back-to-search');
    await Promise.all([page.waitForURL((u) => u.pathname === '/search'), page.keyboard.press('Enter')]);
    expect(await page.inputValue('input[name=q]')).toBe(WORD);
    expect(unseen).toEqual([]);
  });

  test('the keyboard reaches the upload picker, which opens the file chooser and names the files', async () => {
    await open(pages.upload!, 'ar');
    await page.focus('input[name=name]');
    for (let i = 0; i < 30 && (await focused()).id !== 'files'; i++) await page.keyboard.press('Tab');
    expect((await focused()).id).toBe('files');
    // Its Arabic label shows where the keyboard is.
    expect(await inPage<string>("getComputedStyle(document.querySelector('#files').previousElementSibling).outlineStyle")).toBe(
      'solid',
    );
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
    const scans = [0, 1, 2].map((i) => ({
      name: `وارد-${i + 1}.jpg`,
      mimeType: 'image/jpeg',
      buffer: Buffer.from([0xff, 0xd8, i]),
    }));
    await chooser.setFiles(scans);
    expect(await page.textContent('#chosen-count')).toBe('٣ ملفات');
    expect(await page.$$eval('#file-rows .file-name', (b) => b.map((x) => x.textContent))).toEqual(scans.map((s) => s.name));
  });
});
