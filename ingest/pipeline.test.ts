import { STAGES } from './pipeline';

test('every stage is registered exactly once, in the documented order', () => {
  const ids = STAGES.map((s) => s.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual(['pages', 'ocr', 'compose', 'record', 'index', 'replicate']);
  for (const s of STAGES) expect(s.description.length).toBeGreaterThan(0);
});
