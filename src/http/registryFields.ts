/**
 * The registry fields every registration path takes (API upload, batches, the
 * viewer's upload form, the CLI through the API): the register, the sender's
 * reference and date, the correspondent (by id, or by name: found by its
 * normalised Arabic name or made in the registration's transaction) and the
 * registry numbers it answers. Each is checked before anything is registered,
 * so a bad one is a 400 with its own code and nothing is kept; and the
 * document's registry view (register, number as people write it, sender's
 * reference, correspondent, links both ways) for the API and the viewer.
 */
import { z } from 'zod';
import type { Queryable } from '../../storage/db';
import type { DocumentRecord, DocumentsRepo } from '../../storage/repos/documents';
import { getCorrespondent } from '../../storage/repos/correspondents';
import { getRegister } from '../../storage/repos/registers';
import type { LinkView } from '../../storage/repos/links';
import { normalizeArabic } from '../../search/normalize';
import { INCOMING, registryLabel } from '../../kernel/registry';
import { DomainError } from '../../kernel/errors';
import { canSee, type Caller } from '../auth';
import { isoDate, plainText } from './schemas';

const optional = (max: number) =>
  plainText(max)
    .optional()
    .transform((v) => (v ? v : undefined));

/** The fields as a form or JSON body carries them (all optional; strings, as multipart gives them). */
export const registryFieldsSchema = z.object({
  register: optional(40),
  externalRef: optional(200),
  externalDate: optional(40),
  correspondentId: optional(60),
  inReplyTo: z
    .union([plainText(400), z.array(plainText(60)).max(20)])
    .optional()
    .transform((v) => (v === undefined ? [] : (Array.isArray(v) ? v : v.split(/[\s,،]+/)).filter(Boolean))),
});

/** The registry fields resolved: what the registration is given. */
export interface RegistryFields {
  register: string;
  externalRef: string | null;
  externalDate: string | null;
  correspondentId: string | null;
  /** The correspondent's Arabic name (the document's free-text `correspondent`). */
  correspondent: string | null;
  correspondentByName: { nameAr: string; nameKey: string } | null;
  /** The ids of the documents it answers. */
  inReplyTo: string[];
}

/** What a route needs to check the fields. */
export interface RegistryFieldsDeps {
  db: Queryable;
  documents: Pick<DocumentsRepo, 'getByRegistryNo'>;
}

/**
 * Checks and resolves the registry fields of `body` (`correspondent`, the free
 * text, comes from the metadata already parsed). Unknown register, a bad date,
 * an unknown correspondent id or registry number (or one the caller may not
 * see): a domain error, before anything is registered.
 */
export async function resolveRegistryFields(
  deps: RegistryFieldsDeps,
  body: unknown,
  correspondent: string | null,
  caller?: Caller,
): Promise<RegistryFields> {
  const f = registryFieldsSchema.safeParse(body ?? {});
  if (!f.success) throw new DomainError('bad_request');
  const v = f.data;
  const register = v.register ?? INCOMING;
  if (!(await getRegister(deps.db, register))) {
    throw new DomainError('unknown_register', { ar: `(${register})`, en: `(${register})` });
  }
  if (v.externalDate !== undefined && !isoDate.safeParse(v.externalDate).success) {
    throw new DomainError('bad_external_date', { ar: `(${v.externalDate})`, en: `(${v.externalDate})` });
  }
  let correspondentId: string | null = null;
  let name = correspondent;
  if (v.correspondentId) {
    const c = await getCorrespondent(deps.db, v.correspondentId);
    if (!c) throw new DomainError('unknown_correspondent');
    correspondentId = c.id;
    name = c.nameAr;
  }
  const inReplyTo: string[] = [];
  for (const no of v.inReplyTo) {
    const doc = await deps.documents.getByRegistryNo(no);
    if (!doc || (caller && !canSee(caller, doc))) {
      throw new DomainError('unknown_registry_no', { ar: `(${no})`, en: `(${no})` });
    }
    inReplyTo.push(doc.id);
  }
  return {
    register,
    externalRef: v.externalRef ?? null,
    externalDate: v.externalDate ?? null,
    correspondentId,
    correspondent: name,
    correspondentByName: !correspondentId && name ? { nameAr: name, nameKey: normalizeArabic(name) } : null,
    inReplyTo,
  };
}

/** A linked document as a caller is shown it. */
export interface LinkedView {
  linkId: number;
  kind: string;
  id: string;
  registryNo: string;
  title: string | null;
}

const linked = (l: LinkView): LinkedView => ({
  linkId: l.id,
  kind: l.kind,
  id: l.other.id,
  registryNo: l.other.registryNo,
  title: l.other.title,
});

/**
 * The registry part of a document's API view: register, the number as people
 * write it, the sender's reference, the correspondent, and its links both ways
 * (only to documents the caller may see).
 */
export async function registryView(
  doc: DocumentRecord,
  documents: Pick<DocumentsRepo, 'registerBook' | 'correspondent' | 'links'>,
  caller?: Caller,
) {
  const [book, corr, links] = await Promise.all([
    documents.registerBook(doc.register),
    doc.correspondentId ? documents.correspondent(doc.correspondentId) : Promise.resolve(undefined),
    documents.links(doc.id),
  ]);
  const seen = (l: LinkView) => !caller || canSee(caller, l.other);
  const from = links.from.filter(seen);
  const to = links.to.filter(seen);
  return {
    register: doc.register,
    registerName: book ? { ar: book.nameAr, en: book.nameEn } : null,
    registryLabel: registryLabel(doc, book ?? { letterAr: '', letterEn: '' }),
    externalRef: doc.externalRef,
    externalDate: doc.externalDate,
    correspondent: corr ? { id: corr.id, nameAr: corr.nameAr, nameEn: corr.nameEn, kind: corr.kind } : null,
    referralState: doc.referralState,
    referralDue: doc.referralDue,
    /** What this document answers, and what answers it. */
    inReplyTo: from.filter((l) => l.kind === 'reply').map((l) => ({ id: l.other.id, registryNo: l.other.registryNo })),
    replies: to.filter((l) => l.kind === 'reply').map((l) => ({ id: l.other.id, registryNo: l.other.registryNo })),
    /** Every live link: `from` (this is the later document), `to` (the other is). */
    links: { from: from.map(linked), to: to.map(linked) },
  };
}
