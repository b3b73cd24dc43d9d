/**
 * Commands for the registry's follow-up, through the API: `refer` a document
 * to a department, a department's `inbox`, `close-referral` by the reply or a
 * note, the `overdue` list, an official's `directive` on a document, and an
 * administrator's `deadlines suspend` and `resume`.
 */
import type { Config } from '../../config';
import { UsageError, type CommandInput } from '../input';
import { createClient } from '../client';
import { json } from '../output';

interface ReferralView {
  id: string;
  documentId: string;
  registryNo: string;
  title: string | null;
  toDepartment: string;
  toUser: string | null;
  instruction: string;
  dueDate: string;
  state: 'open' | 'closed';
  closeKind: 'reply' | 'note' | null;
  replyRegistryNo: string | null;
  closeNote: string | null;
  suspendedAt: string | null;
  overdue: boolean;
  daysLate: number;
}

/** One line per referral: number, due date, lateness, department, instruction. */
function line(r: ReferralView): string {
  const late = r.overdue ? `  LATE ${r.daysLate}d` : r.suspendedAt ? '  suspended' : '';
  const to = r.toUser ? `${r.toDepartment} (${r.toUser})` : r.toDepartment;
  return `${r.id}  ${r.registryNo}  due ${r.dueDate}${late}  → ${to}  ${r.instruction}${r.title ? `  [${r.title}]` : ''}`;
}

/** `diwan refer ID --to DEPT [--user U] [--due YYYY-MM-DD] --instruction TEXT [--json]` */
export async function refer(config: Config, args: CommandInput): Promise<number> {
  const [id] = args.positionals;
  const to = args.options.get('to');
  const instruction = args.options.get('instruction');
  if (!id || args.positionals.length > 1 || !to || !instruction)
    throw new UsageError('refer needs ID, --to DEPT and --instruction TEXT');
  const r = await createClient(config).post<ReferralView>(`/documents/${encodeURIComponent(id)}/referrals`, {
    toDepartment: to,
    toUser: args.options.get('user'),
    instruction,
    dueDate: args.options.get('due'),
  });
  if (args.flags.has('json')) json(r);
  else process.stdout.write(`referred: ${line(r)}\n`);
  return 0;
}

/** `diwan inbox [DEPT] [--json]`: open referrals, overdue first. */
export async function inbox(config: Config, args: CommandInput): Promise<number> {
  if (args.positionals.length > 1) throw new UsageError('inbox takes at most one department');
  const dept = args.positionals[0];
  const res = await createClient(config).get<{ total: number; overdue: number; items: ReferralView[] }>(
    `/inbox${dept ? `?department=${encodeURIComponent(dept)}` : ''}`,
  );
  if (args.flags.has('json')) json(res);
  else {
    process.stdout.write(`${res.total} open, ${res.overdue} overdue\n`);
    for (const r of res.items) process.stdout.write(`${line(r)}\n`);
  }
  return 0;
}

/** `diwan close-referral RID (--reply REGISTRY_NO | --note TEXT) [--json]` */
export async function closeReferral(config: Config, args: CommandInput): Promise<number> {
  const [id] = args.positionals;
  const reply = args.options.get('reply');
  const note = args.options.get('note');
  if (!id || args.positionals.length > 1 || (reply === undefined && note === undefined)) {
    throw new UsageError('close-referral needs RID and --reply REGISTRY_NO or --note TEXT');
  }
  const r = await createClient(config).post<ReferralView>(`/referrals/${encodeURIComponent(id)}/close`, {
    replyRegistryNo: reply,
    note,
  });
  if (args.flags.has('json')) json(r);
  else
    process.stdout.write(`closed: ${r.registryNo} ${r.closeKind === 'reply' ? `by ${r.replyRegistryNo}` : `(${r.closeNote})`}\n`);
  return 0;
}

/** `diwan overdue [--json]`: overdue referrals per department. */
export async function overdue(config: Config, args: CommandInput): Promise<number> {
  const dept = args.options.get('department');
  const res = await createClient(config).get<{
    total: number;
    departments: Array<{ department: string; count: number; items: ReferralView[] }>;
  }>(`/referrals/overdue${dept ? `?department=${encodeURIComponent(dept)}` : ''}`);
  if (args.flags.has('json')) json(res);
  else {
    process.stdout.write(`${res.total} overdue\n`);
    for (const d of res.departments) {
      process.stdout.write(`${d.department}: ${d.count}\n`);
      for (const r of d.items) process.stdout.write(`  ${line(r)}\n`);
    }
  }
  return 0;
}

/** `diwan directive ID "TEXT" [--json]` */
export async function directive(config: Config, args: CommandInput): Promise<number> {
  const [id, ...words] = args.positionals;
  const text = words.join(' ').trim();
  if (!id || !text) throw new UsageError('directive needs ID and TEXT');
  const d = await createClient(config).post<{ id: number; at: string; by: string }>(
    `/documents/${encodeURIComponent(id)}/directives`,
    {
      text,
    },
  );
  if (args.flags.has('json')) json(d);
  else process.stdout.write(`directive ${d.id} by ${d.by} at ${d.at}\n`);
  return 0;
}

/** `diwan deadlines suspend --reason TEXT [--department D]` and `resume [--department D]` (administrators). */
async function deadlines(config: Config, args: CommandInput, action: 'suspend' | 'resume'): Promise<number> {
  const department = args.options.get('department');
  const reason = args.options.get('reason');
  if (action === 'suspend' && !reason) throw new UsageError('deadlines suspend needs --reason TEXT');
  const res = await createClient(config).post<{ suspended?: number; resumed?: number }>(`/referrals/${action}`, {
    department,
    reason,
  });
  if (args.flags.has('json')) json(res);
  else
    process.stdout.write(action === 'suspend' ? `${res.suspended} deadlines suspended\n` : `${res.resumed} deadlines resumed\n`);
  return 0;
}

export const deadlinesSuspend = (config: Config, args: CommandInput) => deadlines(config, args, 'suspend');
export const deadlinesResume = (config: Config, args: CommandInput) => deadlines(config, args, 'resume');
