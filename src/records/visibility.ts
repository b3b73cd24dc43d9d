/**
 * What a disposal or a hold says of its documents to one caller: every document by its registry number,
 * but its title only to whoever may read it (clearance, departments), as a search or a transfer would.
 * A document named in a request that the caller may not read is refused, naming only its registry number.
 */
import { DomainError } from '../../kernel/errors';
import { canSee, type Caller } from '../auth';

interface Access {
  classification: string;
  department: string | null;
  uploadedBy: string | null;
}

/** The listed documents as this caller may see them: the title blanked where they may not read it; no access fields. */
export function shownTo<T extends { title: string | null; access: Access }>(
  caller: Caller,
  docs: readonly T[],
): Array<Omit<T, 'access'>> {
  return docs.map(({ access, ...rest }) => (canSee(caller, access) ? rest : { ...rest, title: null }));
}

/** Refuses (403) when the caller may not read one of these documents (each named by its registry number). */
export function refuseUnseen(caller: Caller, docs: ReadonlyArray<{ registryNo: string } & Access>): void {
  const unseen = docs.filter((d) => !canSee(caller, d)).map((d) => d.registryNo);
  if (unseen.length > 0) {
    throw new DomainError('forbidden', {
      ar: `(وثائق فوق درجة اطلاعك أو خارج أقسامك: ${unseen.join('، ')})`,
      en: `(documents above your clearance or outside your departments: ${unseen.join(', ')})`,
    });
  }
}
