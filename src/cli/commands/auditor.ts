/**
 * Commands for an auditor, through the API (audit permission): `verify`,
 * `verify-file`, `audit`, `fixity` and `replicate`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectScript } from '../../../ingest/adapters/files';
import type { ReplicationStatus } from '../../../storage/integrity/replication';
import type { Config } from '../../config';
import { createClient } from '../client';
import { UsageError, type CommandInput } from '../input';
import { jobLine, runJob } from '../jobs';
import { json } from '../output';
import { progressBar, quietOf } from '../progress';
import { multipartBody } from '../upload';
import type { AuditReport } from '../../../storage/integrity/auditReport';
import type { ChainVerification } from '../../../storage/integrity/ledger';
import type { CheckpointConsistency, DocumentProof } from '../../../storage/integrity/checkpointProofs';

interface VerdictView {
  registryNo: string;
  ok: boolean;
  files: Array<{ key: string; primary: { state: string }; offsite: { state: string }; manifest: string; ledger: string }>;
  /** A lawfully destroyed document: its tombstone is what was verified. */
  destroyedAt?: string;
}

export async function verify(config: Config, args: CommandInput): Promise<number> {
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
  // Every document re-hashed on both copies, one after another: a bar when there are many.
  const bar = progressBar('التحقق / verify', { quiet: quietOf(args) || ids.length === 1 });
  try {
    for (const id of ids) {
      verdicts.push(await client.get<VerdictView>(`/documents/${encodeURIComponent(id)}/verify`));
      bar.update(verdicts.length, ids.length);
    }
  } finally {
    bar.end();
  }
  if (args.flags.has('json')) json(args.flags.has('all') ? verdicts : verdicts[0]);
  else {
    for (const v of verdicts) {
      const gone = v.destroyedAt ? `\tأُتلفت إتلافًا قانونيًا / lawfully destroyed ${v.destroyedAt.slice(0, 10)}` : '';
      process.stdout.write(`${v.registryNo}\t${v.ok ? 'سليم / intact' : 'غير مطابق / NOT INTACT'}${gone}\n`);
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

export async function verifyFile(config: Config, args: CommandInput): Promise<number> {
  const file = args.positionals[0];
  if (!file) throw new UsageError('verify-file needs a PATH');
  const size = fs.statSync(file).size;
  const body = multipartBody([{ path: file, size }], 'file', () => undefined);
  const r = await createClient(config).postMultipart<{
    sha256: string;
    matches: Array<{ registryNo: string; kind: string; key: string }>;
  }>('/verify', body);
  if (args.flags.has('json')) json(r);
  else if (r.matches.length === 0) process.stdout.write(`غير مسجّل / not registered: ${r.sha256}\n`);
  else for (const m of r.matches) process.stdout.write(`${m.registryNo}\t${m.kind}\t${m.key}\n`);
  return r.matches.length > 0 ? 0 : 1;
}

/** One line of the streamed export (`/audit/export?format=ndjson`). */
type ExportLine =
  | {
      type: 'header';
      keyId: string;
      publicKey: string;
      exportedAt: string;
      expected?: { ledgerEntries: number; manifests: number };
    }
  | { type: 'ledger'; entry: unknown }
  | { type: 'checkpoint'; checkpoint: unknown }
  | { type: 'manifest'; manifest: { key: string; sha256: string; text: string; withheld?: boolean } };

/**
 * `audit export DIR`: the offline audit bundle, with the standalone verifier beside it. Written as the
 * export streams in: each manifest to its own file, the ledger line by line.
 */
export async function auditExport(config: Config, args: CommandInput): Promise<number> {
  const dir = args.positionals[0];
  if (!dir) throw new UsageError('audit export needs a DIR');
  const quiet = quietOf(args);
  fs.mkdirSync(path.join(dir, 'manifests'), { recursive: true });
  const ledgerFile = fs.openSync(path.join(dir, 'ledger.jsonl'), 'w');
  // Of a document the caller is not cleared for, a stub stands in for the manifest: its SHA-256 as the export gave it goes in withheld.json.
  const withheldFile = path.join(dir, 'withheld.json');
  let withheldOut: number | undefined;
  let header: Extract<ExportLine, { type: 'header' }> | undefined;
  const checkpoints: unknown[] = [];
  const counts = { ledger: 0, manifests: 0, withheld: 0 };
  const bar = progressBar('التصدير / export', { quiet });
  let total: number | null = null;
  try {
    for await (const line of createClient(config).lines<ExportLine>('/audit/export?format=ndjson')) {
      bar.update(counts.ledger + counts.manifests, total);
      if (line.type === 'header') {
        header = line;
        total = line.expected ? line.expected.ledgerEntries + line.expected.manifests : null;
      } else if (line.type === 'checkpoint') checkpoints.push(line.checkpoint);
      else if (line.type === 'ledger') {
        fs.writeSync(ledgerFile, JSON.stringify(line.entry) + '\n');
        counts.ledger++;
      } else {
        const m = line.manifest;
        // documents/2026/000123/manifest.json -> manifests/2026-000123.json (another register's:
        // documents/outgoing/2026/000001/… -> manifests/outgoing-2026-000001.json), the stored bytes unchanged.
        const name = `manifests/${m.key
          .replace(/^documents\//, '')
          .replace(/\/(manifest|tombstone)\.json$/, '')
          .replace(/\//g, '-')}.json`;
        fs.writeFileSync(path.join(dir, name), m.text);
        counts.manifests++;
        if (m.withheld) {
          withheldOut ??= fs.openSync(withheldFile, 'w');
          const item = JSON.stringify({ manifest: name, key: m.key, sha256: m.sha256 }, null, 2).replace(/^/gm, '  ');
          fs.writeSync(withheldOut, (counts.withheld === 0 ? '[\n' : ',\n') + item);
          counts.withheld++;
        }
      }
    }
    if (counts.ledger === 0) fs.writeSync(ledgerFile, '\n');
    if (withheldOut !== undefined) fs.writeSync(withheldOut, '\n]\n');
    bar.update(counts.ledger + counts.manifests, Math.max(total ?? 0, counts.ledger + counts.manifests));
  } finally {
    bar.end();
    fs.closeSync(ledgerFile);
    if (withheldOut !== undefined) fs.closeSync(withheldOut);
  }
  if (!header) throw new Error('the export ended before its header');
  fs.writeFileSync(path.join(dir, 'checkpoints.json'), JSON.stringify(checkpoints, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'public-key.pem'), header.publicKey);
  fs.copyFileSync(projectScript('storage/integrity/offlineVerifier.mjs'), path.join(dir, 'verify.mjs'));
  // The Merkle mountain range and its proofs, which verify.mjs imports from beside it.
  fs.copyFileSync(projectScript('storage/integrity/offlineProof.mjs'), path.join(dir, 'offlineProof.mjs'));
  fs.writeFileSync(
    path.join(dir, 'README.txt'),
    `Diwan audit bundle, exported ${header.exportedAt}. Signing key id ${header.keyId}: confirm it with the archive by another channel.\n` +
      `Check it, and files against it, with Node.js alone:  node verify.mjs . [FILE...]\n` +
      `A document's proof (diwan audit proof ... --out PROOF.json):  node verify.mjs proof PROOF.json [--key public-key.pem] [FILE...]\n` +
      (counts.withheld > 0
        ? `حُجب عن هذه الحزمة محتوى ${counts.withheld} وثيقة لا يخوَّل مُصدِّرها الاطلاع عليها: تبقى أرقام قيدها وبصماتها (withheld.json).\n` +
          `${counts.withheld} document(s) the exporter is not cleared for withheld: their registry numbers and fingerprints remain (withheld.json).\n`
        : ''),
  );
  process.stdout.write(
    `${dir}: ${counts.ledger} ledger entries, ${checkpoints.length} checkpoints, ${counts.manifests} manifests` +
      (counts.withheld > 0 ? ` (محجوب / withheld: ${counts.withheld})` : '') +
      `, verify.mjs\n`,
  );
  return 0;
}

/**
 * `audit proof REGISTRY_NO|ID [--out FILE]`: the proof that a document is under the latest signed
 * checkpoint, saved for `node verify.mjs proof FILE`.
 */
export async function auditProof(config: Config, args: CommandInput): Promise<number> {
  const [ref] = args.positionals;
  if (!ref) throw new UsageError('audit proof needs a REGISTRY_NO or ID');
  const p = await createClient(config).get<DocumentProof>(`/documents/${encodeURIComponent(ref)}/proof`);
  const summary =
    `${p.document.registryNo}: الورقة ${p.leafIndex + 1} من ${p.checkpoint.body.mmrSize} تحت نقطة التحقق ${p.checkpoint.id}` +
    ` / leaf ${p.leafIndex} of ${p.checkpoint.body.mmrSize} under checkpoint ${p.checkpoint.id}` +
    ` (ledger entry ${p.checkpoint.body.ledgerSeq}, ${p.checkpoint.body.at}), root ${p.checkpoint.body.merkleRoot}, key ${p.checkpoint.body.keyId}`;
  return saveProof(args, p, summary);
}

/** `audit consistency OLDER NEWER [--out FILE]`: that an older checkpoint's range is a prefix of a newer one's. */
export async function auditConsistency(config: Config, args: CommandInput): Promise<number> {
  const [older, newer] = args.positionals;
  if (!older || !newer) throw new UsageError('audit consistency needs OLDER and NEWER checkpoint ids');
  const c = await createClient(config).get<CheckpointConsistency>(
    `/audit/checkpoints/${encodeURIComponent(newer)}/consistency?from=${encodeURIComponent(older)}`,
  );
  const summary =
    `نقطة التحقق ${c.older.id} (${c.older.body.mmrSize}) جزء أول من ${c.newer.id} (${c.newer.body.mmrSize})` +
    ` / checkpoint ${c.older.id} (${c.older.body.mmrSize} documents) as a prefix of ${c.newer.id} (${c.newer.body.mmrSize} documents)`;
  return saveProof(args, c, summary);
}

/** Writes a proof to --out (when given) and prints it (--json) or its summary. */
function saveProof(args: CommandInput, proof: DocumentProof | CheckpointConsistency, summary: string): number {
  const out = args.options.get('out');
  if (out) fs.writeFileSync(out, JSON.stringify(proof, null, 2) + '\n');
  if (args.flags.has('json')) json(proof);
  else
    process.stdout.write(
      `${summary}${out ? `\n${out}: تحقق منه دون اتصال / check it offline: node verify.mjs proof ${out} (verify.mjs of an audit export)` : ''}\n`,
    );
  return 0;
}

/** `audit checkpoint`: the ledger's head signed now. */
export async function auditCheckpoint(config: Config, args: CommandInput): Promise<number> {
  const c = await createClient(config).post<{
    body: { ledgerSeq: number; documents: number; merkleRoot: string };
    objectKey: string;
  }>('/audit/checkpoint', {});
  if (args.flags.has('json')) json(c);
  else
    process.stdout.write(
      `نقطة تحقق موقّعة / signed checkpoint: ledger entry ${c.body.ledgerSeq}, ${c.body.documents} documents, root ${c.body.merkleRoot} (${c.objectKey})\n`,
    );
  return 0;
}

/** `audit report`: ledger, checkpoints, fixity, offsite coverage and documents; exit 1 when anything is wrong. */
export async function auditReport(config: Config, args: CommandInput): Promise<number> {
  const r = await createClient(config).get<AuditReport>('/audit/report');
  if (args.flags.has('json')) json(r);
  else {
    const lines = [
      `السجل / ledger: ${r.ledger.entries} entries, ${r.ledger.brokenAt === null ? 'chain intact' : `BROKEN at ${r.ledger.brokenAt}`}; ${r.ledger.checkpoints} checkpoints${r.ledger.badCheckpoint === null ? '' : `, checkpoint ${r.ledger.badCheckpoint} FAILS`}; last ${r.ledger.lastCheckpoint?.at ?? 'never'}`,
      `صلاحيات قاعدة البيانات / database role ${r.ledger.appRole}: ${r.ledger.appRoleCanAlter ? 'CAN change or remove ledger rows (set DATABASE_OWNER_URL so the archive runs as a role that cannot)' : 'can only add to the ledger'}`,
      ...(r.ledger.segments.exportFailure
        ? [
            `مقاطع السجل / ledger segments: exported up to entry ${r.ledger.segments.exportedSeq}; export FAILING since ${r.ledger.segments.exportFailure.at} (retried by itself): ${r.ledger.segments.exportFailure.error}`,
          ]
        : []),
      `الفحص الدوري / fixity: ${r.fixity.objectsChecked} objects, ${r.fixity.ok} ok, ${r.fixity.repaired} repaired, ${r.fixity.damaged.length} damaged; last ${r.fixity.lastCheckedAt ?? 'never'}`,
      ...r.fixity.damaged.map((d) => `  ${d.registryNo}\t${d.target}\t${d.key}\t${d.state}`),
      `النسخة الخارجية / offsite: ${r.replication.verifiedOffsite} of ${r.replication.files} files verified`,
      `الوثائق / documents: ${Object.entries(r.documents)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  const sound = r.ledger.brokenAt === null && r.ledger.badCheckpoint === null && r.ledger.segments.exportFailure === null;
  return sound && r.fixity.damaged.length === 0 ? 0 : 1;
}

/** `audit verify-ledger [--deep|--full]`: the ledger's hash chain recomputed; exit 1 naming the first broken entry. */
export async function auditVerifyLedger(config: Config, args: CommandInput): Promise<number> {
  const depth = args.flags.has('full') ? '?full=true' : args.flags.has('deep') ? '?deep=true' : '';
  // The answer of GET /audit/ledger: the chain's verification and the checkpoints'.
  const r = await createClient(config).get<
    ChainVerification & { checkpoints: number; badCheckpoint: number | null; checkpointsChecked: number }
  >(`/audit/ledger${depth}`);
  const ok = r.brokenAt === null && r.badCheckpoint === null;
  if (args.flags.has('json')) json(r);
  else {
    process.stdout.write(
      r.brokenAt === null
        ? `السجل سليم: ${r.entries} قيدًا متسلسلًا / ledger intact: ${r.entries} chained entries\n`
        : `السجل مكسور عند القيد ${r.brokenAt} / ledger broken at entry ${r.brokenAt} (of ${r.entries})\n`,
    );
    process.stdout.write(
      r.verifiedFrom === 0
        ? `فُحصت السلسلة كاملة: ${r.checked} قيدًا / the whole chain re-hashed: ${r.checked} entries\n`
        : `فُحص الجديد بعد القيد ${r.verifiedFrom}: ${r.checked} قيدًا (الفحص الكامل: --full) / re-hashed ${r.checked} entries after entry ${r.verifiedFrom}, verified before (whole chain: --full)\n`,
    );
    if (r.verifiedFrom !== 0)
      process.stdout.write(
        r.deepCheckedAt
          ? `آخر فحص عميق للقيود القديمة: ${r.deepCheckedAt} (الآن: --deep) / old entries last checked for rewriting at ${r.deepCheckedAt} (now: --deep)\n`
          : `لم تُفحص القيود القديمة فحصًا عميقًا بعد (الآن: --deep) / old entries never checked for rewriting yet (now: --deep)\n`,
      );
    process.stdout.write(
      r.badCheckpoint === null
        ? r.checkpointsChecked === r.checkpoints
          ? `نقاط التحقق سليمة: ${r.checkpoints} / ${r.checkpoints} checkpoints, every one checked and valid\n`
          : `نقاط التحقق الجديدة سليمة: فُحصت ${r.checkpointsChecked} من ${r.checkpoints} (كلها: --deep) / ${r.checkpointsChecked} of ${r.checkpoints} checkpoints checked, the new ones since the last check (all: --deep)\n`
        : `نقطة التحقق ${r.badCheckpoint} لا تطابق / checkpoint ${r.badCheckpoint} fails its signature or the ledger\n`,
    );
  }
  return ok ? 0 : 1;
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
    problem?: 'retention';
  }>;
  errors: Array<{ registryNo: string | null; key: string | null; target: string | null; error: string }>;
}

/** `diwan fixity`: a sweep of every stored object now, as a job on the server, followed with a progress bar. */
export async function fixity(config: Config, args: CommandInput): Promise<number> {
  const document = args.options.get('document');
  const run = await runJob<FixityView>(
    createClient(config),
    document ? `/fixity?documentId=${encodeURIComponent(document)}` : '/fixity',
    {},
    { label: 'الفحص / fixity', wait: !args.flags.has('no-wait'), quiet: quietOf(args) },
  );
  if ('job' in run) {
    if (args.flags.has('json')) json(run.job);
    else process.stdout.write(`${jobLine(run.job)}\n`);
    return 0;
  }
  const r = run.result;
  if (args.flags.has('json')) json(r);
  else {
    process.stdout.write(
      `فُحص ${r.objects} ملفًا في ${r.documents} وثيقة على النسختين / checked ${r.objects} objects of ${r.documents} documents on both copies` +
        ` (${(r.bytes / 1048576).toFixed(1)} MB in ${(r.ms / 1000).toFixed(1)} s)\n`,
    );
    for (const f of r.findings) {
      const was =
        f.problem === 'retention'
          ? 'not retained -> COMPLIANCE retention set'
          : f.state === 'repaired'
            ? `${f.found === null ? 'missing' : 'mismatch'} -> repaired from ${f.repairedFrom}`
            : f.state;
      process.stdout.write(`${f.registryNo}\t${f.target}\t${f.key}\t${was}\n`);
    }
    for (const e of r.errors) {
      process.stdout.write(`${e.registryNo ?? '-'}\t${e.target ?? '-'}\t${e.key ?? '-'}\tتعذّر الفحص / not checked: ${e.error}\n`);
    }
    if (r.findings.length === 0 && r.errors.length === 0) process.stdout.write('كل الملفات سليمة / every object is intact\n');
  }
  return r.unrepaired > 0 || r.errors.length > 0 ? 1 : 0;
}

interface ReplicationView extends ReplicationStatus {
  target: string;
  objectLock: Record<string, { enabled: boolean; detail: string }>;
}

export async function replicate(config: Config, args: CommandInput): Promise<number> {
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
