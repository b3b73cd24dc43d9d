import { dateInput, docTitle, fileInput, fileName, isolatedLtr } from './fields';

test('a file name is written left to right with each Arabic run isolated, escaped', () => {
  expect(fileName('خطاب-1.jpg').value).toBe('<bdi class="file-name" dir="ltr"><bdi>خطاب</bdi>-1.jpg</bdi>');
  expect(fileName('كتاب وارد 2.pdf').value).toBe('<bdi class="file-name" dir="ltr"><bdi>كتاب وارد</bdi> 2.pdf</bdi>');
  expect(fileName('<scan>.png').value).toBe('<bdi class="file-name" dir="ltr">&lt;scan&gt;.png</bdi>');
  expect(isolatedLtr('خطاب-1.jpg')).toBe('\u2066\u2067خطاب\u2069-1.jpg\u2069');
});

test("a title that is a file's name is shown as one; any other title as text", () => {
  expect(docTitle('خطاب-1.JPG').value).toContain('class="file-name"');
  expect(docTitle('الميزانية السنوية').value).toBe('<bdi>الميزانية السنوية</bdi>');
});

test('a date field names its calendar, or the day chosen with its Hijri date', () => {
  const empty = dateInput('ar', 'تاريخ الوثيقة', { name: 'docDate', id: 'doc-date' }).value;
  expect(empty).toContain('aria-describedby="doc-date-hint"');
  expect(empty).toContain('بالتقويم الميلادي');
  const chosen = dateInput('ar', 'تاريخ الوثيقة', { name: 'docDate', id: 'doc-date', value: '2026-12-01', required: true }).value;
  expect(chosen).toMatch(/value="2026-12-01"\s+required/);
  expect(chosen).toContain('(٢١ جمادى الآخرة ١٤٤٨ هـ)');
});

test('a file picker has the page’s own words and says how many were chosen', () => {
  const picker = fileInput('ar', 'اختر ملفات', { id: 'files', multiple: true }).value;
  expect(picker).toContain('<span class="file-button">اختر ملفات</span>');
  expect(picker).toMatch(/id="files"\s+multiple/);
  expect(picker).toContain('لم يُختر ملف');
});
