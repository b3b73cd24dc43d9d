/**
 * A page read with one row more than it shows (`limit + 1`): the rows it shows, and the cursor of the next page
 * (the last row shown, as `cursor` writes it), null when the extra row was not there.
 */
export function pageOf<T>(rows: T[], limit: number, cursor: (last: T) => string): { items: T[]; next: string | null } {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit && items.length > 0 ? cursor(items[items.length - 1]!) : null };
}
