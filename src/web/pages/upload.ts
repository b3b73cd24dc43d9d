/**
 * The upload page: a batch's name and the details its documents share, the
 * files or a folder to send, and the progress of each file as the browser
 * script sends them (its words come in a JSON block, not inline script).
 */
import { escapeHtml as esc } from '../../../kernel/text';
import { num, t, wordsOf, type Lang } from '../i18n';
import type { RegisterRecord } from '../../../storage/repos/registers';
import { layout, type PageCtx } from '../layout';

/** The words the browser script shows for each file's state, as JSON safe inside a script element. */
function scriptWords(lang: Lang): string {
  const words = Object.fromEntries(
    (['queued', 'processing', 'archived', 'duplicate', 'rejected', 'failed', 'uploading'] as const).map((k) => [k, t(lang, k)]),
  );
  return JSON.stringify({ ...words, batchDone: lang === 'ar' ? 'اكتملت الدفعة.' : 'The batch is complete.' }).replace(
    /</g,
    '\\u003c',
  );
}

/** What this person may file: the classifications up to their clearance, and their departments (null: any). */
export interface FilingChoices {
  classifications: readonly string[];
  departments: string[] | null;
  /** The registers (books) to number in; the first is chosen. */
  registers?: RegisterRecord[];
}

const w = wordsOf({
  register: ['السجل', 'Register'],
  externalRef: ['مرجع المرسِل (رقمه على الكتاب)', "Sender's reference (their number)"],
  externalDate: ['تاريخ مرجع المرسِل', "Sender's reference date"],
  inReplyTo: ['ردٌّ على رقم القيد', 'In reply to registry no.'],
});

/** The register, the sender's reference and date, and the registry number the letter answers. */
function registryFields(lang: Lang, registers: RegisterRecord[]): string {
  const options = registers
    .map(
      (r) =>
        `<option value="${esc(r.code)}">${esc(lang === 'ar' ? `${r.nameAr} (${r.letterAr})` : `${r.nameEn} (${r.letterEn})`)}</option>`,
    )
    .join('');
  return `<label>${w(lang, 'register')}<select name="register" id="upload-register">${options}</select></label>
    <label>${w(lang, 'externalRef')}<input type="text" name="externalRef" maxlength="200"></label>
    <label>${w(lang, 'externalDate')}<input type="date" name="externalDate"></label>
    <label>${w(lang, 'inReplyTo')}<input type="text" name="inReplyTo" maxlength="400" placeholder="2026/000123" dir="ltr"></label>`;
}

/** A department typed freely, or chosen from the person's own. */
function departmentField(departments: string[] | null): string {
  if (departments === null) return `<input type="text" name="department" maxlength="200">`;
  return `<select name="department">${departments.map((d) => `<option value="${esc(d)}">${esc(d)}</option>`).join('')}</select>`;
}

export function uploadPage(ctx: PageCtx, choices: FilingChoices): string {
  const { lang } = ctx;
  return layout(
    ctx,
    'upload',
    t(lang, 'uploadTitle'),
    `<h1>${t(lang, 'uploadTitle')}</h1>
<form id="upload-form" class="card">
  <div class="grid-form">
    <label>${t(lang, 'batchName')}<input type="text" name="name" required maxlength="200"></label>
    ${choices.registers?.length ? registryFields(lang, choices.registers) : ''}
    <label>${t(lang, 'title')}<input type="text" name="title" maxlength="500"></label>
    <label>${t(lang, 'type')}<input type="text" name="docType" maxlength="100"></label>
    <label>${t(lang, 'department')}${departmentField(choices.departments)}</label>
    <label>${t(lang, 'correspondent')}<input type="text" name="correspondent" maxlength="200"></label>
    <label>${t(lang, 'docDate')}<input type="date" name="docDate"></label>
    <label>${t(lang, 'classification')}<select name="classification">${choices.classifications.map((c) => `<option value="${c}">${c}</option>`).join('')}</select></label>
    <label>${t(lang, 'mode')}<select name="mode"><option value="documents">${t(lang, 'modeDocuments')}</option><option value="pages">${t(lang, 'modePages')}</option></select></label>
  </div>
  <div class="dropzone" id="dropzone">
    <p>${t(lang, 'dropHere')}</p>
    <label class="secondary">${t(lang, 'chooseFiles')} <input type="file" id="files" multiple accept="image/jpeg,image/png,image/webp,image/tiff,application/pdf"></label>
    <label class="secondary">${t(lang, 'chooseFolder')} <input type="file" id="folder" webkitdirectory multiple></label>
    <p class="muted"><span id="chosen-count">${num(lang, 0)}</span></p>
  </div>
  <p><button class="primary" type="submit" id="start">${t(lang, 'start')}</button> <span id="upload-state" role="status"></span></p>
  <h2>${t(lang, 'batchProgress')} <span id="batch-text" class="muted"></span></h2>
  <progress id="batch-progress" value="0" max="1"></progress>
  <table class="files"><tbody id="file-rows"></tbody></table>
</form>
<script type="application/json" id="i18n">${scriptWords(lang)}</script>`,
  );
}
