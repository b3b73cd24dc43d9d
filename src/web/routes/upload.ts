/** The upload page's route: for those whose role may upload (the page's script then talks to the API). */
import type { Request, Response } from 'express';
import { CLASSIFICATIONS, clearanceRank } from '../../../kernel/clearance';
import { callerOf } from '../../auth';
import { addDays } from '../../http/referrals';
import { todayIn } from '../../http/search';
import { uploadPage, type IntakeBySource } from '../pages/upload';
import type { Db } from '../../../storage/db';
import { intakeTotals } from '../../../storage/repos/intakeCounts';
import { listRegisters } from '../../../storage/repos/registers';
import { allowed, pageCtx, type ViewerDeps } from './shared';

/** What came in over the last 30 days (today included, in the registry's time zone), by source. */
async function lastMonthBySource(db: Db, timeZone: string): Promise<IntakeBySource[]> {
  const bySource = new Map<IntakeBySource['source'], IntakeBySource>();
  for (const t of await intakeTotals(db, addDays(todayIn(timeZone), -29))) {
    const s = bySource.get(t.source) ?? { source: t.source, documents: 0, pages: 0, blankPages: 0, separators: 0 };
    s.documents += t.documents;
    s.pages += t.pages;
    s.blankPages += t.blankPages;
    s.separators += t.separators;
    bySource.set(t.source, s);
  }
  return [...bySource.values()];
}

export async function showUpload(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  if (!(await allowed(deps, req, res, 'upload'))) return;
  const caller = callerOf(res.locals);
  // Only what this person may file is offered (the API refuses the rest).
  const classifications = CLASSIFICATIONS.filter((c) => clearanceRank(c) <= clearanceRank(caller.clearance));
  const [registers, intake] = await Promise.all([listRegisters(deps.db), lastMonthBySource(deps.db, deps.archive.timeZone)]);
  res
    .type('html')
    .send(uploadPage(pageCtx(deps, req, res, caller), { classifications, departments: caller.departments, registers }, intake));
}
