import { barChart, lineChart, niceScale, stackedBarChart, type ChartBase } from './charts';
import type { SafeHtml } from './html';
import type { Lang } from './i18n';

/** The markup with its layout whitespace gone (the formatter lays the templates out), text kept. */
const norm = (h: SafeHtml) =>
  h.value
    .replace(/\s+/g, ' ')
    .replace(/\s*(<[^>]+>)\s*/g, '$1')
    .replace(/\s+>/g, '>');

const base = (lang: Lang, id = 'c'): ChartBase => ({
  id,
  lang,
  title: 'Title <t>',
  desc: 'What it shows',
  categoryHeading: 'Day',
});

/** Every element `tag` with attribute `attr`, in document order. */
function attrs(svg: string, tag: string, attr: string, cls?: string): number[] {
  const re = new RegExp(`<${tag}\\b[^>]*>`, 'g');
  return [...svg.matchAll(re)]
    .map((m) => m[0])
    .filter((e) => !cls || e.includes(`class="${cls}"`))
    .map((e) => Number(new RegExp(`\\s${attr}="([^"]*)"`).exec(e)![1]));
}

/** The text a person sees drawn in the chart (axis ticks and labels). */
function drawnText(svg: string): string {
  return [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]).join(' ');
}

const svgOf = (figure: string) => /<svg[\s\S]*?<\/svg>(?=<p|<details)/.exec(figure)![0];

test('bar heights are proportional to the values, from one base line', () => {
  const out = norm(
    barChart({
      ...base('en'),
      valueHeading: 'Documents',
      bars: [2, 4, 0, 8].map((v, i) => ({ label: `d${i}`, value: v })),
    }),
  );
  const h = attrs(out, 'rect', 'height', 'bar');
  const y = attrs(out, 'rect', 'y', 'bar');
  expect(h[1]! / h[0]!).toBeCloseTo(2, 1);
  expect(h[3]! / h[0]!).toBeCloseTo(4, 1);
  expect(h[2]).toBe(0);
  // Every bar stands on the same line; the largest reaches the axis's top (8: steps of 2).
  expect(new Set(y.map((v, i) => Math.round(v + h[i]!))).size).toBe(1);
  expect(drawnText(out)).toContain('8');
  expect(out).toContain('data-empty="false"');
});

test('the chart is named and described for assistive technology, and its numbers are in a table', () => {
  const out = norm(barChart({ ...base('en', 'reg'), valueHeading: 'Documents', bars: [{ label: 'Mon', value: 3 }] }));
  expect(out).toMatch(/<svg[^>]* role="img" aria-labelledby="reg-title reg-desc"/);
  expect(out).toContain('<title id="reg-title">Title &lt;t&gt;</title><desc id="reg-desc">What it shows</desc>');
  expect(out).toMatch(/<details class="chart-numbers"><summary>The numbers<\/summary>/);
  expect(out).toContain('<caption>Title &lt;t&gt;</caption>');
  expect(out).toContain('<tr><th scope="row">Mon</th><td>3</td></tr>');
  expect(drawnText(out)).toContain('Mon');
});

test('Arabic: Arabic-Indic digits, the first category at the right, the value axis on the right', () => {
  const bars = [5, 10, 15].map((v, i) => ({ label: ['أ', 'ب', 'ج'][i]!, value: v }));
  const ar = norm(barChart({ ...base('ar'), valueHeading: 'الوثائق', bars }));
  const en = norm(barChart({ ...base('en'), valueHeading: 'Documents', bars }));
  expect(drawnText(ar)).toMatch(/[٠-٩]/);
  expect(drawnText(ar)).not.toMatch(/[0-9]/);
  expect(drawnText(en)).toMatch(/[0-9]/);
  expect(drawnText(en)).not.toMatch(/[٠-٩]/);
  expect(ar).toContain('<th scope="row">أ</th><td>٥</td>');
  const xAr = attrs(ar, 'rect', 'x', 'bar');
  const xEn = attrs(en, 'rect', 'x', 'bar');
  expect(xAr[0]).toBeGreaterThan(xAr[2]!);
  expect(xEn[0]).toBeLessThan(xEn[2]!);
  expect(attrs(ar, 'text', 'x', 'tick')[0]).toBeGreaterThan(300);
  expect(attrs(en, 'text', 'x', 'tick')[0]).toBeLessThan(300);
  expect(ar).toContain('direction="rtl"');
});

test('many days: about eight labels under the axis, the newest always', () => {
  const bars = Array.from({ length: 30 }, (_, i) => ({ label: `L${i}`, value: i }));
  const out = svgOf(norm(barChart({ ...base('en'), valueHeading: 'n', bars })));
  const labels = [...out.matchAll(/<text class="label"[^>]*>([^<]*)</g)].map((m) => m[1]);
  expect(labels.length).toBeGreaterThanOrEqual(6);
  expect(labels.length).toBeLessThanOrEqual(10);
  expect(labels.at(-1)).toBe('L29');
});

test('eight long names take two staggered rows; ticks may read in their own unit', () => {
  const bars = Array.from({ length: 8 }, (_, i) => ({ label: `stage number ${i}`, value: i * 60 }));
  const out = norm(barChart({ ...base('en'), valueHeading: 'n', bars, formatTick: (v, step) => `${v / step}×${step}` }));
  const rows = attrs(out, 'text', 'y', 'label');
  expect(rows).toHaveLength(8);
  expect(new Set(rows.filter((_, i) => i % 2 === 0)).size).toBe(1);
  expect(rows[1]).toBeGreaterThan(rows[0]!);
  expect(drawnText(out)).toContain('4×100');
  expect(out).toContain('<td>420</td>');
});

test('stacked bars: each segment on the one below, the legend and the totals', () => {
  const out = norm(
    stackedBarChart({
      ...base('en'),
      segments: [
        { key: 'ok', label: 'ok', tone: 'good' },
        { key: 'bad', label: 'damaged', tone: 'bad' },
      ],
      stacks: [
        { label: 'primary', values: { ok: 6, bad: 2 } },
        { label: 'offsite', values: { ok: 4, bad: 0 } },
      ],
    }),
  );
  const y = attrs(out, 'rect', 'y', 'segment');
  const h = attrs(out, 'rect', 'height', 'segment');
  // primary: ok then damaged on top of it; offsite: ok only (a zero draws nothing).
  expect(h).toHaveLength(3);
  expect(y[1]! + h[1]!).toBeCloseTo(y[0]!, 0);
  expect(h[0]! / h[1]!).toBeCloseTo(3, 1);
  expect(h[2]! / h[1]!).toBeCloseTo(2, 1);
  expect(out).toMatch(/<p class="legend muted">.*ok.*damaged.*<\/p>/s);
  expect(out).toContain('<tr><th scope="row">primary</th><td>6</td><td>2</td><td>8</td></tr>');
});

test('lines break where a value is missing, dots where there is one', () => {
  const out = norm(
    lineChart({
      ...base('en'),
      xLabels: ['a', 'b', 'c', 'd'],
      format: (v) => `${v} s`,
      series: [{ label: 'median', tone: 'accent', values: [10, 20, null, 40] }],
    }),
  );
  const d = /<path d="([^"]*)"/.exec(out)![1]!;
  expect(d.match(/M/g)).toHaveLength(2);
  expect(d.match(/L/g)).toHaveLength(1);
  expect(attrs(out, 'circle', 'cy')).toHaveLength(3);
  const [y10, y20, y40] = attrs(out, 'circle', 'cy');
  expect((y10! - y20!) / (y10! - y40!)).toBeCloseTo(1 / 3, 1);
  expect(out).toContain('<tr><th scope="row">c</th><td>—</td></tr>');
  expect(drawnText(out)).toContain('40 s');
});

test('no data: the frame, a "no data" note said to assistive technology too, no marks', () => {
  const bars = norm(barChart({ ...base('ar'), valueHeading: 'n', bars: [{ label: 'x', value: 0 }] }));
  expect(bars).toContain('data-empty="true"');
  expect(bars).toContain('لا بيانات بعد');
  expect(bars).toMatch(/<desc[^>]*>What it shows لا بيانات بعد\.<\/desc>/);
  expect(attrs(bars, 'rect', 'height', 'bar')).toEqual([0]);
  const none = norm(barChart({ ...base('en'), valueHeading: 'n', bars: [] }));
  expect(none).toContain('No data yet');
  const line = norm(lineChart({ ...base('en'), xLabels: ['a'], series: [{ label: 's', tone: 'accent', values: [null] }] }));
  expect(line).toContain('data-empty="true"');
  expect(line).toContain('<path d=""');
  const stacked = norm(stackedBarChart({ ...base('en'), segments: [{ key: 'k', label: 'k', tone: 'good' }], stacks: [] }));
  expect(stacked).toContain('No data yet');
});

test('the value axis takes round steps, and the given ones first (durations)', () => {
  expect(niceScale(0)).toEqual({ step: 1, top: 1 });
  expect(niceScale(7)).toEqual({ step: 2, top: 8 });
  expect(niceScale(23)).toEqual({ step: 5, top: 25 });
  expect(niceScale(4200)).toEqual({ step: 1000, top: 5000 });
  const steps = [1, 2, 5, 10, 15, 30, 60, 3600, 86400];
  expect(niceScale(90, steps)).toEqual({ step: 30, top: 90 });
  expect(niceScale(10 * 86400, steps)).toEqual({ step: 2 * 86400, top: 10 * 86400 });
  expect(niceScale(NaN)).toEqual({ step: 1, top: 1 });
});
