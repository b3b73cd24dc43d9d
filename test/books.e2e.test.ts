/**
 * The registry's books on real services: the day's incoming book as CSV (a
 * byte order mark, bilingual headers, the rows in registration order, the
 * referral's department and the reply's number on the referred letter's row)
 * and as PDF, the outgoing book naming the recipient, a month's book, a row
 * above the reader's clearance withheld but kept with its number, the CLI,
 * the viewer's books page, and the receipt offered on the upload page.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { runCli, startTestServer, type TestServer } from './helpers';

jest.setTimeout(180_000);

const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-books-'));
const T1 = 'طلب صرف مستحقات المقاول عن المرحلة الثانية';
const T2 = 'تقرير سري عن المناقصة';
const T4 = 'دعوة لحضور اجتماع اللجنة';
const SENDER = 'شركة البناء الحديث';
const FINANCE = 'الشؤون المالية';

let server: TestServer;
let clerk: string;
let auditor: string;
const today = new Date().toISOString().slice(0, 10);
const letters: Record<'l1' | 'l2' | 'l3' | 'l4', { id: string; registryNo: string }> = {} as never;

/** A small page of its own (distinct bytes, little to read). */
async function pageImage(seed: number): Promise<Buffer> {
  const marks = Array.from(
    { length: 5 },
    (_, i) => `<rect x="${20 + ((seed * 41 + i * 59) % 240)}" y="${20 + i * 30}" width="28" height="9"/>`,
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200"><rect width="320" height="200" fill="white"/>${marks.join('')}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function upload(seed: number, fields: Record<string, string>) {
  const res = await server.upload(await pageImage(seed), `book-${seed}.png`, fields);
  expect(res.status).toBe(202);
  return (await res.json()) as { id: string; registryNo: string };
}

const post = (p: string, body: unknown) =>
  server.api(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function person(username: string, role: string, clearance: string): Promise<string> {
  expect((await post('/api/v1/users', { username, role, clearance, password: `كلمة-سر-${username}-123` })).status).toBe(201);
  const t = await post('/api/v1/tokens', { username, name: 'tests' });
  return ((await t.json()) as { token: string }).token;
}

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (quoted) {
      field += c;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      out.push([...row, field]);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  return out;
}

async function csv(p: string, token?: string): Promise<string[][]> {
  const res = await server.api(p, { token });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
  const text = Buffer.from(await res.arrayBuffer()).toString('utf8');
  expect(text.charCodeAt(0)).toBe(0xfeff);
  return parseCsv(text.slice(1));
}

beforeAll(async () => {
  server = await startTestServer();
  clerk = await person('clerk-public', 'clerk', 'public');
  auditor = await person('auditor', 'auditor', 'secret');
  letters.l1 = await upload(1, { title: T1, correspondent: SENDER, externalRef: 'ب/٩٩', externalDate: '2026-11-29' });
  letters.l2 = await upload(2, { title: T2, correspondent: SENDER, classification: 'secret' });
  letters.l3 = await upload(3, { title: 'الرد على طلب صرف المستحقات', correspondent: SENDER, register: 'outgoing' });
  letters.l4 = await upload(4, { title: T4 });
  const referred = await post(`/api/v1/documents/${letters.l1.id}/referrals`, {
    toDepartment: FINANCE,
    instruction: 'للصرف حسب الأصول',
  });
  expect(referred.status).toBe(201);
  const { id } = (await referred.json()) as { id: string };
  expect((await post(`/api/v1/referrals/${id}/close`, { replyRegistryNo: letters.l3.registryNo })).status).toBe(200);
});

afterAll(async () => {
  await server?.stop();
});

test("the day's incoming book as CSV: bilingual headers, registration order, the referral and the reply on the letter's row", async () => {
  const records = await csv(`/api/v1/books/incoming.csv?day=${today}`);
  expect(records[0]).toEqual([
    'رقم القيد / Number',
    'تاريخ القيد / Date',
    'المرسِل / Sender',
    'مرجعه وتاريخه / Their reference',
    'الموضوع / Subject',
    'أُحيل إلى / Referred to',
    'أُجيب بـ / Answered by',
  ]);
  const rows = records.slice(1);
  expect(rows.map((r) => r[0])).toEqual([letters.l1.registryNo, letters.l2.registryNo, letters.l4.registryNo]);
  expect(rows[0]).toEqual([
    letters.l1.registryNo,
    expect.stringMatching(new RegExp(`^${today} \\d\\d:\\d\\d$`)),
    SENDER,
    'ب/٩٩ 2026-11-29',
    T1,
    FINANCE,
    letters.l3.registryNo,
  ]);
  expect(letters.l3.registryNo).toMatch(/^outgoing\//);
  expect(rows[1]![4]).toBe(T2);
  expect(rows[2]).toEqual([letters.l4.registryNo, expect.any(String), '', '', T4, '', '']);

  const outgoing = await csv(`/api/v1/books/outgoing.csv?day=${today}`);
  expect(outgoing[0]![2]).toBe('المرسَل إليه / Recipient');
  expect(outgoing.slice(1).map((r) => r[0])).toEqual([letters.l3.registryNo]);
});

test("a letter above the reader's clearance keeps its row, number and date only, marked withheld", async () => {
  const rows = (await csv(`/api/v1/books/incoming.csv?day=${today}`, clerk)).slice(1);
  expect(rows.map((r) => r[0])).toEqual([letters.l1.registryNo, letters.l2.registryNo, letters.l4.registryNo]);
  expect(rows[1]).toEqual([letters.l2.registryNo, expect.any(String), '', '', 'محجوب / withheld', '', '']);
  expect(rows.flat().join(' ')).not.toContain(T2);
  const json = (await (await server.api(`/api/v1/books/incoming?day=${today}`, { token: clerk })).json()) as {
    count: number;
    rows: Array<{ withheld: boolean; subject: string | null }>;
  };
  expect(json.count).toBe(3);
  expect(json.rows.map((r) => r.withheld)).toEqual([false, true, false]);
});

test("the month's book as PDF: A4 landscape, the register's name, the numbers, the referral", async () => {
  const res = await server.api(`/api/v1/books/incoming.pdf?month=${today.slice(0, 7)}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/application\/pdf/);
  const file = path.join(dir, 'month.pdf');
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  const info = await run('pdfinfo', [file]);
  expect(info.stdout).toMatch(/Pages:\s+1\n/);
  expect(info.stdout).toMatch(/Page size:\s+842 x 595 pts/);
  const text = (await run('mutool', ['draw', '-F', 'txt', '-o', '-', file])).stdout;
  for (const words of ['دفتر الوارد', 'Incoming book', T1, T4, FINANCE, SENDER, 'page 1 of 1']) expect(text).toContain(words);
  for (const l of [letters.l1, letters.l2, letters.l4]) {
    const [year, seq] = l.registryNo.split('/').map(Number);
    expect(text).toContain(`${year}/${seq}`.replace(/\d/g, (d) => '٠١٢٣٤٥٦٧٨٩'[Number(d)]!));
  }
});

test('the period and the register are checked; the books need the register permission', async () => {
  for (const q of ['day=2026-02-30', 'month=2026-13', `day=${today}&month=2026-12`, '']) {
    expect((await server.api(`/api/v1/books/incoming.csv?${q}`)).status).toBe(400);
  }
  const unknown = await server.api(`/api/v1/books/nosuch.csv?day=${today}`);
  expect(unknown.status).toBe(400);
  expect(((await unknown.json()) as { error: string }).error).toBe('unknown_register');
  expect((await server.api(`/api/v1/books/incoming.csv?day=${today}`, { token: auditor })).status).toBe(403);
  expect((await server.api(`/api/v1/books/incoming.csv?day=${today}`, { token: null })).status).toBe(401);
});

test('the CLI prints the CSV and saves the PDF', async () => {
  const printed = await runCli(server, ['book', 'incoming', '--day', today, '--format', 'csv']);
  expect(printed.code).toBe(0);
  expect(printed.out.charCodeAt(0)).toBe(0xfeff);
  expect(
    parseCsv(printed.out.slice(1))
      .slice(1)
      .map((r) => r[0]),
  ).toEqual([letters.l1.registryNo, letters.l2.registryNo, letters.l4.registryNo]);
  const out = path.join(dir, 'cli-book.pdf');
  const saved = await runCli(server, ['book', 'incoming', '--month', today.slice(0, 7), '--format', 'pdf', '--out', out]);
  expect(saved.code).toBe(0);
  expect(fs.readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
  expect((await runCli(server, ['book', 'incoming'])).code).toBe(2);
});

test('the books page shows the chosen book and links both files', async () => {
  const html = await (await server.api(`/books?register=incoming&day=${today}`)).text();
  expect(html).toContain('href="/books" aria-current="page"');
  expect(html).toContain(`href="/api/v1/books/incoming.pdf?day=${today}"`);
  expect(html).toContain(`href="/api/v1/books/incoming.csv?day=${today}"`);
  for (const words of [T1, T2, T4, FINANCE]) expect(html).toContain(words);
  const asClerk = await (await server.api(`/books?register=incoming&day=${today}`, { token: clerk })).text();
  expect(asClerk).toContain('data-withheld="true"');
  expect(asClerk).not.toContain(T2);
  expect((await server.api('/books', { token: auditor })).status).toBe(403);
});

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
(fs.existsSync(CHROMIUM) ? test : test.skip)(
  'in Chromium: the books page takes a register and a day; the upload page offers a new letter its receipt',
  async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    try {
      const context = await browser.newContext({ extraHTTPHeaders: { authorization: `Bearer ${clerk}` } });
      const page = await context.newPage();
      await page.goto(`${server.url}/books`);
      expect(await page.getAttribute('html', 'dir')).toBe('rtl');
      await page.selectOption('#book-day select[name=register]', 'outgoing');
      await page.fill('#book-day input[name=day]', today);
      await Promise.all([page.waitForURL(/register=outgoing/), page.click('#book-day button[type=submit]')]);
      expect(await page.locator('#book-rows tbody tr').count()).toBe(1);
      expect(await page.textContent('#book-rows')).toContain('الرد على طلب صرف المستحقات');
      const pdf = await page.getAttribute('#book-pdf', 'href');
      expect(pdf).toBe(`/api/v1/books/outgoing.pdf?day=${today}`);
      const res = await context.request.get(`${server.url}${pdf}`);
      expect(res.status()).toBe(200);
      expect((await res.body()).subarray(0, 5).toString()).toBe('%PDF-');

      // Registering a letter through the upload page offers its receipt beside the new number.
      await page.goto(`${server.url}/upload`);
      await page.fill('input[name=name]', 'وارد اليوم');
      await page.setInputFiles('#files', { name: 'letter.png', mimeType: 'image/png', buffer: await pageImage(9) });
      await page.click('#start');
      const link = await page.waitForSelector('#file-rows a.receipt-link');
      const href = (await link.getAttribute('href'))!;
      expect(href).toMatch(/^\/api\/v1\/documents\/[0-9a-f-]{36}\/receipt\.pdf$/);
      const receipt = await context.request.get(`${server.url}${href}`);
      expect(receipt.status()).toBe(200);
      expect((await receipt.body()).subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      await browser.close();
    }
  },
);
