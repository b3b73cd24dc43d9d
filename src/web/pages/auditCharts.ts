/**
 * The audit page's charts (src/web/charts.ts) from storage/auditSeries.ts:
 * documents registered per day, pages in each pipeline stage now, the fixity
 * state of each copy, and the offsite copy's delay per day of archiving. Days
 * run right to left on Arabic pages (the oldest at the right), as the text does.
 */
import type { AuditSeries, Day } from '../../../storage/auditSeries';
import { barChart, formatNumber, lineChart, stackedBarChart } from '../charts';
import { html, type SafeHtml } from '../html';
import { count, t, wordsOf, type Lang } from '../i18n';
import type { PageCtx } from '../layout';

/** The windows the page offers, in days; the first is the default. */
export const CHART_WINDOWS = [30, 90] as const;

const w = wordsOf({
  charts: ['الرسوم البيانية', 'Charts'],
  lastDays: ['آخر', 'Last'],
  registeredTitle: ['الوثائق المسجلة كل يوم', 'Documents registered per day'],
  day: ['اليوم', 'Day'],
  stagesTitle: ['الصفحات في كل مرحلة الآن', 'Pages in each pipeline stage now'],
  stage: ['المرحلة', 'Stage'],
  pages: ['الصفحات', 'Pages'],
  documents: ['الوثائق', 'Documents'],
  fixityTitle: ['الفحص الدوري لكل نسخة', 'Fixity state of each copy'],
  copy: ['النسخة', 'Copy'],
  lagTitle: ['تأخر النسخة الخارجية', 'Offsite copy delay'],
  median: ['الوسيط', 'Median'],
  max: ['الأطول', 'Longest'],
  waiting: ['تنتظر النسخ', 'still waiting'],
  pages_: ['تجهيز الصفحات', 'Page images'],
  ocr: ['قراءة النص', 'Text recognition'],
  compose: ['النسخة الأرشيفية', 'Archive copy'],
  record: ['التسجيل في السجل', 'Ledger record'],
  index: ['الفهرسة', 'Indexing'],
  replicate: ['النسخ الخارجي', 'Offsite copy'],
  done: ['مؤرشفة', 'Archived'],
  failed: ['تعذّرت', 'Failed'],
  ok: ['سليمة', 'ok'],
  repaired: ['أُصلحت', 'repaired'],
  unchecked: ['لم تُفحص بعد', 'not checked yet'],
  damaged: ['تالفة', 'damaged'],
  missing: ['مفقودة', 'missing'],
});

type Word = Parameters<typeof w>[1];

/** A pipeline stage's name (an unknown id as it is). */
function stageName(lang: Lang, id: string): string {
  const key = id === 'pages' ? 'pages_' : id;
  return ['pages_', 'ocr', 'compose', 'record', 'index', 'replicate', 'done', 'failed'].includes(key) ? w(lang, key as Word) : id;
}

/** A copy's name in the page's language (primary, offsite; another target by its own name). */
export function copyName(lang: Lang, target: string): string {
  return target === 'primary' ? t(lang, 'primaryCopy') : target === 'offsite' ? t(lang, 'offsiteCopy') : target;
}

/** A day as a short axis label («٦ ديسمبر», "6 Dec"), and in full for the table. */
function dayLabel(lang: Lang, day: Day, full = false): string {
  const opts: Intl.DateTimeFormatOptions = full ? { dateStyle: 'medium' } : { day: 'numeric', month: 'short' };
  return new Intl.DateTimeFormat(lang === 'ar' ? 'ar-u-nu-arab' : 'en-GB', { ...opts, timeZone: 'UTC' }).format(
    new Date(`${day}T00:00:00Z`),
  );
}

/** The delay axis's steps: round seconds, minutes, hours, days. */
const DURATION_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** A delay in the largest unit it reaches («٣٫٥ د», "3.5 min"), or the one `unitOf` reaches (an axis's step). */
export function duration(lang: Lang, seconds: number, unitOf = seconds): string {
  const units: Array<[number, string, string]> = [
    [86400, 'ي', 'd'],
    [3600, 'س', 'h'],
    [60, 'د', 'min'],
  ];
  const [size, ar, en] = units.find(([s]) => unitOf >= s) ?? [1, 'ث', 's'];
  return `${formatNumber(lang, seconds / size)} ${lang === 'ar' ? ar : en}`;
}

function direction(lang: Lang): string {
  return lang === 'ar' ? 'الأقدم يمينًا والأحدث يسارًا' : 'oldest at the left, newest at the right';
}

function registeredChart(lang: Lang, s: AuditSeries): SafeHtml {
  const total = s.registered.reduce((a, b) => a + b, 0);
  const days = count(lang, 'days', s.days.length);
  return barChart({
    id: 'chart-registered',
    lang,
    title: w(lang, 'registeredTitle'),
    desc:
      lang === 'ar'
        ? `عدد الوثائق المسجلة في كل يوم من آخر ${days}، ${direction(lang)}. المجموع: ${count(lang, 'documents', total)}.`
        : `Documents registered on each of the last ${days}, ${direction(lang)}. Total: ${count(lang, 'documents', total)}.`,
    categoryHeading: w(lang, 'day'),
    valueHeading: w(lang, 'documents'),
    bars: s.days.map((d, i) => ({ label: dayLabel(lang, d), value: s.registered[i]! })),
    tableLabels: s.days.map((d) => dayLabel(lang, d, true)),
  });
}

function stagesChart(lang: Lang, s: AuditSeries): SafeHtml {
  const waiting = s.stages.filter((x) => x.stage !== 'done' && x.stage !== 'failed').reduce((a, x) => a + x.documents, 0);
  return barChart({
    id: 'chart-stages',
    lang,
    title: w(lang, 'stagesTitle'),
    desc:
      lang === 'ar'
        ? `الصفحات التي تنتظر كل مرحلة من مراحل المعالجة بالترتيب، ثم صفحات الوثائق المؤرشفة والمتعذرة. في المعالجة الآن: ${count(lang, 'documents', waiting)}.`
        : `Pages waiting for each pipeline stage in order, then those of archived and failed documents. In the pipeline now: ${count(lang, 'documents', waiting)}.`,
    categoryHeading: w(lang, 'stage'),
    valueHeading: w(lang, 'pages'),
    moreHeadings: [w(lang, 'documents')],
    bars: s.stages.map((x) => ({
      label: stageName(lang, x.stage),
      value: x.pages,
      tone: x.stage === 'done' ? ('good' as const) : x.stage === 'failed' ? ('bad' as const) : ('accent' as const),
      more: [x.documents],
    })),
  });
}

function fixityChart(lang: Lang, s: AuditSeries): SafeHtml {
  const segments = [
    { key: 'ok', label: w(lang, 'ok'), tone: 'good' as const },
    { key: 'repaired', label: w(lang, 'repaired'), tone: 'fair' as const },
    { key: 'unchecked', label: w(lang, 'unchecked'), tone: 'muted' as const },
    { key: 'damaged', label: w(lang, 'damaged'), tone: 'warn' as const },
    { key: 'missing', label: w(lang, 'missing'), tone: 'bad' as const },
  ];
  return stackedBarChart({
    id: 'chart-fixity',
    lang,
    title: w(lang, 'fixityTitle'),
    desc:
      lang === 'ar'
        ? 'لكل نسخة من الملفات المحفوظة: كم ملفًا وجده آخر فحص سليمًا، وكم أُصلح، وكم لم يُفحص بعد، وكم وُجد تالفًا أو مفقودًا.'
        : 'For each copy of the stored files: how many the latest check found intact, repaired, not checked yet, damaged or missing.',
    categoryHeading: w(lang, 'copy'),
    segments,
    stacks: s.fixity.map(({ target, ...values }) => ({ label: copyName(lang, target), values })),
  });
}

function lagChart(lang: Lang, s: AuditSeries): SafeHtml {
  const waiting = s.lag.reduce((a, d) => a + d.waiting, 0);
  return lineChart({
    id: 'chart-lag',
    lang,
    title: w(lang, 'lagTitle'),
    desc:
      lang === 'ar'
        ? `لكل يوم: الوسيط والأطول من المدة بين أرشفة الوثيقة والتحقق من نسختها الخارجية، ${direction(lang)}. الوثيقة التي ما زالت تنتظر تُحسب بانتظارها حتى الآن (تنتظر الآن: ${count(lang, 'documents', waiting)}).`
        : `For each day: the median and the longest time from a document's archiving to its verified offsite copy, ${direction(lang)}. A document still waiting counts with its wait so far (waiting now: ${count(lang, 'documents', waiting)}).`,
    categoryHeading: w(lang, 'day'),
    format: (v) => duration(lang, v),
    formatTick: (v, step) => duration(lang, v, step),
    steps: DURATION_STEPS,
    xLabels: s.days.map((d) => dayLabel(lang, d)),
    tableLabels: s.days.map((d) => dayLabel(lang, d, true)),
    series: [
      { label: w(lang, 'median'), tone: 'accent', values: s.lag.map((d) => d.medianSeconds) },
      { label: w(lang, 'max'), tone: 'warn', values: s.lag.map((d) => d.maxSeconds) },
    ],
  });
}

/** The window's switch: the last 30 or 90 days. */
function windowSwitch(ctx: PageCtx, days: number): SafeHtml {
  const { lang } = ctx;
  return html`<p class="chart-window">
    ${CHART_WINDOWS.map(
      (n) =>
        html`<a href="/audit?days=${n}" ${n === days ? html` aria-current="page"` : null}
          >${w(lang, 'lastDays')} ${count(lang, 'days', n)}</a
        > `,
    )}
  </p>`;
}

/** The charts' stylesheet, for the page's head. */
export const CHARTS_HEAD = html`<link rel="stylesheet" href="/assets/charts.css" />`;

/** The charts' part of the page, each chart a card of its own. */
export function auditCharts(ctx: PageCtx, s: AuditSeries): SafeHtml {
  const { lang } = ctx;
  const card = (id: string, title: Word, chart: SafeHtml) =>
    html`<section class="card" id="${id}">
      <h3>${w(lang, title)}</h3>
      ${chart}
    </section>`;
  return html`<section id="audit-charts" aria-labelledby="charts-heading">
    <h2 id="charts-heading">${w(lang, 'charts')}</h2>
    ${windowSwitch(ctx, s.days.length)}
    <div class="charts">
      ${[
        card('registered-card', 'registeredTitle', registeredChart(lang, s)),
        card('stages-card', 'stagesTitle', stagesChart(lang, s)),
        card('fixity-card', 'fixityTitle', fixityChart(lang, s)),
        card('lag-card', 'lagTitle', lagChart(lang, s)),
      ]}
    </div>
  </section>`;
}
