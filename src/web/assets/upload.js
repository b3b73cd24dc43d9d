// The upload page's script: the batch created (from the page, with how the scanner fed the paper), one upload
// per file with its own progress, a row for each document a file became (a part of a scanned stack, an
// attachment of a message) with what it was part of and the label taken or refused, then live statuses and the
// batch's summary (separator sheets, blank pages dropped) from the batch's event stream.
'use strict';

(function () {
  const form = document.getElementById('upload-form');
  if (!form || !window.diwanViewer) return;
  const { csrf, i18n, lang, digits, plural, fileName } = window.diwanViewer;
  const drop = document.getElementById('dropzone');
  const filesInput = document.getElementById('files');
  const folderInput = document.getElementById('folder');
  const table = document.getElementById('file-rows');
  const batchBar = document.getElementById('batch-progress');
  const batchText = document.getElementById('batch-text');
  const batchIntake = document.getElementById('batch-intake');
  const chosen = [];

  /** A row of the progress table, after `after` (or at the end): name, upload bar, status, kind, result. */
  const row = (name, after) => {
    const tr = document.createElement('tr');
    const nameCell = document.createElement('td');
    nameCell.appendChild(fileName(name));
    const prog = document.createElement('td');
    prog.className = 'progress';
    const bar = document.createElement('progress');
    bar.max = 100;
    bar.value = 0;
    prog.appendChild(bar);
    const status = document.createElement('td');
    status.textContent = i18n.queued;
    const kind = document.createElement('td');
    kind.className = 'intake muted';
    const result = document.createElement('td');
    tr.append(nameCell, prog, status, kind, result);
    if (after) after.after(tr);
    else table.appendChild(tr);
    return { tr, name: nameCell, bar, status, kind, result };
  };

  const add = (list) => {
    for (const f of list) {
      if (f.size === 0 && !f.type) continue; // a folder entry itself
      chosen.push({ file: f, ui: row(f.webkitRelativePath || f.name) });
    }
    document.getElementById('chosen-count').textContent = i18n.files ? plural(chosen.length, i18n.files) : digits(chosen.length);
  };

  const walk = async (entry, out) => {
    if (entry.isFile) {
      out.push(await new Promise((res, rej) => entry.file(res, rej)));
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
        if (batch.length === 0) break;
        for (const e of batch) await walk(e, out);
      }
    }
  };

  filesInput?.addEventListener('change', () => add(filesInput.files));
  folderInput?.addEventListener('change', () => add(folderInput.files));
  drop?.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop?.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop?.addEventListener('drop', async (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const out = [];
    for (const item of e.dataTransfer.items) {
      const entry = item.webkitGetAsEntry && item.webkitGetAsEntry();
      if (entry) await walk(entry, out);
      else if (item.kind === 'file') out.push(item.getAsFile());
    }
    add(out);
  });

  const api = async (method, path, body) => {
    const res = await fetch(path, {
      method,
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: body ? JSON.stringify(body) : undefined,
      credentials: 'same-origin',
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error((lang === 'ar' ? json.message : json.messageEn) || res.statusText);
    return json;
  };

  const send = (batchId, item) =>
    new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `/api/v1/batches/${batchId}/files`);
      xhr.setRequestHeader('x-csrf-token', csrf);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) item.ui.bar.value = Math.round((e.loaded / e.total) * 100);
      };
      xhr.onload = () => {
        item.ui.bar.value = 100;
        let body = {};
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          body = {};
        }
        if (xhr.status >= 300) {
          item.ui.status.textContent = i18n.rejected;
          item.ui.result.textContent = (lang === 'ar' ? body.message : body.messageEn) || xhr.statusText;
        } else {
          item.ui.status.textContent = i18n.queued;
        }
        resolve(body);
      };
      xhr.onerror = () => {
        item.ui.status.textContent = i18n.failed;
        resolve({});
      };
      const fd = new FormData();
      fd.append('files', item.file, item.file.webkitRelativePath || item.file.name);
      item.ui.status.textContent = i18n.uploading;
      xhr.send(fd);
    });

  /** What a row became, in words: its kind, what it is part of, the label taken or refused. */
  const intakeWords = (f) => {
    const words = [];
    if (f.kind && f.kind !== 'file') words.push(i18n.kinds[f.kind] || f.kind);
    if (f.partOf) words.push(`${i18n.partOf} ${f.partOf}`);
    const notes = f.notes || {};
    if (notes.labelRefused) words.push(i18n[notes.labelRefused] || notes.labelRefused);
    else if (notes.label && f.status !== 'duplicate' && f.status !== 'rejected') words.push(i18n.labelUsed);
    if (notes.blankPages) words.push(plural(notes.blankPages, i18n.blankPages));
    return words.join(' · ');
  };

  const show = (ui, f) => {
    ui.status.textContent = i18n[f.status] || f.status;
    ui.status.className = `status-${f.status}`;
    ui.tr.dataset.status = f.status;
    if (f.kind) ui.tr.dataset.kind = f.kind;
    const said = intakeWords(f);
    if (said) ui.kind.textContent = said;
    if (f.registryNo) {
      ui.result.textContent = '';
      const a = document.createElement('a');
      a.href = `/documents/${f.documentId}`;
      a.textContent = digits(f.registryNo);
      a.className = 'registry-no';
      ui.result.appendChild(a);
      // The registration receipt (an A5 PDF) to print for whoever brought the letter.
      const receipt = document.createElement('a');
      receipt.href = `/api/v1/documents/${f.documentId}/receipt.pdf`;
      receipt.target = '_blank';
      receipt.rel = 'noopener';
      receipt.className = 'receipt-link';
      receipt.textContent = lang === 'ar' ? 'الإيصال' : 'Receipt';
      ui.result.append(' · ', receipt);
    }
    if (f.error) ui.result.textContent = lang === 'ar' ? f.error.message : f.error.messageEn;
  };

  /** The batch's summary: separator sheets found, blank pages dropped (nothing said of what did not happen). */
  const showIntake = (intake) => {
    if (!intake || !batchIntake) return;
    const words = [];
    if (intake.separators) words.push(plural(intake.separators, i18n.separators));
    if (intake.blankPages) words.push(plural(intake.blankPages, i18n.blankPages));
    batchIntake.textContent = words.join(' · ');
    batchIntake.dataset.separators = String(intake.separators || 0);
    batchIntake.dataset.blankPages = String(intake.blankPages || 0);
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (chosen.length === 0) return;
    const start = document.getElementById('start');
    start.disabled = true;
    const data = Object.fromEntries(new FormData(form).entries());
    const meta = { source: 'web' };
    const shared = ['name', 'title', 'docType', 'department', 'classification', 'docDate', 'correspondent', 'mode', 'duplex'];
    for (const k of [...shared, 'register', 'externalRef', 'externalDate', 'inReplyTo']) {
      if (data[k]) meta[k] = data[k];
    }
    try {
      const batch = await api('POST', '/api/v1/batches', meta);
      form.dataset.batchId = batch.id;
      // Each document's row, by its row id in the batch (the id its progress events carry).
      const byId = new Map();
      for (const item of chosen) {
        const r = await send(batch.id, item);
        // A file that became several documents gets a row for each after its own, in order.
        const made = r.files || [];
        let last = null;
        for (const f of made) {
          const ui = last ? row(f.name || '', last.tr) : item.ui;
          if (last) ui.bar.value = 100;
          else if (made.length > 1 && f.name) ui.name.replaceChildren(fileName(f.name));
          if (f.id) byId.set(f.id, ui);
          show(ui, f);
          last = ui;
        }
      }
      if (meta.mode === 'pages') await api('POST', `/api/v1/batches/${batch.id}/seal`);
      const events = new EventSource(`/api/v1/batches/${batch.id}/events`);
      events.addEventListener('file', (ev) => {
        const f = JSON.parse(ev.data);
        const ui = byId.get(f.id);
        if (ui) show(ui, f);
      });
      events.addEventListener('batch', (ev) => {
        const b = JSON.parse(ev.data);
        const c = b.counts;
        const total = c.total;
        const done = (c.archived || 0) + (c.duplicate || 0) + (c.rejected || 0) + (c.failed || 0);
        batchBar.max = Math.max(1, total);
        batchBar.value = done;
        batchText.textContent = `${digits(done)} / ${digits(total)}`;
        showIntake(b.intake);
      });
      events.addEventListener('done', () => {
        events.close();
        form.dataset.done = 'true';
        document.getElementById('upload-state').textContent = i18n.batchDone;
      });
    } catch (err) {
      document.getElementById('upload-state').textContent = String(err.message || err);
      start.disabled = false;
    }
  });
})();
