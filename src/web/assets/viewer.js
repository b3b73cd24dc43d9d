// Diwan viewer: the little that needs a script. Zoom on the document page; the
// chosen day of a date field echoed with its Hijri date, and the chosen files of
// a file picker named. The upload page has a script of its own (upload.js).
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

  // What the upload page's own script (upload.js, loaded after this one) takes from here.
  window.diwanViewer = Object.freeze({ csrf, i18n, lang, digits, plural, fileName });
})();
