/**
 * Charts drawn on the server as inline SVG: bars, stacked bars, and lines over
 * time. No script, no library, no style attribute (the Content-Security-Policy
 * allows none): sizes and colours are SVG attributes, text takes the page's
 * font and colour (`currentColor`).
 *
 * Each chart is a `<figure>`: the SVG (role="img", named by its `<title>` and
 * described by its `<desc>`), a legend for stacked bars and lines,
 * and a `<details>` with the same numbers as a table, for screen readers and
 * for whoever wants the figures.
 *
 * Direction: on Arabic pages the categories run right to left (the first one,
 * or the oldest day, at the right) with the value axis on the right, and
 * digits are Arabic-Indic; on English pages left to right, Latin digits. The
 * drawing is one coordinate system measured from the value axis, mirrored for
 * Arabic, so the two never disagree.
 */
import { html, type SafeHtml } from './html';
import { wordsOf, type Lang } from './i18n';

/** A colour by its meaning, from the viewer's palette. */
export type Tone = 'accent' | 'good' | 'fair' | 'warn' | 'bad' | 'muted';

const COLOUR: Record<Tone, string> = {
  accent: '#0f5b46',
  good: '#166534',
  fair: '#65a30d',
  warn: '#c2410c',
  bad: '#991b1b',
  muted: '#9ca3af',
};

const words = wordsOf({
  numbers: ['الأرقام', 'The numbers'],
  noData: ['لا بيانات بعد', 'No data yet'],
  total: ['المجموع', 'Total'],
});

/** What every chart has: where it is, what it is called and says, and how its numbers read. */
export interface ChartBase {
  /** Unique on the page: the title's and description's ids are made from it. */
  id: string;
  lang: Lang;
  /** The accessible name (also the table's caption). */
  title: string;
  /** What the chart shows, in a sentence or two, for whoever cannot see it. */
  desc: string;
  /** The heading of the table's first column (what a bar or a point stands for). */
  categoryHeading: string;
  /** A value as the reader reads it, on the axis and in the table (default: the number in the page's digits). */
  format?: (v: number) => string;
  /** An axis tick, where it should read otherwise than `format` (all in the unit of the step, say). */
  formatTick?: (v: number, step: number) => string;
  /** The value axis's steps to choose from (default 1, 2, 5 times a power of ten). */
  steps?: readonly number[];
  /** The table's first column, where it should read longer than the axis's labels (whole dates, say). */
  tableLabels?: string[];
}

export interface Bar {
  label: string;
  value: number;
  tone?: Tone;
  /** More figures for this row of the table only (headed by `moreHeadings`); null shows a dash. */
  more?: Array<number | null>;
}

export interface Segment {
  key: string;
  label: string;
  tone: Tone;
}

export interface Stack {
  label: string;
  values: Record<string, number>;
}

export interface LineSeries {
  label: string;
  tone: Tone;
  /** One value per x label; null where there is none (the line breaks there). */
  values: Array<number | null>;
}

// The drawing's size in its own units (it scales to the width of its box) and its margins.
const W = 560;
const H = 250;
const TOP = 14;
const BOTTOM = 44;
const AXIS = 58;
const FAR = 28;
const PW = W - AXIS - FAR;
const PH = H - TOP - BOTTOM;
const FONT = 14;

/** Numbers as the page reads them: Arabic-Indic digits on Arabic pages, at most one decimal. */
export function formatNumber(lang: Lang, v: number): string {
  return new Intl.NumberFormat(lang === 'ar' ? 'ar-u-nu-arab' : 'en', { maximumFractionDigits: 1 }).format(v);
}

/** The value axis: the smallest step of `steps` (then 1, 2, 5 × 10ⁿ times the last) giving at most five intervals, and its top. */
export function niceScale(max: number, steps: readonly number[] = []): { top: number; step: number } {
  const m = Number.isFinite(max) ? Math.max(0, max) : 0;
  const step = steps.find((s) => m / s <= 5) ?? decimalStep(m, steps.at(-1) ?? 1);
  return { step, top: Math.max(step, Math.ceil(m / step) * step) };
}

function decimalStep(m: number, base: number): number {
  for (let p = base; ; p *= 10) for (const f of [1, 2, 5]) if (m / (p * f) <= 5) return p * f;
}

/** The horizontal place of `u` (measured from the value axis outwards) and of a span `w` wide starting there. */
function xAt(lang: Lang, u: number, w = 0): number {
  return round(lang === 'ar' ? W - AXIS - u - w : AXIS + u);
}

function yAt(v: number, top: number): number {
  return round(TOP + PH * (1 - v / top));
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

const fmt = (c: ChartBase) => c.format ?? ((v: number) => formatNumber(c.lang, v));

/**
 * Where the category labels go under the axis: every one of a dozen or fewer (on two staggered rows when more
 * than four, so that long names do not run into each other), about eight of more, the last always (null: none).
 */
function labelRow(n: number): (i: number) => number | null {
  const every = n <= 12 ? 1 : Math.ceil(n / 8);
  return (i) => ((n - 1 - i) % every !== 0 ? null : every === 1 && n > 4 && i % 2 === 1 ? H - 8 : H - 24);
}

/** The frame: the value axis with its ticks and grid lines, the base line, and the category labels. */
function frame(c: ChartBase, top: number, step: number, labels: string[]): SafeHtml {
  const fmtValue = fmt(c);
  const f = c.formatTick ? (v: number) => c.formatTick!(v, step) : fmtValue;
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 1000; v += step) ticks.push(v);
  // The tick labels sit outside the value axis; 'end' is their side towards it in either direction.
  const tickX = c.lang === 'ar' ? W - AXIS + 6 : AXIS - 6;
  const band = PW / Math.max(1, labels.length);
  const row = labelRow(labels.length);
  return html`<g class="axis" fill="currentColor" font-size="${FONT}">
    ${ticks.map(
      (v) =>
        html`<line
            x1="${xAt(c.lang, 0)}"
            x2="${xAt(c.lang, PW)}"
            y1="${yAt(v, top)}"
            y2="${yAt(v, top)}"
            stroke="${v === 0 ? '#5b6b63' : '#d8e0db'}"
            stroke-width="1"
          /><text class="tick" x="${tickX}" y="${yAt(v, top) + 4}" text-anchor="end">${f(v)}</text>`,
    )}
    ${labels.map((l, i) =>
      row(i) === null
        ? null
        : html`<text class="label" x="${xAt(c.lang, band * (i + 0.5))}" y="${row(i)}" text-anchor="middle">${l}</text>`,
    )}
  </g>`;
}

/** The SVG element with its name and description, mirrored for Arabic. */
function svg(c: ChartBase, body: SafeHtml | SafeHtml[], empty: boolean): SafeHtml {
  const tid = `${c.id}-title`;
  const did = `${c.id}-desc`;
  return html`<svg
    xmlns="http://www.w3.org/2000/svg"
    viewBox="0 0 ${W} ${H}"
    width="100%"
    role="img"
    aria-labelledby="${tid} ${did}"
    direction="${c.lang === 'ar' ? 'rtl' : 'ltr'}"
    id="${c.id}"
    data-empty="${empty ? 'true' : 'false'}"
  >
    <title id="${tid}">${c.title}</title>
    <desc id="${did}">${c.desc}${empty ? ` ${words(c.lang, 'noData')}.` : ''}</desc>
    ${body}${
      empty
        ? html`<text
            class="empty"
            x="${W / 2}"
            y="${TOP + PH / 2}"
            text-anchor="middle"
            font-size="${FONT + 2}"
            fill="currentColor"
            >${words(c.lang, 'noData')}</text
          >`
        : null
    }
  </svg>`;
}

/** The numbers as a table, closed by default. */
function numbers(c: ChartBase, head: string[], rows: Array<Array<string>>): SafeHtml {
  return html`<details class="chart-numbers">
    <summary>${words(c.lang, 'numbers')}</summary>
    <table class="files">
      <caption>
        ${c.title}
      </caption>
      <thead>
        <tr>
          ${head.map((h) => html`<th scope="col">${h}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          ([first, ...rest]) =>
            html`<tr>
              <th scope="row">${first}</th>
              ${rest.map((v) => html`<td>${v}</td>`)}
            </tr>`,
        )}
      </tbody>
    </table>
  </details>`;
}

/** The colour key of a chart with several series: small swatches beside their names (text the page lays out). */
function legend(items: Array<{ label: string; tone: Tone }>): SafeHtml {
  return html`<p class="legend muted">
    ${items.map(
      (s) =>
        html`<span class="key"
          ><svg width="12" height="12" aria-hidden="true" focusable="false">
            <rect width="12" height="12" fill="${COLOUR[s.tone]}" />
          </svg>
          ${s.label}</span
        >`,
    )}
  </p>`;
}

/** Bars, one per category, in order from the value axis; `valueHeading` heads their column in the table. */
export function barChart(c: ChartBase & { bars: Bar[]; valueHeading: string; moreHeadings?: string[] }): SafeHtml {
  const max = Math.max(0, ...c.bars.map((b) => b.value));
  const { top, step } = niceScale(max, c.steps);
  const band = PW / Math.max(1, c.bars.length);
  const w = Math.max(1, band * 0.7);
  const f = fmt(c);
  const bars = c.bars.map((b, i) => {
    const h = round((PH * Math.max(0, b.value)) / top);
    return html`<rect
      class="bar"
      x="${xAt(c.lang, band * i + (band - w) / 2, w)}"
      y="${round(TOP + PH - h)}"
      width="${round(w)}"
      height="${h}"
      fill="${COLOUR[b.tone ?? 'accent']}"
      data-value="${b.value}"
      ><title>${b.label}: ${f(b.value)}</title></rect
    >`;
  });
  const dash = (v: number | null) => (v === null ? '—' : f(v));
  return html`<figure class="chart">
    ${svg(
      c,
      [
        frame(
          c,
          top,
          step,
          c.bars.map((b) => b.label),
        ),
        html`<g class="bars">${bars}</g>`,
      ],
      max === 0,
    )}${numbers(
      c,
      [c.categoryHeading, c.valueHeading, ...(c.moreHeadings ?? [])],
      c.bars.map((b, i) => [c.tableLabels?.[i] ?? b.label, f(b.value), ...(b.more ?? []).map(dash)]),
    )}
  </figure>`;
}

/** Bars made of segments stacked from the base line in `segments` order; the table adds each bar's total. */
export function stackedBarChart(c: ChartBase & { segments: Segment[]; stacks: Stack[] }): SafeHtml {
  const totals = c.stacks.map((s) => c.segments.reduce((n, g) => n + Math.max(0, s.values[g.key] ?? 0), 0));
  const max = Math.max(0, ...totals);
  const { top, step } = niceScale(max, c.steps);
  const band = PW / Math.max(1, c.stacks.length);
  const w = Math.min(120, band * 0.6);
  const f = fmt(c);
  const stacks = c.stacks.map((s, i) => {
    let below = 0;
    const parts = c.segments.map((g) => {
      const v = Math.max(0, s.values[g.key] ?? 0);
      const y0 = TOP + PH - (PH * below) / top;
      below += v;
      const h = round((PH * v) / top);
      if (v === 0) return null;
      return html`<rect
        class="segment"
        data-key="${g.key}"
        data-value="${v}"
        x="${xAt(c.lang, band * i + (band - w) / 2, w)}"
        y="${round(y0 - h)}"
        width="${round(w)}"
        height="${h}"
        fill="${COLOUR[g.tone]}"
        ><title>${s.label}, ${g.label}: ${f(v)}</title></rect
      >`;
    });
    return html`<g class="stack" data-label="${s.label}">${parts}</g>`;
  });
  return html`<figure class="chart">
    ${svg(
      c,
      [
        frame(
          c,
          top,
          step,
          c.stacks.map((s) => s.label),
        ),
        html`<g class="stacks">${stacks}</g>`,
      ],
      max === 0,
    )}${legend(c.segments)}${numbers(
      c,
      [c.categoryHeading, ...c.segments.map((g) => g.label), words(c.lang, 'total')],
      c.stacks.map((s, i) => [c.tableLabels?.[i] ?? s.label, ...c.segments.map((g) => f(s.values[g.key] ?? 0)), f(totals[i]!)]),
    )}
  </figure>`;
}

/** Lines over `xLabels` (oldest first), a dot on every value; a missing value breaks its line. */
export function lineChart(c: ChartBase & { xLabels: string[]; series: LineSeries[] }): SafeHtml {
  const all = c.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = Math.max(0, ...all);
  const { top, step } = niceScale(max, c.steps);
  const band = PW / Math.max(1, c.xLabels.length);
  const f = fmt(c);
  const lines = c.series.map((s) => {
    const pts = s.values.map((v, i) => (v === null ? null : { x: xAt(c.lang, band * (i + 0.5)), y: yAt(v, top), v, i }));
    let d = '';
    let pen = false;
    for (const p of pts) {
      if (!p) pen = false;
      else {
        d += `${pen ? 'L' : 'M'}${p.x} ${p.y} `;
        pen = true;
      }
    }
    const colour = COLOUR[s.tone];
    return html`<g class="series" data-label="${s.label}"
      ><path d="${d.trim()}" fill="none" stroke="${colour}" stroke-width="2" />${pts.map((p) =>
        p
          ? html`<circle cx="${p.x}" cy="${p.y}" r="3" fill="${colour}" data-value="${p.v}"
              ><title>${c.xLabels[p.i]}, ${s.label}: ${f(p.v)}</title></circle
            >`
          : null,
      )}</g
    >`;
  });
  return html`<figure class="chart">
    ${svg(c, [frame(c, top, step, c.xLabels), html`<g class="lines">${lines}</g>`], all.length === 0)}${legend(
      c.series,
    )}${numbers(
      c,
      [c.categoryHeading, ...c.series.map((s) => s.label)],
      c.xLabels.map((x, i) => [c.tableLabels?.[i] ?? x, ...c.series.map((s) => (s.values[i] == null ? '—' : f(s.values[i]!)))]),
    )}
  </figure>`;
}
