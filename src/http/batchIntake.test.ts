import { batchIntakeSummary } from './batchIntake';

test("a batch's summary counts its rows by kind and adds up what its rows' notes noticed", () => {
  const summary = batchIntakeSummary([
    { kind: 'file', status: 'archived', notes: null },
    { kind: 'stack', status: 'queued', notes: { pages: [1, 2], label: '2026/000101', separators: 1, blankPages: 2 } },
    { kind: 'stack', status: 'queued', notes: { pages: [4], label: '2026/000101', labelRefused: 'label_used', blankPages: 1 } },
    { kind: 'stack', status: 'duplicate', notes: { pages: [6], label: '2026/000102', separators: 1 } },
    { kind: 'email', status: 'queued', notes: {} },
    { kind: 'attachment', status: 'rejected', notes: null },
  ]);
  expect(summary).toEqual({
    kinds: { file: 1, stack: 3, office: 0, email: 1, attachment: 1 },
    separators: 2,
    blankPages: 3,
    // The duplicate's label gave its number to no document; the refused one is counted as refused only.
    labelsUsed: 1,
    labelsRefused: 1,
  });
});

test('an empty batch has every kind at 0', () => {
  expect(batchIntakeSummary([])).toEqual({
    kinds: { file: 0, stack: 0, office: 0, email: 0, attachment: 0 },
    separators: 0,
    blankPages: 0,
    labelsUsed: 0,
    labelsRefused: 0,
  });
});
