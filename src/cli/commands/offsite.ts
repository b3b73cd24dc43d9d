/**
 * `diwan offsite auditor-keys [--days N] [--json]`: temporary keys that can only read the offsite bucket,
 * for an auditor who checks it with standard tools (docs/audit.md). Run by the administrator where the
 * archive's settings are (it signs the request with the archive's own offsite keys, OFFSITE_S3_*); prints
 * them as shell variables the audit commands read.
 */
import { AuditorKeysError, makeAuditorKeys, type AuditorKeys } from '../../../storage/auditorKeys';
import type { Config } from '../../config';
import { UsageError, type CommandInput } from '../input';
import { json } from '../output';

const MAX_DAYS = 365;

/** A value quoted for a POSIX shell. */
const quoted = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

export async function offsiteAuditorKeys(config: Config, args: CommandInput): Promise<number> {
  const days = Number(args.options.get('days') ?? '7');
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS)
    throw new UsageError(`--days takes a whole number from 1 to ${MAX_DAYS}`);
  if (!config.offsite) {
    process.stderr.write(
      'لا عنوان للحاوية الخارجية في الإعدادات / no offsite bucket is configured here: set OFFSITE_S3_ENDPOINT, OFFSITE_S3_ACCESS_KEY, OFFSITE_S3_SECRET_KEY, OFFSITE_S3_BUCKET\n',
    );
    return 1;
  }
  let keys: AuditorKeys;
  try {
    keys = await makeAuditorKeys(config.offsite, days * 86_400);
  } catch (e) {
    const why =
      e instanceof AuditorKeysError ? e.message : `the offsite storage did not answer: ${String((e as Error)?.message ?? e)}`;
    process.stderr.write(`تعذّر إنشاء مفاتيح القراءة / no read-only keys were made: ${why}\n`);
    return 1;
  }
  if (args.flags.has('json')) {
    json(keys);
    return 0;
  }
  const vars: Array<[string, string]> = [
    ['DIWAN_AUDIT_ENDPOINT', keys.endpoint],
    ['DIWAN_AUDIT_BUCKET', keys.bucket],
    ['DIWAN_AUDIT_REGION', keys.region],
    ['AWS_ACCESS_KEY_ID', keys.accessKeyId],
    ['AWS_SECRET_ACCESS_KEY', keys.secretAccessKey],
    ['AWS_SESSION_TOKEN', keys.sessionToken],
  ];
  process.stdout.write(
    `# مفاتيح قراءة فقط للحاوية الخارجية حتى ${keys.expiration} / read-only keys to the offsite bucket until ${keys.expiration} (docs/audit.md)\n` +
      vars.map(([k, v]) => `export ${k}=${quoted(v)}\n`).join(''),
  );
  return 0;
}
