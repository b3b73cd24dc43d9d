/**
 * The retention schedule from the command line, through the API: `diwan rules list|show|add|change|retire`,
 * `diwan due [--before DATE] [--action A]`, `diwan close NUMBER` (a document's file closed) and
 * `diwan records extend-locks` (the lock extension, now).
 */
import type { Config } from '../../config';
import { UsageError, type CommandInput } from '../input';
import { createClient } from '../client';
import { jobLine, runJob } from '../jobs';
import { json } from '../output';
import { quietOf } from '../progress';

interface RuleView {
  code: string;
  version: number;
  nameAr: string;
  nameEn: string | null;
  docType: string | null;
  register: string | null;
  classification: string | null;
  priority: number;
  period: string | null;
  trigger: string;
  triggerDate: string | null;
  action: string;
  retired: boolean;
  createdAt: string;
  createdBy: string;
  reason: string | null;
}

/** Each option of `rules add|change` and the rule field it sets. */
const RULE_OPTIONS: Record<string, string> = {
  'name-ar': 'nameAr',
  'name-en': 'nameEn',
  type: 'docType',
  register: 'register',
  classification: 'classification',
  period: 'period',
  trigger: 'trigger',
  date: 'triggerDate',
  action: 'action',
};

const ruleLine = (r: RuleView) => {
  const match = [r.docType, r.register, r.classification].map((v) => v ?? '*').join('/');
  const period = r.period ?? 'دائم/permanent';
  const when = r.trigger === 'date' ? `date ${r.triggerDate}` : r.trigger;
  return `${r.code}\tv${r.version}${r.retired ? ' (retired)' : ''}\t${r.nameAr}\t${match}\t${period} after ${when}\t${r.action}\tp${r.priority}`;
};

function ruleBody(options: ReadonlyMap<string, string>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [opt, field] of Object.entries(RULE_OPTIONS)) {
    const v = options.get(opt);
    if (v !== undefined) body[field] = v;
  }
  const priority = options.get('priority');
  if (priority !== undefined) {
    if (!/^\d+$/.test(priority)) throw new UsageError('--priority takes a whole number');
    body.priority = Number(priority);
  }
  return body;
}

/** Prints `v` as JSON (--json), else the line. */
function out(args: CommandInput, v: unknown, line: () => string): number {
  if (args.flags.has('json')) json(v);
  else process.stdout.write(`${line()}\n`);
  return 0;
}

export async function rulesList(config: Config, args: CommandInput): Promise<number> {
  const res = await createClient(config).get<{ items: RuleView[] }>('/records/rules');
  return out(args, res.items, () => res.items.map(ruleLine).join('\n') || 'لا قواعد حفظ / no retention rules');
}

export async function rulesShow(config: Config, args: CommandInput): Promise<number> {
  const [code] = args.positionals;
  if (!code) throw new UsageError('rules show CODE');
  const res = await createClient(config).get<{ rule: RuleView; versions: RuleView[] }>(
    `/records/rules/${encodeURIComponent(code)}`,
  );
  return out(args, res, () =>
    res.versions.map((v) => `${ruleLine(v)}\t${v.createdAt}\t${v.createdBy}${v.reason ? `\t${v.reason}` : ''}`).join('\n'),
  );
}

/** `rules add --code C ...` (the code may also come first, as an argument). */
export async function rulesAdd(config: Config, args: CommandInput): Promise<number> {
  const given = args.options.get('code') ?? args.positionals[0];
  if (!given) throw new UsageError('rules add --code CODE --name-ar N --period 5y --trigger registered --action destroy');
  const body: Record<string, unknown> = { ...ruleBody(args.options), code: given };
  if (!('period' in body)) body.period = null;
  const res = await createClient(config).post<{ rule: RuleView; recompute: unknown }>('/records/rules', body);
  return out(args, res, () => ruleLine(res.rule));
}

/** `rules change CODE --reason R [fields]` (a new version) and `rules retire CODE --reason R`. */
async function newVersion(config: Config, args: CommandInput, sub: 'change' | 'retire'): Promise<number> {
  const [code] = args.positionals;
  const reason = args.options.get('reason');
  if (!code || !reason) throw new UsageError(`rules ${sub} CODE --reason TEXT`);
  const p = `/records/rules/${encodeURIComponent(code)}${sub === 'retire' ? '/retire' : ''}`;
  const body = sub === 'retire' ? { reason } : { ...ruleBody(args.options), reason };
  const res = await createClient(config).post<{ rule: RuleView; recompute: unknown }>(p, body);
  return out(args, res, () => ruleLine(res.rule));
}

export const rulesChange = (config: Config, args: CommandInput) => newVersion(config, args, 'change');
export const rulesRetire = (config: Config, args: CommandInput) => newVersion(config, args, 'retire');

interface DueView {
  id: string;
  registryNo: string;
  title: string | null;
  /** The title is left out: the caller may not read the document. */
  titleWithheld: boolean;
  due: string;
  lockUntil: string | null;
  rule: { code: string; version: number; action: string };
}

export async function due(config: Config, args: CommandInput): Promise<number> {
  const client = createClient(config);
  const items: DueView[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams();
    const before = args.options.get('before');
    const action = args.options.get('action');
    if (before) q.set('before', before);
    if (action) q.set('action', action);
    if (cursor) q.set('cursor', cursor);
    q.set('limit', '1000');
    const page: { items: DueView[]; next: string | null } = await client.get(`/records/due?${q.toString()}`);
    items.push(...page.items);
    cursor = page.next;
  } while (cursor);
  if (args.flags.has('json')) {
    json(items);
    return 0;
  }
  for (const d of items) {
    process.stdout.write(
      `${d.registryNo}\t${d.due.slice(0, 10)}\t${d.rule.code} v${d.rule.version}\t${d.rule.action}\t${d.titleWithheld ? '(محجوب / withheld)' : (d.title ?? '')}\n`,
    );
  }
  if (items.length === 0) process.stdout.write('لا وثائق حلّ أجلها / nothing due\n');
  return 0;
}

export async function close(config: Config, args: CommandInput): Promise<number> {
  const [ref, ...rest] = args.positionals;
  if (!ref || rest.length) throw new UsageError('close NUMBER (or ID)');
  const res = await createClient(config).post<{ registryNo: string; closedAt: string; due: string | null }>(
    `/documents/${encodeURIComponent(ref)}/close`,
    {},
  );
  if (args.flags.has('json')) json(res);
  else process.stdout.write(`${res.registryNo}\tأُغلق / closed ${res.closedAt}\tdue ${res.due ?? '—'}\n`);
  return 0;
}

/** `diwan records extend-locks`: the lock extension now, as a job followed with a progress bar. */
export async function extendLocks(config: Config, args: CommandInput): Promise<number> {
  const run = await runJob<{ extended: number; relocked: number; objectsSet: number; ownFiles: number; errors: string[] }>(
    createClient(config),
    '/records/extend-locks',
    {},
    { label: 'تمديد الأقفال / extend locks', wait: !args.flags.has('no-wait'), quiet: quietOf(args) },
  );
  if ('job' in run) {
    if (args.flags.has('json')) json(run.job);
    else process.stdout.write(`${jobLine(run.job)}\n`);
    return 0;
  }
  const r = run.result;
  if (args.flags.has('json')) json(r);
  else
    process.stdout.write(
      `مُدّد ${r.extended}، أعيد قفل ${r.relocked} وثيقة / extended ${r.extended}, re-locked ${r.relocked} documents, ` +
        `${r.objectsSet} objects set, ${r.ownFiles} own files, ${r.errors.length} errors\n`,
    );
  return r.errors.length > 0 ? 1 : 0;
}
