/**
 * The viewer's one way to write HTML: a tagged template that escapes every
 * value put into it, unless the value is already HTML made by this same tag
 * (or marked trusted with `raw`, for the few strings made safe elsewhere, such
 * as the search index's highlighted snippets). Lists are written item by item;
 * null, undefined and false write nothing, so `${cond && html`…`}` reads as it means.
 *
 *   html`<a href="/documents/${id}">${title}</a>`
 */
import { escapeHtml } from '../../kernel/text';

/** HTML that is safe to write as it is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** What may be written into the template: HTML as it is, anything else escaped, lists item by item. */
export type Piece = SafeHtml | string | number | bigint | boolean | null | undefined | readonly Piece[];

function write(v: Piece): string {
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return (v as readonly Piece[]).map(write).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Piece[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += write(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** A string already known to be safe HTML (say why where it is used). */
export function raw(trusted: string): SafeHtml {
  return new SafeHtml(trusted);
}

/** Pieces written one after another, with `sep` (itself escaped unless HTML) between them. */
export function joinHtml(pieces: readonly Piece[], sep: Piece = ''): SafeHtml {
  return new SafeHtml(pieces.map(write).join(write(sep)));
}
