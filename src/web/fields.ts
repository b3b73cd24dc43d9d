/**
 * Pieces every page writes the same way so that they read right in Arabic:
 * file names kept left to right («خطاب-1.jpg», not «jpg.1-خطاب»), date fields
 * that say which calendar they take and echo the chosen day with its Hijri
 * date, and file pickers with an Arabic button and the chosen files named
 * (the browser's own button says "Choose file" in its own language). The
 * browser script (assets/viewer.js) keeps the echoes current.
 */
import { html, raw, type SafeHtml } from './html';
import { count, COUNTS, date, wordsOf, type Lang } from './i18n';

const w = wordsOf({
  dateHint: [
    'بالتقويم الميلادي؛ يظهر اليوم المختار هنا مع تاريخه الهجري',
    'Gregorian calendar; the day chosen is shown here with its Hijri date',
  ],
});

/**
 * Runs of right-to-left letters (Arabic, with the spaces between its words).
 * Digits after Arabic letters would join them and turn with them («1-خطاب»),
 * so each run is isolated on its own inside a name written left to right.
 */
const RTL_RUN = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]+(?:\s+[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]+)*/gu;

/**
 * A file's name as plain text that reads left to right, for where no markup
 * goes (a page's title): U+2066 LEFT-TO-RIGHT ISOLATE around it, each Arabic
 * run in U+2067 RIGHT-TO-LEFT ISOLATE, each closed by U+2069 POP DIRECTIONAL ISOLATE.
 */
export function isolatedLtr(text: string): string {
  return `\u2066${text.replace(RTL_RUN, (run) => `\u2067${run}\u2069`)}\u2069`;
}

/**
 * A file's name, left to right as file systems write it, its Arabic words
 * isolated: «خطاب-1.jpg» reads name, number, extension, whatever the page's
 * direction (not «jpg.1-خطاب» on an Arabic page, nor «1-خطاب.jpg» left to right).
 */
export function fileName(name: string): SafeHtml {
  const parts: Array<string | SafeHtml> = [];
  let at = 0;
  for (const m of name.matchAll(RTL_RUN)) {
    parts.push(name.slice(at, m.index), html`<bdi>${m[0]}</bdi>`);
    at = m.index + m[0].length;
  }
  parts.push(name.slice(at));
  return html`<bdi class="file-name" dir="ltr">${parts}</bdi>`;
}

export interface DateInputOptions {
  name: string;
  /** Unique on the page: the hint's id is made from it. */
  id: string;
  value?: string | null;
  required?: boolean;
  /** A tooltip for the input (what an empty field means). */
  title?: string;
}

/**
 * A labelled date field: the input, then a hint the input is described by,
 * which says the calendar and, once a day is chosen, shows it with its Hijri
 * date (so a day typed in the browser's own order is seen as it was read).
 */
export function dateInput(lang: Lang, label: string, o: DateInputOptions): SafeHtml {
  const hintId = `${o.id}-hint`;
  const hint = o.value ? date(lang, `${o.value}T12:00:00Z`) : w(lang, 'dateHint');
  return html`<label class="date-field"
    >${label}<input
      type="date"
      name="${o.name}"
      id="${o.id}"
      value="${o.value ?? ''}"
      ${o.required && raw(' required')}${o.title && html` title="${o.title}"`}
      aria-describedby="${hintId}"
    /><small class="hint" id="${hintId}" aria-hidden="true" data-date-hint="${w(lang, 'dateHint')}">${hint}</small></label
  >`;
}

export interface FileInputOptions {
  id: string;
  name?: string;
  multiple?: boolean;
  /** A whole folder (the browser's folder picker). */
  folder?: boolean;
  accept?: string;
  required?: boolean;
  /** Whether the picker names what was chosen beside it (the upload page lists the files itself). */
  showChosen?: boolean;
}

/**
 * A file picker with the page's own words: a button-like label (the input
 * itself stays focusable and is operated by the keyboard as usual, only
 * hidden from sight) and the names of the chosen files, or how many.
 */
export function fileInput(lang: Lang, label: string, o: FileInputOptions): SafeHtml {
  const attrs = [
    o.name && html` name="${o.name}"`,
    o.multiple && raw(' multiple'),
    o.folder && raw(' webkitdirectory'),
    o.accept && html` accept="${o.accept}"`,
    o.required && raw(' required'),
  ];
  const forms = JSON.stringify(COUNTS.files[lang === 'ar' ? 0 : 1]);
  const chosen =
    o.showChosen !== false &&
    html`<span class="chosen muted" data-forms="${forms}" aria-live="polite">${count(lang, 'files', 0)}</span>`;
  return html`<label class="file-pick"
    ><span class="file-button">${label}</span><input type="file" class="visually-hidden" id="${o.id}" ${attrs} />${chosen}</label
  >`;
}

/**
 * A table in a box of its own that scrolls sideways when the table is wider
 * than the screen, so a wide table never pushes the page; the box is a named
 * region that the keyboard reaches, to scroll it.
 */
export function scrollBox(label: string, table: SafeHtml): SafeHtml {
  return html`<div class="table-scroll" role="region" aria-label="${label}" tabindex="0">${table}</div>`;
}

/** The kinds of file the archive takes: a title ending so is the file's name, kept as one. */
const FILE_NAME = /\.(jpe?g|png|webp|tiff?|pdf)$/i;

/**
 * A document's title, isolated from the text around it; a document registered
 * without a title is known by its file's name, which keeps its own direction.
 */
export function docTitle(title: string): SafeHtml {
  return FILE_NAME.test(title.trim()) ? fileName(title) : html`<bdi>${title}</bdi>`;
}
