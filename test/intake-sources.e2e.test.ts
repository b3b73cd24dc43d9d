/**
 * What came from where is counted: a batch from the upload page (source web) and one from `diwan ingest`
 * (source cli, its duplex choice kept) show in /metrics by source and kind, in the upload page's table of the
 * last 30 days, and in each batch's view (rows by kind). The upload page's picker takes Office files and
 * e-mail messages and offers how the scanner fed the paper; an unknown duplex is a clear 400.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bornDigitalPdf, BORN_DIGITAL_PAGES } from '../scripts/fixtures/pdfs';
import { countIntake } from '../storage/repos/intakeCounts';
import { runCli, startTestServer, type TestServer } from './helpers';

jest.setTimeout(120_000);

let server: TestServer;
let dir: string;
/** Distinct born-digital PDFs (a text layer: nothing to read by OCR), each a comment apart. */
let pdfs: Buffer[];
const PAGES = BORN_DIGITAL_PAGES.length;

beforeAll(async () => {
  server = await startTestServer();
  const pdf = await bornDigitalPdf();
  pdfs = [1, 2, 3].map((i) => Buffer.concat([pdf, Buffer.from(`%variant ${i}\n`)]));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-sources-'));
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

test('a web batch and a CLI batch are counted by source in /metrics, the upload page and the batch view', async () => {
  // The upload page's script creates its batch so: source web, the duplex chosen.
  const made = await server.api('/api/v1/batches', json({ name: 'من صفحة الرفع', source: 'web', duplex: 'passes' }));
  expect(made.status).toBe(201);
  const web = (await made.json()) as { id: string; source: string; duplex: string };
  expect(web).toMatchObject({ source: 'web', duplex: 'passes' });
  const form = new FormData();
  form.append('files', new Blob([pdfs[0]!]), 'خطاب.pdf');
  expect((await server.api(`/api/v1/batches/${web.id}/files`, { method: 'POST', body: form })).status).toBe(202);

  // `diwan ingest` with two files, both sides scanned.
  for (const i of [1, 2]) fs.writeFileSync(path.join(dir, `letter-${i}.pdf`), pdfs[i]!);
  const cli = await runCli(server, ['ingest', dir, '--batch', 'من سطر الأوامر', '--duplex', 'duplex', '--quiet', '--json']);
  expect(cli.code).toBe(0);
  const report = JSON.parse(cli.out) as { batchId: string; totals: { documents: number } };
  expect(report.totals).toMatchObject({ documents: 2, separators: 0, blankPages: 0, labelsRefused: 0 });

  // A watched folder's stack, counted as the intake route counts it: two separators, three blank pages dropped.
  await countIntake(server.core.db, 'folder', { documents: [], separators: 2, blankPages: 3 });

  const metrics = await (await server.api('/metrics')).text();
  const series = (name: string, labels: string) => new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(metrics)?.[1];
  expect(series('diwan_intake_documents_total', 'source="web",kind="file"')).toBe('1');
  expect(series('diwan_intake_documents_total', 'source="cli",kind="file"')).toBe('2');
  expect(series('diwan_intake_pages_total', 'source="cli",kind="file"')).toBe(String(2 * PAGES));
  expect(series('diwan_intake_documents_total', 'source="api",kind="file"')).toBe('0');
  expect(series('diwan_intake_separators_total', 'source="folder"')).toBe('2');
  expect(series('diwan_intake_blank_pages_dropped_total', 'source="folder"')).toBe('3');
  expect(series('diwan_intake_separators_total', 'source="web"')).toBe('0');

  // Each batch says where it came from, how it was fed, and its rows by kind.
  const batch = async (id: string) => (await (await server.api(`/api/v1/batches/${id}`)).json()) as Record<string, unknown>;
  const none = { separators: 0, blankPages: 0, labelsUsed: 0, labelsRefused: 0 };
  expect(await batch(web.id)).toMatchObject({
    source: 'web',
    duplex: 'passes',
    intake: { kinds: { file: 1, stack: 0, office: 0, email: 0, attachment: 0 }, ...none },
  });
  expect(await batch(report.batchId)).toMatchObject({ source: 'cli', duplex: 'duplex', intake: { kinds: { file: 2 }, ...none } });

  // The upload page: what came in over the last 30 days, by source.
  const page = await (await server.api('/upload?lang=en')).text();
  const row = (source: string) => {
    const tr = new RegExp(`<tr data-source="${source}">([\\s\\S]*?)</tr>`).exec(page)?.[1] ?? '';
    return Object.fromEntries([...tr.matchAll(/<td data-col="(\w+)">(\d+)<\/td>/g)].map((m) => [m[1], Number(m[2])]));
  };
  expect(page).toContain('What came in (last 30 days)');
  expect(row('web')).toEqual({ documents: 1, pages: PAGES, blankPages: 0, separators: 0 });
  expect(row('cli')).toEqual({ documents: 2, pages: 2 * PAGES, blankPages: 0, separators: 0 });
  expect(row('folder')).toEqual({ documents: 0, pages: 0, blankPages: 3, separators: 2 });
  expect(row('total')).toEqual({ documents: 3, pages: 3 * PAGES, blankPages: 3, separators: 2 });
  // In Arabic, with the Arabic names of the sources and Arabic-Indic digits.
  const ar = await (await server.api('/upload?lang=ar')).text();
  expect(ar).toContain('ما ورد (آخر ٣٠ يومًا)');
  expect(ar).toMatch(/<th scope="row">سطر الأوامر<\/th>\s*<td data-col="documents">٢<\/td>/);
});

test("the upload page's picker takes Office files and e-mail, and offers how the scanner fed the paper", async () => {
  const page = await (await server.api('/upload?lang=ar')).text();
  const accept = /<input type="file" class="visually-hidden" id="files"[^>]* accept="([^"]+)"/.exec(page)?.[1]?.split(',') ?? [];
  expect(accept).toEqual(expect.arrayContaining(['.docx', '.xlsx', '.odt', '.rtf', '.eml', 'application/pdf', 'image/tiff']));
  expect(page).toContain('مستندات أوفيس');
  const options = [
    ...(/<select name="duplex"[^>]*>([\s\S]*?)<\/select>/.exec(page)?.[1] ?? '').matchAll(/value="(\w+)">([^<]+)/g),
  ];
  expect(options.map((o) => [o[1], o[2]])).toEqual([
    ['simplex', 'وجه واحد'],
    ['duplex', 'الوجهان معًا (تُحذف الظهور الفارغة)'],
    ['passes', 'دفعتان: الوجوه ثم الظهور'],
  ]);
  expect(page).toContain('<script src="/assets/upload.js" defer></script>');
});

test('a batch with an unknown duplex is refused with a 400 that names the field', async () => {
  const res = await server.api('/api/v1/batches', json({ name: 'دفعة', duplex: 'sideways' }));
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: string; messageEn: string };
  expect(body.error).toBe('bad_request');
  expect(body.messageEn).toMatch(/duplex/);
});
