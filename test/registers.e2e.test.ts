/**
 * The diwan's books on real services: an incoming letter and the outgoing
 * reply to it are each number 1 in their own book (a fresh database), linked
 * both ways; the next incoming letter is incoming 2, in the form numbers had
 * before registers; the sender's reference is found by search; the
 * correspondent is found by its Arabic and Latin names with both letters
 * listed; an unknown register, a bad date or an unknown number registers
 * nothing; and after the building is lost, a restore from the offsite bucket
 * brings back both books' documents, their sequences (the next outgoing number
 * follows on), the added register, the correspondent as edited and the links.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsQR from 'jsqr';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { pdfPageText, renderPdfPage } from '../ingest/adapters/pdfread';
import { toArabicIndic } from '../kernel/text';
import { lettersQueries } from '../storage/repos/correspondents';
import { isolatedEnv, restoreTarget, runCli, runCliWith, startTestServer, type TestServer } from './helpers';

jest.setTimeout(300_000);

interface View {
  id: string;
  registryNo: string;
  status: string;
  register: string;
  registryLabel: { ar: string; en: string };
  externalRef: string | null;
  externalDate: string | null;
  correspondent: { id: string; nameAr: string; nameEn: string | null; kind: string } | null;
  correspondentName: string | null;
  inReplyTo: Array<{ id: string; registryNo: string }>;
  replies: Array<{ id: string; registryNo: string }>;
  links: { from: Array<{ linkId: number; kind: string; id: string }>; to: Array<{ linkId: number; kind: string; id: string }> };
}

const MINISTRY = 'وزارة المالية';
const REF = 'م/٧٨/٢٠٢٦';
const year = new Date().getUTCFullYear();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-registers-'));

let env: NodeJS.ProcessEnv;
let server: TestServer | undefined;
let letter: View;
let reply: View;
let second: View;

/** A small page of its own (distinct bytes, little to read). */
async function page(seed: number): Promise<Buffer> {
  const marks = Array.from(
    { length: 5 },
    (_, i) => `<rect x="${20 + ((seed * 41 + i * 59) % 240)}" y="${20 + i * 30}" width="36" height="9"/>`,
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200"><rect width="320" height="200" fill="white"/>${marks.join('')}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

const api = (p: string, init?: RequestInit) => server!.api(p, init);
const post = (p: string, body: unknown) =>
  api(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const view = async (id: string) => (await (await api(`/api/v1/documents/${id}`)).json()) as View;
const total = async () => ((await (await api('/api/v1/documents?limit=1')).json()) as { total: number }).total;

beforeAll(async () => {
  env = await isolatedEnv();
  server = await startTestServer(env);
});

afterAll(async () => {
  await server?.stop();
});

test('an incoming letter and its outgoing reply are each number 1 in their own book, linked both ways', async () => {
  const up1 = await server!.upload(await page(1), 'letter.png', {
    title: 'طلب اعتماد الموازنة',
    correspondent: MINISTRY,
    externalRef: REF,
    externalDate: '2026-11-30',
  });
  expect(up1.status).toBe(202);
  const a = (await up1.json()) as { id: string; registryNo: string };
  expect(a.registryNo).toBe(`${year}/000001`);
  const corr = (await view(a.id)).correspondent!;
  expect(corr).toMatchObject({ nameAr: MINISTRY, kind: 'other' });

  const up2 = await server!.upload(await page(2), 'reply.png', {
    title: 'الرد على طلب اعتماد الموازنة',
    register: 'outgoing',
    correspondentId: corr.id,
    inReplyTo: a.registryNo,
  });
  expect(up2.status).toBe(202);
  const b = (await up2.json()) as { id: string; registryNo: string };
  expect(b.registryNo).toBe(`outgoing/${year}/000001`);

  await server!.waitFor(a.id);
  await server!.waitFor(b.id);
  letter = await view(a.id);
  reply = await view(b.id);
  expect(letter).toMatchObject({
    status: 'archived',
    register: 'incoming',
    registryLabel: { ar: `و ${toArabicIndic(`${year}/1`)}`, en: `IN ${year}/1` },
    externalRef: REF,
    externalDate: '2026-11-30',
    inReplyTo: [],
    replies: [{ id: b.id, registryNo: b.registryNo }],
  });
  expect(reply).toMatchObject({
    status: 'archived',
    register: 'outgoing',
    registryLabel: { en: `OUT ${year}/1` },
    correspondent: { id: corr.id, nameAr: MINISTRY },
    inReplyTo: [{ id: a.id, registryNo: a.registryNo }],
    replies: [],
  });
  // The public check finds the outgoing number too.
  const check = await fetch(`${server!.url}/verify/outgoing/${year}/000001`, { headers: { accept: 'application/json' } });
  expect(await check.json()).toMatchObject({ registryNo: b.registryNo, exists: true });
});

test("the outgoing reply's stamp names its book and its number as written; its QR code leads to its check", async () => {
  const pdf = Buffer.from(await (await api(`/api/v1/documents/${reply.id}/archive.pdf`)).arrayBuffer());
  const file = path.join(dir, 'reply.pdf');
  fs.writeFileSync(file, pdf);
  const text = await pdfPageText(file, 0);
  expect(text.text).toContain('الصادر');
  expect(text.text).toContain(`OUT ${year}/1`);
  const { width, height } = (await PDFDocument.load(pdf)).getPage(0).getSize();
  const dpi = 200;
  const rendered = await renderPdfPage(file, 0, { dpi, maxPagePixels: 100_000_000 });
  // The band above the scan (the scan is 200 pt tall at 320 px and 115 dpi: take the top third).
  const band = await sharp(rendered)
    .extract({ left: 0, top: 0, width: Math.floor((width * dpi) / 72), height: Math.floor((height * dpi) / 72 / 2) })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const qr = jsQR(
    new Uint8ClampedArray(band.data.buffer, band.data.byteOffset, band.data.length),
    band.info.width,
    band.info.height,
  );
  expect(qr?.data).toMatch(new RegExp(`/verify/outgoing/${year}/000001\\?sha256=[0-9a-f]{64}$`));
  const check = await fetch(`${server!.url}${new URL(qr!.data).pathname}${new URL(qr!.data).search}`, {
    headers: { accept: 'application/json' },
  });
  expect(await check.json()).toMatchObject({ registryNo: reply.registryNo, exists: true, authentic: true });
});

test('the next incoming letter, by the CLI with its own reference, is incoming 2 in the old form', async () => {
  const file = path.join(dir, 'second.png');
  fs.writeFileSync(file, await page(3));
  const { code, out } = await runCli(server!, [
    'ingest',
    file,
    '--register',
    'incoming',
    '--external-ref',
    'ق-991',
    '--external-date',
    '2026-12-01',
    '--correspondent',
    'وزاره الماليه',
    '--wait',
    '--json',
  ]);
  expect(code).toBe(0);
  const res = JSON.parse(out) as { id: string; registryNo: string };
  expect(res.registryNo).toBe(`${year}/000002`);
  second = await view(res.id);
  // The same ministry however it is typed: one correspondent.
  expect(second.correspondent?.id).toBe(letter.correspondent!.id);
  expect(second).toMatchObject({ externalRef: 'ق-991', externalDate: '2026-12-01' });
});

test("the sender's reference is found by search, and the register filters and counts", async () => {
  const hit = async (q: string, extra = '') => {
    const res = (await (await api(`/api/v1/search?q=${encodeURIComponent(q)}${extra}`)).json()) as {
      hits: Array<{ id: string; register: string; externalRef: string | null }>;
      facets: { register: Record<string, number> };
    };
    return res;
  };
  expect((await hit(REF)).hits.map((h) => h.id)).toEqual([letter.id]);
  expect((await hit('م/78/2026')).hits.map((h) => h.id)).toEqual([letter.id]);
  const outgoing = await hit('', '&register=outgoing');
  expect(outgoing.hits.map((h) => h.id)).toEqual([reply.id]);
  const all = await hit('', `&year=${year}`);
  expect(all.facets.register).toEqual({ incoming: 2, outgoing: 1 });
  const { code, out } = await runCli(server!, ['search', '--register', 'outgoing', '--json']);
  expect(code).toBe(0);
  expect((JSON.parse(out) as { hits: Array<{ id: string }> }).hits.map((h) => h.id)).toEqual([reply.id]);
});

test('a correspondent is found by its Arabic and Latin names, with its letters to and from', async () => {
  const id = letter.correspondent!.id;
  const edited = await post(`/api/v1/correspondents/${id}`, { nameEn: 'Ministry of Finance', kind: 'ministry' });
  expect(edited.status).toBe(200);
  // The letters are indexed again under the new name by a job (a correspondent may have thousands of letters).
  const { reindexJob } = (await edited.json()) as { reindexJob: string };
  expect(reindexJob).toBeDefined();
  let job = { state: 'queued', result: null as unknown };
  for (let i = 0; i < 200 && job.state !== 'done' && job.state !== 'failed'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    job = (await (await api(`/api/v1/jobs/${reindexJob}`)).json()) as typeof job;
  }
  expect(job).toMatchObject({ state: 'done', result: { documents: 3 } });
  const find = async (q: string) =>
    (
      (await (await api(`/api/v1/correspondents?q=${encodeURIComponent(q)}`)).json()) as { items: Array<{ id: string }> }
    ).items.map((c) => c.id);
  expect(await find('الماليه')).toEqual([id]);
  expect(await find('وزارة المالية')).toEqual([id]);
  expect(await find('finance')).toEqual([id]);
  expect(await find('شركة')).toEqual([]);
  const one = (await (await api(`/api/v1/correspondents/${id}`)).json()) as {
    nameEn: string;
    kind: string;
    letters: { total: number; totalExact: boolean; items: Array<{ id: string }> };
  };
  expect(one).toMatchObject({ nameEn: 'Ministry of Finance', kind: 'ministry' });
  expect(one.letters.total).toBe(3);
  expect(one.letters.totalExact).toBe(true);
  // A page of its letters is read newest first from the index in that order, not sorted from all of its letters.
  const { page } = lettersQueries(id, { classifications: null, departments: null, limit: 50, offset: 0 });
  const plan = await server!.core.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${page.text}`, page.values);
  expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Index Scan using documents_correspondent_newest_idx/);
  expect(one.letters.items.map((d) => d.id)).toEqual([second.id, reply.id, letter.id]);
  // Its Latin name finds its letters in search (they were indexed again by the job).
  const res = (await (await api('/api/v1/search?q=finance')).json()) as { hits: Array<{ id: string }> };
  expect(res.hits.map((h) => h.id).sort()).toEqual([letter.id, reply.id, second.id].sort());
});

test('an unknown register, a bad date or an unknown number: 400, and nothing is registered', async () => {
  const before = await total();
  const cases: Array<[Record<string, string>, string]> = [
    [{ register: 'minister' }, 'unknown_register'],
    [{ externalDate: '2026-02-31' }, 'bad_external_date'],
    [{ inReplyTo: `${year}/000999` }, 'unknown_registry_no'],
  ];
  for (const [fields, error] of cases) {
    const res = await server!.upload(await page(9), 'bad.png', fields);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; message: string; messageEn: string };
    expect(body.error).toBe(error);
    expect(body.message).toMatch(/[\u0600-\u06FF]/);
  }
  expect(await total()).toBe(before);
  const cli = await runCli(server!, ['ingest', path.join(dir, 'second.png'), '--register', 'nope-book', '--json']);
  expect(cli.code).not.toBe(0);
  expect(await total()).toBe(before);
});

test('registers are added by an administrator; links are added and removed with a reason', async () => {
  const add = await runCli(server!, [
    'registers',
    'add',
    'minister',
    '--name-ar',
    'مكتب الوزير',
    '--name-en',
    "Minister's office",
    '--letter-ar',
    'م',
    '--letter-en',
    'MIN',
    '--direction',
    'internal',
  ]);
  expect(add.code).toBe(0);
  expect(
    (
      await post('/api/v1/registers', {
        code: 'minister',
        nameAr: 'x',
        nameEn: 'x',
        letterAr: 'x',
        letterEn: 'x',
        direction: 'in',
      })
    ).status,
  ).toBe(409);
  // Nor a new book with another's letter: «ص ٢٠٢٦/١» must name one book.
  const sameLetter = {
    code: 'ministers-out',
    nameAr: 'صادر الوزير',
    nameEn: 'x',
    letterAr: 'ص',
    letterEn: 'MOUT',
    direction: 'out',
  };
  expect((await post('/api/v1/registers', sameLetter)).status).toBe(409);
  expect((await post('/api/v1/registers', { ...sameLetter, letterAr: 'ز', letterEn: 'out' })).status).toBe(409);
  const list = await runCli(server!, ['registers', '--json']);
  expect((JSON.parse(list.out) as Array<{ code: string }>).map((r) => r.code)).toEqual([
    'incoming',
    'outgoing',
    'internal',
    'minister',
  ]);

  const follows = await post(`/api/v1/documents/${second.id}/links`, { to: letter.registryNo, kind: 'follows' });
  expect(follows.status).toBe(201);
  const link = (await follows.json()) as { id: number };
  const cancels = await post(`/api/v1/documents/${second.id}/links`, { to: reply.registryNo, kind: 'cancels' });
  expect(cancels.status).toBe(201);
  const removed = await post(`/api/v1/documents/${second.id}/links/${link.id}/remove`, { reason: 'رُبطت خطأً' });
  expect(removed.status).toBe(200);
  expect(await removed.json()).toMatchObject({ removedReason: 'رُبطت خطأً' });
  expect((await post(`/api/v1/documents/${second.id}/links/${link.id}/remove`, { reason: 'again' })).status).toBe(404);
  const v = await view(second.id);
  expect(v.links.from.map((l) => [l.kind, l.id])).toEqual([['cancels', reply.id]]);
  expect((await api(`/api/v1/documents/${second.id}/links/1`, { method: 'DELETE' })).status).toBe(405);
});

test('the viewer shows the register, the number as written, the correspondent and the replies', async () => {
  const html = async (p: string) => {
    const res = await api(p);
    expect(res.status).toBe(200);
    return res.text();
  };
  const doc = await html(`/documents/${reply.id}`);
  expect(doc).toContain('id="registry"');
  expect(doc).toContain(`ص ${toArabicIndic(`${year}/1`)}`);
  expect(doc).toContain(`href="/correspondents/${letter.correspondent!.id}"`);
  expect(doc).toMatch(new RegExp(`id="doc-in-reply-to"[^]*/documents/${letter.id}`));
  const corr = await html(`/correspondents/${letter.correspondent!.id}`);
  for (const d of [letter, reply, second]) expect(corr).toContain(`/documents/${d.id}`);
  const found = await html(`/correspondents?q=${encodeURIComponent('وزاره')}`);
  expect(found).toContain(`/correspondents/${letter.correspondent!.id}`);
  const search = await html('/search?register=outgoing');
  expect(search).toContain(`data-registry-no="${reply.registryNo}"`);
  expect(search).not.toContain(`data-registry-no="${letter.registryNo}"`);
  expect(search).toContain('id="facet-register"');
  const upload = await html('/upload');
  expect(upload).toMatch(/<select name="register" id="upload-register">\s*<option value="incoming"/);
});

test('a restore from offsite brings back both books, their sequences, the register, the correspondent and the links', async () => {
  // The correspondent's Arabic name changes: its letters' written name follows, and so it must after a restore.
  const renamed = 'وزارة المالية والاقتصاد';
  expect((await post(`/api/v1/correspondents/${letter.correspondent!.id}`, { nameAr: renamed })).status).toBe(200);
  expect((await view(letter.id)).correspondentName).toBe(renamed);
  // The ledger's tail goes offsite with a checkpoint; every file is replicated.
  expect((await runCli(server!, ['audit', 'checkpoint', '--json'])).code).toBe(0);
  const status = JSON.parse((await runCli(server!, ['replicate', '--status', '--json'])).out) as { pending: number };
  expect(status.pending).toBe(0);
  await server!.stop();
  server = undefined;
  env = await restoreTarget(env, 'books', { index: true });
  const { code, out } = await runCliWith(env, ['restore', '--from', 'offsite', '--json']);
  const report = JSON.parse(out) as {
    problems: string[];
    documents: { restored: number };
    registry: Array<{ register: string; year: number; lastSeq: number }>;
    registryWork: { replayed: number; skipped: number };
  };
  expect(report.problems).toEqual([]);
  expect(code).toBe(0);
  expect(report.documents.restored).toBe(3);
  expect(report.registry).toEqual([
    { register: 'incoming', year, lastSeq: 2 },
    { register: 'outgoing', year, lastSeq: 1 },
  ]);
  expect(report.registryWork.skipped).toBe(0);

  server = await startTestServer(env);
  const [a, b, c] = [await view(letter.id), await view(reply.id), await view(second.id)];
  expect(a).toMatchObject({ registryNo: letter.registryNo, register: 'incoming', externalRef: REF, replies: [{ id: reply.id }] });
  expect(b).toMatchObject({ registryNo: reply.registryNo, register: 'outgoing', inReplyTo: [{ id: letter.id }] });
  expect(b.correspondent).toMatchObject({
    id: letter.correspondent!.id,
    nameAr: renamed,
    nameEn: 'Ministry of Finance',
    kind: 'ministry',
  });
  expect([a.correspondentName, b.correspondentName]).toEqual([renamed, renamed]);
  expect(c.links.from.map((l) => [l.kind, l.id])).toEqual([['cancels', reply.id]]);
  const regs = (await (await api('/api/v1/registers')).json()) as { items: Array<{ code: string }> };
  expect(regs.items.map((r) => r.code)).toContain('minister');
  // The outgoing book goes on from where it was.
  const next = await server.upload(await page(4), 'next.png', { register: 'outgoing' });
  expect(((await next.json()) as { registryNo: string }).registryNo).toBe(`outgoing/${year}/000002`);
});
