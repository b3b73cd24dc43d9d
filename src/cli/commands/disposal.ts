/**
 * Legal holds and lawful disposal from the command line, through the API:
 *   diwan holds add --case REF --reason TEXT (--ids ID,..|--correspondent ID|--query Q) | list [--active] | lift ID --reason TEXT | sync
 *   diwan disposals request --title T (--ids ID,..|--due-before YYYY-MM-DD) | decide ID (--approve --body B
 *     --decision-no N --decision-date D | --refuse --note TEXT) | execute ID | list | show ID
 */
import type { Config } from '../../config';
import { parseArgs, UsageError } from '../args';
import { createClient } from '../client';
import { json } from '../output';

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

/** `diwan holds add|list|lift|sync ...` */
export async function holds(config: Config, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json', 'active'], options: ['case', 'reason', 'ids', 'correspondent', 'query'] });
  const [action, id] = args.positionals;
  const client = createClient(config);
  let out: unknown;
  if (action === 'add' && args.positionals.length === 1) {
    const caseRef = args.options.get('case');
    const reason = args.options.get('reason');
    const ids = args.options.get('ids');
    const correspondentId = args.options.get('correspondent');
    const query = args.options.get('query');
    if (!caseRef || !reason || [ids, correspondentId, query].filter((v) => v !== undefined).length !== 1) {
      throw new UsageError('holds add needs --case, --reason and one of --ids, --correspondent, --query');
    }
    const h = await client.post<HoldView>('/records/holds', {
      caseRef,
      reason,
      ...(ids !== undefined ? { documents: list(ids) } : {}),
      ...(correspondentId !== undefined ? { correspondentId } : {}),
      ...(query !== undefined ? { query } : {}),
    });
    out = h;
    if (!args.flags.has('json')) process.stdout.write(`held: ${holdLine(h)}\n`);
  } else if (action === 'list' && args.positionals.length === 1) {
    const res = await client.get<{ holds: HoldView[]; syncPending: number }>(
      `/records/holds${args.flags.has('active') ? '?active=1' : ''}`,
    );
    out = res;
    if (!args.flags.has('json')) {
      for (const h of res.holds) process.stdout.write(`${holdLine(h)}\n`);
      if (res.syncPending > 0) process.stdout.write(`${res.syncPending} document(s) still wait for their objects' legal hold\n`);
    }
  } else if (action === 'lift' && id && args.positionals.length === 2) {
    const reason = args.options.get('reason');
    if (!reason) throw new UsageError('holds lift needs ID and --reason');
    const h = await client.post<HoldView>(`/records/holds/${encodeURIComponent(id)}/lift`, { reason });
    out = h;
    if (!args.flags.has('json')) process.stdout.write(`lifted: ${holdLine(h)}\n`);
  } else if (action === 'sync' && args.positionals.length === 1) {
    const res = await client.post<{ done: number; failed: number }>('/records/holds/sync', {});
    out = res;
    if (!args.flags.has('json')) process.stdout.write(`${res.done} document(s) set, ${res.failed} still waiting\n`);
  } else {
    throw new UsageError('holds needs add, list, lift ID or sync');
  }
  if (args.flags.has('json')) json(out);
  return 0;
}

/** `diwan disposals request|decide|execute|list|show ...` */
export async function disposals(config: Config, argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    flags: ['json', 'approve', 'refuse'],
    options: ['title', 'ids', 'due-before', 'body', 'decision-no', 'decision-date', 'note'],
  });
  const [action, id] = args.positionals;
  const client = createClient(config);
  let out: DisposalView | { disposals: DisposalView[] };
  if (action === 'request' && args.positionals.length === 1) {
    const title = args.options.get('title');
    const ids = args.options.get('ids');
    const dueBefore = args.options.get('due-before');
    if (!title || (ids === undefined) === (dueBefore === undefined)) {
      throw new UsageError('disposals request needs --title and one of --ids, --due-before');
    }
    out = await client.post<DisposalView>('/records/disposals', {
      title,
      ...(ids !== undefined ? { documents: list(ids) } : { dueBefore }),
    });
  } else if (action === 'decide' && id && args.positionals.length === 2) {
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
    out = await client.post<DisposalView>(`/records/disposals/${encodeURIComponent(id)}/decide`, body);
  } else if (action === 'execute' && id && args.positionals.length === 2) {
    const res = await client.post<{ disposal: DisposalView; items: DisposalView['items'] }>(
      `/records/disposals/${encodeURIComponent(id)}/execute`,
      {},
    );
    out = { ...res.disposal, items: res.items };
  } else if (action === 'show' && id && args.positionals.length === 2) {
    out = await client.get<DisposalView>(`/records/disposals/${encodeURIComponent(id)}`);
  } else if (action === 'list' && args.positionals.length === 1) {
    out = await client.get<{ disposals: DisposalView[] }>('/records/disposals');
  } else {
    throw new UsageError('disposals needs request, decide ID, execute ID, show ID or list');
  }
  if (args.flags.has('json')) json(out);
  else if ('disposals' in out) for (const d of out.disposals) process.stdout.write(`${disposalLine(d)}\n`);
  else printDisposal(out);
  return 0;
}
