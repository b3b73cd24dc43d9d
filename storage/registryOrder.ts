/**
 * Pages of rows that carry their document's registry number (register, registry_year, registry_seq: a hold's
 * links, a disposal's items; migrations 47 and 48), read in registry order from their index after a cursor.
 */
import { registerOf, type RegistryRef } from '../kernel/registry';

/** The rows after the cursor $2, $3, $4 (AFTER_PARAMS; $2 null: from the first), in registry order, at most $5. */
export const AFTER_IN_REGISTRY_ORDER = `($2::text IS NULL OR (register, registry_year, registry_seq) > ($2, $3, $4))
  ORDER BY register, registry_year, registry_seq LIMIT $5`;

/** The cursor's three parameters ($2, $3, $4 of AFTER_IN_REGISTRY_ORDER); a reference without a register is incoming. */
export function afterParams(after: RegistryRef | null | undefined): [string | null, number, number] {
  return after ? [registerOf(after), after.year, after.seq] : [null, 0, 0];
}
