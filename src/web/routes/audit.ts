/**
 * The audit page's routes: the ledger, fixity, replication and Object Lock
 * state, the charts over the last 30 or 90 days (`?days=`), and the
 * verify-file form, whose upload is spooled to disk, looked up by its
 * fingerprint, and removed again.
 */
import fs from 'node:fs';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { STAGES } from '../../../ingest/pipeline';
import { auditSeries } from '../../../storage/auditSeries';
import { auditReport } from '../../../storage/integrity/auditReport';
import { replicationStatus } from '../../../storage/integrity/replication';
import { identifyFile } from '../../../storage/integrity/recheck';
import { DomainError } from '../../../kernel/errors';
import { callerOf } from '../../auth';
import { spoolStorage, type SpooledUpload, uploadParser } from '../../http/uploads';
import { auditPage, type IdentifiedFile } from '../pages/audit';
import { CHART_WINDOWS } from '../pages/auditCharts';
import { allowed, checkCsrf, pageCtx, type ViewerDeps } from './shared';

/** The charts' window: `?days=` when it is one the page offers, else the first. */
function chartDays(req: Request): number {
  const asked = Number(req.query.days);
  return CHART_WINDOWS.find((n) => n === asked) ?? CHART_WINDOWS[0];
}

/** The audit page, with the answer to the verify-file form when there is one. */
async function renderAudit(deps: ViewerDeps, req: Request, res: Response, identified: IdentifiedFile | null): Promise<void> {
  const [report, replication, primaryLock, offsiteLock] = await Promise.all([
    auditReport(deps.db, deps.signingKeyPem),
    replicationStatus(deps.db, deps.offsite.name),
    deps.primary.objectLock().catch((e: unknown) => ({ enabled: false, detail: String(e) })),
    deps.offsite.objectLock().catch((e: unknown) => ({ enabled: false, detail: String(e) })),
  ]);
  // After the report, whose reading of the kept counts has folded their latest changes in.
  const series = await auditSeries(deps.db, {
    days: chartDays(req),
    timeZone: deps.archive.timeZone,
    stages: STAGES.map((s) => s.id),
    targets: [deps.primary.name, deps.offsite.name],
    offsite: deps.offsite.name,
  });
  res.type('html').send(
    auditPage(pageCtx(deps, req, res, callerOf(res.locals)), {
      report,
      replication,
      objectLock: { [deps.primary.name]: primaryLock, [deps.offsite.name]: offsiteLock },
      series,
      identified,
    }),
  );
}

export async function showAudit(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  if (await allowed(deps, req, res, 'audit')) await renderAudit(deps, req, res, null);
}

async function identifyUpload(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  const file = (req.file as SpooledUpload | undefined)?.spooled;
  if (!file) throw new DomainError('no_file');
  try {
    if (file.tooLarge) throw new DomainError('file_too_large');
    const found = await identifyFile(deps.db, file.sha256);
    await renderAudit(deps, req, res, { name: req.file?.originalname ?? '', sha256: found.sha256, matches: found.matches });
  } finally {
    fs.rmSync(file.path, { force: true });
  }
}

/** The verify-file form's handlers, in order: CSRF and role first, then the one-file upload, then the answer. */
export function verifyFileRoute(deps: ViewerDeps): RequestHandler[] {
  const upload = uploadParser({
    storage: spoolStorage(deps.spoolDir, deps.maxFileBytes),
    files: 1,
    fields: 5,
    fieldSize: 1024,
  });
  const guard = (req: Request, res: Response, next: NextFunction) => {
    checkCsrf(req);
    allowed(deps, req, res, 'audit')
      .then((ok) => ok && next())
      .catch(next);
  };
  return [guard, upload.single('file'), (req, res) => identifyUpload(deps, req, res)];
}
