/**
 * The windows a crash can leave at the door: a document registered whose
 * original is still in the spool, and one whose bytes are gone from this
 * machine. The sweep finishes the first; the next upload of the same file
 * finishes the second. Either way it ends archived, with the right bytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sweepUnfinished } from '../ingest/intake/sweep';
import { acceptDeps } from '../src/runtime/core';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { sha256, startTestServer, type TestServer } from './helpers';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

async function registerOnly(bytes: Buffer) {
  const reg = await server.core.documents.register({
    title: null,
    docType: null,
    department: null,
    classification: 'public',
    docDate: null,
    correspondent: null,
    batchId: null,
    textLayer: false,
    parts: [{ sha256: sha256(bytes), size: bytes.length, mime: 'image/jpeg', ext: 'jpg', originalName: 'x.jpg', pageCount: 1 }],
  });
  if (reg.kind !== 'registered') throw new Error('expected a new registration');
  return reg.doc;
}

test('registered, bytes still in the spool: the sweep stores and archives it', async () => {
  const bytes = await renderArabicScan(['كتاب بقي في المجلد المؤقت'], { seed: 31, width: 900, height: 600 });
  const pending = path.join(server.core.config.spoolDir, 'pending', sha256(bytes));
  fs.mkdirSync(path.dirname(pending), { recursive: true });
  fs.writeFileSync(pending, bytes);
  const doc = await registerOnly(bytes);

  const swept = await sweepUnfinished(acceptDeps(server.core));
  expect(swept.requeued).toBeGreaterThanOrEqual(1);
  const done = await server.waitFor(doc.id);
  expect(done.status).toBe('archived');
  const original = Buffer.from(await (await server.api(`/api/v1/documents/${doc.id}/original`)).arrayBuffer());
  expect(sha256(original)).toBe(sha256(bytes));
  expect(fs.existsSync(pending)).toBe(false);
});

test('registered, bytes lost here: it waits, and the next upload of the same file completes it', async () => {
  const bytes = await renderArabicScan(['كتاب ضاعت نسخته المؤقتة'], { seed: 32, width: 900, height: 600 });
  const doc = await registerOnly(bytes);
  const swept = await sweepUnfinished(acceptDeps(server.core));
  expect(swept.waiting).toBeGreaterThanOrEqual(1);
  expect((await server.waitFor(doc.id, ['queued'])).status).toBe('queued');

  const res = await server.upload(bytes, 'again.jpg');
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ id: doc.id, duplicate: true });
  const done = await server.waitFor(doc.id);
  expect(done.status).toBe('archived');
  expect(done.sha256.original).toBe(sha256(bytes));
});
