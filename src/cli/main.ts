#!/usr/bin/env node
/**
 * `diwan`: the command line. `serve` runs the archive; `worker` runs pipeline
 * workers only; `ingest`, `search`, `show` and `reocr` talk to a running server
 * (DIWAN_URL, DIWAN_TOKEN). Every command that prints results takes --json,
 * and the exit status says whether it worked (0 yes, 1 no, 2 bad usage).
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, ConfigError, type Config } from '../config';
import { createLogger } from '../../kernel/log';
import { serveMetrics, startCore, startServer, startSweeper, startWorkers } from '../runtime/runtime';
import { parseArgs, UsageError } from './args';
import { ApiError, createClient } from './client';
import { ingest } from './ingest';
import { multipartBody } from './upload';
import { projectScript } from '../../ingest/adapters/files';
import { rebuildIndex } from '../../search/reindex';
import { runDoctor } from '../runtime/doctor';
import type { ReplicationStatus } from '../../storage/integrity/replication';
import { restoreArchive, RestoreRefused } from '../../storage/restore/restore';

const USAGE = `diwan — الديوان الإلكتروني / electronic registry archive

  diwan serve                          run the archive (API and workers)
  diwan worker                         run pipeline workers only
  diwan ingest FILE_OR_FOLDER... [--batch NAME] [--wait] [--json] [--pages-of-one]
               [--title T] [--type T] [--department D]
               [--classification public|internal|confidential|secret] [--date YYYY-MM-DD]
  diwan search [QUERY] [--type T] [--department D] [--classification C] [--batch ID] [--year Y]
               [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--doc-from D] [--doc-to D] [--needs-review]
               [--sort relevance|newest|oldest|docDateDesc|docDateAsc] [--limit N] [--offset N] [--json]
  diwan verify ID... | --all [--json]    re-hash a document's files on both copies against database, manifest, ledger
  diwan verify-file PATH [--json]       say which registered original or archive PDF a file is
  diwan audit checkpoint [--json]       sign the ledger's head now (Ed25519), kept in the database and both buckets
  diwan audit report [--json]           ledger, checkpoints, fixity (damaged objects named), offsite coverage, documents
  diwan audit export DIR                the ledger, checkpoints, public key and manifests, with verify.mjs to check them offline
  diwan audit verify-ledger [--json]    recompute the ledger's hash chain; exit 1 naming the first broken entry
  diwan replicate [--status] [--json]    offsite lag (pending documents, oldest, bytes) and Object Lock; without
                                       --status, queue every document whose offsite copy is incomplete
  diwan restore --from offsite|primary [--json]
                                       rebuild the database and the search index from one bucket alone (into an
                                       empty database; fills the other bucket; restartable)
  diwan fixity [--json]                 re-hash every stored object on both copies now, repair what it can
  diwan users add USERNAME --role clerk|official|auditor|admin [--clearance C] [--departments A,B] [--name N] [--json]
  diwan users list [--json] | disable USERNAME | enable USERNAME
                                       people of the viewer (a new user's password is printed once)
  diwan tokens create --user USERNAME --name NAME [--role R] [--json] | list [--json] | revoke ID
                                       API tokens for the command line and integrations (printed once)
  diwan doctor [--json]                 check the settings and every service they point at; say what to fix
  diwan reindex [--clear] [--json]      rebuild the search index from the database (while serving)
  diwan show ID [--json]
  diwan reocr ID [--layout auto|column|block|sparse] [--reason TEXT] [--wait] [--json]
                                       read a document again (a new text version)

Settings come from the environment (see README): DIWAN_URL, DIWAN_TOKEN, DIWAN_DATA_DIR, PORT, ...`;

function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (sig: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${sig}: stopping…\n`);
    // In-flight jobs get their time (the queue waits up to 20 s for them, then hands them back), but not forever.
    setTimeout(() => {
      process.stderr.write('shutdown took longer than 60 s: exiting; unfinished jobs are picked up again\n');
      process.exit(1);
    }, 60_000).unref();
    stop()
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        process.stderr.write(`shutdown failed: ${String(e)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

async function serve(config: Config): Promise<number> {
  const t0 = Date.now();
  const server = await startServer(config, {
    onAdminToken: (token) => {
      process.stdout.write(
        `\nرمز المدير (يُعرض مرة واحدة) / Admin token (shown once, kept in ${config.dataDir}/admin-token):\n  ${token}\n\n`,
      );
    },
    onFirstAdmin: (username, password) => {
      process.stdout.write(
        `\nمدير العارض (تُعرض كلمة المرور مرة واحدة) / Viewer administrator (password shown once): ${username} / ${password}\n\n`,
      );
    },
  });
  onSignals(() => server.stop());
  process.stdout.write(
    `Diwan is serving at ${server.url} (ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; data in ${config.dataDir})\n`,
  );
  return new Promise<number>(() => undefined);
}

async function worker(config: Config): Promise<number> {
  const core = await startCore(config);
  const workers = await startWorkers(core);
  const sweeper = startSweeper(core);
  const metrics = config.metricsPort ? await serveMetrics(core, config.metricsPort) : undefined;
  // Stop taking jobs and let the running ones finish (or hand them back), then close connections.
  onSignals(async () => {
    await metrics?.stop();
    await sweeper.stop();
    await core.stop();
    await workers.stop();
  });
  process.stdout.write(`Diwan worker is running${config.metricsPort ? ` (metrics on :${config.metricsPort})` : ''}\n`);
  return new Promise<number>(() => undefined);
}

interface DocView {
  id: string;
  registryNo: string;
  registryNoAr: string;
  status: string;
  pageCount: number | null;
  title: string | null;
  originalName: string | null;
  sha256: { original: string; archive: string | null };
  pages: Array<{ n: number; text: string; confidence: number | null }>;
  replicas: Array<{ target: string; key: string }>;
  error: { code: string; message: string } | null;
}

/** CLI options of `diwan search`, each passed to the API under its own name. */
const SEARCH_OPTIONS = [
  'type',
  'department',
  'classification',
  'batch',
  'year',
  'from',
  'to',
  'doc-from',
  'doc-to',
  'sort',
  'limit',
  'offset',
];
const SEARCH_PARAM: Record<string, string> = { batch: 'batchId', 'doc-from': 'docFrom', 'doc-to': 'docTo' };

interface SearchHitView {
  id: string;
  registryNo: string;
  title: string;
  page: number;
  snippet: string;
  docType: string | null;
  registeredAt: string;
  needsReview: boolean;
}

/** Text of a snippet for a terminal: marks as »…«, entities back to characters. */
function plain(html: string): string {
  return html
    .replace(/<mark>/g, '»')
    .replace(/<\/mark>/g, '«')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

async function search(config: Config, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json', 'needs-review'], options: SEARCH_OPTIONS });
  const q = args.positionals.join(' ').trim();
  const params = new URLSearchParams();
  if (q) params.set('q', q);
  for (const name of SEARCH_OPTIONS) {
    const v = args.options.get(name);
    if (v !== undefined) params.set(SEARCH_PARAM[name] ?? name, v);
  }
  if (args.flags.has('needs-review')) params.set('needsReview', 'true');
  if (!q && [...params.keys()].every((k) => ['sort', 'limit', 'offset'].includes(k)))
    throw new UsageError('search needs a QUERY or a filter');
  const res = await createClient(config).get<{ total: number; registryMatch: string | null; hits: SearchHitView[] }>(
    `/search?${params}`,
  );
  if (args.flags.has('json')) {
    process.stdout.write(JSON.stringify(res, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(
    `${res.total} نتيجة / results${res.registryMatch ? ` · رقم القيد / registry no. ${res.registryMatch}` : ''}\n`,
  );
  const rows = res.hits.map((h) => [
    h.registryNo,
    `ص ${h.page}`,
    h.registeredAt.slice(0, 10),
    `${h.title}${h.needsReview ? ' (!)' : ''}`,
    plain(h.snippet).slice(0, 90),
    h.id,
  ]);
  const header = ['رقم القيد', 'صفحة', 'التاريخ', 'العنوان', 'المقتطف', 'id'];
  const width = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [header, ...rows]) process.stdout.write(`${r.map((c, i) => (i < 4 ? c.padEnd(width[i]!) : c)).join('  ')}\n`);
  return 0;
}

async function reindex(config: Config, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json', 'clear'], options: [] });
  const report = await createClient(config).post<{ documents: number; pages: number; ms: number }>('/reindex', {
    clear: args.flags.has('clear'),
  });
  if (args.flags.has('json')) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else
    process.stdout.write(
      `أعيدت فهرسة ${report.documents} وثيقة (${report.pages} صفحة) / reindexed ${report.documents} documents, ${report.pages} pages in ${(report.ms / 1000).toFixed(1)} s\n`,
    );
  return 0;
}

interface FixityView {
  documents: number;
  objects: number;
  bytes: number;
  ms: number;
  unrepaired: number;
  findings: Array<{
    registryNo: string;
    key: string;
    target: string;
    state: string;
    expected: string;
    found: string | null;
    repairedFrom?: string;
  }>;
}

async function fixity(config: Config, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json'], options: [] });
  const r = await createClient(config).post<FixityView>('/fixity', {});
  if (args.flags.has('json')) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else {
    process.stdout.write(
      `فُحص ${r.objects} ملفًا في ${r.documents} وثيقة على النسختين / checked ${r.objects} objects of ${r.documents} documents on both copies` +
        ` (${(r.bytes / 1048576).toFixed(1)} MB in ${(r.ms / 1000).toFixed(1)} s)\n`,
    );
    for (const f of r.findings) {
      const was =
        f.state === 'repaired' ? `${f.found === null ? 'missing' : 'mismatch'} -> repaired from ${f.repairedFrom}` : f.state;
      process.stdout.write(`${f.registryNo}\t${f.target}\t${f.key}\t${was}\n`);
    }
    if (r.findings.length === 0) process.stdout.write('كل الملفات سليمة / every object is intact\n');
  }
  return r.unrepaired > 0 ? 1 : 0;
}

function json(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}

interface ReplicationView extends ReplicationStatus {
  target: string;
  objectLock: Record<string, { enabled: boolean; detail: string }>;
}

async function replicate(config: Config, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json', 'status'], options: [] });
  const client = createClient(config);
  if (!args.flags.has('status')) {
    const r = await client.post<{ requeued: number; waiting: number }>('/replication/catch-up', {});
    if (args.flags.has('json')) json(r);
    else
      process.stdout.write(
        `أعيدت ${r.requeued} وثيقة إلى الطابور / queued ${r.requeued} documents (${r.waiting} waiting for their upload)\n`,
      );
    return 0;
  }
  const r = await client.get<ReplicationView>('/replication');
  if (args.flags.has('json')) json(r);
  else {
    const lock = Object.entries(r.objectLock)
      .map(([k, v]) => `${k}: ${v.enabled ? 'locked (COMPLIANCE retention)' : `NOT locked (${v.detail})`}`)
      .join('; ');
    process.stdout.write(
      [
        `النسخة الخارجية / offsite (${r.target}): ${r.pending} documents pending, ${r.objectsPending} files, ${(r.bytesPending / 1048576).toFixed(1)} MB; oldest ${r.oldestPendingSeconds} s`,
        `نُسخ وتُحقق منه / verified: ${r.objectsReplicated} files, last ${r.lastVerifiedAt ?? 'never'}`,
        `الحفظ غير القابل للتعديل / Object Lock: ${lock}`,
      ].join('\n') + '\n',
    );
  }
  return Object.values(r.objectLock).every((l) => l.enabled) ? 0 : 1;
}

interface UserView {
  username: string;
  displayName: string;
  role: string;
  clearance: string;
  departments: string[] | null;
  disabled: boolean;
}

async function users(config: Config, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const args = parseArgs(rest, { flags: ['json'], options: ['role', 'clearance', 'departments', 'name'] });
  const client = createClient(config);
  if (sub === 'add') {
    const username = args.positionals[0];
    const role = args.options.get('role');
    if (!username || !role) throw new UsageError('users add needs USERNAME and --role');
    const departments = args.options
      .get('departments')
      ?.split(',')
      .map((d) => d.trim())
      .filter(Boolean);
    const r = await client.post<{ user: UserView; password?: string }>('/users', {
      username,
      role,
      clearance: args.options.get('clearance') ?? 'public',
      displayName: args.options.get('name'),
      departments,
    });
    if (args.flags.has('json')) json(r);
    else
      process.stdout.write(
        `أُضيف ${r.user.username} (${r.user.role}, ${r.user.clearance}) / added ${r.user.username}\nكلمة المرور (تُعرض مرة واحدة) / password (shown once): ${r.password}\n`,
      );
    return 0;
  }
  if (sub === 'list') {
    const r = await client.get<{ users: UserView[] }>('/users');
    if (args.flags.has('json')) json(r.users);
    else
      for (const u of r.users)
        process.stdout.write(
          `${u.username}\t${u.role}\t${u.clearance}\t${u.departments?.join(',') ?? '*'}\t${u.disabled ? 'disabled' : 'active'}\n`,
        );
    return 0;
  }
  if (sub === 'disable' || sub === 'enable') {
    const username = args.positionals[0];
    if (!username) throw new UsageError(`users ${sub} needs USERNAME`);
    const r = await client.post<{ user: UserView }>(`/users/${encodeURIComponent(username)}/${sub}`, {});
    if (args.flags.has('json')) json(r.user);
    else
      process.stdout.write(`${r.user.username}: ${r.user.disabled ? 'disabled (sessions ended, tokens revoked)' : 'active'}\n`);
    return 0;
  }
  throw new UsageError('users takes: add, list, disable, enable');
}

async function tokens(config: Config, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const args = parseArgs(rest, { flags: ['json'], options: ['user', 'name', 'role'] });
  const client = createClient(config);
  if (sub === 'create') {
    const user = args.options.get('user');
    const name = args.options.get('name');
    if (!user || !name) throw new UsageError('tokens create needs --user and --name');
    const r = await client.post<{ token: string; id: string; role: string }>('/tokens', {
      username: user,
      name,
      role: args.options.get('role'),
    });
    if (args.flags.has('json')) json(r);
    else process.stdout.write(`الرمز (يُعرض مرة واحدة) / token (shown once), ${r.role}, id ${r.id}:\n  ${r.token}\n`);
    return 0;
  }
  if (sub === 'list') {
    const r = await client.get<{
      tokens: Array<{
        id: string;
        username: string;
        name: string;
        role: string;
        lastUsedAt: string | null;
        revokedAt: string | null;
      }>;
    }>('/tokens');
    if (args.flags.has('json')) json(r.tokens);
    else
      for (const t of r.tokens)
        process.stdout.write(
          `${t.id}\t${t.username}\t${t.name}\t${t.role}\tlast used ${t.lastUsedAt ?? 'never'}\t${t.revokedAt ? 'revoked' : 'active'}\n`,
        );
    return 0;
  }
  if (sub === 'revoke') {
    const id = args.positionals[0];
    if (!id) throw new UsageError('tokens revoke needs ID');
    await client.post(`/tokens/${encodeURIComponent(id)}/revoke`, {});
    process.stdout.write(`أُلغي / revoked ${id}\n`);
    return 0;
  }
  throw new UsageError('tokens takes: create, list, revoke');
}

async function doctor(config: Config, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json'], options: [] });
  const checks = await runDoctor(config);
  if (args.flags.has('json')) json(checks);
  else {
    const mark = { ok: '✓', warn: '!', fail: '✗' } as const;
    for (const c of checks) {
      process.stdout.write(`${mark[c.state]} ${c.name}: ${c.detail}\n${c.fix ? `    → ${c.fix}\n` : ''}`);
    }
  }
  return checks.some((c) => c.state === 'fail') ? 1 : 0;
}

/** Rebuilds the archive from one bucket, in this process (no server needs to run). */
async function restore(config: Config, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json'], options: ['from'] });
  const from = args.options.get('from') ?? 'offsite';
  if (from !== 'offsite' && from !== 'primary') throw new UsageError('restore --from takes offsite or primary');
  const core = await startCore(config, createLogger(args.flags.has('json') ? 'silent' : config.log));
  try {
    const [source, other] = from === 'offsite' ? [core.offsite, core.primary] : [core.primary, core.offsite];
    const report = await restoreArchive({
      db: core.db,
      source,
      other,
      offsiteName: core.offsite.name,
      onProgress: (done, total) => {
        if (!args.flags.has('json') && (done % 100 === 0 || done === total)) process.stderr.write(`  ${done}/${total}\r`);
      },
    });
    const index = await rebuildIndex({ ...core, reviewBelow: core.config.ocr.reviewBelow }, { clear: true });
    const ok = report.documents.failed === 0 && report.ledger.brokenAt === null;
    if (args.flags.has('json')) json({ ...report, index, ok });
    else {
      process.stdout.write(
        [
          `استُعيد الأرشيف من ${from} / restored from ${from} in ${(report.ms / 1000).toFixed(1)} s`,
          `الوثائق / documents: ${report.documents.restored} restored, ${report.documents.alreadyPresent} already present, ${report.documents.failed} failed (of ${report.documents.found})`,
          `الملفات / objects: ${report.objects.verified} verified (${(report.objects.bytes / 1048576).toFixed(1)} MB), ${report.objects.copiedToOther} copied to ${other.name}, ${report.objects.repairedInSource} repaired in ${source.name}`,
          `السجل / ledger: ${report.ledger.entries} entries, ${report.ledger.brokenAt === null ? 'chain intact' : `BROKEN at ${report.ledger.brokenAt}`}; ${report.checkpoints} checkpoints`,
          `أرقام القيد / registry: ${report.registry.map((r) => `${r.year}: ${r.lastSeq}`).join(', ') || 'none'}`,
          `الفهرس / index: ${index.pages} pages of ${index.documents} documents`,
          ...report.problems.map((p) => `  ! ${p}`),
        ].join('\n') + '\n',
      );
    }
    return ok ? 0 : 1;
  } catch (e) {
    if (e instanceof RestoreRefused) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    await core.stop();
  }
}

/** Writes the offline audit bundle into `dir`, with the standalone verifier beside it. */
async function auditExport(config: Config, dir: string): Promise<number> {
  const b = await createClient(config).get<{
    keyId: string;
    publicKey: string;
    exportedAt: string;
    ledger: unknown[];
    checkpoints: unknown[];
    manifests: Array<{ key: string; text: string }>;
  }>('/audit/export');
  fs.mkdirSync(path.join(dir, 'manifests'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'ledger.jsonl'), b.ledger.map((e) => JSON.stringify(e)).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'checkpoints.json'), JSON.stringify(b.checkpoints, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'public-key.pem'), b.publicKey);
  for (const m of b.manifests) {
    // documents/2026/000123/manifest.json -> manifests/2026-000123.json, the stored bytes unchanged.
    const [, year, seq] = m.key.split('/');
    fs.writeFileSync(path.join(dir, 'manifests', `${year}-${seq}.json`), m.text);
  }
  fs.copyFileSync(projectScript('storage/integrity/audit-verify.mjs'), path.join(dir, 'verify.mjs'));
  fs.writeFileSync(
    path.join(dir, 'README.txt'),
    `Diwan audit bundle, exported ${b.exportedAt}. Signing key id ${b.keyId}: confirm it with the archive by another channel.\n` +
      `Check it, and files against it, with Node.js alone:  node verify.mjs . [FILE...]\n`,
  );
  process.stdout.write(
    `${dir}: ${b.ledger.length} ledger entries, ${b.checkpoints.length} checkpoints, ${b.manifests.length} manifests, verify.mjs\n`,
  );
  return 0;
}

async function audit(config: Config, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const args = parseArgs(rest, { flags: ['json'], options: [] });
  const client = createClient(config);
  if (sub === 'checkpoint') {
    const c = await client.post<{ body: { ledgerSeq: number; documents: number; merkleRoot: string }; objectKey: string }>(
      '/audit/checkpoint',
      {},
    );
    if (args.flags.has('json')) json(c);
    else
      process.stdout.write(
        `نقطة تحقق موقّعة / signed checkpoint: ledger entry ${c.body.ledgerSeq}, ${c.body.documents} documents, root ${c.body.merkleRoot} (${c.objectKey})\n`,
      );
    return 0;
  }
  if (sub === 'report') {
    const r = await client.get<{
      ledger: {
        entries: number;
        brokenAt: number | null;
        checkpoints: number;
        badCheckpoint: number | null;
        lastCheckpoint: { at: string } | null;
        appRole: string;
        appRoleCanAlter: boolean;
      };
      fixity: {
        lastCheckedAt: string | null;
        objectsChecked: number;
        ok: number;
        repaired: number;
        damaged: Array<{ registryNo: string; key: string; target: string; state: string }>;
      };
      replication: { files: number; verifiedOffsite: number; missingOffsite: number };
      documents: Record<string, number>;
    }>('/audit/report');
    if (args.flags.has('json')) json(r);
    else {
      const lines = [
        `السجل / ledger: ${r.ledger.entries} entries, ${r.ledger.brokenAt === null ? 'chain intact' : `BROKEN at ${r.ledger.brokenAt}`}; ${r.ledger.checkpoints} checkpoints${r.ledger.badCheckpoint === null ? '' : `, checkpoint ${r.ledger.badCheckpoint} FAILS`}; last ${r.ledger.lastCheckpoint?.at ?? 'never'}`,
        `صلاحيات قاعدة البيانات / database role ${r.ledger.appRole}: ${r.ledger.appRoleCanAlter ? 'CAN change or remove ledger rows (set DATABASE_OWNER_URL so the archive runs as a role that cannot)' : 'can only add to the ledger'}`,
        `الفحص الدوري / fixity: ${r.fixity.objectsChecked} objects, ${r.fixity.ok} ok, ${r.fixity.repaired} repaired, ${r.fixity.damaged.length} damaged; last ${r.fixity.lastCheckedAt ?? 'never'}`,
        ...r.fixity.damaged.map((d) => `  ${d.registryNo}\t${d.target}\t${d.key}\t${d.state}`),
        `النسخة الخارجية / offsite: ${r.replication.verifiedOffsite} of ${r.replication.files} files verified`,
        `الوثائق / documents: ${Object.entries(r.documents)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      ];
      process.stdout.write(lines.join('\n') + '\n');
    }
    return r.ledger.brokenAt === null && r.ledger.badCheckpoint === null && r.fixity.damaged.length === 0 ? 0 : 1;
  }
  if (sub === 'export') {
    const out = args.positionals[0];
    if (!out) throw new UsageError('audit export needs a DIR');
    return auditExport(config, out);
  }
  if (sub !== 'verify-ledger') throw new UsageError('audit takes: verify-ledger, checkpoint, report, export DIR');
  const r = await client.get<{ entries: number; brokenAt: number | null; checkpoints: number; badCheckpoint: number | null }>(
    '/audit/ledger',
  );
  const ok = r.brokenAt === null && r.badCheckpoint === null;
  if (args.flags.has('json')) json(r);
  else {
    process.stdout.write(
      r.brokenAt === null
        ? `السجل سليم: ${r.entries} قيدًا متسلسلًا / ledger intact: ${r.entries} chained entries\n`
        : `السجل مكسور عند القيد ${r.brokenAt} / ledger broken at entry ${r.brokenAt} (of ${r.entries})\n`,
    );
    process.stdout.write(
      r.badCheckpoint === null
        ? `نقاط التحقق سليمة / ${r.checkpoints} checkpoints, every signature valid\n`
        : `نقطة التحقق ${r.badCheckpoint} لا تطابق / checkpoint ${r.badCheckpoint} fails its signature or the ledger\n`,
    );
  }
  return ok ? 0 : 1;
}

interface VerdictView {
  registryNo: string;
  ok: boolean;
  files: Array<{ key: string; primary: { state: string }; offsite: { state: string }; manifest: string; ledger: string }>;
}

async function verify(config: Config, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json', 'all'], options: [] });
  const client = createClient(config);
  let ids = args.positionals;
  if (args.flags.has('all')) {
    ids = [];
    for (let offset = 0; ; offset += 200) {
      const page = await client.get<{ items: Array<{ id: string }> }>(`/documents?status=archived&limit=200&offset=${offset}`);
      ids.push(...page.items.map((d) => d.id));
      if (page.items.length < 200) break;
    }
  }
  if (ids.length === 0) throw new UsageError('verify needs an ID or --all');
  const verdicts: VerdictView[] = [];
  for (const id of ids) verdicts.push(await client.get<VerdictView>(`/documents/${encodeURIComponent(id)}/verify`));
  if (args.flags.has('json'))
    process.stdout.write(JSON.stringify(args.flags.has('all') ? verdicts : verdicts[0], null, 2) + '\n');
  else {
    for (const v of verdicts) {
      process.stdout.write(`${v.registryNo}\t${v.ok ? 'سليم / intact' : 'غير مطابق / NOT INTACT'}\n`);
      for (const f of v.files.filter(
        (x) => x.primary.state !== 'ok' || x.offsite.state !== 'ok' || x.manifest === 'mismatch' || x.ledger === 'mismatch',
      )) {
        process.stdout.write(
          `  ${f.key}\tprimary ${f.primary.state}\toffsite ${f.offsite.state}\tmanifest ${f.manifest}\tledger ${f.ledger}\n`,
        );
      }
    }
  }
  return verdicts.every((v) => v.ok) ? 0 : 1;
}

async function verifyFile(config: Config, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json'], options: [] });
  const file = args.positionals[0];
  if (!file) throw new UsageError('verify-file needs a PATH');
  const size = fs.statSync(file).size;
  const body = multipartBody([{ path: file, size }], 'file', () => undefined);
  const r = await createClient(config).postMultipart<{
    sha256: string;
    matches: Array<{ registryNo: string; kind: string; key: string }>;
  }>('/verify', body);
  if (args.flags.has('json')) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else if (r.matches.length === 0) process.stdout.write(`غير مسجّل / not registered: ${r.sha256}\n`);
  else for (const m of r.matches) process.stdout.write(`${m.registryNo}\t${m.kind}\t${m.key}\n`);
  return r.matches.length > 0 ? 0 : 1;
}

async function show(config: Config, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json'], options: [] });
  const id = args.positionals[0];
  if (!id) throw new UsageError('show needs an ID');
  const doc = await createClient(config).get<DocView>(`/documents/${encodeURIComponent(id)}`);
  if (args.flags.has('json')) {
    process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
  } else {
    process.stdout.write(
      [
        `رقم القيد / Registry no.: ${doc.registryNoAr} (${doc.registryNo})`,
        `الحالة / Status: ${doc.status}`,
        `العنوان / Title: ${doc.title ?? doc.originalName ?? ''}`,
        `الصفحات / Pages: ${doc.pageCount ?? '?'}`,
        `SHA-256 original: ${doc.sha256.original}`,
        `SHA-256 archive.pdf: ${doc.sha256.archive ?? '—'}`,
        `نسخ خارجية / Offsite copies: ${doc.replicas.length}`,
        ...doc.pages.map((p) => `--- ص ${p.n} (${p.confidence ?? '?'}%) ---\n${p.text}`),
      ].join('\n') + '\n',
    );
  }
  return 0;
}

interface TextVersionView {
  version: number;
  status: 'queued' | 'done' | 'failed';
  settings: Record<string, unknown>;
  reason?: string | null;
  error?: string | null;
  ocrSha256?: string | null;
  current: boolean;
}

async function reocr(config: Config, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json', 'wait'], options: ['layout', 'reason'] });
  const id = args.positionals[0];
  if (!id) throw new UsageError('reocr needs an ID');
  const client = createClient(config);
  const path = `/documents/${encodeURIComponent(id)}`;
  const body: Record<string, string> = {};
  for (const name of ['layout', 'reason']) {
    const value = args.options.get(name);
    if (value !== undefined) body[name] = value;
  }
  let v = await client.post<TextVersionView & { registryNo: string }>(`${path}/reocr`, body);
  const registryNo = v.registryNo;
  if (args.flags.has('wait')) {
    while (v.status === 'queued') {
      await new Promise((r) => setTimeout(r, 1000));
      const list = await client.get<{ versions: TextVersionView[] }>(`${path}/text-versions`);
      v = { ...v, ...(list.versions.find((x) => x.version === v.version) ?? v) };
    }
  }
  if (args.flags.has('json')) process.stdout.write(JSON.stringify(v, null, 2) + '\n');
  else {
    const state = { queued: 'في الانتظار / queued', done: 'تمت / done', failed: `تعذّرت / failed: ${v.error ?? ''}` }[v.status];
    process.stdout.write(`${registryNo}\tنسخة النص / text version ${v.version}\t${state}\n`);
  }
  return v.status === 'failed' ? 1 : 0;
}

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
    switch (command) {
      case 'serve':
        return await serve(config);
      case 'worker':
        return await worker(config);
      case 'ingest':
        return await ingest(config, rest);
      case 'search':
        return await search(config, rest);
      case 'show':
        return await show(config, rest);
      case 'verify':
        return await verify(config, rest);
      case 'verify-file':
        return await verifyFile(config, rest);
      case 'audit':
        return await audit(config, rest);
      case 'replicate':
        return await replicate(config, rest);
      case 'restore':
        return await restore(config, rest);
      case 'doctor':
        return await doctor(config, rest);
      case 'users':
        return await users(config, rest);
      case 'tokens':
        return await tokens(config, rest);
      case 'fixity':
        return await fixity(config, rest);
      case 'reindex':
        return await reindex(config, rest);
      case 'reocr':
        return await reocr(config, rest);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
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
