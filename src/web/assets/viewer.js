// Diwan viewer: the little that needs a script. Zoom on the document page; the
// chosen day of a date field echoed with its Hijri date, and the chosen files of
// a file picker named; on the upload page, batch creation, one upload per file
// with its own progress, then live statuses from the batch's event stream.
// Everything else is plain HTML.
'use strict';

(function () {
  const csrf = document.querySelector('meta[name="csrf"]')?.getAttribute('content') ?? '';
  const i18nNode = document.getElementById('i18n');
  const i18n = i18nNode ? JSON.parse(i18nNode.textContent || '{}') : {};
  const lang = document.documentElement.lang === 'ar' ? 'ar' : 'en';
  const digits = (s) => (lang === 'ar' ? String(s).replace(/[0-9]/g, (d) => '٠١٢٣٤٥٦٧٨٩'[Number(d)]) : String(s));
  const rules = new Intl.PluralRules(lang);
  // A count said by the language's plural rules, from forms the page gives ('#' is the number).
  const plural = (n, forms) => (forms[rules.select(n)] || forms.other).replace('#', digits(n));

  // A date field's hint: the day chosen, Gregorian and Hijri (Umm al-Qura), in the page's language.
  const gregorian = new Intl.DateTimeFormat(lang === 'ar' ? 'ar-u-ca-gregory-nu-arab' : 'en-GB-u-ca-gregory', {
    timeZone: 'UTC',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const hijri = new Intl.DateTimeFormat(lang === 'ar' ? 'ar-u-ca-islamic-umalqura-nu-arab' : 'en-GB-u-ca-islamic-umalqura', {
    timeZone: 'UTC',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  });
  for (const input of document.querySelectorAll('input[type="date"]')) {
    const hint = document.getElementById(`${input.id}-hint`);
    if (!hint) continue;
    input.addEventListener('change', () => {
      const at = input.value ? new Date(`${input.value}T12:00:00Z`) : null;
      hint.textContent =
        at && !Number.isNaN(at.getTime())
          ? `${gregorian.format(at)} (${hijri.format(at)})`
          : hint.getAttribute('data-date-hint') || '';
    });
  }

  // A file's name, left to right as file systems write it, each run of Arabic letters isolated on its own
  // (digits after Arabic letters would turn with them): «خطاب-1.jpg», never «jpg.1-خطاب» nor «1-خطاب.jpg».
  const rtlRun = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]+(?:\s+[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]+)*/gu;
  const fileName = (name) => {
    const outer = document.createElement('bdi');
    outer.dir = 'ltr';
    outer.className = 'file-name';
    let at = 0;
    for (const m of name.matchAll(rtlRun)) {
      outer.append(name.slice(at, m.index));
      const run = document.createElement('bdi');
      run.textContent = m[0];
      outer.append(run);
      at = m.index + m[0].length;
    }
    outer.append(name.slice(at));
    return outer;
  };

  // A file picker's chosen files: the name of one, or how many.
  for (const pick of document.querySelectorAll('.file-pick')) {
    const input = pick.querySelector('input[type="file"]');
    const chosen = pick.querySelector('.chosen');
    if (!input || !chosen) continue;
    const forms = JSON.parse(chosen.getAttribute('data-forms') || '{"other":"#"}');
    input.addEventListener('change', () => {
      const files = input.files || [];
      chosen.textContent = '';
      if (files.length === 1) {
        chosen.appendChild(fileName(files[0].name));
      } else {
        chosen.textContent = plural(files.length, forms);
      }
    });
  }

  // Zoom: fit width, 150%, 200%.
  const view = document.querySelector('.page-view');
  if (view) {
    const steps = ['fit', 'zoom-150', 'zoom-200'];
    let at = 0;
    const apply = () => {
      view.classList.remove('zoom-150', 'zoom-200');
      if (steps[at] !== 'fit') view.classList.add(steps[at]);
    };
    for (const b of document.querySelectorAll('[data-zoom]')) {
      b.addEventListener('click', () => {
        const z = b.getAttribute('data-zoom');
        at = z === 'fit' ? 0 : z === 'in' ? Math.min(steps.length - 1, at + 1) : Math.max(0, at - 1);
        apply();
      });
    }
  }

  // Upload.
  const form = document.getElementById('upload-form');
  if (!form) return;
  const drop = document.getElementById('dropzone');
  const filesInput = document.getElementById('files');
  const folderInput = document.getElementById('folder');
  const table = document.getElementById('file-rows');
  const batchBar = document.getElementById('batch-progress');
  const batchText = document.getElementById('batch-text');
  const chosen = [];

  const row = (file) => {
    const tr = document.createElement('tr');
    const name = document.createElement('td');
    name.appendChild(fileName(file.webkitRelativePath || file.name));
    const prog = document.createElement('td');
    prog.className = 'progress';
    const bar = document.createElement('progress');
    bar.max = 100;
    bar.value = 0;
    prog.appendChild(bar);
    const status = document.createElement('td');
    status.textContent = i18n.queued;
    const result = document.createElement('td');
    tr.append(name, prog, status, result);
    table.appendChild(tr);
    return { tr, bar, status, result };
  };

  const add = (list) => {
    for (const f of list) {
      if (f.size === 0 && !f.type) continue; // a folder entry itself
      chosen.push({ file: f, ui: row(f) });
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

  const show = (item, f) => {
    const ui = item.ui;
    ui.status.textContent = i18n[f.status] || f.status;
    ui.status.className = `status-${f.status}`;
    ui.tr.dataset.status = f.status;
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

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (chosen.length === 0) return;
    const start = document.getElementById('start');
    start.disabled = true;
    const data = Object.fromEntries(new FormData(form).entries());
    const meta = {};
    const shared = ['name', 'title', 'docType', 'department', 'classification', 'docDate', 'correspondent', 'mode'];
    for (const k of [...shared, 'register', 'externalRef', 'externalDate', 'inReplyTo']) {
      if (data[k]) meta[k] = data[k];
    }
    try {
      const batch = await api('POST', '/api/v1/batches', meta);
      form.dataset.batchId = batch.id;
      const byId = new Map();
      for (const item of chosen) {
        const r = await send(batch.id, item);
        for (const f of r.files || []) {
          if (f.id) byId.set(f.id, item);
          show(item, f);
        }
      }
      if (meta.mode === 'pages') await api('POST', `/api/v1/batches/${batch.id}/seal`);
      const events = new EventSource(`/api/v1/batches/${batch.id}/events`);
      events.addEventListener('file', (ev) => {
        const f = JSON.parse(ev.data);
        const item = byId.get(f.id);
        if (item) show(item, f);
      });
      events.addEventListener('batch', (ev) => {
        const b = JSON.parse(ev.data);
        const c = b.counts;
        const total = c.total;
        const done = (c.archived || 0) + (c.duplicate || 0) + (c.rejected || 0) + (c.failed || 0);
        batchBar.max = Math.max(1, total);
        batchBar.value = done;
        batchText.textContent = `${digits(done)} / ${digits(total)}`;
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
