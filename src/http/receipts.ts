/**
 * Receipts: `GET /api/v1/documents/:id/receipt.pdf` ('register', and the
 * document within the caller's sight) gives the A5 receipt of a registered
 * letter (ingest/receipt.ts). The receipt carries a code, an HMAC-SHA256 of
 * the document's id under a key derived from the installation's checkpoint
 * signing key: the status page (status.ts) answers only to a number with its
 * code, so nobody can walk the numbers to learn what came in. The key lives
 * with the signing key (every API process has it, a restore keeps it), so a
 * receipt's code stays good for the archive's life; it is printed, never
 * stored.
 */
import crypto from 'node:crypto';
import { Router } from 'express';
import { receiptPdf } from '../../ingest/receipt';
import type { Db } from '../../storage/db';
import type { SigningKey } from '../../storage/integrity/checkpoints';
import type { DocumentRecord, DocumentsRepo } from '../../storage/repos/documents';
import { getRegister } from '../../storage/repos/registers';
import type { UsersRepo } from '../../storage/repos/users';
import { DomainError } from '../../kernel/errors';
import { registryLabel } from '../../kernel/registry';
import { isUuid } from '../../kernel/text';
import { callerOf, canSee, recordContentRead } from '../auth';
import type { Config } from '../config';

/** Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand is not mistaken. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Characters of a code: 12 × 5 = 60 bits of the HMAC. */
const CODE_LENGTH = 12;

/** The key receipt codes are made with, derived from the signing key (a key of its own: the signing key only signs). */
export function receiptKey(signingKey: SigningKey): Buffer {
  const der = signingKey.privateKey.export({ type: 'pkcs8', format: 'der' });
  return crypto.createHmac('sha256', der).update('diwan receipt code v1').digest();
}

/** A document's receipt code: 12 characters of base32, as stored (no dashes). */
export function receiptCode(key: Buffer, documentId: string): string {
  const mac = crypto.createHmac('sha256', key).update(documentId.toLowerCase()).digest();
  let bits = 0n;
  for (const b of mac.subarray(0, 8)) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < CODE_LENGTH; i++) out += ALPHABET[Number((bits >> BigInt(64 - 5 * (i + 1))) & 31n)];
  return out;
}

/** As printed: groups of four, "7K2M-Q9XD-4TRB". */
export function printedCode(code: string): string {
  return code.match(/.{1,4}/g)!.join('-');
}

/** A code as typed: case, dashes and spaces aside; O read as 0 and I or L as 1. Undefined when it cannot be one. */
export function typedCode(input: string): string | undefined {
  const s = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return s.length === CODE_LENGTH && [...s].every((c) => ALPHABET.includes(c)) ? s : undefined;
}

/** Whether `given` is this document's code (compared in constant time). */
export function codeMatches(key: Buffer, documentId: string, given: string): boolean {
  const typed = typedCode(given);
  if (!typed) return false;
  return crypto.timingSafeEqual(Buffer.from(typed), Buffer.from(receiptCode(key, documentId)));
}

/** The status page's address for this receipt: what its QR code carries. */
export function statusUrl(publicUrl: string, registryNo: string, code: string): string {
  return `${publicUrl}/status?no=${encodeURIComponent(registryNo)}&code=${code}`;
}

export interface ReceiptDeps {
  db: Db;
  documents: DocumentsRepo;
  users: UsersRepo;
  signingKey: SigningKey;
  archive: Config['archive'];
}

/** The receipt of a document as PDF bytes. */
export async function makeReceipt(deps: Omit<ReceiptDeps, 'users'>, doc: DocumentRecord, key: Buffer): Promise<Buffer> {
  const register = await getRegister(deps.db, doc.register);
  const names = register ?? { nameAr: doc.register, nameEn: doc.register, letterAr: '', letterEn: '', direction: 'in' as const };
  const code = receiptCode(key, doc.id);
  return receiptPdf({
    organisation: deps.archive.organisation,
    organisationEn: deps.archive.organisationEn,
    register: { ar: names.nameAr, en: names.nameEn },
    number: registryLabel(doc, names),
    registeredAt: new Date(doc.createdAt),
    timeZone: deps.archive.timeZone,
    externalRef: doc.externalRef,
    externalDate: doc.externalDate,
    correspondent: doc.correspondent,
    direction: names.direction,
    subject: doc.title,
    code: printedCode(code),
    statusUrl: statusUrl(deps.archive.publicUrl, doc.registryNo, code),
  });
}

export function receiptsRouter(deps: ReceiptDeps): Router {
  const router = Router();
  const key = receiptKey(deps.signingKey);
  router.get('/documents/:id/receipt.pdf', async (req, res) => {
    const id = String(req.params.id);
    const doc = isUuid(id) ? await deps.documents.get(id) : undefined;
    if (!doc) throw new DomainError('not_found');
    const caller = callerOf(res.locals);
    if (!canSee(caller, doc)) {
      throw new DomainError('forbidden', {
        ar: '(الوثيقة فوق درجة اطلاعك)',
        en: '(the document is above your clearance or outside your departments)',
      });
    }
    const pdf = await makeReceipt(deps, doc, key);
    // The receipt shows the subject and the correspondent: printing it is a read, recorded like a download.
    await recordContentRead(deps.users, req, caller, doc, { event: 'downloaded', what: 'receipt.pdf' });
    const name = `receipt-${doc.registryNo.replace(/\//g, '-')}.pdf`;
    res.set('Cache-Control', 'private, no-store');
    res.set('Content-Disposition', `inline; filename="${name}"`);
    res.type('application/pdf').send(pdf);
  });
  return router;
}
