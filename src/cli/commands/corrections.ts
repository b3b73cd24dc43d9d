/**
 * Correcting a record, through the API (the 'register' permission):
 * `diwan edit ID --title … --reason …` and `diwan history ID`. ID is the
 * document's id or its registry number ("2026/000123", "outgoing/2026/1").
 */
import type { Config } from '../../config';
import { UsageError, type CommandInput } from '../input';
import { createClient } from '../client';
import { json } from '../output';

/** Each option of `diwan edit` and the record field it corrects. */
const EDIT_OPTIONS: Record<string, string> = {
  title: 'title',
  type: 'docType',
  department: 'department',
  classification: 'classification',
  'doc-date': 'docDate',
  correspondent: 'correspondent',
  'correspondent-id': 'correspondentId',
  'external-ref': 'externalRef',
  'external-date': 'externalDate',
};

type Changes = Record<string, { before: string | null; after: string | null }>;

interface HistoryRow {
  kind: 'registered' | 'corrected' | 'text-corrected';
  page?: number;
  at: string;
  by: string | null;
  reason: string | null;
  changes: Changes;
}

const path = (id: string) => `/documents/${encodeURIComponent(id)}`;
/** A value on one line, a page's text cut short. */
const shown = (v: string | null) => {
  if (v === null || v === '') return '—';
  const line = v.replace(/\s*\n\s*/g, ' ⏎ ');
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
};
const changeLines = (changes: Changes) =>
  Object.entries(changes).map(([field, c]) => `  ${field}: ${shown(c.before)} → ${shown(c.after)}`);

export async function edit(config: Config, args: CommandInput): Promise<number> {
  const id = args.positionals[0];
  if (!id) throw new UsageError('edit needs an ID');
  const reason = args.options.get('reason');
  if (!reason) throw new UsageError('edit needs --reason');
  const body: Record<string, string | null> = { reason };
  for (const [option, field] of Object.entries(EDIT_OPTIONS)) {
    const v = args.options.get(option);
    // An empty value clears the field.
    if (v !== undefined) body[field] = v === '' ? null : v;
  }
  if (Object.keys(body).length === 1)
    throw new UsageError(`edit needs a field to correct (--${Object.keys(EDIT_OPTIONS).join(', --')})`);
  const done = await createClient(config).post<{ registryNo: string; at: string; changes: Changes }>(
    `${path(id)}/corrections`,
    body,
  );
  if (args.flags.has('json')) json(done);
  else process.stdout.write([`صُحّح / corrected ${done.registryNo} (${done.at})`, ...changeLines(done.changes)].join('\n') + '\n');
  return 0;
}

export async function history(config: Config, args: CommandInput): Promise<number> {
  const id = args.positionals[0];
  if (!id) throw new UsageError('history needs an ID');
  const res = await createClient(config).get<{ registryNo: string; history: HistoryRow[] }>(`${path(id)}/history`);
  if (args.flags.has('json')) {
    json(res);
    return 0;
  }
  const lines = [`سجل التعديلات / history of ${res.registryNo}`];
  for (const h of res.history) {
    const what = {
      registered: 'قُيِّد / registered',
      corrected: 'صُحّح / corrected',
      'text-corrected': `صُحّح نص الصفحة ${h.page ?? ''} / page ${h.page ?? ''} text corrected`,
    }[h.kind];
    lines.push(`${h.at}  ${what}  ${h.by ?? ''}${h.reason ? `  «${h.reason}»` : ''}`, ...changeLines(h.changes));
  }
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
