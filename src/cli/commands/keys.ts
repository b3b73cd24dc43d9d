/**
 * `diwan keys list | init | rotate`: the ministry's encryption keys, run on the archive's own machine (it
 * edits the key file, DIWAN_ENCRYPTION_KEY_FILE). `init` makes the file for an archive that already holds
 * documents (the server makes it by itself only for an empty one). A rotation adds a new current key and
 * keeps every older one: objects under Object Lock cannot be rewritten, so an old key opens its objects
 * for as long as they are kept.
 */
import { KeyFileRefusedError, loadKeyRing, makeKeyFile, readKeyFile, rotateKeyFile } from '../../../storage/crypto/keyRing';
import { KeysMissingError, ledgerCurrentKey, ledgeredKeyIds } from '../../../storage/crypto/keysAtStart';
import { createDb, type Db } from '../../../storage/db';
import type { Config } from '../../config';
import type { Handler } from '../input';
import { json } from '../output';

const BACKUP =
  'احفظ نسخة من ملف المفاتيح في خزنة المفاتيح الآن، بعيدًا عن الحاويات: من دونه لا تُقرأ أي نسخة / ' +
  'copy the key file to the key safe now, apart from the buckets: without it no copy can be read\n';

/** Runs `fn` with the archive's database when one is configured (an embedded one is not started for this). */
async function withDb<T>(config: Config, fn: (db: Db) => Promise<T>): Promise<T | undefined> {
  if (!config.databaseUrl) return undefined;
  const db = createDb(config.databaseUrl, 1);
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

/** The key the ledger names as current (the last 'key-rotated' entry), or null. */
async function ledgeredCurrent(db: Db): Promise<string | null> {
  const r = await db.query<{ key_id: string }>(
    `SELECT payload->>'keyId' AS key_id FROM ledger WHERE event = 'key-rotated' ORDER BY seq DESC LIMIT 1`,
  );
  return r.rows[0]?.key_id ?? null;
}

/** A refusal of the key file (it exists, it is not the archive's, the archive's is missing) says what to do: printed as it is, exit 1. */
function refusalsPrinted(run: Handler): Handler {
  return async (config, args) => {
    try {
      return await run(config, args);
    } catch (e) {
      if (!(e instanceof KeyFileRefusedError) && !(e instanceof KeysMissingError)) throw e;
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
  };
}

/** `diwan keys list`: the keys' ids and dates, never the keys. */
export const keysList = refusalsPrinted(async (config, args) => {
  const file = config.encryption.keyFile;
  const content = readKeyFile(file);
  // The keys themselves are never printed: ids and dates only.
  const list = (content?.keys ?? []).map((k) => ({ id: k.id, created: k.created, current: k.id === content?.current }));
  if (args.flags.has('json')) json({ file, encryption: config.encryption.on, keys: list });
  else {
    process.stdout.write(`${file}${config.encryption.on ? '' : ' (DIWAN_ENCRYPTION=off: new objects are not encrypted)'}\n`);
    if (!list.length) process.stdout.write('  لا مفاتيح بعد / no keys yet (diwan keys init)\n');
    for (const k of list) process.stdout.write(`  ${k.current ? '*' : ' '} ${k.id}  ${k.created}\n`);
  }
  return 0;
});

/** `diwan keys init`: the key file for an archive that already holds documents. */
export const keysInit = refusalsPrinted(async (config, args) => {
  const file = config.encryption.keyFile;
  if (readKeyFile(file)?.keys.length) {
    process.stderr.write(`ملف المفاتيح موجود / the key file already exists: ${file} (diwan keys rotate adds a key)\n`);
    return 1;
  }
  // A ledger naming keys means this archive has a key file somewhere: a new one would not open its objects.
  const used = (await withDb(config, ledgeredKeyIds)) ?? [];
  if (used.length) throw new KeysMissingError(used, file);
  makeKeyFile(file);
  const ring = loadKeyRing(file, true);
  const ledgered = (await withDb(config, async (db) => (await ledgerCurrentKey(db, ring)) !== undefined)) ?? false;
  const keyId = ring.ids().current;
  if (args.flags.has('json')) json({ file, keyId, ledgered, encryption: config.encryption.on });
  else {
    process.stdout.write(
      `أُنشئ ملف المفاتيح / key file made: ${file} (key ${keyId})\n` +
        (config.encryption.on ? '' : 'DIWAN_ENCRYPTION=off: new objects stay in the clear until it is on\n') +
        BACKUP,
    );
  }
  return 0;
});

/** `diwan keys rotate`: a new current key; the older ones stay for reading. */
export const keysRotate = refusalsPrinted(async (config, args) => {
  const file = config.encryption.keyFile;
  // The file must be the archive's: it exists and holds the key the ledger names as current.
  const current = (await withDb(config, ledgeredCurrent)) ?? null;
  const rotated = rotateKeyFile(file, current);
  const ledgered =
    (await withDb(config, async (db) => (await ledgerCurrentKey(db, loadKeyRing(file, true))) !== undefined)) ?? false;
  if (args.flags.has('json')) json({ file, ...rotated, ledgered });
  else {
    process.stdout.write(
      `المفتاح الحالي / current key: ${rotated.keyId} (previous: ${rotated.previous ?? '-'}) in ${file}\n` +
        (ledgered ? '' : 'the ledger records it when the archive next starts\n') +
        BACKUP,
    );
  }
  return 0;
});
