/**
 * The scanner room's printed sheets ('upload': whoever files documents, a clerk or an administrator):
 *
 * - `GET /api/v1/sheets/separator`: the separator sheet (PDF), the same file every time.
 * - `POST /api/v1/sheets/labels` `{ register, count }`: takes `count` registry numbers of the register out of
 *   its sequence (storage/repos/labels.ts, a ledger entry) and answers the sticker sheets (PDF), with the first
 *   and last number in headers; or, to `Accept: application/json`, the numbers only (`{ labels: [...] }`).
 *
 * The numbers are taken before the sheets are drawn: if drawing fails, they stay taken (as labels nobody
 * printed), never given twice.
 */
import { Router } from 'express';
import { z } from 'zod';
import { labelSheetsPdf, separatorSheetPdf } from '../../ingest/adapters/scannerSheets';
import type { Db } from '../../storage/db';
import { allocateLabels } from '../../storage/repos/labels';
import { requireRegister } from '../../storage/repos/registers';
import { DomainError } from '../../kernel/errors';
import { REGISTER_CODE, registryNo } from '../../kernel/registry';
import { callerOf } from '../auth';
import type { Config } from '../config';
import { parseOr400 } from './schemas';

export const labelsSchema = z.object({
  register: z.string().trim().regex(REGISTER_CODE, "a register's code: incoming, outgoing, internal or another"),
  /** Checked against the limit by allocateLabels (bad_label_count). */
  count: z.number().int(),
});

/** The separator sheet's date, written in its PDF: the sheet is one file, whoever prints it and when. */
const SEPARATOR_DATE = new Date('2026-01-01T00:00:00Z');

export interface SheetsDeps {
  db: Db;
  archive: Config['archive'];
}

export function sheetsRouter(deps: SheetsDeps): Router {
  const router = Router();
  let separator: Promise<Buffer> | undefined;

  router.get('/sheets/separator', async (_req, res) => {
    separator ??= separatorSheetPdf({ createdAt: SEPARATOR_DATE, organisation: deps.archive.organisation });
    const pdf = await separator.catch((e: unknown) => {
      separator = undefined;
      throw e;
    });
    res.set('Cache-Control', 'private, max-age=86400');
    res.set('Content-Disposition', 'inline; filename="separator.pdf"');
    res.type('application/pdf').send(pdf);
  });

  router.post('/sheets/labels', async (req, res) => {
    const body = parseOr400(labelsSchema, req.body);
    const caller = callerOf(res.locals);
    // Whoever may file no document at all (no department of their own) is given no numbers either.
    if (caller.departments !== null && caller.departments.length === 0) {
      throw new DomainError('forbidden', { ar: '(ليس لك قسم تُودِع فيه)', en: '(you have no department to file into)' });
    }
    const register = await requireRegister(deps.db, body.register);
    const refs = await allocateLabels(deps.db, {
      register: register.code,
      count: body.count,
      by: caller.userId,
      timeZone: deps.archive.timeZone,
    });
    const [first, last] = [registryNo(refs[0]!), registryNo(refs.at(-1)!)];
    res.set('Cache-Control', 'private, no-store');
    res.set('X-Diwan-Label-First', first);
    res.set('X-Diwan-Label-Last', last);
    if (req.accepts(['application/pdf', 'application/json']) === 'application/json') {
      res.status(201).json({ register: register.code, year: refs[0]!.year, labels: refs.map(registryNo) });
      return;
    }
    const pdf = await labelSheetsPdf(refs, register, { createdAt: new Date(), organisation: deps.archive.organisation });
    const name = `labels-${first.replace(/\//g, '-')}-${refs.at(-1)!.seq}.pdf`;
    res.set('Content-Disposition', `inline; filename="${name}"`);
    res.status(201).type('application/pdf').send(pdf);
  });
  return router;
}
