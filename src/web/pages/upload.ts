/**
 * The upload page: a batch's name and the details its documents share, the
 * files or a folder to send, and the progress of each file as the browser
 * script sends them (its words come in a JSON block, not inline script).
 */
import { html, raw, type SafeHtml } from '../html';
import { dateInput, fileInput } from '../fields';
import { count, COUNTS, t, valueWord, wordsOf, type Lang } from '../i18n';
import type { RegisterRecord } from '../../../storage/repos/registers';
import { layout, type PageCtx } from '../layout';

/** The words the browser script shows for each file's state, as JSON safe inside a script element. */
function scriptWords(lang: Lang): SafeHtml {
  const words = Object.fromEntries(
    (['queued', 'processing', 'archived', 'duplicate', 'rejected', 'failed', 'uploading'] as const).map((k) => [k, t(lang, k)]),
  );
  // JSON, not HTML: made safe inside the script element by writing every "<" as an escape.
  const all = {
    ...words,
    batchDone: lang === 'ar' ? 'اكتملت الدفعة.' : 'The batch is complete.',
    files: COUNTS.files[lang === 'ar' ? 0 : 1],
  };
  return raw(JSON.stringify(all).replace(/</g, '\\u003c'));
}

/** What this person may file: the classifications up to their clearance, and their departments (null: any). */
export interface FilingChoices {
  classifications: readonly string[];
  departments: string[] | null;
  /** The registers (books) to number in; the first is chosen. */
  registers?: RegisterRecord[];
}

/** The kinds of file the archive takes (the API refuses the rest, each with its reason). */
const ACCEPTED = 'image/jpeg,image/png,image/webp,image/tiff,application/pdf';

const w = wordsOf({
  files: ['الملفات المرفوعة', 'Files sent'],
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

export function uploadPage(ctx: PageCtx, choices: FilingChoices): string {
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
        </div>
        <div class="dropzone" id="dropzone" role="group" aria-labelledby="dropzone-help">
          <p id="dropzone-help">${t(lang, 'dropHere')}</p>
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
        <div class="table-scroll" role="region" aria-label="${w(lang, 'files')}" tabindex="0">
          <table class="files">
            <tbody id="file-rows"></tbody>
          </table>
        </div>
      </form>
      <script type="application/json" id="i18n">
        ${scriptWords(lang)}
      </script>`,
  );
}
