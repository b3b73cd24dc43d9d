/**
 * The books page's route ('register'): today's incoming book unless a
 * register and a day or a month are asked for; the same rows, within the
 * same clearance, as the API's books (src/http/books.ts).
 */
import type { Request, Response } from 'express';
import { bookEntries } from '../../../storage/repos/books';
import { listRegisters } from '../../../storage/repos/registers';
import { INCOMING } from '../../../kernel/registry';
import { callerOf } from '../../auth';
import { bookRows, periodOf } from '../../http/books';
import { booksPage } from '../pages/books';
import { allowed, pageCtx, type ViewerDeps } from './shared';

/** Rows shown on the page; the PDF and CSV have them all. */
const SHOWN = 300;

export async function showBooks(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  if (!(await allowed(deps, req, res, 'register'))) return;
  const caller = callerOf(res.locals);
  const registers = await listRegisters(deps.db);
  const asked = typeof req.query.register === 'string' ? req.query.register : INCOMING;
  const register = registers.find((r) => r.code === asked)?.code ?? INCOMING;
  const today = new Date().toLocaleDateString('sv-SE', { timeZone: deps.archive.timeZone });
  const month = typeof req.query.month === 'string' && req.query.month !== '' ? req.query.month : undefined;
  const day =
    month === undefined ? (typeof req.query.day === 'string' && req.query.day !== '' ? req.query.day : today) : undefined;
  // A period that is not one falls back to today's book.
  let chosen: { day?: string; month?: string } = day !== undefined ? { day } : { month };
  let period;
  try {
    period = periodOf(chosen);
  } catch {
    chosen = { day: today };
    period = periodOf(chosen);
  }
  const entries = await bookEntries(deps.db, register, period.period, deps.archive.timeZone);
  const rows = bookRows(entries, caller, new Map(registers.map((r) => [r.code, r])));
  res.type('html').send(
    booksPage(pageCtx(deps, req, res, caller), {
      registers,
      register,
      day: chosen.day,
      month: chosen.month,
      rows: rows.slice(0, SHOWN),
      more: Math.max(0, rows.length - SHOWN),
    }),
  );
}
