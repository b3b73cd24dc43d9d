import { byFile, summaryLines, totalsOf, type IngestRow } from './ingestSummary';

const row = (name: string, sha256: string, extra: Partial<IngestRow> = {}): IngestRow => ({
  name,
  sha256,
  status: 'queued',
  registryNo: null,
  error: null,
  kind: 'file',
  partOf: null,
  notes: null,
  ...extra,
});

const ROWS: IngestRow[] = [
  row('a.pdf', 'aa', { registryNo: '2026/000001' }),
  // The same file twice: two groups of one (a file taken as it came is a group of its own).
  row('a.pdf', 'aa', { status: 'duplicate', registryNo: '2026/000001' }),
  row('stack.pdf 1–2', 'ss', {
    kind: 'stack',
    partOf: 'stack.pdf',
    registryNo: '2026/000101',
    notes: { separators: 1, label: '2026/000101' },
  }),
  row('stack.pdf 4–6', 'ss', {
    kind: 'stack',
    partOf: 'stack.pdf',
    registryNo: '2026/000003',
    notes: { separators: 1, blankPages: 2, labelRefused: 'label_used' },
  }),
  row('bad.bin', 'bb', { status: 'rejected', error: { code: 'unsupported_type', message: 'نوع', messageEn: 'type' } }),
];

test('the rows a file left are one group; a plain file is always a group of its own', () => {
  expect(byFile(ROWS).map((g) => [g.name, g.rows.length])).toEqual([
    ['a.pdf', 1],
    ['a.pdf', 1],
    ['stack.pdf', 2],
    ['bad.bin', 1],
  ]);
});

test('the totals count new documents only, and what the notes noticed', () => {
  expect(totalsOf(ROWS)).toEqual({ documents: 3, blankPages: 2, separators: 2, labelsRefused: 1 });
});

test('a line per row, with what it was and why it was refused, and a line for the stack that became two documents', () => {
  const out = summaryLines(ROWS);
  expect(out).toContain('a.pdf\t2026/000001\tqueued\n');
  expect(out).toContain('stack.pdf 4–6\t2026/000003\tqueued\tجزء من رزمة/part of a stack · من/part of stack.pdf · ');
  expect(out).toContain('الملصق مستعمل من قبل/label already used');
  expect(out).toContain(
    "stack.pdf 1–2\t2026/000101\tqueued\tجزء من رزمة/part of a stack · من/part of stack.pdf · أخذ رقم الملصق/took the label's number\n",
  );
  expect(out).toContain('bad.bin\t-\trejected\tunsupported_type: نوع / type\n');
  expect(out).toContain(
    'stack.pdf: 2 وثيقة/documents · 2 صفحة فارغة حُذفت/blank pages dropped · 2 فاصل/separators · 1 ملصق مرفوض/labels refused\n',
  );
  expect(out.match(/^a\.pdf: /m)).toBeNull();
});
