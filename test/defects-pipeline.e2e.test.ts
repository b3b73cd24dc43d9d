/**
 * The pipeline's defects at the door and in the stages, on real services:
 * two uploads of the same bytes (#6), the registry year where the registry
 * is (#27), a hostile PDF in the compose stage (#28), and a failed document
 * counted and run again (#1).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import pg from 'pg';
import sharp from 'sharp';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { acceptDocument, examine, type SpooledFile } from '../ingest/intake/accept';
import { stampLines } from '../ingest/stamp';
import { loadConfig } from '../src/config';
import { rerun } from '../src/cli/commands/admin';
import { acceptDeps } from '../src/runtime/core';
import { createDb, migrate } from '../storage/db';
import { registerDocument } from '../storage/repos/documentRegistration';
import { failedDocuments } from '../storage/stats';
import { isolatedEnv, sha256, startTestServer, TOKEN, type TestServer } from './helpers';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

const META = {
  title: null,
  docType: null,
  department: null,
  classification: 'public',
  docDate: null,
  correspondent: null,
  batchId: null,
};

/** Sessions of this database waiting for a lock. */
async function lockWaiters(c: pg.Client): Promise<number> {
  const r = await c.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  );
  return r.rows[0]!.n;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('#6 two uploads of the same bytes: the one refused at registration leaves the other its own spool file', async () => {
  const deps = acceptDeps(server.core);
  const scan = await renderArabicScan(['نسختان من الملف نفسه'], { seed: 601, width: 900, height: 600 });
  const spooled = (name: string): SpooledFile => {
    const file = path.join(deps.spoolDir, `upload-${name}-${Date.now()}`);
    fs.writeFileSync(file, scan);
    return { path: file, size: scan.length, sha256: sha256(scan), head: scan.subarray(0, 64), originalName: `${name}.jpg` };
  };
  const first = spooled('first');
  const second = spooled('second');
  const examined = await examine(first, deps.limits);

  // The year's registry row is held, so both registrations wait behind it: the refused one first.
  const c = new pg.Client({ connectionString: server.core.config.databaseUrl });
  await c.connect();
  try {
    const year = new Date().getUTCFullYear();
    await c.query('INSERT INTO registry_sequences (year, last_seq) VALUES ($1, 0) ON CONFLICT DO NOTHING', [year]);
    await c.query('BEGIN');
    await c.query('SELECT 1 FROM registry_sequences WHERE year = $1 FOR UPDATE', [year]);
    // Refused by the database: a date that is none.
    const refused = acceptDocument(first, examined, { ...META, docDate: 'يوم لا وجود له' }, deps);
    refused.catch(() => undefined);
    await until('the first registration to wait', async () => (await lockWaiters(c)) === 1);
    const accepted = acceptDocument(second, examined, META, deps);
    await until('the second registration to wait', async () => (await lockWaiters(c)) === 2);
    await c.query('COMMIT');

    await expect(refused).rejects.toThrow();
    const result = await accepted;
    expect(result.kind).toBe('accepted');
    // The accepted upload was stored from its own file, and nothing is left waiting in the spool.
    const doc = (await server.core.documents.get(result.doc.id))!;
    expect(doc.stages.stored).toBeTruthy();
    const [part] = await server.core.documents.parts(doc.id);
    expect((await server.core.primary.stat(part!.key))?.sha256).toBe(sha256(scan));
    const pending = path.join(deps.spoolDir, 'pending', sha256(scan));
    expect(fs.existsSync(pending) ? fs.readdirSync(pending) : []).toEqual([]);
  } finally {
    await c.end();
  }
});

test('#27 the registry year is the year where the registry is, the year its stamp shows, not the UTC year', async () => {
  const env = await isolatedEnv();
  const db = createDb(env.DATABASE_OWNER_URL!, 2);
  try {
    await migrate(db);
    // 22:30 UTC on New Year's Eve is 01:30 on the first of January in Riyadh.
    const at = new Date('2024-12-31T22:30:00Z');
    const part = (sha: string) => ({ sha256: sha, size: 1, mime: 'image/png', ext: 'png', originalName: null, pageCount: 1 });
    const input = (sha: string) => ({ ...META, textLayer: false, parts: [part(sha)] });

    const riyadh = await registerDocument(db, input('a'.repeat(64)), { timeZone: 'Asia/Riyadh', at });
    expect(riyadh.doc.registryNo).toBe('2025/000001');
    expect(riyadh.doc.createdAt).toBe(at.toISOString());
    const stamp = stampLines({
      organisation: 'الديوان',
      organisationEn: 'Registry',
      registryNo: riyadh.doc.registryNo,
      registeredAt: new Date(riyadh.doc.createdAt),
      timeZone: 'Asia/Riyadh',
      sha256: 'a'.repeat(64),
    });
    expect(stamp[5]).toContain('Registry no. 2025/000001 · 1 Jan 2025');

    // The same instant in a registry kept in UTC still belongs to the old year.
    const utc = await registerDocument(db, input('b'.repeat(64)), { timeZone: 'UTC', at });
    expect(utc.doc.registryNo).toBe('2024/000001');
  } finally {
    await db.end();
  }
});

/** Writes objects 1..n (object 1 the catalog) with a cross-reference table. */
function writePdf(objects: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    const bytes = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), body, Buffer.from('\nendobj\n')]);
    offsets.push(offset);
    offset += bytes.length;
    parts.push(bytes);
  });
  const xref = [
    'xref',
    `0 ${objects.length + 1}`,
    '0000000000 65535 f ',
    ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n `),
  ];
  parts.push(
    Buffer.from(`${xref.join('\n')}\ntrailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${offset}\n%%EOF\n`),
  );
  return Buffer.concat(parts);
}

const stream = (dict: string, data: Buffer) =>
  Buffer.concat([Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`, 'latin1'), data, Buffer.from('\nendstream')]);

/**
 * One scanned page, as a reader shows it, followed by an object stream nothing
 * refers to that holds two million small objects (9 MB): a reader that opens
 * only what the pages use never looks at it; one that parses every object
 * spends 40 s and 1.4 GB on it.
 */
async function pdfWithObjectStreamBomb(jpeg: Buffer): Promise<Buffer> {
  const { width, height, channels } = await sharp(jpeg).metadata();
  const [w, h] = [(width! * 72) / 200, (height! * 72) / 200];
  const count = 2_000_000;
  const header: string[] = [];
  const body: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    header.push(`${100 + i} ${at}`);
    body.push('[0 0 0 0] ');
    at += 10;
  }
  const first = header.join(' ') + ' ';
  const packed = zlib.deflateSync(Buffer.from(first + body.join(''), 'latin1'));
  return writePdf([
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>'),
    Buffer.from(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w} ${h}] /Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R >>`,
    ),
    stream('', Buffer.from(`q ${w} 0 0 ${h} 0 0 cm /Im0 Do Q`)),
    stream(
      `/Type /XObject /Subtype /Image /Width ${width} /Height ${height} /ColorSpace /${channels === 1 ? 'DeviceGray' : 'DeviceRGB'} /BitsPerComponent 8 /Filter /DCTDecode`,
      jpeg,
    ),
    stream(`/Type /ObjStm /N ${count} /First ${first.length} /Filter /FlateDecode`, packed),
  ]);
}

test('#28 a PDF whose structure would take the worker over is parsed only in the sandboxed reader: the document fails clearly', async () => {
  const scan = await renderArabicScan(['كتاب بملف مفخخ'], { seed: 2801, width: 1000, height: 700 });
  const pdf = await pdfWithObjectStreamBomb(scan);
  const res = await server.upload(pdf, 'مفخخ.pdf');
  expect(res.status).toBe(202); // the reader at the door opens only what the page uses
  const { id } = (await res.json()) as { id: string };
  const doc = await server.waitFor(id, ['archived', 'failed'], 170_000);
  expect(doc.status).toBe('failed');
  expect(doc.error).toMatchObject({ code: 'corrupt_file' });
  const record = (await server.core.documents.get(id))!;
  expect(record.stages).toHaveProperty('ocr'); // it failed where its structure is read, not before
}, 200_000);

const failedOnReadyz = async () =>
  ((await (await server.api('/readyz')).json()) as { documents?: { failed: number } }).documents?.failed;

test('#1 a failed document is counted where an operator looks, and runs again through the API and the CLI', async () => {
  const scan = await renderArabicScan(['كتاب تعثرت معالجته'], { seed: 101, width: 900, height: 600 });
  const { id } = (await (await server.upload(scan, 'متعثر.jpg')).json()) as { id: string };
  expect((await server.waitFor(id)).status).toBe('archived');
  const failed = (await failedDocuments(server.core.db)).count;
  // As the old last-attempt policy left documents: failed for a passing fault.
  const markFailed = () =>
    server.core.documents.setStatus(id, 'failed', { code: 'internal', message: 'gave up after 6 attempts: storage away' });
  await markFailed();

  // /readyz and /metrics answer from a few seconds' cache: asked until they show it.
  await until('/readyz to count it', async () => (await failedOnReadyz()) === failed + 1);
  await until('/metrics to count it', async () =>
    new RegExp(`diwan_documents\\{status="failed"\\} ${failed + 1}\\b`).test(await (await server.api('/metrics')).text()),
  );
  const listed = await failedDocuments(server.core.db);
  expect(listed.items.map((d) => d.id)).toContain(id);

  // Through the API (an administrator's call).
  const again = await server.api(`/api/v1/documents/${id}/rerun`, { method: 'POST' });
  expect(again.status).toBe(202);
  expect(await again.json()).toMatchObject({ id, status: 'queued' });
  expect((await server.waitFor(id)).status).toBe('archived');
  const notFailed = await server.api(`/api/v1/documents/${id}/rerun`, { method: 'POST' });
  expect(notFailed.status).toBe(409);
  expect(await notFailed.json()).toMatchObject({ error: 'not_failed' });

  // Through the CLI.
  await markFailed();
  const out: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  let code: number;
  try {
    code = await rerun(loadConfig({ DIWAN_URL: server.url, DIWAN_TOKEN: TOKEN, DIWAN_LOG: 'silent' }), [id, '--json']);
  } finally {
    write.mockRestore();
  }
  expect(code).toBe(0);
  expect(JSON.parse(out.join(''))).toEqual([expect.objectContaining({ id, status: 'queued' })]);
  expect((await server.waitFor(id)).status).toBe('archived');
  await until('/readyz to count it no more', async () => (await failedOnReadyz()) === failed);
});
