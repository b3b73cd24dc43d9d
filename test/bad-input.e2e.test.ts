/**
 * Bad requests get a 4xx with a stable JSON error in Arabic and English, the
 * server stays up, and nothing is registered for them.
 */
import pg from 'pg';
import sharp from 'sharp';
import { startTestServer, type TestServer } from './helpers';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

interface ErrorBody {
  error: string;
  message: string;
  messageEn: string;
}

async function expectError(res: Response, status: number, code: string): Promise<ErrorBody> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/); // RFC 9457 under /api/
  const body = (await res.json()) as ErrorBody;
  expect(body.error).toBe(code);
  expect(body.message).toMatch(/[\u0600-\u06FF]/); // Arabic for the person reading it
  expect(body.messageEn).toMatch(/[A-Za-z]/);
  return body;
}

async function documentCount(): Promise<number> {
  const c = new pg.Client({ connectionString: server.core.config.databaseUrl });
  await c.connect();
  try {
    return (await c.query('SELECT count(*)::int AS n FROM documents')).rows[0].n as number;
  } finally {
    await c.end();
  }
}

test('no token, or a wrong one: 401', async () => {
  await expectError(await server.api('/api/v1/search?q=x', { token: null }), 401, 'unauthorized');
  await expectError(await server.api('/api/v1/search?q=x', { token: 'wrong-token-wrong-token' }), 401, 'unauthorized');
  await expectError(await server.upload(Buffer.from('x'), 'a.jpg', {}, null), 401, 'unauthorized');
});

test('no file: 400 no_file', async () => {
  const form = new FormData();
  form.append('title', 'بلا ملف');
  await expectError(await server.api('/api/v1/documents', { method: 'POST', body: form }), 400, 'no_file');
});

test('a file that is not a scan, even named .jpg: 415 unsupported_type', async () => {
  await expectError(await server.upload(Buffer.from('هذا نص وليس صورة ممسوحة'), 'رسالة.jpg'), 415, 'unsupported_type');
  await expectError(await server.upload(Buffer.from('PK\x03\x04zipzipzip', 'latin1'), 'archive.png'), 415, 'unsupported_type');
});

test('an empty file: 422 empty_file', async () => {
  await expectError(await server.upload(Buffer.alloc(0), 'فارغ.jpg'), 422, 'empty_file');
});

test('a truncated JPEG: 422 corrupt_file', async () => {
  const jpeg = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#fff' } })
    .composite([{ input: Buffer.from('<svg width="800" height="600"><text x="50" y="300" font-size="80">noise</text></svg>') }])
    .jpeg()
    .toBuffer();
  await expectError(await server.upload(jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'مقطوع.jpg'), 422, 'corrupt_file');
});

test('bad metadata: 400 bad_request', async () => {
  const png = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#fff' } })
    .png()
    .toBuffer();
  await expectError(await server.upload(png, 'a.png', { docDate: 'yesterday' }), 400, 'bad_request');
  await expectError(await server.upload(png, 'a.png', { classification: 'top' }), 400, 'bad_request');
});

test('unknown document and route: 404; search without q: 400', async () => {
  await expectError(await server.api('/api/v1/documents/00000000-0000-0000-0000-000000000000'), 404, 'not_found');
  await expectError(await server.api('/api/v1/documents/not-a-uuid'), 404, 'not_found');
  await expectError(await server.api('/api/v1/nothing-here'), 404, 'not_found');
  await expectError(await server.api('/api/v1/search'), 400, 'bad_request');
});

test('after all that the server is up, ready, and nothing was registered', async () => {
  expect((await server.api('/healthz', { token: null })).status).toBe(200);
  const ready = await server.api('/readyz', { token: null });
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({
    status: 'ready',
    checks: { postgres: 'up', objectStorePrimary: 'up', objectStoreOffsite: 'up', meilisearch: 'up' },
    integrity: { state: 'ok', unrepairedObjects: 0 },
    documents: { failed: 0 },
    replication: { pending: 0, oldestPendingSeconds: 0, bytesPending: 0 },
  });
  expect(await documentCount()).toBe(0);
});
