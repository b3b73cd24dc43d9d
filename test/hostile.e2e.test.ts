/**
 * The hostile corpus (scripts/fixtures/hostile.ts) against a real server:
 * every file and request gets its clear 4xx, or is archived correctly when it
 * is a valid scan whatever else it carries; names are cleaned; a stalled
 * upload is cut off; a valid scan sent alongside is archived; mutated scans
 * never get a 5xx; the server keeps serving and its memory stays bounded.
 */
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { hostileFiles, hostileRequests, mutate, type HostileFile } from '../scripts/fixtures/hostile';
import { scannedPdf } from '../scripts/fixtures/pdfs';
import { safeFileName } from '../src/http/uploads';
import { TOKEN, isolatedEnv, startTestServer, type DocumentJson, type TestServer } from './helpers';

jest.setTimeout(900_000);

const MAX_FILES = 20;
let server: TestServer;
let files: HostileFile[];
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);

beforeAll(async () => {
  server = await startTestServer(
    await isolatedEnv({ DIWAN_MAX_FILES_PER_REQUEST: String(MAX_FILES), DIWAN_REQUEST_TIMEOUT_SECONDS: '4' }),
  );
  files = await hostileFiles();
});

afterAll(async () => {
  clearInterval(sampler);
  await server?.stop();
});

const KNOWN_CODES = new Set([
  'empty_file',
  'corrupt_file',
  'too_many_pixels',
  'too_many_pages',
  'unsupported_type',
  'encrypted_file',
  'decode_timeout',
  'file_too_large',
  'duplicate',
]);

async function healthy(): Promise<void> {
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
}

test('names are cleaned of folders, control characters and direction overrides', () => {
  expect(safeFileName('../../../../etc/passwd.jpg')).toBe('passwd.jpg');
  expect(safeFileName('C:\\Windows\\system32\\x.tif')).toBe('x.tif');
  expect(safeFileName('فاتورة\u202Egpj.exe')).toBe('فاتورةgpj.exe');
  expect(safeFileName('a\r\nSet-Cookie: x=1\u0000.jpg')).toBe('aSet-Cookie: x=1.jpg');
  expect(safeFileName('..')).toBeNull();
  expect(safeFileName('')).toBeNull();
});

test('every hostile file: its own clear 4xx in Arabic and English, or archived correctly under a clean name', async () => {
  expect(files.length).toBeGreaterThanOrEqual(30);
  const accepted: Array<{ id: string; file: HostileFile }> = [];
  const seen: string[] = [];
  const wanted: string[] = [];
  for (const f of files) {
    const res = await server.upload(f.bytes, f.name);
    const body = (await res.json()) as { id?: string; error?: string; message?: string; messageEn?: string };
    if ('archived' in f.expect) {
      seen.push(`${f.what}: ${res.status}`);
      wanted.push(`${f.what}: 202`);
      if (body.id) accepted.push({ id: body.id, file: f });
    } else {
      seen.push(`${f.what}: ${res.status} ${body.error}`);
      wanted.push(`${f.what}: ${f.expect.status} ${f.expect.code}`);
      expect(body.message).toMatch(/[\u0600-\u06FF]/);
      expect(body.messageEn).toMatch(/[A-Za-z]/);
    }
  }
  expect(seen).toEqual(wanted);
  await healthy();
  for (const { id, file } of accepted) {
    const doc = await server.waitFor(id, ['archived', 'failed'], 300_000);
    expect(`${file.what}: ${doc.status}`).toBe(`${file.what}: archived`);
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    expect(doc.originalName ?? '').not.toMatch(/[/\\\u0000-\u001f\u202a-\u202e]/);
    // The download's name is safe too.
    const dl = await server.api(`/api/v1/documents/${id}/original`);
    expect(dl.headers.get('content-disposition') ?? '').not.toMatch(/[\r\n]|\.\.\//);
    await dl.arrayBuffer();
  }
});

test('a valid scan sent in the same request as hostile files is archived; each hostile one is refused by name', async () => {
  const batch = await server.api('/api/v1/batches', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'دفعة مختلطة' }),
  });
  const { id } = (await batch.json()) as { id: string };
  const form = new FormData();
  const mixed = files.filter((f) => !('archived' in f.expect)).slice(0, 12);
  for (const f of mixed) form.append('files', new Blob([f.bytes]), f.name);
  form.append('files', new Blob([await renderArabicScan(['كتاب سليم بين ملفات خبيثة'], { seed: 305 })]), 'سليم.jpg');
  const res = await server.api(`/api/v1/batches/${id}/files`, { method: 'POST', body: form });
  expect(res.status).toBe(202);
  const out = (await res.json()) as {
    files: Array<{ name: string; status: string; documentId: string | null; error: { code: string } | null }>;
  };
  expect(out.files.slice(0, -1).map((f) => `${f.status} ${f.error?.code}`)).toEqual(
    mixed.map((f) => `rejected ${'code' in f.expect ? f.expect.code : ''}`),
  );
  const good = out.files.at(-1)!;
  expect(good.status).toBe('queued');
  expect((await server.waitFor(good.documentId!)).status).toBe('archived');
});

test('malformed, oversized and overfull requests: a clear 4xx each, nothing registered', async () => {
  const before = (await server.core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM documents')).rows[0]!.n;
  const seen: string[] = [];
  const wanted: string[] = [];
  for (const r of hostileRequests({ maxFilesPerRequest: MAX_FILES })) {
    const res = await r.send(server.url, TOKEN);
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    seen.push(`${r.what}: ${res.status} ${body.error}`);
    wanted.push(`${r.what}: ${r.expect.status} ${r.expect.code}`);
  }
  expect(seen).toEqual(wanted);
  expect((await server.core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM documents')).rows[0]!.n).toBe(before);
  // Each refusal is answered after what its request brought is settled: nothing of them is left in the spool.
  expect(fs.readdirSync(server.core.config.spoolDir).filter((f) => f.startsWith('upload-'))).toEqual([]);
  await healthy();
});

test('a stalled upload is cut off after the request timeout, and leaves nothing in the spool', async () => {
  const port = Number(new URL(server.url).port);
  const spool = server.core.config.spoolDir;
  const t0 = Date.now();
  const closedAfter = await new Promise<number>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        [
          'POST /api/v1/documents HTTP/1.1',
          'Host: 127.0.0.1',
          `Authorization: Bearer ${TOKEN}`,
          'Content-Type: multipart/form-data; boundary=slow',
          'Content-Length: 10000000',
          '',
          '--slow\r\nContent-Disposition: form-data; name="file"; filename="slow.jpg"\r\n\r\n\xff\xd8\xff\xe0',
        ].join('\r\n'),
      );
      // ...and then nothing more: the client has stalled.
    });
    socket.on('error', () => undefined);
    // The server answers 408 and closes its side.
    socket.on('data', (d) => {
      if (/^HTTP\/1\.1 408 /.test(String(d))) {
        resolve(Date.now() - t0);
        socket.destroy();
      }
    });
    socket.on('close', () => resolve(Date.now() - t0));
    setTimeout(() => reject(new Error('the stalled upload was never cut off')), 30_000);
  });
  expect(closedAfter).toBeGreaterThanOrEqual(3500);
  expect(closedAfter).toBeLessThan(15_000);
  await healthy();
  // A cut-off upload's file is removed when its stream fails, which may come a moment after the answer.
  const spooled = () => fs.readdirSync(spool).filter((f) => f.startsWith('upload-'));
  for (const deadline = Date.now() + 10_000; spooled().length > 0 && Date.now() < deadline;)
    await new Promise((r) => setTimeout(r, 200));
  expect(spooled()).toEqual([]);
});

test('fuzz: mutated JPEG, PNG, TIFF and PDF scans never get a 5xx; each is refused clearly or archived', async () => {
  const scan = await renderArabicScan(['مسح ضوئي للتجربة العشوائية', 'يتغير بعض بايتاته'], {
    seed: 306,
    width: 1200,
    height: 1600,
  });
  const seeds: Array<[string, Buffer]> = [
    ['jpg', scan],
    ['png', await sharp(scan).png().toBuffer()],
    ['tif', await sharp(scan).tiff({ compression: 'lzw' }).toBuffer()],
    ['pdf', await scannedPdf([scan])],
  ];
  const outcomes: string[] = [];
  const accepted: string[] = [];
  for (const [ext, bytes] of seeds) {
    for (const [i, m] of mutate(bytes, 8, 17 + ext.length).entries()) {
      const res = await server.upload(m.bytes, `طفرة-${ext}-${i}.${ext}`);
      const body = (await res.json()) as { id?: string; error?: string; duplicate?: boolean };
      outcomes.push(`${ext} ${m.how}: ${res.status} ${body.error ?? (body.duplicate ? 'duplicate' : 'accepted')}`);
      expect(res.status).toBeLessThan(500);
      if (res.status >= 400) expect(KNOWN_CODES.has(body.error ?? '')).toBe(true);
      else if (!body.duplicate) accepted.push(body.id!);
    }
  }
  await healthy();
  // What got in is archived, or failed with a reason a person can act on (never stuck, never an internal error).
  const unclear: string[] = [];
  for (const id of accepted) {
    const doc: DocumentJson = await server.waitFor(id, ['archived', 'failed'], 300_000);
    if (doc.status === 'failed' && !KNOWN_CODES.has(doc.error?.code ?? '')) {
      unclear.push(`${doc.originalName}: ${doc.error?.code} ${doc.error?.message}`);
    }
  }
  expect(unclear).toEqual([]);
  expect(outcomes.length).toBe(32);
  process.stdout.write(`fuzz: ${accepted.length} of 32 mutants accepted; peak RSS ${(peakRss / 1048576).toFixed(0)} MB\n`);
});

test('#11 the embedded services keep their secrets from other local users', () => {
  const dir = process.env.DIWAN_TEST_SERVICES_DIR!;
  const secrets = JSON.parse(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8')) as { meiliMasterKey: string };
  const pid = Number(fs.readFileSync(path.join(dir, 'run', 'meilisearch.pid'), 'utf8'));
  // A command line is readable by every local user; the environment is not.
  expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(secrets.meiliMasterKey);
  expect(fs.readFileSync(`/proc/${pid}/environ`, 'utf8')).toContain(`MEILI_MASTER_KEY=${secrets.meiliMasterKey}`);
  const others = (p: string) => fs.statSync(p).mode & 0o007;
  // The data dir may at most be entered (so that PostgreSQL, run as its own user under root, reaches its folder).
  expect(others(dir) & 0o006).toBe(0);
  for (const entry of ['secrets.json', 'run', 'logs', 'minio-primary', 'minio-offsite', 'meilisearch']) {
    expect({ entry, others: others(path.join(dir, entry)) }).toEqual({ entry, others: 0 });
  }
  expect({ spool: others(server.config.spoolDir) }).toEqual({ spool: 0 });
});

const JSON_BODY = { 'content-type': 'application/json' };

test('#18 impossible dates, control characters and overlong text get a clear 400, never a 5xx', async () => {
  const cases: Array<[string, Promise<Response>]> = [
    ['search from 2026-13-45', server.api('/api/v1/search?q=x&from=2026-13-45')],
    ['search docTo 2026-02-31', server.api('/api/v1/search?q=x&docTo=2026-02-31')],
    ['search q with NUL', server.api(`/api/v1/search?q=${encodeURIComponent('وزارة\u0000')}`)],
    ['search q of 600 characters', server.api(`/api/v1/search?q=${'ب'.repeat(600)}`)],
    [
      'batch docDate 2026-02-31',
      server.api('/api/v1/batches', {
        method: 'POST',
        headers: JSON_BODY,
        body: JSON.stringify({ name: 'وارد', docDate: '2026-02-31' }),
      }),
    ],
    [
      'batch name with NUL',
      server.api('/api/v1/batches', { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ name: 'وارد\u0000اليوم' }) }),
    ],
  ];
  const scan = await renderArabicScan(['اختبار'], { width: 600, height: 400 });
  cases.push(['upload title with NUL', server.upload(scan, 'x.png', { title: 'خطاب\u0000' })]);
  cases.push(['upload docDate 2026-13-45', server.upload(scan, 'x.png', { docDate: '2026-13-45' })]);
  const seen: string[] = [];
  for (const [what, answer] of cases) {
    const res = await answer;
    const body = (await res.json()) as { error?: string; message?: string };
    seen.push(`${what}: ${res.status} ${body.error}`);
  }
  expect(seen).toEqual(cases.map(([what]) => `${what}: 400 bad_request`));
  await healthy();
});

test('memory stayed bounded through it all', () => {
  // The server runs in this process (with its OCR workers): a bomb that got through would blow far past this.
  expect(peakRss).toBeLessThan(3 * 1024 * 1024 * 1024);
});
