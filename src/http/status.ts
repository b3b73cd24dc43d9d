/**
 * The public status of a transaction, where a receipt's QR code leads:
 * `GET /status?no=REGISTRY_NO&code=CODE` (a page, Arabic first) and
 * `GET /api/v1/status?no=…&code=…` (JSON). No sign-in; rate-limited per client
 * address like /verify. The answer is the state and its dates only (see
 * src/web/pages/status.ts for what is left out and why). A number that does
 * not exist and a code that is not the number's get the same 404, so the
 * page cannot be used to find which numbers exist.
 */
import { Router, type Request, type Response } from 'express';
import type { Db } from '../../storage/db';
import type { SigningKey } from '../../storage/integrity/checkpoints';
import { transactionState } from '../../storage/repos/books';
import { getRegister, listRegisters } from '../../storage/repos/registers';
import { DomainError } from '../../kernel/errors';
import { toLatinDigits } from '../../kernel/text';
import { parseRegistryNo, registryLabel, registryNo } from '../../kernel/registry';
import { statusPage, type StatusView } from '../web/pages/status';
import { codeMatches, receiptKey } from './receipts';
import { rateLimit } from './rateLimit';

export interface StatusDeps {
  db: Db;
  signingKey: SigningKey;
  perMinute: number;
  timeZone: string;
}

const query = (req: Request, name: string) => {
  const v = req.query[name];
  return typeof v === 'string' ? v.trim().slice(0, 100) : '';
};

export function statusRouter(deps: StatusDeps): Router {
  const router = Router();
  const key = receiptKey(deps.signingKey);
  const limited = rateLimit(deps.db, 'status', deps.perMinute);
  const localDay = (iso: string | null) => (iso ? new Date(iso).toLocaleDateString('sv-SE', { timeZone: deps.timeZone }) : null);

  /** A number as the receipt writes it, its book's letter beside it: "IN 2026/17", «و ٢٠٢٦/١٧». */
  const asWritten = async (no: string) => {
    const m = /^(\S+)\s+(\d{4})\/(\d{1,9})$/.exec(toLatinDigits(no.trim()));
    if (!m) return undefined;
    const letter = m[1]!.toUpperCase();
    const register = (await listRegisters(deps.db)).find((r) => r.letterAr === m[1] || r.letterEn.toUpperCase() === letter);
    return register ? { register: register.code, year: Number(m[2]), seq: Number(m[3]) } : undefined;
  };

  /** The state for this number and code; undefined for a number that is not one, an unknown one and a wrong code alike. */
  const lookup = async (no: string, code: string): Promise<(StatusView & { label: { ar: string; en: string } }) | undefined> => {
    const ref = parseRegistryNo(no) ?? (await asWritten(no));
    if (!ref) return undefined;
    const t = await transactionState(deps.db, ref);
    if (!t || !codeMatches(key, t.id, code)) return undefined;
    const register = await getRegister(deps.db, ref.register);
    return {
      label: register ? registryLabel(ref, register) : { ar: registryNo(ref), en: registryNo(ref) },
      registryNo: registryNo(ref),
      state: t.state,
      receivedOn: localDay(t.receivedAt)!,
      referredOn: localDay(t.referredAt),
      answeredOn: localDay(t.answeredAt),
      closedOn: localDay(t.closedAt),
    };
  };

  router.get('/status', limited, async (req: Request, res: Response) => {
    const asked = { no: query(req, 'no'), code: query(req, 'code') };
    res.set('Cache-Control', 'no-store');
    res.set('Referrer-Policy', 'no-referrer');
    if (!asked.no && !asked.code) {
      res.type('html').send(statusPage(undefined, asked));
      return;
    }
    const view = asked.no && asked.code ? await lookup(asked.no, asked.code) : undefined;
    if (!view) {
      res
        .status(404)
        .type('html')
        .send(statusPage({ notFound: true }, asked));
      return;
    }
    res.type('html').send(statusPage({ view }, asked));
  });

  router.get('/api/v1/status', limited, async (req: Request, res: Response) => {
    const no = query(req, 'no');
    const code = query(req, 'code');
    if (!no || !code)
      throw new DomainError('bad_request', { ar: '(رقم القيد ورمز المتابعة مطلوبان)', en: '(no and code are required)' });
    const view = await lookup(no, code);
    if (!view) throw new DomainError('not_found');
    res.set('Cache-Control', 'no-store');
    res.json({
      registryNo: view.registryNo,
      state: view.state,
      receivedOn: view.receivedOn,
      referredOn: view.referredOn,
      answeredOn: view.answeredOn,
      closedOn: view.closedOn,
    });
  });
  return router;
}
