/**
 * The upload page: a batch's name and the details its documents share, how
 * the scanner fed the paper, the files or a folder to send, and the progress
 * of each file as the browser script (assets/upload.js) sends them, with what
 * each became (a part of a stack, an attachment, an Office file) and the
 * labels taken or refused (its words come in a JSON block, not inline
 * script). Under it, what came in over the last 30 days, by source.
 */
import { html, raw, type SafeHtml } from '../html';
import { dateInput, fileInput, scrollBox } from '../fields';
import { count, COUNTS, num, t, valueWord, wordsOf, type Lang, type PluralForms } from '../i18n';
import type { RegisterRecord } from '../../../storage/repos/registers';
import { DUPLEX_MODES, INTAKE_SOURCES, type IntakeSource } from '../../../storage/repos/batches';
import { layout, type PageCtx } from '../layout';

/** What a batch's summary counts, said by each language's plural rules (the browser script takes the forms). */
const INTAKE_COUNTS = {
  separators: [
    { zero: 'لا فواصل', one: 'فاصل واحد', two: 'فاصلان', few: '# فواصل', many: '# فاصلًا', other: '# فاصل' },
    { one: '# separator sheet', other: '# separator sheets' },
  ],
  blankPages: [
    {
      zero: 'لم تُحذف صفحة فارغة',
      one: 'حُذفت صفحة فارغة واحدة',
      two: 'حُذفت صفحتان فارغتان',
      few: 'حُذفت # صفحات فارغة',
      many: 'حُذفت # صفحة فارغة',
      other: 'حُذفت # صفحة فارغة',
    },
    { one: '# blank page dropped', other: '# blank pages dropped' },
  ],
} satisfies Record<string, readonly [PluralForms, PluralForms]>;

/** The words the browser script shows for each file's state, as JSON safe inside a script element. */
function scriptWords(lang: Lang): SafeHtml {
  const words = Object.fromEntries(
    (['queued', 'processing', 'archived', 'duplicate', 'rejected', 'failed', 'uploading'] as const).map((k) => [k, t(lang, k)]),
  );
  const i = lang === 'ar' ? 0 : 1;
  const all = {
    ...words,
    batchDone: lang === 'ar' ? 'اكتملت الدفعة.' : 'The batch is complete.',
    files: COUNTS.files[i],
    separators: INTAKE_COUNTS.separators[i],
    blankPages: INTAKE_COUNTS.blankPages[i],
    kinds: Object.fromEntries(
      (['file', 'stack', 'office', 'email', 'attachment'] as const).map((k) => [k, valueWord(lang, 'intakeKind', k)]),
    ),
    partOf: w(lang, 'partOf'),
    labelUsed: w(lang, 'labelUsed'),
    label_used: w(lang, 'labelTaken'),
    label_unknown: w(lang, 'labelUnknown'),
    label_other_register: w(lang, 'labelOtherRegister'),
    label_expired: w(lang, 'labelExpired'),
  };
  // JSON, not HTML: made safe inside the script element by writing every "<" as an escape.
  return raw(JSON.stringify(all).replace(/</g, '\\u003c'));
}

/** What this person may file: the classifications up to their clearance, and their departments (null: any). */
export interface FilingChoices {
  classifications: readonly string[];
  departments: string[] | null;
  /** The registers (books) to number in; the first is chosen. */
  registers?: RegisterRecord[];
}

/** The kinds of file the archive takes: scans, PDFs, Office documents, e-mail messages (the API refuses the rest, each with its reason). */
const ACCEPTED = [
  'image/jpeg,image/png,image/webp,image/tiff,.tif,.tiff,application/pdf',
  '.docx,.xlsx,.odt,.ods,.rtf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.oasis.opendocument.text,application/vnd.oasis.opendocument.spreadsheet,application/rtf,text/rtf',
  '.eml,message/rfc822',
].join(',');

/** What came in from one source (the last 30 days, on this page). */
export interface IntakeBySource {
  source: IntakeSource;
  documents: number;
  pages: number;
  blankPages: number;
  separators: number;
}

const w = wordsOf({
  files: ['الملفات المرفوعة', 'Files sent'],
  accepted: [
    'يُقبل: الصور (JPEG وPNG وWebP وTIFF متعدد الصفحات) وملفات PDF، ومستندات أوفيس (docx وxlsx وodt وods وrtf) تُحوَّل إلى PDF ويُحفظ أصلها، ورسائل البريد (eml) تُؤرشف مع كل مرفق.',
    'Accepted: images (JPEG, PNG, WebP, multi-page TIFF) and PDF files, Office documents (docx, xlsx, odt, ods, rtf), converted to PDF with their original kept, and e-mail messages (eml), archived with each attachment.',
  ],
  duplex: ['كيف مرّ الورق في الماسح', 'How the scanner fed the paper'],
  partOf: ['من', 'part of'],
  labelUsed: ['أخذت رقم الملصق', "took the label's number"],
  labelTaken: ['الملصق مستعمل من قبل، فأُعطيت الرقم التالي', 'label already used: given the next number'],
  labelUnknown: ['ملصق غير معروف، فأُعطيت الرقم التالي', 'unknown label: given the next number'],
  labelOtherRegister: [
    'ملصق لسجل آخر، فأُعطيت الرقم التالي في هذا السجل',
    "another register's label: given this register's next number",
  ],
  labelExpired: ['ملصق من سنة سابقة، فأُعطيت الرقم التالي لهذه السنة', "an earlier year's label: given this year's next number"],
  intakeTitle: ['ما ورد (آخر ٣٠ يومًا)', 'What came in (last 30 days)'],
  source: ['المصدر', 'Source'],
  documents: ['الوثائق', 'Documents'],
  pages: ['الصفحات', 'Pages'],
  blankPages: ['صفحات فارغة حُذفت', 'Blank pages dropped'],
  separators: ['أوراق فاصلة', 'Separator sheets'],
  total: ['المجموع', 'Total'],
  register: ['السجل', 'Register'],
  externalRef: ['مرجع المرسِل (رقمه على الكتاب)', "Sender's reference (their number)"],
  externalDate: ['تاريخ مرجع المرسِل', "Sender's reference date"],
  inReplyTo: ['ردٌّ على رقم القيد', 'In reply to registry no.'],
});

/** The register, the sender's reference and date, and the registry number the letter answers. */
function registryFields(lang: Lang, registers: RegisterRecord[]): SafeHtml {
  const options = registers.map(
    (r) =>
      html`<option value="${r.code}">${lang === 'ar' ? `${r.nameAr} (${r.letterAr})` : `${r.nameEn} (${r.letterEn})`}</option>`,
  );
  return html`<label
      >${w(lang, 'register')}<select name="register" id="upload-register">
        ${options}
      </select></label
    >
    <label>${w(lang, 'externalRef')}<input type="text" name="externalRef" maxlength="200" /></label>
    ${dateInput(lang, w(lang, 'externalDate'), { name: 'externalDate', id: 'upload-external-date' })}
    <label
      >${w(lang, 'inReplyTo')}<input type="text" name="inReplyTo" maxlength="400" placeholder="2026/000123" dir="ltr"
    /></label>`;
}

/** A department typed freely, or chosen from the person's own. */
function departmentField(departments: string[] | null): SafeHtml {
  if (departments === null) return html`<input type="text" name="department" maxlength="200" />`;
  return html`<select name="department">
    ${departments.map((d) => html`<option value="${d}">${d}</option>`)}
  </select>`;
}

/** How the scanner fed the paper: one side, both sides at once (blank backs dropped), two passes (collated). */
function duplexField(lang: Lang): SafeHtml {
  return html`<label
    >${w(lang, 'duplex')}<select name="duplex" id="upload-duplex">
      ${DUPLEX_MODES.map((d) => html`<option value="${d}">${valueWord(lang, 'duplex', d)}</option>`)}
    </select></label
  >`;
}

/** What came in over the last 30 days, by source: documents, pages, blank pages dropped, separator sheets. */
function intakeTable(lang: Lang, rows: readonly IntakeBySource[]): SafeHtml {
  const cols = ['documents', 'pages', 'blankPages', 'separators'] as const;
  const bySource = new Map(rows.map((r) => [r.source, r]));
  const total = Object.fromEntries(cols.map((c) => [c, rows.reduce((n, r) => n + r[c], 0)])) as Record<
    (typeof cols)[number],
    number
  >;
  const cells = (r: Pick<IntakeBySource, (typeof cols)[number]>) =>
    cols.map((c) => html`<td data-col="${c}">${num(lang, r[c])}</td>`);
  const zero = { documents: 0, pages: 0, blankPages: 0, separators: 0 };
  return html`<section class="card" aria-labelledby="intake-title">
    <h2 id="intake-title">${w(lang, 'intakeTitle')}</h2>
    ${scrollBox(
      w(lang, 'intakeTitle'),
      html`<table class="files" id="intake-sources">
        <thead>
          <tr>
            <th scope="col">${w(lang, 'source')}</th>
            ${cols.map((c) => html`<th scope="col">${w(lang, c)}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${INTAKE_SOURCES.map(
            (s) =>
              html`<tr data-source="${s}">
                <th scope="row">${valueWord(lang, 'intakeSource', s)}</th>
                ${cells(bySource.get(s) ?? zero)}
              </tr>`,
          )}
        </tbody>
        <tfoot>
          <tr data-source="total">
            <th scope="row">${w(lang, 'total')}</th>
            ${cells(total)}
          </tr>
        </tfoot>
      </table>`,
    )}
  </section>`;
}

export function uploadPage(ctx: PageCtx, choices: FilingChoices, intake: readonly IntakeBySource[] = []): string {
  const { lang } = ctx;
  return layout(
    ctx,
    'upload',
    t(lang, 'uploadTitle'),
    html`<h1>${t(lang, 'uploadTitle')}</h1>
      <form id="upload-form" class="card">
        <div class="grid-form">
          <label>${t(lang, 'batchName')}<input type="text" name="name" required maxlength="200" /></label>
          ${choices.registers?.length ? registryFields(lang, choices.registers) : ''}
          <label>${t(lang, 'title')}<input type="text" name="title" maxlength="500" /></label>
          <label>${t(lang, 'type')}<input type="text" name="docType" maxlength="100" /></label>
          <label>${t(lang, 'department')}${departmentField(choices.departments)}</label>
          <label>${t(lang, 'correspondent')}<input type="text" name="correspondent" maxlength="200" /></label>
          ${dateInput(lang, t(lang, 'docDate'), { name: 'docDate', id: 'upload-doc-date' })}
          <label
            >${t(lang, 'classification')}<select name="classification">
              ${choices.classifications.map((c) => html`<option value="${c}">${valueWord(lang, 'classification', c)}</option>`)}
            </select></label
          >
          <label
            >${t(lang, 'mode')}<select name="mode">
              <option value="documents">${t(lang, 'modeDocuments')}</option>
              <option value="pages">${t(lang, 'modePages')}</option>
            </select></label
          >
          ${duplexField(lang)}
        </div>
        <div class="dropzone" id="dropzone" role="group" aria-labelledby="dropzone-help">
          <p id="dropzone-help">${t(lang, 'dropHere')}</p>
          <p class="muted" id="accepted-kinds">${w(lang, 'accepted')}</p>
          ${fileInput(lang, t(lang, 'chooseFiles'), { id: 'files', multiple: true, accept: ACCEPTED, showChosen: false })}
          ${fileInput(lang, t(lang, 'chooseFolder'), { id: 'folder', multiple: true, folder: true, showChosen: false })}
          <p class="muted"><span id="chosen-count" aria-live="polite">${count(lang, 'files', 0)}</span></p>
        </div>
        <p>
          <button class="primary" type="submit" id="start">${t(lang, 'start')}</button>
          <span id="upload-state" role="status"></span>
        </p>
        <h2>${t(lang, 'batchProgress')} <span id="batch-text" class="muted"></span></h2>
        <progress id="batch-progress" value="0" max="1" aria-label="${t(lang, 'batchProgress')}"></progress>
        <p class="muted" id="batch-intake" aria-live="polite"></p>
        <div class="table-scroll" role="region" aria-label="${w(lang, 'files')}" tabindex="0">
          <table class="files">
            <tbody id="file-rows"></tbody>
          </table>
        </div>
      </form>
      ${intakeTable(lang, intake)}
      <script type="application/json" id="i18n">
        ${scriptWords(lang)}
      </script>`,
    html`<script src="/assets/upload.js" defer></script>`,
  );
}
