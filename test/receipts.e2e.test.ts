/**
 * The receipt of a registered letter and the public status page its QR code
 * leads to: the receipt names the number as people write it, the dates, the
 * sender's reference, the sender and the subject, and its QR code carries the
 * status address with the receipt's code; the status page, with no sign-in,
 * follows the letter from received to referred to answered and shows nothing
 * of its content (no subject, no sender, no department); a wrong code and an
 * unknown number get the same 404.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import jsQR from 'jsqr';
import sharp from 'sharp';
import { renderPdfPage } from '../ingest/adapters/pdfread';
import { toArabicIndic } from '../kernel/text';
import { runCli, startTestServer, type TestServer } from './helpers';

jest.setTimeout(180_000);

const run = promisify(execFile);
/** A subject with a colon and a number followed by words: the text layer writes a right-to-left mark after each. */
const TITLE = 'طلب ترخيص: مزاولة نشاط تجاري رقم ٤٥ في الحي';
const SENDER = 'شركة الواحة للتجارة';
const DEPARTMENT = 'إدارة التفتيش والرقابة';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-receipts-'));

let server: TestServer;
let letter: { id: string; registryNo: string };

/** A small page of its own (distinct bytes, little to read). */
async function page(seed: number): Promise<Buffer> {
  const marks = Array.from(
    { length: 6 },
    (_, i) => `<rect x="${20 + ((seed * 37 + i * 53) % 240)}" y="${20 + i * 25}" width="30" height="8"/>`,
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200"><rect width="320" height="200" fill="white"/>${marks.join('')}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function upload(seed: number, fields: Record<string, string>): Promise<{ id: string; registryNo: string }> {
  const res = await server.upload(await page(seed), `letter-${seed}.png`, fields);
  expect(res.status).toBe(202);
  return (await res.json()) as { id: string; registryNo: string };
}

/** The PDF's text in reading order, as mupdf extracts it (the content stream's order: logical, right to left). */
const pdfText = async (pdf: Buffer, name: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, pdf);
  // The right-to-left marks the text layer writes for poppler come back too, where they were written: set aside.
  return (await run('mutool', ['draw', '-F', 'txt', '-o', '-', file])).stdout.replace(/\u200F/g, '');
};

beforeAll(async () => {
  server = await startTestServer();
  letter = await upload(1, {
    title: TITLE,
    correspondent: SENDER,
    externalRef: 'و/٤٥٧/ت',
    externalDate: '2026-11-30',
    classification: 'internal',
  });
});

afterAll(async () => {
  await server?.stop();
});

let receipt: Buffer;
let statusAddress: string;

test('the receipt is an A5 PDF with the number, the dates, the reference, the sender, the subject and the code', async () => {
  const res = await server.api(`/api/v1/documents/${letter.id}/receipt.pdf`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/application\/pdf/);
  receipt = Buffer.from(await res.arrayBuffer());
  const file = path.join(dir, 'receipt.pdf');
  fs.writeFileSync(file, receipt);
  const info = await run('pdfinfo', [file]);
  expect(info.stdout).toMatch(/Pages:\s+1/);
  expect(info.stdout).toMatch(/Page size:\s+420 x 595 pts \(A5\)/);
  const text = await pdfText(receipt, 'receipt.pdf');
  // The number as people write it: the book's letter beside it, no padding, Arabic-Indic digits in Arabic.
  const [year, seq] = letter.registryNo.split('/').map(Number);
  expect(text).toContain(`و ${toArabicIndic(`${year}/${seq}`)}`);
  expect(text).toContain(`IN ${year}/${seq}`);
  for (const words of [TITLE, SENDER, 'الوارد', 'Incoming', 'و/٤٥٧/ت', '٣٠/١١/٢٠٢٦', 'هـ']) expect(text).toContain(words);
  expect(text).toMatch(/[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/);
});

test('the QR code carries the status address with the number and the code', async () => {
  const file = path.join(dir, 'receipt.pdf');
  const png = await renderPdfPage(file, 0, { dpi: 200, maxPagePixels: 50_000_000 });
  const raw = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const qr = jsQR(new Uint8ClampedArray(raw.data.buffer, raw.data.byteOffset, raw.data.length), raw.info.width, raw.info.height);
  expect(qr).not.toBeNull();
  statusAddress = qr!.data;
  const url = new URL(statusAddress);
  expect(`${url.origin}`).toBe(server.core.config.archive.publicUrl);
  expect(url.pathname).toBe('/status');
  expect(url.searchParams.get('no')).toBe(letter.registryNo);
  const code = url.searchParams.get('code')!;
  expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{12}$/);
  // The code printed on the receipt is the same code, in groups of four.
  expect(await pdfText(receipt, 'receipt.pdf')).toContain(code.match(/.{4}/g)!.join('-'));
});

/** The status page as anyone reaches it: the QR address, on this server, with no token. */
const status = (address: string) => fetch(`${server.url}${new URL(address).pathname}${new URL(address).search}`);

test('the status page, with no sign-in, says the letter was received and nothing of its content', async () => {
  const res = await status(statusAddress);
  expect(res.status).toBe(200);
  const html = await res.text();
  expect(html).toContain('<html lang="ar" dir="rtl">');
  expect(html).toContain('data-state="received"');
  expect(html).toContain('data-step="received"');
  for (const content of [TITLE, SENDER, 'و/٤٥٧/ت', 'letter-1.png']) expect(html).not.toContain(content);
  const code = new URL(statusAddress).searchParams.get('code')!;
  const json = await fetch(`${server.url}/api/v1/status?no=${encodeURIComponent(letter.registryNo)}&code=${code.toLowerCase()}`);
  expect(json.status).toBe(200);
  const body = (await json.json()) as Record<string, unknown>;
  expect(body).toEqual({
    registryNo: letter.registryNo,
    state: 'received',
    receivedOn: new Date().toISOString().slice(0, 10),
    referredOn: null,
    answeredOn: null,
    closedOn: null,
  });
});

test('a wrong code and an unknown number get the same 404', async () => {
  const code = new URL(statusAddress).searchParams.get('code')!;
  const wrong = code.slice(0, 11) + (code.endsWith('0') ? '1' : '0');
  const year = letter.registryNo.split('/')[0];
  const asks = [
    `/api/v1/status?no=${encodeURIComponent(letter.registryNo)}&code=${wrong}`,
    `/api/v1/status?no=${year}%2F999999&code=${code}`,
    `/api/v1/status?no=nonsense&code=${code}`,
  ];
  const answers = await Promise.all(
    asks.map(async (a) => fetch(`${server.url}${a}`).then(async (r) => [r.status, await r.text()])),
  );
  expect(answers.map((a) => a[0])).toEqual([404, 404, 404]);
  expect(new Set(answers.map((a) => a[1])).size).toBe(1);
  // The number as the receipt writes it, in either script, is the same number.
  const [y, n] = letter.registryNo.split('/').map(Number);
  for (const written of [`IN ${y}/${n}`, `و ${toArabicIndic(`${y}/${n}`)}`]) {
    const res = await fetch(`${server.url}/api/v1/status?no=${encodeURIComponent(written)}&code=${code}`);
    expect(res.status).toBe(200);
  }
  const page = await fetch(`${server.url}/status?no=${encodeURIComponent(letter.registryNo)}&code=${wrong}`);
  expect(page.status).toBe(404);
  const html = await page.text();
  expect(html).toContain('لا توجد معاملة بهذا الرقم وهذا الرمز');
  expect(html).not.toContain('data-state');
});

test('referred, then answered by the reply: the page follows with dates, never naming the department', async () => {
  const referred = await server.api(`/api/v1/documents/${letter.id}/referrals`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ toDepartment: DEPARTMENT, instruction: 'للدراسة وإفادتنا' }),
  });
  expect(referred.status).toBe(201);
  const referral = (await referred.json()) as { id: string };
  let html = await (await status(statusAddress)).text();
  expect(html).toContain('data-state="referred"');
  expect(html).toContain('data-step="referred"');
  expect(html).not.toContain(DEPARTMENT);

  const reply = await upload(2, { title: 'الرد على طلب الترخيص', register: 'outgoing', correspondent: SENDER });
  const closed = await server.api(`/api/v1/referrals/${referral.id}/close`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ replyRegistryNo: reply.registryNo }),
  });
  expect(closed.status).toBe(200);
  html = await (await status(statusAddress)).text();
  expect(html).toContain('data-state="answered"');
  expect(html).toContain('data-step="answered"');
  for (const content of [TITLE, SENDER, DEPARTMENT, 'الرد على طلب الترخيص', reply.registryNo])
    expect(html).not.toContain(content);
});

test('a letter of another register, referred and closed by a note: closed, with the date', async () => {
  const memo = await upload(3, { title: 'مذكرة داخلية', register: 'internal' });
  expect(memo.registryNo).toMatch(/^internal\/\d{4}\/000001$/);
  const text = await pdfText(
    Buffer.from(await (await server.api(`/api/v1/documents/${memo.id}/receipt.pdf`)).arrayBuffer()),
    'memo.pdf',
  );
  expect(text).toContain('الداخلي');
  const code = /([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})/.exec(text)![1]!;
  const referred = await server.api(`/api/v1/documents/${memo.id}/referrals`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ toDepartment: DEPARTMENT, instruction: 'للعلم' }),
  });
  const { id } = (await referred.json()) as { id: string };
  const closed = await server.api(`/api/v1/referrals/${id}/close`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ note: 'حُفظت للعلم' }),
  });
  expect(closed.status).toBe(200);
  const res = await fetch(`${server.url}/api/v1/status?no=${encodeURIComponent(memo.registryNo)}&code=${code}`);
  expect(res.status).toBe(200);
  const day = new Date().toISOString().slice(0, 10);
  expect(await res.json()).toEqual({
    registryNo: memo.registryNo,
    state: 'closed',
    receivedOn: day,
    referredOn: day,
    answeredOn: null,
    closedOn: day,
  });
});

test('the receipt needs the register permission, and the CLI saves it', async () => {
  const users = await server.api('/api/v1/users', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'auditor', role: 'auditor', clearance: 'secret', password: 'كلمة-سر-المدقق-123' }),
  });
  expect(users.status).toBe(201);
  const t = await server.api('/api/v1/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'auditor', name: 'tests' }),
  });
  const { token } = (await t.json()) as { token: string };
  expect((await server.api(`/api/v1/documents/${letter.id}/receipt.pdf`, { token })).status).toBe(403);
  expect((await server.api(`/api/v1/documents/${letter.id}/receipt.pdf`, { token: null })).status).toBe(401);

  const out = path.join(dir, 'cli-receipt.pdf');
  const cli = await runCli(server, ['receipt', letter.id, '--out', out]);
  expect(cli.code).toBe(0);
  expect(fs.readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
  expect(await pdfText(fs.readFileSync(out), 'cli-receipt.pdf')).toContain(TITLE);
});

test('the document page offers the receipt to whoever keeps the registers', async () => {
  const html = await (await server.api(`/documents/${letter.id}`)).text();
  expect(html).toContain(`href="/api/v1/documents/${letter.id}/receipt.pdf"`);
});
