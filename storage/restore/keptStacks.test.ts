import { parseStackKept } from './keptStacks';

const sha = 'ab'.repeat(32);
const entry = {
  id: '0b7d3c52-8a0e-4f5e-9a57-1c1d2a3b4c5d',
  kind: 'stack',
  name: 'رزمة.pdf',
  sha256: sha,
  size: 1234,
  mime: 'application/pdf',
  key: `intake/originals/${sha}.pdf`,
  pages: 3,
  summary: { documents: 2, separators: 1, blankPages: 0 },
  batchId: null,
  createdBy: 'not-a-uuid',
  createdAt: '2026-12-07T00:00:00.000Z',
  filed: { classification: 'internal', department: null },
  letters: [
    { seq: 1, documentId: '1b7d3c52-8a0e-4f5e-9a57-1c1d2a3b4c5d', pages: [1] },
    { seq: 2, documentId: '2b7d3c52-8a0e-4f5e-9a57-1c1d2a3b4c5d', pages: [3] },
  ],
};

test('a stack-kept entry is read back as it was written, a sender that is not an id left out', () => {
  expect(parseStackKept(entry)).toEqual({ ...entry, createdBy: null });
});

test('an entry whose key is not the place its SHA-256 gives, or whose letters are malformed, is refused', () => {
  expect(parseStackKept({ ...entry, key: `documents/2026/000001/original.pdf` })).toBeUndefined();
  expect(parseStackKept({ ...entry, key: `intake/originals/${'cd'.repeat(32)}.pdf` })).toBeUndefined();
  expect(parseStackKept({ ...entry, sha256: 'AB'.repeat(32), key: `intake/originals/${'AB'.repeat(32)}.pdf` })).toBeUndefined();
  expect(parseStackKept({ ...entry, letters: [{ seq: 1, documentId: '../x', pages: [1] }] })).toBeUndefined();
  expect(
    parseStackKept({ ...entry, letters: [{ seq: 1, documentId: entry.letters[0]!.documentId, pages: ['1'] }] }),
  ).toBeUndefined();
  expect(parseStackKept({ ...entry, summary: { documents: 2 } })).toBeUndefined();
  expect(parseStackKept({ ...entry, filed: undefined })).toBeUndefined();
});
