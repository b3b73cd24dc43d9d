/**
 * A scanned stack kept whole is as safe as its letters: it is copied to the offsite bucket and read back there
 * with its SHA-256; when the offsite bucket is away the upload goes on and a later sweep copies it; and a restore
 * from the offsite bucket alone makes the kept stacks again, letters and bytes, while a stack whose file is
 * missing or different there is named as not restored, as a damaged document file is.
 */
import { scannedPdf } from '../scripts/fixtures/pdfs';
import { letterPage, PAGE, separatorPage } from '../scripts/fixtures/stackScans';
import { s3Client } from '../storage/objectStore';
import { startS3Proxy, type S3Proxy } from './faults/s3Proxy';
import {
  isolatedEnv,
  restoreTarget,
  runCli,
  runCliWith,
  sha256,
  startTestServer,
  type DocumentJson,
  type TestServer,
} from './helpers';

jest.setTimeout(300_000);

let proxy: S3Proxy;
let env: NodeJS.ProcessEnv;
let server: TestServer | undefined;

interface Kept {
  id: string;
  stack: Buffer;
  letters: string[];
  /** Where its file is kept in both buckets. */
  key: string;
}
const kept: Kept[] = [];

beforeAll(async () => {
  proxy = await startS3Proxy(process.env.OFFSITE_S3_ENDPOINT!);
  env = await isolatedEnv({ OFFSITE_S3_ENDPOINT: proxy.url, DIWAN_SWEEP_SECONDS: '2' });
  server = await startTestServer(env);
});

afterAll(async () => {
  await server?.stop();
  await proxy?.close();
});

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Sends `stack` as a batch's one file; the kept stack's id and its letters' document ids. */
async function sendStack(name: string, stack: Buffer): Promise<Kept> {
  const s = server!;
  const created = await s.api('/api/v1/batches', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const batchId = ((await created.json()) as { id: string }).id;
  const form = new FormData();
  form.append('files', new Blob([stack]), `${name}.pdf`);
  const res = await s.api(`/api/v1/batches/${batchId}/files`, { method: 'POST', body: form });
  expect(res.status).toBe(202);
  const files = ((await res.json()) as { files: Array<{ kind: string; documentId: string }> }).files;
  expect(files.map((f) => f.kind)).toEqual(files.map(() => 'stack'));
  const view = (await (await s.api(`/api/v1/batches/${batchId}`)).json()) as { originals: Array<{ id: string }> };
  const id = view.originals[0]!.id;
  return { id, stack, letters: files.map((f) => f.documentId), key: (await keptRow(id)).key };
}

async function keptRow(id: string): Promise<{ key: string; sha256: string; offsite_at: Date | null }> {
  const res = await server!.core.db.query('SELECT key, sha256, offsite_at FROM intake_originals WHERE id = $1', [id]);
  return res.rows[0] as { key: string; sha256: string; offsite_at: Date | null };
}

test('a stack with one separator is kept whole in the offsite bucket too, with the same SHA-256', async () => {
  const [a, sep, b] = await Promise.all([
    letterPage(['كتاب أول في رزمة محفوظة'], { seed: 71 }),
    separatorPage({ seed: 72 }),
    letterPage(['كتاب ثان في رزمة محفوظة'], { seed: 73 }),
  ]);
  const first = await sendStack('رزمة-محفوظة', await scannedPdf([a!, sep!, b!], PAGE.dpi));
  expect(first.letters.length).toBe(2);
  kept.push(first);
  const row = await keptRow(first.id);
  expect(row.sha256).toBe(sha256(first.stack));
  // Recorded only once it read back from the offsite bucket with the stack's own SHA-256.
  expect(row.offsite_at).not.toBeNull();
  expect((await server!.core.offsite.hash(row.key)).sha256).toBe(sha256(first.stack));
  // Its 'stack-kept' entry names the stack and its letters with their pages.
  const entry = await server!.core.db.query(`SELECT payload FROM ledger WHERE event = 'stack-kept'`);
  expect(entry.rows.map((r: { payload: { id: string; sha256: string; letters: unknown } }) => r.payload)).toEqual([
    expect.objectContaining({
      id: first.id,
      sha256: sha256(first.stack),
      summary: { documents: 2, separators: 1, blankPages: 0 },
      letters: [
        { seq: 1, documentId: first.letters[0], pages: [1] },
        { seq: 2, documentId: first.letters[1], pages: [3] },
      ],
    }),
  ]);
});

test('with the offsite bucket away the stack is received all the same, and a later sweep copies it', async () => {
  const [c, sep] = await Promise.all([
    letterPage(['كتاب وصل والنسخة الخارجية منقطعة'], { seed: 74 }),
    separatorPage({ seed: 75 }),
  ]);
  proxy.setAway(true);
  let second: Kept;
  try {
    second = await sendStack('رزمة-أثناء-الانقطاع', await scannedPdf([c!, sep!], PAGE.dpi));
    expect(second.letters.length).toBe(1);
    expect((await keptRow(second.id)).offsite_at).toBeNull();
    // Sweeps while it is away leave it waiting.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await keptRow(second.id)).offsite_at).toBeNull();
  } finally {
    proxy.setAway(false);
  }
  kept.push(second);
  const row = await until('the sweep to copy the stack offsite', async () => {
    const r = await keptRow(second.id);
    return r.offsite_at ? r : undefined;
  });
  expect((await server!.core.offsite.hash(row.key)).sha256).toBe(sha256(second.stack));
});

/** A fresh database and primary bucket; `offsiteBucket`: restore from that bucket instead. */
async function restoreInto(offsiteBucket?: string) {
  const target = {
    ...(await restoreTarget(env, 'kept', { index: true })),
    ...(offsiteBucket ? { OFFSITE_S3_BUCKET: offsiteBucket } : {}),
  };
  const { code, out } = await runCliWith(target, ['restore', '--from', 'offsite', '--json']);
  const report = JSON.parse(out) as {
    problems: string[];
    documents: { restored: number };
    keptStacks: { restored: number; alreadyPresent: number; failed: number };
  };
  return { code, report, target };
}

test('restored from the offsite bucket alone, each kept stack answers with its letters and gives the same bytes', async () => {
  // Every letter archived and copied offsite, and the ledger exported, before the building is lost.
  const letters = kept.flatMap((k) => k.letters);
  for (const id of letters) {
    await until(`${id} to be copied offsite`, async () => {
      const doc = await server!.waitFor(id);
      expect(doc.status).toBe('archived');
      return doc.replicas.length > 0 ? doc : undefined;
    });
  }
  const before = (await (await server!.api(`/api/v1/documents/${kept[0]!.letters[1]}`)).json()) as DocumentJson;
  expect((await runCli(server!, ['audit', 'checkpoint', '--json'])).code).toBe(0);
  await server!.stop();
  server = undefined;

  const { code, report, target } = await restoreInto();
  expect(report.problems).toEqual([]);
  expect(code).toBe(0);
  expect(report.documents.restored).toBe(3);
  expect(report.keptStacks).toEqual({ restored: 2, alreadyPresent: 0, failed: 0 });

  server = await startTestServer(target);
  const view = (await (await server.api(`/api/v1/intake-originals/${kept[0]!.id}`)).json()) as {
    sha256: string;
    status: string;
    summary: unknown;
    documents: Array<{ seq: number; pages: number[]; documentId: string; registryNo: string }>;
  };
  expect(view).toMatchObject({ sha256: sha256(kept[0]!.stack), status: 'done', summary: { documents: 2, separators: 1 } });
  expect(view.documents.map((d) => [d.seq, d.pages, d.documentId])).toEqual([
    [1, [1], kept[0]!.letters[0]],
    [2, [3], kept[0]!.letters[1]],
  ]);
  expect(view.documents[1]!.registryNo).toBe(before.registryNo);
  for (const k of kept) {
    const file = await server.api(`/api/v1/intake-originals/${k.id}/file`);
    expect(file.status).toBe(200);
    expect(sha256(Buffer.from(await file.arrayBuffer()))).toBe(sha256(k.stack));
  }
  // The restored primary bucket holds the kept stacks again (they are recorded as copied offsite).
  const rows = await server.core.db.query('SELECT count(*)::int AS n FROM intake_originals WHERE offsite_at IS NOT NULL');
  expect(rows.rows[0]).toEqual({ n: 2 });
});

test('a kept stack missing, or different, in the bucket restored from is named and not restored; its letters are', async () => {
  // A copy of the offsite bucket with the first stack's file left out and the second's replaced.
  const client = s3Client({
    endPoint: new URL(process.env.OFFSITE_S3_ENDPOINT!).hostname,
    port: Number(new URL(process.env.OFFSITE_S3_ENDPOINT!).port),
    useSSL: false,
    accessKey: process.env.OFFSITE_S3_ACCESS_KEY!,
    secretKey: process.env.OFFSITE_S3_SECRET_KEY!,
    bucket: env.OFFSITE_S3_BUCKET!,
    region: 'us-east-1',
  });
  const from = env.OFFSITE_S3_BUCKET!;
  const damaged = `${from}-d`;
  await client.makeBucket(damaged, 'us-east-1');
  const stackKeys = kept.map((k) => k.key);
  const keys: string[] = [];
  for await (const o of client.listObjectsV2(from, '', true)) keys.push((o as { name: string }).name);
  for (const key of keys)
    if (key !== stackKeys[0] && key !== stackKeys[1]) await client.copyObject(damaged, key, `/${from}/${key}`);
  await client.putObject(damaged, stackKeys[1]!, Buffer.from('not the stack that was scanned'));

  const { code, report } = await restoreInto(damaged);
  expect(code).toBe(1);
  expect(report.documents.restored).toBe(3);
  expect(report.keptStacks).toEqual({ restored: 0, alreadyPresent: 0, failed: 2 });
  for (const k of kept) expect(report.problems).toContainEqual(expect.stringContaining(`(${k.id}): not restored`));
});
