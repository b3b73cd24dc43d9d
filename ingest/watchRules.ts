/**
 * The rules of a watched drop folder, with nothing of the file system in them: which names are files
 * dropped for the archive, when a file is written fully, and what becomes of a file once it was received
 * (kept in processed/, put in rejected/ with its reasons, or tried again at the next look).
 */
import { ERROR_MESSAGES, isPassingFault } from '../kernel/errors';

/** The folder's own sub-folders: what was archived, what was refused, and the watchers' working place. */
export const PROCESSED = 'processed';
export const REJECTED = 'rejected';
export const WORKING = '.diwan';

/** Names scanners, browsers and editors give a file while they write it, and files a desktop leaves behind. */
const WRITING = /\.(part|partial|tmp|temp|crdownload|download|filepart|!ut)$/i;
const DESKTOP = new Set(['thumbs.db', 'desktop.ini']);

/** Whether a name at the top of a watched folder may be a dropped file (dot-files, and files still being written, are not). */
export function isDropName(name: string): boolean {
  if (name === '' || name.startsWith('.') || name.startsWith('~$')) return false;
  if (name === PROCESSED || name === REJECTED) return false;
  return !WRITING.test(name) && !DESKTOP.has(name.toLowerCase());
}

/** A file as one look saw it. */
export interface Look {
  size: number;
  mtimeMs: number;
}

/** A file as the looks so far have seen it: its size and time, and since when they have not changed. */
export interface Seen extends Look {
  since: number;
}

/** An empty file may be one whose writer has not begun: it waits this long (or more) before it counts as whole. */
export const EMPTY_WAIT_MS = 60_000;

/**
 * What a look at a file says of it: `complete` when a look before this one saw the same size and time, and
 * either they have stayed so for `stableMs` (written fully), or its time was already `stableMs` old when it
 * was first seen (it was moved in, or was there before the watcher began). An empty file waits longer.
 */
export function observe(prev: Seen | undefined, now: Look, at: number, stableMs: number): { seen: Seen; complete: boolean } {
  if (!prev || prev.size !== now.size || prev.mtimeMs !== now.mtimeMs) {
    return { seen: { size: now.size, mtimeMs: now.mtimeMs, since: at }, complete: false };
  }
  const still = at - prev.since;
  if (now.size === 0) return { seen: prev, complete: still >= Math.max(stableMs, EMPTY_WAIT_MS) };
  const movedIn = prev.mtimeMs <= prev.since - stableMs;
  return { seen: prev, complete: still >= stableMs || movedIn };
}

/** A refusal, in the archive's words: its code and its message in Arabic and in English. */
export interface Reason {
  code: string;
  message: string;
  messageEn: string;
}

/** An internal error, in the archive's words. */
export const INTERNAL: Reason = { code: 'internal', message: ERROR_MESSAGES.internal[0], messageEn: ERROR_MESSAGES.internal[1] };

/** What the archive made of a received file: the documents it became (or duplicates), and the parts refused. */
export interface SinkAnswer {
  documents: Array<{ registryNo: string | null; duplicate: boolean }>;
  rejected: Array<{ name: string | null; error: Reason }>;
}

/** How often a passing fault may befall one file (in one process) before the file is refused as it stands. */
export const PASSING_TRIES = 5;

export type Verdict =
  { to: 'processed'; answer: SinkAnswer } | { to: 'rejected'; reasons: Reason[] } | { to: 'retry'; reason: string };

/**
 * Where a received file goes, at its `tries`-th receipt: back to wait while a part of it was refused only for a
 * passing fault (kernel/errors.ts isPassingFault: the archive busy or away; receiving it again is idempotent,
 * the parts archived already come back as duplicates), `PASSING_TRIES` times at most; then processed/ when it
 * became at least one document (the parts refused are told beside it), or rejected/ when it became none.
 */
export function verdictOf(answer: SinkAnswer, tries: number): Verdict {
  const passing = answer.rejected.filter((r) => isPassingFault(r.error.code)).map((r) => r.error.code);
  const nothing = answer.documents.length === 0 && answer.rejected.length === 0;
  if ((passing.length > 0 || nothing) && tries < PASSING_TRIES) {
    return { to: 'retry', reason: nothing ? 'the archive answered nothing for the file' : [...new Set(passing)].join(', ') };
  }
  if (answer.documents.length > 0) return { to: 'processed', answer };
  const reasons = answer.rejected.map((r) => r.error);
  return { to: 'rejected', reasons: reasons.length > 0 ? reasons : [INTERNAL] };
}

/** `name` in a folder that holds `taken` names already: the name itself, or «name (2).ext», «name (3).ext», … */
export function freeName(name: string, taken: (candidate: string) => boolean): string {
  if (!taken(name)) return name;
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 2; ; n++) {
    const candidate = `${stem} (${n})${ext}`;
    if (!taken(candidate)) return candidate;
  }
}

/**
 * The text put beside a refused file (`whole`), or beside an archived file some of whose parts were refused
 * (an attachment of a type not taken): why, in Arabic, then in English.
 */
export function reasonText(
  name: string,
  at: Date,
  reasons: Array<{ name: string | null; error: Reason }>,
  whole: boolean,
): string {
  const when = at.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
  const part = (r: { name: string | null }) => (r.name && r.name !== name ? ` (${r.name})` : '');
  return [
    whole ? `لم يُؤرشف «${name}» (${when}):` : `أُرشف «${name}» عدا ما يلي (${when}):`,
    ...reasons.map((r) => `- ${r.error.code}${part(r)}: ${r.error.message}`),
    '',
    whole ? `"${name}" was not archived (${when}):` : `"${name}" was archived, except (${when}):`,
    ...reasons.map((r) => `- ${r.error.code}${part(r)}: ${r.error.messageEn}`),
    '',
  ].join('\n');
}
