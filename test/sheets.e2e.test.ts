/**
 * The scanner room's printed sheets on real services: `diwan sheets separator` and `diwan sheets labels` write
 * PDFs whose QR codes read back as the separator marker and the labels' numbers; the numbers a sheet of labels
 * took are given by no later registration, while a letter bearing one of the printed labels takes its number;
 * a count over the limit, an unknown register and a person who files nothing are refused with their codes and
 * take no number; and after the building is lost, a restore from the offsite bucket knows the labels (the
 * ledger's 'labels-allocated' entries): the sequence goes on after them and the used label is tied to its
 * letter again.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import pg from 'pg';
import sharp from 'sharp';
import { readQrCodes } from '../ingest/adapters/barcodes';
import { renderPdfPage } from '../ingest/adapters/pdfread';
import { LABEL_GRID } from '../ingest/adapters/scannerSheets';
import { labelCode, SEPARATOR_CODE } from '../ingest/intake/sheetCodes';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { bornDigitalPdf } from '../scripts/fixtures/pdfs';
import { main } from '../src/cli/main';
import { createDatabase, isolatedEnv, runCli, runCliWith, startTestServer, TOKEN, type TestServer } from './helpers';

jest.setTimeout(300_000);

const DPI = 150;
const year = new Date().getUTCFullYear();
const no = (seq: number, register = '') => `${register ? `${register}/` : ''}${year}/${String(seq).padStart(6, '0')}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-sheets-'));

let env: NodeJS.ProcessEnv;
let server: TestServer | undefined;
/** The letter registered from a printed label, and the plain one after the labels. */
let labelled: { id: string; registryNo: string };
let plain: { id: string; registryNo: string };

const api = (p: string, init?: RequestInit & { token?: string | null }) => server!.api(p, init);
const post = (p: string, body: unknown, token?: string) =>
  api(p, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    token,
  });

/** Page `index` of a PDF file drawn at DPI, and the QR codes read on it. */
async function pageCodes(file: string, index: number): Promise<{ png: Buffer; codes: string[] }> {
  const png = await renderPdfPage(file, index, { dpi: DPI, maxPagePixels: 100_000_000 });
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { png, codes: await readQrCodes({ grey: data, width: info.width, height: info.height }) };
}

/** `diwan ARGS` in this process against the server, its standard output kept as bytes (a PDF is not text). */
async function cliBytes(args: string[]): Promise<{ code: number; bytes: Buffer }> {
  const saved = { ...process.env };
  Object.assign(process.env, { DIWAN_URL: server!.url, DIWAN_TOKEN: TOKEN });
  const chunks: Buffer[] = [];
  const write = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((s: string | Uint8Array) => (chunks.push(Buffer.from(s as Uint8Array)), true));
  try {
    return { code: await main(args), bytes: Buffer.concat(chunks) };
  } finally {
    write.mockRestore();
    process.env = saved;
  }
}

beforeAll(async () => {
  env = await isolatedEnv();
  server = await startTestServer(env);
});

afterAll(async () => {
  await server?.stop();
});

test('diwan sheets separator writes one A4 page whose two codes read back as the separator', async () => {
  const out = path.join(dir, 'separator.pdf');
  expect((await runCli(server!, ['sheets', 'separator', '--out', out])).code).toBe(0);
  const pdf = fs.readFileSync(out);
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  const doc = await PDFDocument.load(pdf);
  expect(doc.getPages().map((p) => [Math.round(p.getWidth()), Math.round(p.getHeight())])).toEqual([[595, 842]]);
  expect((await pageCodes(out, 0)).codes).toEqual([SEPARATOR_CODE, SEPARATOR_CODE]);
  // Without --out, the same file on standard output (a pipe): the sheet is the same bytes every time.
  expect(await cliBytes(['sheets', 'separator'])).toEqual({ code: 0, bytes: pdf });
});

test('diwan sheets labels takes 30 numbers: two sheets whose codes are those numbers; a letter bearing one takes it', async () => {
  const out = path.join(dir, 'labels.pdf');
  const cli = await runCli(server!, ['sheets', 'labels', '--register', 'incoming', '--count', '30', '--out', out, '--json']);
  expect(cli.code).toBe(0);
  expect(JSON.parse(cli.out)).toEqual({ out, register: 'incoming', count: 30, first: no(1), last: no(30) });
  const pdf = fs.readFileSync(out);
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect((await PDFDocument.load(pdf)).getPageCount()).toBe(2);
  // The second sheet holds labels 25 to 30.
  const second = await pageCodes(out, 1);
  expect(second.codes.sort()).toEqual([25, 26, 27, 28, 29, 30].map((seq) => labelCode({ year, seq })));

  // The first label of the first sheet, peeled off and stuck on a letter's first page, scanned.
  const first = await pageCodes(out, 0);
  const px = (mm: number) => Math.round((mm / 25.4) * DPI);
  const sticker = await sharp(first.png)
    .extract({ left: 0, top: px(0.5), width: px(70), height: Math.round((LABEL_GRID.height * DPI) / 72) })
    .toBuffer();
  const letter = await renderArabicScan(['وزارة المالية', 'طلب اعتماد الموازنة'], {
    width: 1240,
    height: 1754,
    seed: 31,
    format: 'png',
  });
  const scan = await sharp(letter)
    .composite([{ input: sticker, top: 80, left: 90 }])
    .rotate(1.2, { background: '#f3efe6' })
    .jpeg({ quality: 60 })
    .toBuffer();
  const up = await server!.upload(scan, 'letter.jpg', { title: 'طلب اعتماد الموازنة' });
  expect(up.status).toBe(202);
  labelled = (await up.json()) as { id: string; registryNo: string };
  expect(labelled.registryNo).toBe(no(1));
});

test('the numbers the labels took are given by no ordinary registration; a bad count or register takes none', async () => {
  const up = await server!.upload(await bornDigitalPdf(), 'circular.pdf');
  plain = (await up.json()) as { id: string; registryNo: string };
  expect(plain.registryNo).toBe(no(31));

  for (const [body, status, code] of [
    [{ register: 'incoming', count: 501 }, 400, 'bad_label_count'],
    [{ register: 'incoming', count: 0 }, 400, 'bad_label_count'],
    [{ register: 'nope-book', count: 2 }, 400, 'unknown_register'],
    [{ register: 'incoming', count: '2' }, 400, 'bad_request'],
  ] as const) {
    const res = await post('/api/v1/sheets/labels', body);
    expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([status, code]);
  }
  const refused = await runCli(server!, [
    'sheets',
    'labels',
    '--register',
    'nope-book',
    '--count',
    '2',
    '--out',
    path.join(dir, 'x.pdf'),
  ]);
  expect(refused.code).toBe(1);
  expect(fs.existsSync(path.join(dir, 'x.pdf'))).toBe(false);
  // A PDF is not poured onto a terminal: refused as bad usage before any number is taken.
  const tty = process.stdout.isTTY;
  process.stdout.isTTY = true;
  try {
    expect((await cliBytes(['sheets', 'labels', '--register', 'incoming', '--count', '2'])).code).toBe(2);
  } finally {
    process.stdout.isTTY = tty;
  }

  // An official files nothing, so takes no label.
  expect((await post('/api/v1/users', { username: 'sheets-official', role: 'official', clearance: 'internal' })).status).toBe(
    201,
  );
  const token = ((await (await post('/api/v1/tokens', { username: 'sheets-official', name: 't' })).json()) as { token: string })
    .token;
  const denied = await post('/api/v1/sheets/labels', { register: 'incoming', count: 1 }, token);
  expect([denied.status, ((await denied.json()) as { error: string }).error]).toEqual([403, 'forbidden']);

  // The numbers alone, as JSON: the incoming book goes on after the letter; the outgoing book has its own.
  const numbers = await runCli(server!, ['sheets', 'labels', '--register', 'incoming', '--count', '2', '--json']);
  expect(JSON.parse(numbers.out)).toEqual({ register: 'incoming', year, labels: [no(32), no(33)] });
  const outgoing = await post('/api/v1/sheets/labels', { register: 'outgoing', count: 1 });
  expect(await outgoing.json()).toEqual({ register: 'outgoing', year, labels: [no(1, 'outgoing')] });
});

test('a restore from offsite keeps the labels: the sequence goes on after them, the used one tied to its letter', async () => {
  expect((await server!.waitFor(labelled.id)).status).toBe('archived');
  expect((await server!.waitFor(plain.id)).status).toBe('archived');
  expect((await runCli(server!, ['audit', 'checkpoint', '--json'])).code).toBe(0);
  await server!.stop();
  server = undefined;
  const id = crypto.randomBytes(4).toString('hex');
  const database = await createDatabase(`diwan_sheets_${id}`);
  env = {
    ...env,
    DATABASE_URL: database.app,
    DATABASE_OWNER_URL: database.owner,
    S3_BUCKET: `s-${id}`,
    MEILI_INDEX: `sheets_${id}`,
  };
  const { code, out } = await runCliWith(env, ['restore', '--from', 'offsite', '--json']);
  const report = JSON.parse(out) as {
    problems: string[];
    documents: { restored: number };
    registry: Array<{ register: string; year: number; lastSeq: number }>;
    registryWork: { replayed: number; skipped: number };
  };
  expect(report.problems).toEqual([]);
  expect(code).toBe(0);
  expect(report.documents.restored).toBe(2);
  expect(report.registry).toEqual([
    { register: 'incoming', year, lastSeq: 33 },
    { register: 'outgoing', year, lastSeq: 1 },
  ]);
  expect(report.registryWork).toEqual({ replayed: 3, skipped: 0 });

  const db = new pg.Client({ connectionString: database.owner });
  await db.connect();
  try {
    const labels = await db.query<{ register: string; seq: number; document_id: string | null }>(
      'SELECT register, seq, document_id FROM registry_labels ORDER BY register, seq',
    );
    expect(labels.rows.length).toBe(33);
    expect(labels.rows[0]).toEqual({ register: 'incoming', seq: 1, document_id: labelled.id });
    expect(labels.rows.filter((r) => r.document_id !== null).length).toBe(1);
  } finally {
    await db.end();
  }
  server = await startTestServer(env);
  const next = await server.upload(Buffer.concat([await bornDigitalPdf(), Buffer.from('%after\n')]), 'next.pdf');
  expect(((await next.json()) as { registryNo: string }).registryNo).toBe(no(34));
});
