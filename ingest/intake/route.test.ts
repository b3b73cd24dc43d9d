/**
 * A batch's file examined ahead of its turn (src/http/batches.ts): examineAhead checks and looks at a scan's
 * pages, leaves other files to intakeFile, and intakeFile takes what was found ahead instead of examining again.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { letterPage, separatorPage } from '../../scripts/fixtures/stackScans';
import { DomainError } from '../../kernel/errors';
import type { AcceptDeps, SpooledFile } from './accept';
import { examineAhead, intakeFile, type IntakeContext } from './route';

const LIMITS = { maxPagePixels: 100_000_000, maxPages: 500, maxFileBytes: 64 * 1024 * 1024 };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-route-'));

function spooled(name: string, bytes: Buffer): SpooledFile {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  return { path: file, size: bytes.length, sha256, head: bytes.subarray(0, 64), originalName: name };
}

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a scan is examined ahead: its type, its pages, and what each page shows', async () => {
  const letter = await examineAhead(spooled('letter.jpg', await letterPage(['وزارة العمل', 'قرار إداري'], { seed: 7 })), LIMITS);
  expect(letter).toMatchObject({ mime: 'image/jpeg', pageCount: 1, textLayer: false });
  expect(letter!.looks).toEqual([{ separator: false, label: null, blank: false }]);
  const sheet = await examineAhead(spooled('sheet.jpg', await separatorPage({ seed: 8 })), LIMITS);
  expect(sheet!.looks?.[0]?.separator).toBe(true);
});

test('a file that is not a scan or a PDF is left to intakeFile: nothing is examined ahead', async () => {
  expect(await examineAhead(spooled('note.txt', Buffer.from('مذكرة داخلية\n')), LIMITS)).toBeUndefined();
  expect(await examineAhead(spooled('empty.jpg', Buffer.alloc(0)), LIMITS)).toBeUndefined();
});

test('intakeFile answers with the examination found ahead (here a refusal), not one of its own', async () => {
  // A scan that would pass its own examination: the refusal can only come from the one given.
  const file = spooled('good.jpg', await letterPage(['كتاب وارد'], { seed: 9 }));
  const refused = new DomainError('corrupt_file');
  const ahead = Promise.reject(refused);
  ahead.catch(() => undefined);
  const ctx = { batch: null, meta: {}, source: 'upload', duplex: 'single' } as unknown as IntakeContext;
  await expect(intakeFile(file, ctx, { limits: LIMITS } as AcceptDeps, ahead)).rejects.toBe(refused);
});
