/**
 * Search as people use it, on real services: variant spellings, prefixes,
 * registry numbers in any digit style, filters and facets, snippets and word
 * boxes, the caller's clearance, and a rebuild after the index is wiped.
 */
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { createSearchIndex } from '../search/searchIndex';
import { ensureIndexFormat, INDEX_FORMAT } from '../search/reindex';
import { main } from '../src/cli/main';
import { toArabicIndic } from '../kernel/text';
import { startTestServer, TOKEN, type TestServer } from './helpers';

let server: TestServer;
const ids: Record<'leave' | 'circular' | 'budget', string> = { leave: '', circular: '', budget: '' };
const registry: Record<string, string> = {};

interface Result {
  total: number;
  registryMatch: string | null;
  facets: { docType: Record<string, number>; department: Record<string, number>; year: Record<string, number> };
  hits: Array<{
    id: string;
    registryNo: string;
    page: number;
    snippet: string;
    boxes?: number[][];
    title: string;
    classification: string;
  }>;
}

async function search(params: Record<string, string>): Promise<Result> {
  const res = await server.api(`/api/v1/search?${new URLSearchParams(params)}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Result;
}

beforeAll(async () => {
  server = await startTestServer();
  const docs = [
    {
      key: 'leave' as const,
      lines: ['وزارة المالية', 'طلب إجازة سنوية للموظف', 'مع الشكر والتقدير'],
      fields: {
        title: 'طلب إجازة',
        docType: 'request',
        department: 'الموارد البشرية',
        classification: 'public',
        docDate: '2026-03-01',
        correspondent: 'مديرية الرواتب',
      },
    },
    {
      key: 'circular' as const,
      lines: ['وزارة الصحة', 'تعميم بشأن ساعات الدوام الرسمي', 'يعمل به من تاريخه'],
      fields: {
        title: 'تعميم الدوام',
        docType: 'circular',
        department: 'الشؤون الإدارية',
        classification: 'confidential',
        docDate: '2025-12-10',
      },
    },
    {
      key: 'budget' as const,
      lines: ['وزارة المالية', 'قرار بشأن الموازنة العامة', 'يبلغ إلى الجهات المعنية'],
      fields: {
        title: 'قرار الموازنة',
        docType: 'decision',
        department: 'الموارد البشرية',
        classification: 'secret',
        docDate: '2026-01-15',
      },
    },
  ];
  for (const [i, d] of docs.entries()) {
    const scan = await renderArabicScan(d.lines, { seed: 90 + i, width: 1300, height: 800 });
    const { id } = (await (await server.upload(scan, `${d.key}.jpg`, d.fields as Record<string, string>)).json()) as {
      id: string;
    };
    ids[d.key] = id;
  }
  for (const [key, id] of Object.entries(ids)) registry[key] = (await server.waitFor(id)).registryNo;
});

afterAll(async () => {
  await server?.stop();
});

test('every way of typing the words finds the document', async () => {
  for (const q of ['إجازة', 'اجازه', 'الإجازة', 'والاجازة', 'بالإجازة', 'وزاره الماليه', 'اجازة سنوية', 'مديرية الرواتب']) {
    const r = await search({ q });
    expect({ q, ids: r.hits.map((h) => h.id) }).toEqual({ q, ids: expect.arrayContaining([ids.leave]) });
  }
  const budget = await search({ q: 'والموازنة' });
  expect(budget.hits[0]?.id).toBe(ids.budget);
  expect((await search({ q: 'زراعة الفضاء' })).hits).toHaveLength(0);
});

test('a hit names its page, with the words marked in their printed spelling and boxed on the page', async () => {
  const r = await search({ q: 'اجازه', boxes: 'true' });
  const hit = r.hits.find((h) => h.id === ids.leave)!;
  expect(hit.page).toBe(1);
  expect(hit.snippet).toContain('<mark>إجازة</mark>');
  expect(hit.boxes!.length).toBeGreaterThanOrEqual(1);
  const [x0, y0, x1, y1] = hit.boxes![0]!;
  expect(x1! > x0! && y1! > y0!).toBe(true);
  // Boxes are read only when asked for.
  expect((await search({ q: 'اجازه' })).hits.every((h) => h.boxes === undefined)).toBe(true);
});

test('a registry number finds its document first, typed in either digit style or short', async () => {
  const no = registry.circular!;
  const short = `${no.slice(0, 4)}/${Number(no.slice(5))}`;
  for (const q of [no, toArabicIndic(no), short, toArabicIndic(short)]) {
    const r = await search({ q });
    expect(r.registryMatch).toBe(no);
    expect(r.hits[0]?.id).toBe(ids.circular);
    expect(r.hits).toHaveLength(1);
  }
});

test('filters, sort and facets', async () => {
  const all = await search({ q: 'وزارة' });
  expect(all.total).toBe(3);
  expect(all.facets.docType).toEqual({ request: 1, circular: 1, decision: 1 });
  expect(all.facets.department).toEqual({ 'الموارد البشرية': 2, 'الشؤون الإدارية': 1 });
  expect(Object.values(all.facets.year).reduce((a, b) => a + b, 0)).toBe(3);

  expect((await search({ q: 'وزارة', type: 'circular' })).hits.map((h) => h.id)).toEqual([ids.circular]);
  expect((await search({ q: 'وزارة', department: 'الموارد البشرية' })).hits.map((h) => h.id).sort()).toEqual(
    [ids.leave, ids.budget].sort(),
  );
  expect((await search({ q: 'وزارة', docFrom: '2026-01-01', docTo: '2026-02-28' })).hits.map((h) => h.id)).toEqual([ids.budget]);
  expect((await search({ q: 'وزارة', classification: 'public' })).hits.map((h) => h.id)).toEqual([ids.leave]);
  expect((await search({ q: 'وزارة', needsReview: 'true' })).hits).toHaveLength(0);
  // No query: browse by filter, newest first.
  const browse = await search({ department: 'الموارد البشرية', sort: 'docDateDesc' });
  expect(browse.hits.map((h) => h.id)).toEqual([ids.leave, ids.budget]);
  const page2 = await search({ q: 'وزارة', sort: 'oldest', limit: '1', offset: '1' });
  expect(page2.hits).toHaveLength(1);
  expect(page2.hits[0]!.id).toBe(ids.circular);
  expect((await server.api('/api/v1/search?sort=sideways')).status).toBe(400);
});

test("the caller's clearance hides what is classified above it, facets and counts included", async () => {
  const index = createSearchIndex({
    url: server.core.config.meili!.url,
    key: server.core.config.meili!.key,
    index: server.core.config.meiliIndex,
  });
  const asked = (clearance: 'public' | 'internal' | 'confidential' | 'secret') =>
    index.search({ q: 'وزارة', filters: {}, sort: 'relevance', limit: 20, offset: 0, clearance });
  expect((await asked('public')).hits.map((h) => h.documentId)).toEqual([ids.leave]);
  const confidential = await asked('confidential');
  expect(confidential.hits.map((h) => h.documentId).sort()).toEqual([ids.leave, ids.circular].sort());
  expect(confidential.total).toBe(2);
  expect(confidential.facets.docType).toEqual({ request: 1, circular: 1 });
  expect((await asked('secret')).total).toBe(3);
  // Even a registry number does not reach past it.
  const hidden = await index.search({
    q: registry.budget!,
    filters: {},
    sort: 'relevance',
    limit: 5,
    offset: 0,
    clearance: 'internal',
  });
  expect(hidden.registryMatch).toBeNull();
  expect(hidden.hits.map((h) => h.documentId)).not.toContain(ids.budget);
});

test('the index wiped is rebuilt from the database; the CLI searches with filters and reindexes', async () => {
  const index = createSearchIndex({
    url: server.core.config.meili!.url,
    key: server.core.config.meili!.key,
    index: server.core.config.meiliIndex,
  });
  await index.clear();
  expect(await index.count()).toBe(0);
  expect((await search({ q: 'اجازه' })).hits).toHaveLength(0);

  const saved = { ...process.env };
  Object.assign(process.env, { DIWAN_URL: server.url, DIWAN_TOKEN: TOKEN });
  const out: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  try {
    expect(await main(['reindex', '--json'])).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ documents: 3, pages: 3 });
    out.length = 0;
    expect(await main(['search', 'اجازه', '--type', 'request', '--json'])).toBe(0);
    expect((JSON.parse(out.join('')) as Result).hits.map((h) => h.id)).toEqual([ids.leave]);
    out.length = 0;
    expect(await main(['search', 'وزارة', '--department', 'الموارد البشرية', '--sort', 'oldest'])).toBe(0);
  } finally {
    write.mockRestore();
    process.env = saved;
  }
  const table = out.join('');
  expect(table).toContain('2 نتيجة');
  expect(table).toContain(registry.leave);
  expect(table).toContain(registry.budget);
  expect(await index.count()).toBe(3);
});

test('after an upgrade that changed the index format, the index is rebuilt once, by itself', async () => {
  const core = server.core;
  const deps = { ...core, reviewBelow: core.config.ocr.reviewBelow };
  // This server's start already brought the index to the current format.
  expect(await ensureIndexFormat(deps)).toBeUndefined();
  await core.db.query(`UPDATE diwan_state SET value = '1'::jsonb WHERE key = 'search_index_format'`);
  await core.search.clear();
  expect(await ensureIndexFormat(deps)).toMatchObject({ documents: 3, pages: 3 });
  expect(await core.search.count()).toBe(3);
  const state = await core.db.query<{ value: number }>(`SELECT value FROM diwan_state WHERE key = 'search_index_format'`);
  expect(state.rows[0]!.value).toBe(INDEX_FORMAT);
  expect(await ensureIndexFormat(deps)).toBeUndefined();
});
