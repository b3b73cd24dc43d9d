#!/usr/bin/env node
/**
 * `diwan`: the command line. `serve` runs the archive; `worker` runs pipeline
 * workers only; `ingest`, `search`, `show` and `reocr` talk to a running server
 * (DIWAN_URL, DIWAN_TOKEN). Every command that prints results takes --json,
 * and the exit status says whether it worked (0 yes, 1 no, 2 bad usage).
 * This file holds the help text and the table of commands; the commands are in
 * ingest.ts (a clerk's) and commands/, one file for each kind of user.
 */
import { createLogger } from '../../kernel/log';
import { loadConfig, ConfigError, type Config } from '../config';
import { UsageError } from './args';
import { ApiError } from './client';
import { jobs, reindex, rerun, tokens, users } from './commands/admin';
import { audit, fixity, replicate, verify, verifyFile } from './commands/auditor';
import { reocr, search, show } from './commands/official';
import { doctor, restore, serve, worker } from './commands/operator';
import { ingest } from './ingest';
import { registers } from './commands/registry';
import { edit, history } from './commands/corrections';
import { closeReferral, deadlines, directive, inbox, overdue, refer } from './commands/referrals';
import { book, receipt } from './commands/books';
import { close, due, records, rules } from './commands/records';
import { disposals, holds } from './commands/disposal';
import { exportCommand, transfers } from './commands/transfers';
import { offsite } from './commands/offsite';
import { keys } from './commands/keys';

const USAGE = `diwan — الديوان الإلكتروني / electronic registry archive

  diwan serve                          run the archive (API and workers)
  diwan worker                         run pipeline workers only
  diwan ingest FILE_OR_FOLDER... [--batch NAME] [--wait] [--json] [--pages-of-one]
               [--title T] [--type T] [--department D]
               [--classification public|internal|confidential|secret] [--date YYYY-MM-DD]
               [--register incoming|outgoing|internal|CODE] [--correspondent NAME]
               [--external-ref REF] [--external-date YYYY-MM-DD] [--in-reply-to REGISTRY_NO]  (these three: one FILE)
  diwan search [QUERY] [--type T] [--department D] [--classification C] [--batch ID] [--year Y]
               [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--doc-from D] [--doc-to D] [--needs-review]
               [--sort relevance|newest|oldest|docDateDesc|docDateAsc] [--limit N] [--offset N] [--json]
               [--register CODE] [--correspondent-id ID] [--referral-state none|open|closed] [--overdue]
  diwan verify ID... | --all [--json]    re-hash a document's files on both copies against database, manifest, ledger
  diwan verify-file PATH [--json]       say which registered original or archive PDF a file is
  diwan audit checkpoint [--json]       sign the ledger's head now (Ed25519), kept in the database and both buckets
  diwan audit report [--json]           ledger, checkpoints, fixity (damaged objects named), offsite coverage, documents
  diwan audit export DIR [--quiet]      the ledger, checkpoints, public key and manifests, with verify.mjs to check them offline
  diwan audit proof REGISTRY_NO|ID [--out FILE] [--json]
                                       a document's inclusion proof under the latest signed checkpoint (node verify.mjs proof FILE)
  diwan audit consistency OLDER NEWER [--out FILE]
                                       proof that an older checkpoint's documents are the first of a newer one's, unchanged
  diwan audit verify-ledger [--deep|--full] [--json]
                                       recompute the ledger's hash chain (what is new since the last check, or
                                       all of it with --full); exit 1 naming the first broken entry
  diwan replicate [--status] [--json]    offsite lag (pending documents, oldest, bytes) and Object Lock; without
                                       --status, queue every document whose offsite copy is incomplete
  diwan restore --from offsite|primary [--quiet] [--json]
                                       rebuild the database and the search index from one bucket alone (into an
                                       empty database; fills the other bucket; restartable)
  diwan fixity [--document ID] [--no-wait] [--quiet] [--json]
                                       re-hash every stored object on both copies now, repair what it can (a job on the
                                       server, followed with a progress bar; scheduled runs check a share each day)
  diwan users add USERNAME --role clerk|official|auditor|archivist|admin [--clearance C] [--departments A,B] [--name N] [--json]
  diwan users list [--json] | disable USERNAME | enable USERNAME
                                       people of the viewer (a new user's password is printed once)
  diwan tokens create --user USERNAME --name NAME [--role R] [--json] | list [--json] | revoke ID
                                       API tokens for the command line and integrations (printed once)
  diwan doctor [--json]                 check the settings and every service they point at; say what to fix
  diwan reindex [--no-wait] [--quiet] [--json]
                                       rebuild the search index from the database: a new index built beside the one
                                       that serves, swapped in when whole (a job; a progress bar on standard error)
  diwan jobs [ID] [--limit N] [--quiet] [--json]
                                       long work (fixity, reindex) and its progress; with ID, follow it to its end
  diwan rerun ID... | --all [--json]    run failed documents through the pipeline again
  diwan show ID [--json]
  diwan reocr ID [--layout auto|column|block|sparse] [--reason TEXT] [--wait] [--json]
                                       read a document again (a new text version)
  diwan refer ID --to DEPT [--user USERNAME] [--due YYYY-MM-DD] --instruction TEXT [--json]
                                       refer a document to a department (or a person there) to act on by a date
  diwan inbox [DEPT] [--json]           open referrals to a department (default: yours), overdue first
  diwan close-referral RID (--reply REGISTRY_NO | --note TEXT) [--json]
                                       close a referral by the reply letter (linked as its reply) or a note
  diwan overdue [--department D] [--json]
                                       overdue referrals per department
  diwan directive ID TEXT [--json]      write a directive (تأشيرة) on a document
  diwan deadlines suspend --reason TEXT [--department D] | resume [--department D] [--json]
                                       stop referral deadlines counting in an emergency, and let them count again
  diwan edit ID --reason TEXT [--title T] [--type T] [--department D] [--classification C] [--doc-date D]
               [--correspondent NAME] [--correspondent-id ID] [--external-ref R] [--external-date D] [--json]
                                       correct a record (ID or registry number); the number, stamp and PDF stay
  diwan history ID [--json]             a record's registration and every correction: who, when, why, before → after
  diwan receipt ID [--out FILE]         a registered letter's A5 receipt (PDF), its QR code to the public status page
  diwan book REGISTER (--day YYYY-MM-DD | --month YYYY-MM) [--format csv|pdf] [--out FILE]
                                       the register's book (incoming, outgoing, ...) for a day or a month
  diwan registers [--json]              the registers (books) and their letters
  diwan registers add CODE --name-ar N --name-en N --letter-ar L --letter-en L --direction in|out|internal
                                       add a register (an administrator), e.g. a minister's office book
  diwan export bagit DIR (--ids ID,..|--query Q|--due YYYY-MM-DD|--transfer ID) [--recipient NAME] [--json]
               [--type T] [--department D] [--register CODE] [--from D] [--to D]
                                       a transfer to another archive: a BagIt bag in DIR (check it there with
                                       sha256sum -c manifest-sha256.txt), recorded in the ledger
  diwan offsite auditor-keys [--days N] [--json]
                                       temporary keys that can only read the offsite bucket, for an auditor's
                                       standard-tool check (docs/audit.md); run where OFFSITE_S3_* are set
  diwan holds add --case REF --reason TEXT (--ids ID,..|--correspondent ID|--query Q) | list [--active]
              | lift ID --reason TEXT | sync [--json]
                                       legal holds (an administrator): held documents cannot be disposed of and
                                       their objects carry S3 legal hold in both buckets
  diwan disposals request --title T (--ids ID,..|--due-before YYYY-MM-DD) | decide ID (--approve --body B
              --decision-no N --decision-date YYYY-MM-DD | --refuse --note TEXT) | execute ID | list | show ID [--json]
                                       lawful disposal: requested, approved by another administrator with the
                                       approving body's decision, then carried out; a tombstone stays
  diwan keys list [--json] | init [--json] | rotate [--json]
                                       the encryption keys (ids and dates; the file DIWAN_ENCRYPTION_KEY_FILE): init
                                       makes the file for an archive that has documents; rotate adds a new current
                                       key and keeps the old ones for reading (docs/production.md)
  diwan rules list | show CODE | add --code C --name-ar N [--name-en N] --period 5y|permanent
              --trigger registered|closed|date [--date YYYY-MM-DD] --action review|destroy|transfer
              [--type T] [--register R] [--classification C] [--priority N]
              | change CODE --reason TEXT [fields] | retire CODE --reason TEXT [--json]
                                       the retention schedule: each change a new version, ledgered; due dates follow
  diwan due [--before YYYY-MM-DD] [--action review|destroy|transfer] [--json]
                                       documents whose retention is due by a date (default now), with their rule
  diwan close NUMBER [--json]           close a document's file (a rule counted from the closing starts then)
  diwan records extend-locks [--no-wait] [--json]
                                       extend the Object Lock of permanent records before it ends, and lock again
                                       objects whose document's lock rose (also run every DIWAN_LOCK_EXTEND_HOURS)
  diwan transfers receipt ID --ref REF --date YYYY-MM-DD --tagmanifest SHA256 [--json]
                                       record the receiving archive's receipt of a transfer's bag (an administrator;
                                       the SHA-256 of its tagmanifest-sha256.txt as they computed it): only then does it count

Settings come from the environment (see README): DIWAN_URL, DIWAN_TOKEN, DIWAN_DATA_DIR, PORT, ...`;

/** One command: its arguments after the command's name in, the exit status out. */
type Command = (config: Config, argv: string[]) => Promise<number>;

/** Every command by its name, in the order of the help text. */
const COMMANDS = new Map<string, Command>([
  ['serve', serve],
  ['worker', worker],
  ['ingest', ingest],
  ['search', search],
  ['verify', verify],
  ['verify-file', verifyFile],
  ['audit', audit],
  ['replicate', replicate],
  ['restore', restore],
  ['fixity', fixity],
  ['users', users],
  ['tokens', tokens],
  ['doctor', doctor],
  ['reindex', reindex],
  ['jobs', jobs],
  ['rerun', rerun],
  ['show', show],
  ['reocr', reocr],
  ['refer', refer],
  ['inbox', inbox],
  ['close-referral', closeReferral],
  ['overdue', overdue],
  ['directive', directive],
  ['deadlines', deadlines],
  ['edit', edit],
  ['history', history],
  ['receipt', receipt],
  ['book', book],
  ['registers', registers],
  ['export', exportCommand],
  ['offsite', offsite],
  ['holds', holds],
  ['disposals', disposals],
  ['keys', keys],
  ['rules', rules],
  ['due', due],
  ['close', close],
  ['records', records],
  ['transfers', transfers],
]);

/** Runs one command line (the arguments after `diwan`) and gives its exit status. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help' || command === '-h') {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 2;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  try {
    const run = COMMANDS.get(command);
    if (!run) throw new UsageError(`unknown command "${command}"`);
    return await run(config, rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof ApiError) {
      process.stderr.write(`${e.body?.message ?? ''}\n${e.message}\n`);
      return 1;
    }
    createLogger('info').error('command failed', { command, error: String((e as Error).message ?? e) });
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
