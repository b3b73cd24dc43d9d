/**
 * Verifying a document on demand, and telling which registered file a given
 * file is: through the API and the CLI, on real storage.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Minio from 'minio';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { ledgerForDocument } from '../storage/integrity/ledger';
import { runCli, startTestServer, type DocumentJson, type TestServer } from './helpers';

let server: TestServer;
let doc: DocumentJson;
let scan: Buffer;
let dir: string;

const cli = (args: string[]) => runCli(server, args);

beforeAll(async () => {
  server = await startTestServer();
  scan = await renderArabicScan(['كتاب صادر', 'بشأن التحقق من الوثائق'], { seed: 51, width: 1200, height: 800 });
  const { id } = (await (await server.upload(scan, 'صادر.jpg')).json()) as { id: string };
  doc = await server.waitFor(id);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-verify-'));
});

afterAll(async () => {
  await server?.stop();
});

test('an intact document verifies on both copies against database, manifest and ledger, and the check is recorded', async () => {
  const res = await server.api(`/api/v1/documents/${doc.id}/verify`);
  const v = (await res.json()) as {
    ok: boolean;
    files: Array<{ kind: string; primary: { state: string }; offsite: { state: string }; manifest: string; ledger: string }>;
  };
  expect(v.ok).toBe(true);
  expect(v.files.map((f) => f.kind).sort()).toEqual(['archive-pdf', 'manifest', 'ocr-json', 'original', 'page-image']);
  for (const f of v.files) expect([f.primary.state, f.offsite.state]).toEqual(['ok', 'ok']);
  expect(v.files.find((f) => f.kind === 'original')).toMatchObject({ manifest: 'ok', ledger: 'ok' });
  const { code, out } = await cli(['verify', doc.id]);
  expect(code).toBe(0);
  expect(out).toContain(`${doc.registryNo}\tسليم / intact`);
  expect((await ledgerForDocument(server.core.db, doc.id)).filter((e) => e.event === 'verified')).toHaveLength(2);
});

test('verify-file names the original and the archive PDF, and a file it never saw is not registered', async () => {
  const original = path.join(dir, 'copy.jpg');
  fs.writeFileSync(original, scan);
  const pdf = path.join(dir, 'archive.pdf');
  fs.writeFileSync(pdf, Buffer.from(await (await server.api(`/api/v1/documents/${doc.id}/archive.pdf`)).arrayBuffer()));
  const other = path.join(dir, 'other.jpg');
  const changed = Buffer.from(scan);
  changed[100] = changed[100]! ^ 1;
  fs.writeFileSync(other, changed);

  const a = await cli(['verify-file', original, '--json']);
  expect(a.code).toBe(0);
  expect(JSON.parse(a.out).matches).toEqual([expect.objectContaining({ registryNo: doc.registryNo, kind: 'original' })]);
  const b = await cli(['verify-file', pdf]);
  expect(b.code).toBe(0);
  expect(b.out).toContain(`${doc.registryNo}\tarchive-pdf`);
  const c = await cli(['verify-file', other]);
  expect(c.code).toBe(1);
  expect(c.out).toContain('not registered');
});

test('a damaged copy fails verification, naming the file and the copy, with a failing exit status', async () => {
  const t = server.core.config.offsite!;
  const key = `documents/${doc.registryNo}/archive.pdf`;
  const mc = new Minio.Client({
    endPoint: t.endPoint,
    port: t.port,
    useSSL: t.useSSL,
    accessKey: t.accessKey,
    secretKey: t.secretKey,
  });
  await mc.putObject(t.bucket, key, Buffer.from('%PDF-1.7 not the archive'), 24);
  const { code, out } = await cli(['verify', '--all']);
  expect(code).toBe(1);
  expect(out).toContain('NOT INTACT');
  expect(out).toMatch(new RegExp(`${key}\\tprimary ok\\toffsite mismatch`));
});
