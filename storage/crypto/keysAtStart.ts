/**
 * The encryption key file at start. It is made only by the process that records (`diwan serve`), and only
 * on a truly first start: an empty ledger and no documents. Never while the ledger names a key (a
 * 'key-rotated' entry) or a bucket holds an object encrypted under one, since a new key would not open
 * them; an archive that already holds documents gets a key only on purpose (`diwan keys init`), so that
 * its operator knows there is a file to keep apart from the buckets. A key file that lacks a key the
 * ledger names stops the start, naming the key.
 */
import type { Db } from '../db';
import { inTransaction } from '../db';
import { appendLedger } from '../integrity/ledger';
import type { ObjectStore } from '../objectStore';
import { makeKeyFile, type KeyRing } from './keyRing';

/** Keys the archive used that the key file does not hold (start-up stops). */
export class KeysMissingError extends Error {
  constructor(
    readonly keyIds: string[],
    readonly file: string,
  ) {
    const ids = keyIds.length ? keyIds.map((k) => `«${k}»`).join('، ') : '(?)';
    super(
      `مفاتيح التشفير ${ids} غير موجودة في ${file}، وفي هذا الأرشيف كائنات مشفّرة بها. ` +
        'أعد ملف المفاتيح الأصلي من نسخته المحفوظة إلى هذا المسار أو اضبط DIWAN_ENCRYPTION_KEY_FILE على مكانه، ثم أعد التشغيل. ' +
        'لا يُنشأ مفتاح جديد تلقائيًا لأنه لا يفتح ما شُفّر قبله.\n' +
        `The encryption key(s) ${keyIds.join(', ') || '(unknown)'} are missing from ${file}, and this archive holds objects encrypted under them. ` +
        'Put the original key file back there (from its copy in the key safe) or set DIWAN_ENCRYPTION_KEY_FILE to where it is, then start again. ' +
        'No new key is made by itself, since it would not open what was encrypted before (docs/production.md, "Encryption keys").',
    );
  }
}

/** Encryption is on and there is no key file, and this start may not make one (start-up stops). */
export class KeyFileNeededError extends Error {
  constructor(
    readonly file: string,
    why: 'archive' | 'process',
  ) {
    super(
      (why === 'archive'
        ? `في هذا الأرشيف وثائق أو قيود في السجل، ولا ملف مفاتيح تشفير في ${file}؛ لا يُنشأ مفتاح تلقائيًا لأرشيف قائم. `
        : `لا ملف مفاتيح تشفير في ${file}، وهذه العملية لا تنشئ مفتاحًا (ينشئه diwan serve عند أول تشغيل لأرشيف فارغ فقط). `) +
        'شغّل diwan keys init لإنشائه (واحفظ نسخته بعيدًا عن الحاويات)، أو انسخ ملف الأرشيف إلى هذا المسار أو اضبط DIWAN_ENCRYPTION_KEY_FILE على مكانه، ' +
        'أو اضبط DIWAN_ENCRYPTION=off للكتابة دون تشفير.\n' +
        (why === 'archive'
          ? `This archive already holds documents or ledger entries and there is no encryption key file at ${file}; no key is made by itself for an existing archive. `
          : `There is no encryption key file at ${file}, and this process does not make one (only diwan serve does, on the first start of an empty archive). `) +
        "Run diwan keys init to make it (and keep a copy apart from the buckets), or copy the archive's key file there or set DIWAN_ENCRYPTION_KEY_FILE to where it is, " +
        'or set DIWAN_ENCRYPTION=off to keep writing in the clear (docs/production.md, "Encryption keys").',
    );
  }
}

/** Whether the archive is empty: no ledger entry and no document (a key may be made without asking). */
async function isEmptyArchive(db: Db): Promise<boolean> {
  const r = await db.query<{ empty: boolean }>(
    'SELECT NOT EXISTS (SELECT 1 FROM ledger) AND NOT EXISTS (SELECT 1 FROM documents) AS empty',
  );
  return r.rows[0]!.empty;
}

/** Every key id the ledger says was used. */
export async function ledgeredKeyIds(db: Db): Promise<string[]> {
  const res = await db.query<{ key_id: string }>(
    `SELECT DISTINCT payload->>'keyId' AS key_id FROM ledger WHERE event = 'key-rotated' AND payload ? 'keyId'`,
  );
  return res.rows.map((r) => r.key_id);
}

/** The key ids a few objects of a bucket are encrypted under (a sample: the first objects of each prefix). */
async function sampledKeyIds(store: ObjectStore): Promise<string[]> {
  const found = new Set<string>();
  for (const prefix of ['ledger/', 'documents/', 'checkpoints/']) {
    const keys = (await store.sample?.(prefix, 2)) ?? [];
    for (const key of keys) {
      const id = await store.keyIdOf?.(key);
      if (id) found.add(id);
    }
  }
  return [...found];
}

/**
 * Makes sure the key file holds every key the archive used, making it on a truly first start.
 * `records`: this process is the archive's server: it may make the key file of an empty archive, and it
 * ledgers a current key not ledgered yet (never a worker, which would make a key on its own host, nor a
 * restore, whose database must stay empty until the ledger is brought back).
 */
export async function prepareEncryptionKeys(
  deps: { db: Db; primary: ObjectStore; offsite: ObjectStore },
  ring: KeyRing,
  opts: { records: boolean },
): Promise<void> {
  const used = await ledgeredKeyIds(deps.db);
  if (!ring.ids().ids.length) {
    if (used.length) throw new KeysMissingError(used, ring.file);
    const seen = [
      ...(await sampledKeyIds(deps.primary)),
      // An offsite copy that is away cannot say; the database and the primary bucket have spoken.
      ...(await sampledKeyIds(deps.offsite).catch(() => [])),
    ];
    if (seen.length) throw new KeysMissingError([...new Set(seen)], ring.file);
    if (!ring.encrypts) return;
    if (!opts.records) throw new KeyFileNeededError(ring.file, 'process');
    if (!(await isEmptyArchive(deps.db))) throw new KeyFileNeededError(ring.file, 'archive');
    makeKeyFile(ring.file);
  }
  const held = new Set(ring.ids().ids);
  const missing = used.filter((id) => !held.has(id));
  if (missing.length) throw new KeysMissingError(missing, ring.file);
  if (opts.records) await ledgerCurrentKey(deps.db, ring);
}

/** Ledgers the ring's current key ('key-rotated' {keyId, previous}) unless the ledger names it already. */
export async function ledgerCurrentKey(db: Db, ring: KeyRing): Promise<{ keyId: string; previous: string | null } | undefined> {
  const current = ring.current();
  if (!current) return undefined;
  return inTransaction(db, async (tx) => {
    // One entry per key, however many servers start at once.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('diwan-key-rotated'))`);
    const seen = await tx.query(`SELECT 1 FROM ledger WHERE event = 'key-rotated' AND payload->>'keyId' = $1`, [current.id]);
    if (seen.rowCount) return undefined;
    const last = await tx.query<{ key_id: string }>(
      `SELECT payload->>'keyId' AS key_id FROM ledger WHERE event = 'key-rotated' ORDER BY seq DESC LIMIT 1`,
    );
    const entry = { keyId: current.id, previous: last.rows[0]?.key_id ?? null };
    await appendLedger(tx, 'key-rotated', null, entry);
    return entry;
  });
}
