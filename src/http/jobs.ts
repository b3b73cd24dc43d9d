/**
 * Long work through the API: asking for it (a fixity sweep, a rebuild of the
 * search index) answers 202 at once with the job, which a server or worker
 * process then runs; `GET /jobs/:id` follows its progress and gives its result.
 */
import { Router, type Response } from 'express';
import type { Db } from '../../storage/db';
import { getJob, listJobs, requestJob, type Job } from '../../storage/jobs';
import { DomainError } from '../../kernel/errors';
import { isUuid } from '../../kernel/text';
import type { JobKind } from '../runtime/jobs';
import { callerOf, can } from '../auth';

/** Records the job (or finds the same one already open) and answers 202 with it. */
export async function startJob(db: Db, res: Response, kind: JobKind, params: Record<string, unknown>): Promise<void> {
  const { job, created } = await requestJob(db, kind, params, callerOf(res.locals).name);
  res
    .status(202)
    .location(`/api/v1/jobs/${job.id}`)
    .json({ job: view(job), created });
}

const view = (job: Job) => ({
  ...job,
  percent: job.total ? Math.min(100, Math.floor((job.done / job.total) * 100)) : job.state === 'done' ? 100 : null,
});

export function jobsRouter(deps: { db: Db }): Router {
  const router = Router();
  router.get('/jobs', async (req, res) => {
    const limit = Math.min(Math.max(Number(req.query.limit) || 50, 1), 500);
    res.json({ jobs: (await listJobs(deps.db, limit)).map(view) });
  });
  router.get('/jobs/:id', async (req, res) => {
    const job = isUuid(req.params.id) ? await getJob(deps.db, req.params.id) : undefined;
    if (!job) throw new DomainError('not_found');
    // Followed by an auditor, or by the person who asked for it (a records manager carrying out a disposal).
    const caller = callerOf(res.locals);
    if (!can(caller, 'audit') && job.requestedBy !== caller.name)
      throw new DomainError('forbidden', { ar: '(يلزم إذن audit)', en: '(needs the audit permission)' });
    res.json(view(job));
  });
  return router;
}
