/**
 * Legal holds and lawful disposal from the command line, through the API:
 *   diwan holds add --case REF --reason TEXT (--ids ID,..|--correspondent ID|--query Q) | list [--active] | lift ID --reason TEXT | sync
 *   diwan disposals request --title T (--ids ID,..|--due-before YYYY-MM-DD) | decide ID (--approve --body B
 *     --decision-no N --decision-date D | --refuse --note TEXT) | execute ID [--no-wait] | list | show ID
 */
import type { Config } from '../../config';
import { UsageError, type CommandInput } from '../input';
import { createClient } from '../client';
import { jobLine, runJob } from '../jobs';
import { json } from '../output';
import { quietOf } from '../progress';

interface HoldView {
  id: string;
  caseRef: string;
  reason: string;
  createdAt: string;
  createdBy: string;
  liftedAt: string | null;
  liftReason: string | null;
  documentCount: number;
  documents?: Array<{ registryNo: string; title: string | null }>;
  sync?: { done: number; failed: number };
}

interface DisposalView {
  id: string;
  title: string;
  state: string;
  requestedBy: string;
  approvingBody: string | null;
  decisionNo: string | null;
  decisionDate: string | null;
  decidedBy: string | null;
  note: string | null;
  counts: { items: number; destroyed: number; blocked: number; pending: number };
  items?: Array<{ registryNo: string; state: string; blockedReason: string | null; title?: string | null }>;
}

/** What one execution did (the job's result). */
interface ExecutionOutcome {
  disposalId: string;
  destroyed: number;
  blocked: number;
  reasons: Record<string, number>;
}

const holdLine = (h: HoldView) =>
  `${h.id}  ${h.liftedAt ? `lifted ${h.liftedAt.slice(0, 10)}` : 'in force'}  case ${h.caseRef}  ${h.documentCount} document(s)  ${h.reason}`;

const disposalLine = (d: DisposalView) =>
  `${d.id}  ${d.state}  ${d.title}  ${d.counts.items} item(s): ${d.counts.destroyed} destroyed, ${d.counts.blocked} blocked` +
  (d.decisionNo ? `  decision ${d.decisionNo} of ${d.decisionDate} (${d.approvingBody})` : '');

function printDisposal(d: DisposalView): void {
  process.stdout.write(`${disposalLine(d)}\n`);
  for (const i of d.items ?? [])
    process.stdout.write(`  ${i.registryNo}  ${i.state}${i.blockedReason ? ` (${i.blockedReason})` : ''}\n`);
}

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Prints `v` as JSON (--json), else what `human` writes. */
function print<T>(args: CommandInput, v: T, human: (v: T) => void): number {
  if (args.flags.has('json')) json(v);
  else human(v);
  return 0;
}

/** `diwan holds add --case REF --reason TEXT (--ids ID,..|--correspondent ID|--query Q)` */
export async function holdsAdd(config: Config, args: CommandInput): Promise<number> {
  const caseRef = args.options.get('case');
  const reason = args.options.get('reason');
  const ids = args.options.get('ids');
  const correspondentId = args.options.get('correspondent');
  const query = args.options.get('query');
  if (!caseRef || !reason || [ids, correspondentId, query].filter((v) => v !== undefined).length !== 1) {
    throw new UsageError('holds add needs --case, --reason and one of --ids, --correspondent, --query');
  }
  const h = await createClient(config).post<HoldView>('/records/holds', {
    caseRef,
    reason,
    ...(ids !== undefined ? { documents: list(ids) } : {}),
    ...(correspondentId !== undefined ? { correspondentId } : {}),
    ...(query !== undefined ? { query } : {}),
  });
  return print(args, h, () => process.stdout.write(`held: ${holdLine(h)}\n`));
}

/** `diwan holds list [--active]` */
export async function holdsList(config: Config, args: CommandInput): Promise<number> {
  const res = await createClient(config).get<{ holds: HoldView[]; syncPending: number }>(
    `/records/holds${args.flags.has('active') ? '?active=1' : ''}`,
  );
  return print(args, res, () => {
    for (const h of res.holds) process.stdout.write(`${holdLine(h)}\n`);
    if (res.syncPending > 0) process.stdout.write(`${res.syncPending} document(s) still wait for their objects' legal hold\n`);
  });
}

/** `diwan holds lift ID --reason TEXT` */
export async function holdsLift(config: Config, args: CommandInput): Promise<number> {
  const [id] = args.positionals;
  const reason = args.options.get('reason');
  if (!id || !reason) throw new UsageError('holds lift needs ID and --reason');
  const h = await createClient(config).post<HoldView>(`/records/holds/${encodeURIComponent(id)}/lift`, { reason });
  return print(args, h, () => process.stdout.write(`lifted: ${holdLine(h)}\n`));
}

/** `diwan holds sync`: S3 legal hold set on the held documents' objects that still lack it. */
export async function holdsSync(config: Config, args: CommandInput): Promise<number> {
  const res = await createClient(config).post<{ done: number; failed: number }>('/records/holds/sync', {});
  return print(args, res, () => process.stdout.write(`${res.done} document(s) set, ${res.failed} still waiting\n`));
}

/** `diwan disposals request --title T (--ids ID,..|--due-before YYYY-MM-DD)` */
export async function disposalsRequest(config: Config, args: CommandInput): Promise<number> {
  const title = args.options.get('title');
  const ids = args.options.get('ids');
  const dueBefore = args.options.get('due-before');
  if (!title || (ids === undefined) === (dueBefore === undefined)) {
    throw new UsageError('disposals request needs --title and one of --ids, --due-before');
  }
  const d = await createClient(config).post<DisposalView>('/records/disposals', {
    title,
    ...(ids !== undefined ? { documents: list(ids) } : { dueBefore }),
  });
  return print(args, d, printDisposal);
}

/** `diwan disposals decide ID (--approve --body B --decision-no N --decision-date D | --refuse --note TEXT)` */
export async function disposalsDecide(config: Config, args: CommandInput): Promise<number> {
  const [id] = args.positionals;
  if (!id) throw new UsageError('disposals decide needs ID');
  const approve = args.flags.has('approve');
  if (approve === args.flags.has('refuse')) throw new UsageError('disposals decide needs --approve or --refuse');
  const body = approve
    ? {
        approve: true,
        approvingBody: args.options.get('body'),
        decisionNo: args.options.get('decision-no'),
        decisionDate: args.options.get('decision-date'),
        note: args.options.get('note'),
      }
    : { approve: false, note: args.options.get('note') };
  if (approve && (!body.approvingBody || !body.decisionNo || !body.decisionDate)) {
    throw new UsageError('disposals decide --approve needs --body, --decision-no and --decision-date');
  }
  if (!approve && !body.note) throw new UsageError('disposals decide --refuse needs --note');
  const d = await createClient(config).post<DisposalView>(`/records/disposals/${encodeURIComponent(id)}/decide`, body);
  return print(args, d, printDisposal);
}

/**
 * `diwan disposals execute ID [--no-wait]`: the approved disposal carried out by a job on the server, followed
 * with a progress bar; then the request as it stands (a tombstone stays for each document destroyed).
 */
export async function disposalsExecute(config: Config, args: CommandInput): Promise<number> {
  const [id] = args.positionals;
  if (!id) throw new UsageError('disposals execute needs ID');
  const client = createClient(config);
  const path = `/records/disposals/${encodeURIComponent(id)}`;
  const run = await runJob<ExecutionOutcome>(
    client,
    `${path}/execute`,
    {},
    {
      label: 'الإتلاف / disposal',
      wait: !args.flags.has('no-wait'),
      quiet: quietOf(args),
    },
  );
  if ('job' in run) return print(args, run.job, (j) => process.stdout.write(`${jobLine(j)}\n`));
  const d = await client.get<DisposalView>(path);
  return print(args, { ...d, outcome: run.result }, (v) => {
    printDisposal(v);
    const reasons = Object.entries(v.outcome.reasons).map(([r, n]) => `${r} ${n}`);
    process.stdout.write(
      `this run: ${v.outcome.destroyed} destroyed, ${v.outcome.blocked} blocked${reasons.length ? ` (${reasons.join(', ')})` : ''}\n`,
    );
  });
}

export async function disposalsShow(config: Config, args: CommandInput): Promise<number> {
  const [id] = args.positionals;
  if (!id) throw new UsageError('disposals show needs ID');
  const d = await createClient(config).get<DisposalView>(`/records/disposals/${encodeURIComponent(id)}`);
  return print(args, d, printDisposal);
}

export async function disposalsList(config: Config, args: CommandInput): Promise<number> {
  const res = await createClient(config).get<{ disposals: DisposalView[] }>('/records/disposals');
  return print(args, res, () => {
    for (const d of res.disposals) process.stdout.write(`${disposalLine(d)}\n`);
  });
}
