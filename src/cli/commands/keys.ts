/**
 * `diwan keys list | rotate`: the ministry's encryption keys, run on the archive's own machine (it edits the
 * key file, DIWAN_ENCRYPTION_KEY_FILE). A rotation adds a new current key and keeps every older one: objects
 * under Object Lock cannot be rewritten, so an old key opens its objects for as long as they are kept.
 */
import { loadKeyRing, readKeyFile, rotateKeyFile } from '../../../storage/crypto/keyRing';
import { ledgerCurrentKey } from '../../../storage/crypto/keysAtStart';
import { createDb } from '../../../storage/db';
import type { Config } from '../../config';
import { parseArgs, UsageError } from '../args';
import { json } from '../output';

export async function keys(config: Config, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json'], options: [] });
  const [sub] = args.positionals;
  const file = config.encryption.keyFile;
  if (sub === 'list') {
    const content = readKeyFile(file);
    // The keys themselves are never printed: ids and dates only.
    const list = (content?.keys ?? []).map((k) => ({ id: k.id, created: k.created, current: k.id === content?.current }));
    if (args.flags.has('json')) json({ file, encryption: config.encryption.on, keys: list });
    else {
      process.stdout.write(`${file}${config.encryption.on ? '' : ' (DIWAN_ENCRYPTION=off: new objects are not encrypted)'}\n`);
      if (!list.length) process.stdout.write('  لا مفاتيح بعد / no keys yet (made at first start)\n');
      for (const k of list) process.stdout.write(`  ${k.current ? '*' : ' '} ${k.id}  ${k.created}\n`);
    }
    return 0;
  }
  if (sub === 'rotate') {
    const rotated = rotateKeyFile(file);
    let ledgered = false;
    if (config.databaseUrl) {
      const db = createDb(config.databaseUrl, 1);
      try {
        ledgered = (await ledgerCurrentKey(db, loadKeyRing(file, true))) !== undefined;
      } finally {
        await db.end();
      }
    }
    if (args.flags.has('json')) json({ file, ...rotated, ledgered });
    else {
      process.stdout.write(
        `المفتاح الحالي / current key: ${rotated.keyId} (previous: ${rotated.previous ?? '-'}) in ${file}\n` +
          (ledgered ? '' : 'the ledger records it when the archive next starts\n') +
          'احفظ نسخة من ملف المفاتيح في خزنة المفاتيح الآن / copy the key file to the key safe now\n',
      );
    }
    return 0;
  }
  throw new UsageError('diwan keys list [--json] | rotate [--json]');
}
