/**
 * `diwan doctor`: checks the settings and every dependency the settings point
 * at, and says for each what is wrong and what to do. Embedded services (the
 * settings left unset) are started by `diwan serve` itself and are only named.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createDb, ledgerPrivileges } from '../../storage/db';
import { MIGRATIONS } from '../../storage/migrations';
import { createObjectStore } from '../../storage/objectStore';
import { languageSource } from '../../ingest/ocr/languages';
import { networkIsolation, sofficeVersion } from '../../ingest/adapters/libreoffice';
import type { Config, S3Target } from '../config';
import { appliedSchemaVersion, serverVersion } from '../../storage/stats';
import { readKeyFile } from '../../storage/crypto/keyRing';
import { createLdapDirectory } from '../identity/ldap';
import { ldapTransport } from '../configIdentity';
import { createOidcClient } from '../identity/oidc';
import { parseImapUrl, pingMailbox } from '../../ingest/adapters/imap';
import { secondFactorKey, unreadableSecondFactors } from '../../storage/repos/secondFactors';
import { loadSigningKey } from '../../storage/integrity/checkpoints';
import type { Db } from '../../storage/db';
import { carriedMinioFlaws, embeddedState, type EmbeddedNeed } from './services/carried';

export type CheckState = 'ok' | 'warn' | 'fail';

export interface Check {
  name: string;
  state: CheckState;
  detail: string;
  /** What to do about it (empty when nothing). */
  fix: string;
}

const timeout = <T>(p: Promise<T>, ms = 5000): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

function versionAtLeast(v: string, min: [number, number]): boolean {
  const [a = 0, b = 0] = v.split('.').map((x) => Number.parseInt(x, 10));
  return a > min[0] || (a === min[0] && b >= min[1]);
}

export async function runDoctor(config: Config): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: string, state: CheckState, detail: string, fix = '') => checks.push({ name, state, detail, fix });
  // A setting left unset means the carried server, which may be missing or built for another platform.
  const embedded = (name: string, need: EmbeddedNeed, detail: string) => {
    const s = embeddedState(need);
    if (s.runnable) add(name, 'ok', detail);
    else add(name, 'fail', s.detail, s.fix);
  };

  // The data folder: the upload spool lives here, and the embedded services' data.
  try {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.accessSync(config.dataDir, fs.constants.W_OK);
    const st = fs.statfsSync(config.dataDir);
    const freeGb = (st.bavail * st.bsize) / 1024 ** 3;
    if (freeGb < 2)
      add('data folder', 'warn', `${config.dataDir}: ${freeGb.toFixed(1)} GB free`, 'free disk space: uploads are spooled here');
    else add('data folder', 'ok', `${config.dataDir}: writable, ${freeGb.toFixed(0)} GB free`);
  } catch (e) {
    add('data folder', 'fail', `${config.dataDir}: ${(e as Error).message}`, 'set DIWAN_DATA_DIR to a writable folder');
  }

  if (!config.databaseUrl)
    embedded('PostgreSQL', 'postgres', `embedded (started by diwan serve in ${path.join(config.dataDir, 'postgres')})`);
  else {
    const db = createDb(config.databaseUrl, 1);
    try {
      const version = await timeout(serverVersion(db));
      const applied = await appliedSchemaVersion(db);
      const latest = MIGRATIONS.at(-1)!.version;
      if (applied < latest) {
        add(
          'PostgreSQL',
          'warn',
          `${version}; schema at version ${applied} of ${latest}`,
          'start diwan serve once (as DATABASE_OWNER_URL) to migrate',
        );
      } else {
        const p = await ledgerPrivileges(db);
        if (p.canUpdateOrDelete) {
          add(
            'PostgreSQL',
            'warn',
            `${version}; the archive runs as ${p.role}, which could change ledger rows`,
            'set DATABASE_OWNER_URL to the owner and DATABASE_URL to a role of its own (docs/production.md)',
          );
        } else add('PostgreSQL', 'ok', `${version}; schema current; runs as ${p.role}, which can only add to the ledger`);
        await secondFactorsCheck(db, config, add);
      }
    } catch (e) {
      add('PostgreSQL', 'fail', (e as Error).message, 'check DATABASE_URL (host, port, role, password, database)');
    } finally {
      await db.end().catch(() => undefined);
    }
  }

  const s3 = async (label: string, target: S3Target | undefined, prefix: string) => {
    if (!target) {
      embedded(
        label,
        prefix === 'S3_' ? 'minio-primary' : 'minio-offsite',
        'embedded MinIO (started by diwan serve, loopback only)',
      );
      return;
    }
    const store = createObjectStore(label, target);
    try {
      await timeout(store.ping());
      const lock = await timeout(store.objectLock());
      if (lock.enabled) add(label, 'ok', `${target.endPoint}:${target.port}/${target.bucket}: reachable, Object Lock on`);
      else
        add(
          label,
          'warn',
          `${target.endPoint}:${target.port}/${target.bucket}: ${lock.detail}`,
          'make the bucket with Object Lock (mc mb --with-lock) before the first document',
        );
    } catch (e) {
      add(
        label,
        'fail',
        `${target.endPoint}:${target.port}: ${(e as Error).message}`,
        `check ${prefix}ENDPOINT, ${prefix}ACCESS_KEY, ${prefix}SECRET_KEY and ${prefix}BUCKET`,
      );
    }
  };
  await s3('primary storage', config.s3, 'S3_');
  await s3('offsite storage', config.offsite, 'OFFSITE_S3_');
  if ((!config.s3 || !config.offsite) && embeddedState('minio-primary').runnable) {
    const flaws = carriedMinioFlaws();
    add('embedded MinIO', 'warn', flaws.detail, flaws.fix);
  }
  if (config.s3 && config.offsite && config.s3.endPoint === config.offsite.endPoint && config.s3.port === config.offsite.port) {
    add(
      'offsite storage',
      'warn',
      'the offsite copy is on the same server as the primary',
      'point OFFSITE_S3_ENDPOINT at storage in another building',
    );
  }

  if (!config.meili) embedded('Meilisearch', 'meilisearch', 'embedded (started by diwan serve, loopback only)');
  else {
    try {
      const res = await timeout(
        fetch(`${config.meili.url}/version`, { headers: { authorization: `Bearer ${config.meili.key}` } }),
      );
      if (res.status === 401 || res.status === 403) throw new Error('the key was refused');
      const v = ((await res.json()) as { pkgVersion?: string }).pkgVersion ?? '?';
      if (!versionAtLeast(v, [1, 10]))
        add('Meilisearch', 'fail', `version ${v}`, 'Diwan needs Meilisearch 1.10 or newer (localised attributes)');
      else add('Meilisearch', 'ok', `version ${v}`);
    } catch (e) {
      add('Meilisearch', 'fail', (e as Error).message, 'check MEILI_URL and MEILI_MASTER_KEY');
    }
  }

  // The ministry's directory, when sign-in through it is set: bound as the service account, the base DN read.
  if (config.identity.ldap) {
    try {
      const { url, startTls } = config.identity.ldap;
      const how = {
        ldaps: 'TLS (ldaps://)',
        starttls: 'StartTLS',
        plain: 'plain ldap:// on this machine (passwords in the clear)',
      }[ldapTransport(url, startTls)];
      add('directory (LDAP)', 'ok', `${await createLdapDirectory(config.identity.ldap).ping()}; ${how}`);
    } catch (e) {
      const fix =
        'check DIWAN_LDAP_URL, DIWAN_LDAP_BIND_DN, DIWAN_LDAP_BIND_PASSWORD and DIWAN_LDAP_BASE_DN (DIWAN_LDAP_CA_FILE for TLS)';
      add('directory (LDAP)', 'fail', (e as Error).message, fix);
    }
  }

  // The single sign-on provider, when set: its metadata discovered (issuer, endpoints, keys' address).
  if (config.identity.oidc) {
    const { issuer } = config.identity.oidc;
    try {
      const answered = await createOidcClient(config.identity.oidc, `${config.archive.publicUrl}/login/oidc/callback`).ping();
      add('single sign-on (OpenID Connect)', 'ok', `${answered}: metadata discovered`);
    } catch (e) {
      const why = ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message;
      add(
        'single sign-on (OpenID Connect)',
        'fail',
        `${issuer}: ${why}`,
        'check DIWAN_OIDC_ISSUER (the provider must answer at /.well-known/openid-configuration)',
      );
    }
  }

  // The polled mailbox, when set: signed in to, its mailbox selected read-only.
  if (config.intake.imap) {
    try {
      const mailbox = parseImapUrl(config.intake.imap.url);
      const how = mailbox.secure ? 'TLS (imaps://)' : 'imap:// (STARTTLS when the server offers it)';
      add('mailbox (IMAP)', 'ok', `${await timeout(pingMailbox(mailbox), 20_000)}; ${how}`);
    } catch (e) {
      add(
        'mailbox (IMAP)',
        'fail',
        (e as Error).message,
        'check DIWAN_IMAP_URL (imap://user:password@host:143/INBOX), and that the server answers',
      );
    }
  }

  for (const lang of [...config.ocr.langs, ...(config.ocr.numberLang ? [config.ocr.numberLang] : [])]) {
    const source = languageSource(lang);
    if (source) add(`OCR language ${lang}`, 'ok', path.relative(process.cwd(), source));
    else
      add(
        `OCR language ${lang}`,
        'fail',
        `no ingest/models/${lang}.traineddata.gz and no @tesseract.js-data/${lang} package`,
        `npm install @tesseract.js-data/${lang}, or change DIWAN_OCR_LANGS`,
      );
  }

  // LibreOffice converts Office documents to PDF; without it they are refused, and nothing else is.
  const { soffice } = config.intake.office;
  const office = await sofficeVersion(soffice);
  const offline = (await networkIsolation())
    ? 'conversions run without network'
    : 'conversions run with the network (unshare --net is not permitted here); links in documents are still never followed';
  if (office) add('LibreOffice', 'ok', `${soffice}: ${office}; ${offline}`);
  else
    add(
      'LibreOffice',
      'warn',
      `${soffice} cannot be run: Office files (.docx, .xlsx, .odt, .rtf) will be refused with office_unavailable`,
      'apt-get install --no-install-recommends libreoffice-core libreoffice-writer libreoffice-calc, or set DIWAN_SOFFICE',
    );

  const key = config.checkpoints.keyFile;
  if (!fs.existsSync(key))
    add('signing key', 'warn', `${key} does not exist yet`, 'it is made at first start; keep a copy in the key safe and offsite');
  else {
    const mode = fs.statSync(key).mode & 0o777;
    if (mode & 0o077) add('signing key', 'warn', `${key} is readable by others (mode ${mode.toString(8)})`, `chmod 600 ${key}`);
    else add('signing key', 'ok', `${key} (mode ${mode.toString(8)})`);
  }

  encryptionKeyCheck(config, add);

  if (config.archive.publicUrl.startsWith('http://127.0.0.1') || config.archive.publicUrl.startsWith('http://localhost')) {
    add(
      'public address',
      'warn',
      `stamps point at ${config.archive.publicUrl}`,
      'set DIWAN_PUBLIC_URL to the address people reach (stamps are permanent)',
    );
  } else add('public address', 'ok', config.archive.publicUrl);
  if (config.host !== '127.0.0.1' && config.host !== 'localhost' && config.host !== '::1' && config.trustProxy === undefined) {
    add(
      'listening',
      'warn',
      `on ${config.host}:${config.port} with no proxy trusted`,
      'put TLS in front and set DIWAN_TRUST_PROXY (docs/production.md)',
    );
  } else add('listening', 'ok', `${config.host}:${config.port}`);
  return checks;
}

/** The encryption key file: where it is and the ids it holds (never the keys), with a reminder to keep a copy apart. */
function encryptionKeyCheck(config: Config, add: (name: string, state: CheckState, detail: string, fix?: string) => void): void {
  const file = config.encryption.keyFile;
  const name = 'encryption keys';
  let content: ReturnType<typeof readKeyFile>;
  try {
    content = readKeyFile(file);
  } catch (e) {
    add(name, 'fail', `${file}: ${(e as Error).message}`, 'put the key file back from its copy in the key safe');
    return;
  }
  if (!content?.keys.length) {
    if (!config.encryption.on) add(name, 'ok', `DIWAN_ENCRYPTION=off; no key file at ${file}`);
    else
      add(
        name,
        'warn',
        `${file} does not exist yet`,
        'diwan serve makes it on the first start of an empty archive; for an archive with documents run diwan keys init',
      );
    return;
  }
  const ids = content.keys.map((k) => (k.id === content.current ? `${k.id} (current)` : k.id)).join(', ');
  const mode = fs.statSync(file).mode & 0o777;
  const detail = `${file}: ${ids}${config.encryption.on ? '' : '; DIWAN_ENCRYPTION=off (new objects in the clear)'}`;
  if (mode & 0o077) add(name, 'warn', `${detail}; readable by others (mode ${mode.toString(8)})`, `chmod 600 ${file}`);
  else
    add(name, 'ok', detail, 'keep a copy of this file in the key safe, apart from the buckets: without it no copy can be read');
}

/** Second factors that no longer open with the signing key (it was replaced): those people cannot sign in. */
async function secondFactorsCheck(
  db: Db,
  config: Config,
  add: (name: string, state: CheckState, detail: string, fix?: string) => void,
): Promise<void> {
  if (!fs.existsSync(config.checkpoints.keyFile)) return;
  const names = await unreadableSecondFactors(db, secondFactorKey(loadSigningKey(config.checkpoints.keyFile).privateKey));
  if (names.length === 0) add('second factors', 'ok', 'every second factor opens with the signing key');
  else
    add(
      'second factors',
      'fail',
      `${names.length} do not open with the signing key (was it replaced?): ${names.slice(0, 10).join(', ')}`,
      'reset each one (diwan users reset-totp NAME); they set it up again at their next sign-in',
    );
}
