/**
 * The audit page's charts on a real archive: two letters ingested, then the
 * page's SVG charts read back and held against the rows they come from —
 * registrations per day, pages per stage, each copy's fixity (before a check,
 * after one, and with a copy marked missing), and the offsite delay per day.
 * A past day's figures are kept once final (a day whose document still waits
 * for its offsite copy is not), and read from the kept rows after. In
 * Chromium, the page passes axe-core with no serious violation and its charts
 * stay within a 360 px screen.
 */
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { isolatedEnv, startTestServer, TOKEN, type TestServer } from './helpers';

jest.setTimeout(300_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let server: TestServer;
let ids: string[];

/** The page with its layout whitespace gone (text kept), as a reader's markup. */
async function auditPage(query = 'lang=en'): Promise<string> {
  const res = await server.api(`/audit?${query}`);
  expect(res.status).toBe(200);
  return (await res.text())
    .replace(/\s+/g, ' ')
    .replace(/\s*(<[^>]+>)\s*/g, '$1')
    .replace(/\s+>/g, '>');
}

/** One chart's SVG element, by its id. */
function chart(page: string, id: string): string {
  return new RegExp(`<svg[^>]* id="${id}"[\\s\\S]*?</svg>`).exec(page)![0];
}

const values = (markup: string, element: string) =>
  [...markup.matchAll(new RegExp(`<${element}\\b[^>]* data-value="([^"]*)"`, 'g'))].map((m) => Number(m[1]));

/** The segments of one stacked bar (a copy), by key. */
function stack(svg: string, label: string): Record<string, number> {
  const g = new RegExp(`<g class="stack" data-label="${label}">(.*?)</g>`).exec(svg)![1]!;
  return Object.fromEntries([...g.matchAll(/data-key="([^"]*)" data-value="([^"]*)"/g)].map((m) => [m[1], Number(m[2])]));
}

/** Each document's delay from its record stage to its last offsite copy, as the rows say (seconds), by id. */
async function delays(): Promise<Map<string, number>> {
  const { rows } = await server.core.db.query<{ id: string; record: string; copied: Date }>(
    `SELECT d.id, d.stages->>'record' AS record, max(r.verified_at) AS copied
     FROM documents d JOIN replicas r ON r.document_id = d.id GROUP BY d.id`,
  );
  return new Map(rows.map((r) => [r.id, (r.copied.getTime() - new Date(r.record).getTime()) / 1000]));
}

/** One line of the delay chart (its dots), by its name. */
function series(page: string, label: string): string {
  return new RegExp(`<g class="series" data-label="${label}">(.*?)</g>`).exec(chart(page, 'chart-lag'))![1]!;
}

beforeAll(async () => {
  // No scheduled fixity run: the page shows what this test did, nothing else.
  server = await startTestServer(await isolatedEnv({ DIWAN_FIXITY_HOURS: '0' }));
  const letters = [
    ['سجل الوارد', 'كتاب بشأن الميزانية'],
    ['سجل الصادر', 'تعميم بشأن الدوام'],
  ];
  ids = [];
  for (const [i, lines] of letters.entries()) {
    const scan = await renderArabicScan(lines, { seed: 300 + i, width: 900, height: 600 });
    const res = await server.upload(scan, `letter-${i}.jpg`);
    ids.push(((await res.json()) as { id: string }).id);
  }
  for (const id of ids) expect((await server.waitFor(id)).status).toBe('archived');
});

afterAll(async () => {
  await server?.stop();
});

test("today's registrations, pages per stage, each copy's fixity and the offsite delay, as the rows say", async () => {
  const db = server.core.db;
  const files = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM artefacts')).rows[0]!.n;
  let page = await auditPage();

  const registered = values(chart(page, 'chart-registered'), 'rect');
  expect(registered).toHaveLength(30);
  expect(registered.at(-1)).toBe(2);
  expect(registered.slice(0, -1).every((v) => v === 0)).toBe(true);

  // Pages: each letter is one page, both archived; no stage has any waiting.
  expect(values(chart(page, 'chart-stages'), 'rect')).toEqual([0, 0, 0, 0, 0, 0, 2, 0]);
  expect(page).toContain('<tr><th scope="row">Archived</th><td>2</td><td>2</td></tr>');

  // Before any check every copy of every file waits for its first; after a sweep all are intact.
  const before = chart(page, 'chart-fixity');
  expect(stack(before, 'Primary copy')).toEqual({ unchecked: files });
  expect(stack(before, 'Offsite copy')).toEqual({ unchecked: files });
  expect((await server.job('/api/v1/fixity')).state).toBe('done');
  page = await auditPage();
  expect(stack(chart(page, 'chart-fixity'), 'Primary copy')).toEqual({ ok: files });
  // A copy found missing moves from one state to the other, on that copy only (the per-copy kept counts).
  await db.query(`UPDATE fixity SET state = 'missing' WHERE target = 'offsite' AND key = (SELECT min(key) FROM fixity)`);
  page = await auditPage();
  expect(stack(chart(page, 'chart-fixity'), 'Offsite copy')).toEqual({ ok: files - 1, missing: 1 });
  expect(stack(chart(page, 'chart-fixity'), 'Primary copy')).toEqual({ ok: files });
  await db.query(`UPDATE fixity SET state = 'ok' WHERE state = 'missing'`);

  // The delay: today's median and longest from the documents' own times.
  const d = [...(await delays()).values()];
  expect(values(series(page, 'Median'), 'circle')).toEqual([expect.closeTo((d[0]! + d[1]!) / 2, 0)]);
  expect(values(series(page, 'Longest'), 'circle')).toEqual([expect.closeTo(Math.max(...d), 0)]);

  // In Arabic: the same charts, right to left, with Arabic-Indic digits.
  const ar = await auditPage('lang=ar');
  const drawn = [...chart(ar, 'chart-registered').matchAll(/<text class="(?:tick|label)"[^>]*>([^<]*)</g)]
    .map((m) => m[1])
    .join(' ');
  expect(drawn).toMatch(/[٠-٩]/);
  expect(drawn).not.toMatch(/[0-9]/);
  expect(chart(ar, 'chart-registered')).toContain('direction="rtl"');
  expect(ar).toContain('<title id="chart-lag-title">تأخر النسخة الخارجية</title>');
});

test('a past day is kept once final, and a day whose document still waits for its offsite copy is not', async () => {
  const db = server.core.db;
  const [a] = ids as [string];
  // This test rewrites the past, which the first test's page views kept as it was (empty): start from nothing kept.
  await db.query('DELETE FROM audit_days');
  // The first letter as if registered and archived five days ago, its offsite copy an hour later than it was, and
  // not complete yet (its replicate stage not done).
  const stages = (await db.query<{ stages: Record<string, string> }>('SELECT stages FROM documents WHERE id = $1', [a])).rows[0]!
    .stages;
  const moved = (k: string, ms: number) => new Date(new Date(stages[k]!).getTime() + ms).toISOString();
  await db.query(
    `UPDATE documents SET created_at = created_at - interval '5 days', stages = (stages - 'replicate') || jsonb_build_object('record', $2::text)
     WHERE id = $1`,
    [a, moved('record', -5 * 86400_000)],
  );
  await db.query(`UPDATE replicas SET verified_at = verified_at - interval '5 days' + interval '1 hour' WHERE document_id = $1`, [
    a,
  ]);
  const delay = (await delays()).get(a)!;
  expect(delay).toBeGreaterThan(3600);

  let page = await auditPage();
  expect(values(chart(page, 'chart-registered'), 'rect').slice(-6)).toEqual([1, 0, 0, 0, 0, 1]);
  // Still waiting: counted with its wait so far, five days.
  expect(values(series(page, 'Longest'), 'circle')[0]).toBeGreaterThan(5 * 86400 - 60);
  const kept = async (name: string) =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_days WHERE series LIKE $1 || '|%'`, [name])).rows[0]!.n;
  expect(await kept('registered')).toBe(28);
  expect(await kept('offsite-lag:offsite')).toBe(27);

  // Copied: the day's figures are computed again, and now kept.
  await db.query(`UPDATE documents SET stages = stages || jsonb_build_object('replicate', $2::text) WHERE id = $1`, [
    a,
    moved('replicate', -5 * 86400_000 + 3600_000),
  ]);
  page = await auditPage();
  expect(values(series(page, 'Longest'), 'circle')[0]).toBeCloseTo(delay, 0);
  expect(await kept('offsite-lag:offsite')).toBe(28);

  // Kept days are read, not counted again: a registration moved one more day back leaves the kept day as it was.
  await db.query(`UPDATE documents SET created_at = created_at - interval '1 day' WHERE id = $1`, [a]);
  page = await auditPage();
  expect(values(chart(page, 'chart-registered'), 'rect').slice(-7)).toEqual([0, 1, 0, 0, 0, 0, 1]);

  // The longer window: 90 days, its older days counted once and kept.
  page = await auditPage('lang=en&days=90');
  expect(values(chart(page, 'chart-registered'), 'rect')).toHaveLength(90);
  expect(page).toContain('<a href="/audit?days=90" aria-current="page">');
  expect(await kept('registered')).toBe(88);
});

const inBrowser = fs.existsSync(CHROMIUM) ? test : test.skip;

inBrowser('in Chromium: no serious accessibility violation, the charts within the width at 360 px', async () => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    // The token as a header, and axe injected past the page's Content-Security-Policy (which allows no inline script).
    const context = await browser.newContext({ bypassCSP: true, extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` } });
    const page = await context.newPage();
    for (const [lang, width] of [
      ['ar', 360],
      ['en', 1366],
    ] as const) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${server.url}/audit?lang=${lang}`);
      expect(await page.locator('svg[role="img"]').count()).toBe(4);
      // The charts stay within the page's width (evaluated in the page: this file's types have no DOM).
      const { left, right, client } = (await page.evaluate(`(() => {
        const box = document.getElementById('audit-charts').getBoundingClientRect();
        return { left: box.left, right: box.right, client: document.documentElement.clientWidth };
      })()`)) as { left: number; right: number; client: number };
      expect(left).toBeGreaterThanOrEqual(0);
      expect(right).toBeLessThanOrEqual(client);
      await page.evaluate(fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
      const violations = await page.evaluate(async () => {
        const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string }> }> } })
          .axe;
        return (await axe.run()).violations.map((v) => `${v.impact}: ${v.id}`);
      });
      expect(violations.filter((v) => /^(serious|critical)/.test(v))).toEqual([]);
    }
  } finally {
    await browser.close();
  }
});
