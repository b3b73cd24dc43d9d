/**
 * The audit report: in one answer, what an auditor checks first. The ledger's
 * chain, checkpoints and segments in storage, the latest fixity state of every object (damaged ones
 * named), the offsite copy's coverage, and the documents by status.
 */
import { registryNo } from '../../kernel/registry';
import { latestCheckpoint, verifyCheckpoints } from './checkpoints';
import { ledgerPrivileges, type Db } from '../db';
import { archivedFileCounts, documentStatusCounts, failedDocuments, fixityStateCounts, lastFixityCheck } from '../stats';
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
    /** When old entries were last checked for rewriting (the scheduled deep check, or a full one). */
    deepCheckedAt: string | null;
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
  const last = await latestCheckpoint(db);
  const fx = await fixityStateCounts(db);
  const lastChecked = await lastFixityCheck(db);
  const damaged = await db.query<{
    register: string;
    registry_year: number;
    registry_seq: number;
    key: string;
    target: string;
    state: string;
    checked_at: Date;
  }>(
    `SELECT d.register, d.registry_year, d.registry_seq, f.key, f.target, f.state, f.checked_at FROM fixity f JOIN documents d ON d.id = f.document_id
     WHERE f.state IN ('mismatch', 'missing') ORDER BY d.registry_year, d.registry_seq, f.key, f.target`,
  );
  const { files, verified } = await archivedFileCounts(db);
  const docs = await documentStatusCounts(db);
  const count = (s: string) => fx.get(s) ?? 0;
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
      objectsChecked: [...fx.values()].reduce((n, v) => n + v, 0),
      ok: count('ok'),
      repaired: count('repaired'),
      damaged: damaged.rows.map((r) => ({
        registryNo: registryNo({ register: r.register, year: r.registry_year, seq: r.registry_seq }),
        key: r.key,
        target: r.target,
        state: r.state,
        checkedAt: r.checked_at.toISOString(),
      })),
    },
    replication: { files, verifiedOffsite: verified, missingOffsite: files - verified },
    documents: Object.fromEntries(docs),
    failedDocuments: await failedDocuments(db),
  };
}
