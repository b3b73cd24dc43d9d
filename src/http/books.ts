/**
 * The registry's books: `GET /api/v1/books/<register>.csv|.pdf?day=YYYY-MM-DD`
 * (or `?month=YYYY-MM`), and `GET /api/v1/books/<register>?day=…` as JSON
 * ('register'). The letters of that register registered in the period (the
 * archive's time zone), in registration order, in the columns a registry
 * clerk keeps (ingest/book.ts).
 *
 * Within the caller's clearance: a letter classified above it, or filed in a
 * department not theirs, keeps its row with its number and date only, marked
 * withheld, so the book has no silent gaps and its count is the register's.
 * The book shows a record's particulars (subject, correspondent, reference),
 * never a document's text or pages, so a clerk who keeps the book sees the
 * rows within their clearance and departments, whoever uploaded them.
 */
import { Router } from 'express';
import { bookCsv, bookPdf, type BookInfo, type BookRow } from '../../ingest/book';
import type { Db } from '../../storage/db';
import { bookEntries, type BookEntry, type Period } from '../../storage/repos/books';
import { listRegisters, type RegisterRecord } from '../../storage/repos/registers';
import { DomainError } from '../../kernel/errors';
import { clearanceRank, isClassification } from '../../kernel/clearance';
import { registryLabel, registryNo, REGISTER_CODE, type RegistryRef } from '../../kernel/registry';
import { callerOf, type Caller } from '../auth';
import type { Config } from '../config';
import { isCalendarDate } from '../../kernel/text';

export interface BooksDeps {
  db: Db;
  archive: Config['archive'];
}

/** The period asked for: exactly one of `day` (YYYY-MM-DD) or `month` (YYYY-MM), a real date. */
export function periodOf(query: { day?: unknown; month?: unknown }): { label: string; period: Period } {
  const day = typeof query.day === 'string' && query.day !== '' ? query.day : undefined;
  const month = typeof query.month === 'string' && query.month !== '' ? query.month : undefined;
  const bad = () =>
    new DomainError('bad_request', {
      ar: '(حدّد يومًا day=YYYY-MM-DD أو شهرًا month=YYYY-MM)',
      en: '(give a day, day=YYYY-MM-DD, or a month, month=YYYY-MM)',
    });
  if ((day === undefined) === (month === undefined)) throw bad();
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  if (day !== undefined) {
    if (!isCalendarDate(day)) throw bad();
    const d = new Date(`${day}T00:00:00Z`);
    return { label: day, period: { from: day, until: iso(new Date(d.getTime() + 86_400_000)) } };
  }
  const m = /^([1-9]\d{3})-(\d{2})$/.exec(month!);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw bad();
  const first = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  const next = new Date(Date.UTC(Number(m[1]), Number(m[2]), 1));
  return { label: month!, period: { from: iso(first), until: iso(next) } };
}

/** Whether the caller's clearance and departments reach this record (an unknown classification: administrators only). */
function withinReach(caller: Caller, e: Pick<BookEntry, 'classification' | 'department'>): boolean {
  const rankOk = isClassification(e.classification)
    ? clearanceRank(e.classification) <= clearanceRank(caller.clearance)
    : caller.role === 'admin';
  const departmentOk = caller.departments === null || (e.department !== null && caller.departments.includes(e.department));
  return rankOk && departmentOk;
}

/** A number as stored and as people write it, by its register's letter. */
function numberOf(ref: Required<RegistryRef>, registers: Map<string, RegisterRecord>): { no: string; ar: string } {
  const r = registers.get(ref.register);
  return { no: registryNo(ref), ar: r ? registryLabel(ref, r).ar : registryNo(ref) };
}

/** The book's rows for this caller: everything within reach, number and date only for the rest. */
export function bookRows(entries: BookEntry[], caller: Caller, registers: Map<string, RegisterRecord>): BookRow[] {
  return entries.map((e) => {
    const n = numberOf(e.ref, registers);
    const shown = withinReach(caller, e);
    return {
      registryNo: n.no,
      registryNoAr: n.ar,
      registeredAt: e.registeredAt,
      withheld: !shown,
      correspondent: shown ? e.correspondent : null,
      externalRef: shown ? e.externalRef : null,
      externalDate: shown ? e.externalDate : null,
      subject: shown ? e.title : null,
      referredTo: shown ? e.referredTo : [],
      answeredBy: shown
        ? e.answeredBy.map((a) => {
            const m = numberOf(a, registers);
            return { registryNo: m.no, registryNoAr: m.ar };
          })
        : [],
    };
  });
}

export function booksRouter(deps: BooksDeps): Router {
  const router = Router();
  router.get('/books/:file', async (req, res) => {
    const m = /^([a-z][a-z0-9-]{1,30})(?:\.(csv|pdf|json))?$/.exec(String(req.params.file));
    if (!m || !REGISTER_CODE.test(m[1]!)) throw new DomainError('not_found');
    const [code, format] = [m[1]!, m[2] ?? 'json'];
    const registers = new Map((await listRegisters(deps.db)).map((r) => [r.code, r]));
    const register = registers.get(code);
    if (!register) throw new DomainError('unknown_register', { ar: `(${code})`, en: `(${code})` });
    const { label, period } = periodOf(req.query);
    const entries = await bookEntries(deps.db, code, period, deps.archive.timeZone);
    const rows = bookRows(entries, callerOf(res.locals), registers);
    const info: BookInfo = {
      organisation: deps.archive.organisation,
      organisationEn: deps.archive.organisationEn,
      register: { ar: register.nameAr, en: register.nameEn, direction: register.direction },
      period: label,
      timeZone: deps.archive.timeZone,
      at: new Date(),
    };
    const name = `book-${code}-${label}.${format}`;
    res.set('Cache-Control', 'private, no-store');
    if (format === 'json') {
      res.json({ register: code, period: label, timeZone: info.timeZone, count: rows.length, rows });
    } else if (format === 'csv') {
      res.set('Content-Disposition', `attachment; filename="${name}"`);
      res.type('text/csv; charset=utf-8').send(bookCsv(info, rows));
    } else {
      res.set('Content-Disposition', `inline; filename="${name}"`);
      res.type('application/pdf').send(await bookPdf(info, rows));
    }
  });
  return router;
}
