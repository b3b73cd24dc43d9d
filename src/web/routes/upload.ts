/** The upload page's route: for those whose role may upload (the page's script then talks to the API). */
import type { Request, Response } from 'express';
import { CLASSIFICATIONS, clearanceRank } from '../../../kernel/clearance';
import { callerOf } from '../../auth';
import { uploadPage } from '../pages/upload';
import { listRegisters } from '../../../storage/repos/registers';
import { allowed, pageCtx, type ViewerDeps } from './shared';

export async function showUpload(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  if (!(await allowed(deps, req, res, 'upload'))) return;
  const caller = callerOf(res.locals);
  // Only what this person may file is offered (the API refuses the rest).
  const classifications = CLASSIFICATIONS.filter((c) => clearanceRank(c) <= clearanceRank(caller.clearance));
  const registers = await listRegisters(deps.db);
  res
    .type('html')
    .send(uploadPage(pageCtx(deps, req, res, caller), { classifications, departments: caller.departments, registers }));
}
