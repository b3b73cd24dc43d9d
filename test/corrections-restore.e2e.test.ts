/**
 * A restored archive has its corrections: a record corrected and a page's
 * text corrected by a person, then the building lost (database, primary
 * bucket, search index). `diwan restore --from offsite` puts the document
 * back as registered and replays the ledger's 'corrected' and
 * 'text-corrected' entries: the record is the corrected one with its
 * history, the person's text version is back and current beside the
 * machine's, and search finds the corrected title and text. A document read
 * again by the machine after a person corrected it gets the person's version
 * back too, kept but not current.
 */
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { isolatedEnv, restoreTarget, runCli, runCliWith, startTestServer, type DocumentJson, type TestServer } from './helpers';

jest.setTimeout(300_000);

let env: NodeJS.ProcessEnv;
let server: TestServer | undefined;
let doc: DocumentJson;
/** Corrected by a person, then read again by the machine. */
let reread: DocumentJson;
const TEXT = 'محضر اجتماع لجنة المشتريات\nالمنعقد يوم الأحد لمراجعة العقود الاستثنائية';

const json = (body: unknown): RequestInit => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(async () => {
  env = await isolatedEnv();
  server = await startTestServer(env);
  const up = await server.upload(
    await renderArabicScan(['محضر اجتماع لجنة المشتريات', 'المنعقد يوم الأحد'], { seed: 77 }),
    'محضر.jpg',
    {
      title: 'محضر قديم',
    },
  );
  doc = await server.waitFor(((await up.json()) as { id: string }).id);
  expect(doc.status).toBe('archived');
  const patch = await server.api(`/api/v1/documents/${doc.id}`, {
    method: 'PATCH',
    ...json({ title: 'محضر لجنة العقود', reason: 'عنوان أوضح' }),
  });
  expect(patch.status).toBe(200);
  const text = await server.api(`/api/v1/documents/${doc.id}/pages/1/text`, {
    method: 'POST',
    ...json({ text: TEXT, reason: 'كلمة ناقصة' }),
  });
  expect(text.status).toBe(201);
  const up2 = await server.upload(
    await renderArabicScan(['تعميم بشأن ساعات الدوام', 'يرجى الالتزام بالمواعيد'], { seed: 78 }),
    'تعميم.jpg',
  );
  const id2 = ((await up2.json()) as { id: string }).id;
  expect((await server.waitFor(id2)).status).toBe('archived');
  const text2 = await server.api(`/api/v1/documents/${id2}/pages/1/text`, {
    method: 'POST',
    ...json({ text: 'تعميم بشأن ساعات الدوام الرسمي', reason: 'تصحيح يدوي' }),
  });
  expect(text2.status).toBe(201);
  expect((await runCli(server, ['reocr', id2, '--layout', 'block', '--reason', 'قراءة ثانية', '--wait', '--json'])).code).toBe(0);
  reread = (await (await server.api(`/api/v1/documents/${id2}`)).json()) as DocumentJson;
  // The daily checkpoint also exports the ledger's tail to both buckets.
  expect((await runCli(server, ['audit', 'checkpoint', '--json'])).code).toBe(0);

  await server.stop();
  server = undefined;
  const meili = await fetch(`${env.MEILI_URL}/indexes/${env.MEILI_INDEX}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${env.MEILI_MASTER_KEY}` },
  });
  expect(meili.status).toBe(202);
  env = await restoreTarget(env, 'restored');
});

afterAll(async () => {
  await server?.stop();
});

test('restore brings back the corrected record, its history and the person’s text version', async () => {
  const { code, out } = await runCliWith(env, ['restore', '--from', 'offsite', '--json']);
  const report = JSON.parse(out) as { problems: string[]; registryWork: { replayed: number; skipped: number } };
  expect(report.problems).toEqual([]);
  expect(code).toBe(0);
  expect(report.registryWork).toEqual({ replayed: 3, skipped: 0 });

  server = await startTestServer(env);
  const back = (await (await server.api(`/api/v1/documents/${doc.id}`)).json()) as DocumentJson & {
    title: string;
    textVersion: number;
  };
  expect(back).toMatchObject({
    registryNo: doc.registryNo,
    title: 'محضر لجنة العقود',
    textVersion: 2,
    sha256: { original: doc.sha256.original, archive: doc.sha256.archive },
  });
  expect(back.pages[0]).toMatchObject({ text: TEXT, confidence: 100 });

  const history = (await (await server.api(`/api/v1/documents/${doc.id}/history`)).json()) as {
    history: Array<{ kind: string; reason: string | null; changes: Record<string, unknown> }>;
  };
  expect(history.history.map((h) => h.kind)).toEqual(['registered', 'corrected', 'text-corrected']);
  expect(history.history[1]).toMatchObject({
    reason: 'عنوان أوضح',
    changes: { title: { before: 'محضر قديم', after: 'محضر لجنة العقود' } },
  });

  const versions = (await (await server.api(`/api/v1/documents/${doc.id}/text-versions`)).json()) as {
    versions: Array<{ version: number; source: string; current: boolean; by: string | null; reason: string | null }>;
  };
  expect(versions.versions.map((v) => [v.version, v.source, v.current])).toEqual([
    [1, 'ocr', false],
    [2, 'person', true],
  ]);
  expect(versions.versions[1]).toMatchObject({ by: 'administrator token', reason: 'كلمة ناقصة' });

  const hits = async (q: string) =>
    ((await (await server!.api(`/api/v1/search?q=${encodeURIComponent(q)}`)).json()) as { hits: Array<{ id: string }> }).hits.map(
      (h) => h.id,
    );
  expect(await hits('الاستثنائية')).toEqual([doc.id]);
  expect(await hits('العقود')).toEqual([doc.id]);
  expect(await hits('قديم')).toEqual([]);

  // Read again after the person's correction: the machine's later reading stays current, the person's is kept.
  const again = (await (await server.api(`/api/v1/documents/${reread.id}/text-versions`)).json()) as {
    versions: Array<{ version: number; source: string; current: boolean }>;
  };
  expect(again.versions.map((v) => [v.version, v.source, v.current])).toEqual([
    [1, 'ocr', false],
    [2, 'person', false],
    [3, 're-ocr', true],
  ]);
  const rereadBack = (await (await server.api(`/api/v1/documents/${reread.id}`)).json()) as DocumentJson;
  expect(rereadBack.pages.map((p) => p.text)).toEqual(reread.pages.map((p) => p.text));
});
