/**
 * The audit report: in one answer, what an auditor checks first. The ledger's
 * chain, checkpoints and segments in storage, the latest fixity state of every object (damaged ones
 * named), the offsite copy's coverage, and the documents by status.
 */
import { listCheckpoints, verifyCheckpoints } from './checkpoints';
import { ledgerPrivileges, type Db } from '../db';
import { failedDocuments } from '../stats';
import { verifyLedger } from './ledger';
import { ledgerExportState, type ExportFailure } from './ledgerExport';

export interface AuditReport {
  generatedAt: string;
  ledger: {
    entries: number;
    brokenAt: number | null;
    /** The chain is re-hashed only after the last entry an earlier check found whole (see verifyLedger). */
    verifiedFrom: number;
    verifiedUpTo: number;
    checked: number;
    checkpoints: number;
    badCheckpoint: number | null;
    lastCheckpoint: { ledgerSeq: number; at: string; documents: number } | null;
    /** The database role the archive runs as, and whether it could change or remove ledger rows (it should not). */
    appRole: string;
    appRoleCanAlter: boolean;
    /** The ledger's segments in both buckets: exported up to this entry, and the latest export's failure while it lasts (retried by a schedule). */
    segments: { exportedSeq: number; exportFailure: ExportFailure | null };
  };
  fixity: {
    lastCheckedAt: string | null;
    objectsChecked: number;
    ok: number;
    repaired: number;
    damaged: Array<{ registryNo: string; key: string; target: string; state: string; checkedAt: string }>;
  };
  replication: { files: number; verifiedOffsite: number; missingOffsite: number };
  documents: Record<string, number>;
  /** Documents that failed for good (a fault in the file itself), newest first: each can be run again (`diwan rerun`). */
  failedDocuments: Awaited<ReturnType<typeof failedDocuments>>;
}

export async function auditReport(db: Db, publicKeyPem: string): Promise<AuditReport> {
  const chain = await verifyLedger(db);
  const privileges = await ledgerPrivileges(db);
  const checks = await verifyCheckpoints(db, publicKeyPem);
  const exported = await ledgerExportState(db);
  const last = (await listCheckpoints(db)).at(-1);
  const fx = await db.query<{ state: string; n: number; last: Date | null }>(
    'SELECT state, count(*)::int AS n, max(checked_at) AS last FROM fixity GROUP BY state',
  );
  const damaged = await db.query<{
    registry_year: number;
    registry_seq: number;
    key: string;
    target: string;
    state: string;
    checked_at: Date;
  }>(
    `SELECT d.registry_year, d.registry_seq, f.key, f.target, f.state, f.checked_at FROM fixity f JOIN documents d ON d.id = f.document_id
     WHERE f.state IN ('mismatch', 'missing') ORDER BY d.registry_year, d.registry_seq, f.key, f.target`,
  );
  const rep = await db.query<{ files: number; verified: number }>(
    `SELECT count(*)::int AS files,
            count(r.key)::int AS verified
     FROM artefacts a JOIN documents d ON d.id = a.document_id AND d.status = 'archived'
     LEFT JOIN replicas r ON r.document_id = a.document_id AND r.key = a.key AND r.sha256 = a.sha256`,
  );
  const docs = await db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM documents GROUP BY status');
  const count = (s: string) => fx.rows.find((r) => r.state === s)?.n ?? 0;
  const lastChecked = fx.rows
    .map((r) => r.last)
    .filter((d): d is Date => d !== null)
    .sort((a, b) => b.getTime() - a.getTime())[0];
  const files = rep.rows[0]?.files ?? 0;
  const verified = rep.rows[0]?.verified ?? 0;
  return {
    generatedAt: new Date().toISOString(),
    ledger: {
      ...chain,
      ...checks,
      lastCheckpoint: last ? { ledgerSeq: last.body.ledgerSeq, at: last.body.at, documents: last.body.documents } : null,
      appRole: privileges.role,
      appRoleCanAlter: privileges.canUpdateOrDelete,
      segments: { exportedSeq: exported.exportedSeq, exportFailure: exported.failure },
    },
    fixity: {
      lastCheckedAt: lastChecked?.toISOString() ?? null,
      objectsChecked: fx.rows.reduce((n, r) => n + r.n, 0),
      ok: count('ok'),
      repaired: count('repaired'),
      damaged: damaged.rows.map((r) => ({
        registryNo: `${r.registry_year}/${String(r.registry_seq).padStart(6, '0')}`,
        key: r.key,
        target: r.target,
        state: r.state,
        checkedAt: r.checked_at.toISOString(),
      })),
    },
    replication: { files, verifiedOffsite: verified, missingOffsite: files - verified },
    documents: Object.fromEntries(docs.rows.map((r) => [r.status, r.n])),
    failedDocuments: await failedDocuments(db),
  };
}
