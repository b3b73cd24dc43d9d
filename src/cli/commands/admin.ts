/**
 * Commands for an administrator, through the API (admin permission): `users`,
 * `tokens`, `reindex`, `jobs` and `rerun`.
 */
import type { Config } from '../../config';
import { parseArgs, UsageError } from '../args';
import { ApiError, createClient, type ApiClient } from '../client';
import { followJob, JobFailed, jobLine, runJob, type JobView } from '../jobs';
import { json } from '../output';

interface UserView {
  username: string;
  displayName: string;
  role: string;
  clearance: string;
  departments: string[] | null;
  disabled: boolean;
}

export async function users(config: Config, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const args = parseArgs(rest, { flags: ['json'], options: ['role', 'clearance', 'departments', 'name'] });
  const client = createClient(config);
  if (sub === 'add') {
    const username = args.positionals[0];
    const role = args.options.get('role');
    if (!username || !role) throw new UsageError('users add needs USERNAME and --role');
    const departments = args.options
      .get('departments')
      ?.split(',')
      .map((d) => d.trim())
      .filter(Boolean);
    const r = await client.post<{ user: UserView; password?: string }>('/users', {
      username,
      role,
      clearance: args.options.get('clearance') ?? 'public',
      displayName: args.options.get('name'),
      departments,
    });
    if (args.flags.has('json')) json(r);
    else
      process.stdout.write(
        `أُضيف ${r.user.username} (${r.user.role}, ${r.user.clearance}) / added ${r.user.username}\nكلمة المرور (تُعرض مرة واحدة) / password (shown once): ${r.password}\n`,
      );
    return 0;
  }
  if (sub === 'list') {
    const r = await client.get<{ users: UserView[] }>('/users');
    if (args.flags.has('json')) json(r.users);
    else
      for (const u of r.users)
        process.stdout.write(
          `${u.username}\t${u.role}\t${u.clearance}\t${u.departments?.join(',') ?? '*'}\t${u.disabled ? 'disabled' : 'active'}\n`,
        );
    return 0;
  }
  if (sub === 'disable' || sub === 'enable') {
    const username = args.positionals[0];
    if (!username) throw new UsageError(`users ${sub} needs USERNAME`);
    const r = await client.post<{ user: UserView }>(`/users/${encodeURIComponent(username)}/${sub}`, {});
    if (args.flags.has('json')) json(r.user);
    else
      process.stdout.write(`${r.user.username}: ${r.user.disabled ? 'disabled (sessions ended, tokens revoked)' : 'active'}\n`);
    return 0;
  }
  throw new UsageError('users takes: add, list, disable, enable');
}

export async function tokens(config: Config, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const args = parseArgs(rest, { flags: ['json'], options: ['user', 'name', 'role'] });
  const client = createClient(config);
  if (sub === 'create') {
    const user = args.options.get('user');
    const name = args.options.get('name');
    if (!user || !name) throw new UsageError('tokens create needs --user and --name');
    const r = await client.post<{ token: string; id: string; role: string }>('/tokens', {
      username: user,
      name,
      role: args.options.get('role'),
    });
    if (args.flags.has('json')) json(r);
    else process.stdout.write(`الرمز (يُعرض مرة واحدة) / token (shown once), ${r.role}, id ${r.id}:\n  ${r.token}\n`);
    return 0;
  }
  if (sub === 'list') {
    const r = await client.get<{
      tokens: Array<{
        id: string;
        username: string;
        name: string;
        role: string;
        lastUsedAt: string | null;
        revokedAt: string | null;
      }>;
    }>('/tokens');
    if (args.flags.has('json')) json(r.tokens);
    else
      for (const t of r.tokens)
        process.stdout.write(
          `${t.id}\t${t.username}\t${t.name}\t${t.role}\tlast used ${t.lastUsedAt ?? 'never'}\t${t.revokedAt ? 'revoked' : 'active'}\n`,
        );
    return 0;
  }
  if (sub === 'revoke') {
    const id = args.positionals[0];
    if (!id) throw new UsageError('tokens revoke needs ID');
    await client.post(`/tokens/${encodeURIComponent(id)}/revoke`, {});
    process.stdout.write(`أُلغي / revoked ${id}\n`);
    return 0;
  }
  throw new UsageError('tokens takes: create, list, revoke');
}

/** `diwan reindex`: a new index built aside while the old one serves, followed with a progress bar. */
export async function reindex(config: Config, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json', 'clear', 'no-wait', 'quiet'], options: [] });
  const run = await runJob<{ documents: number; pages: number; caughtUp: number; ms: number }>(
    createClient(config),
    '/reindex',
    {},
    { label: 'الفهرسة / reindex', wait: !args.flags.has('no-wait'), quiet: args.flags.has('quiet') },
  );
  if ('job' in run) {
    if (args.flags.has('json')) json(run.job);
    else process.stdout.write(`${jobLine(run.job)}\n`);
    return 0;
  }
  const report = run.result;
  if (args.flags.has('json')) json(report);
  else
    process.stdout.write(
      `أعيدت فهرسة ${report.documents} وثيقة (${report.pages} صفحة) / reindexed ${report.documents} documents, ${report.pages} pages in ${(report.ms / 1000).toFixed(1)} s\n`,
    );
  return 0;
}

/** `diwan jobs [ID] [--json]`: the latest long work (fixity, reindex) with its progress, or one job followed to its end. */
export async function jobs(config: Config, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json', 'quiet'], options: ['limit'] });
  const client = createClient(config);
  const id = args.positionals[0];
  if (id) {
    try {
      const result = await followJob(client, id, `${id.slice(0, 8)}`, args.flags.has('quiet'));
      if (args.flags.has('json')) json(result);
      else process.stdout.write(`انتهت المهمة / job done: ${id}\n`);
      return 0;
    } catch (e) {
      if (!(e instanceof JobFailed)) throw e;
      if (args.flags.has('json')) json(e.job);
      else process.stdout.write(`تعثّرت المهمة / job failed: ${id}: ${e.job.error ?? ''}\n`);
      return 1;
    }
  }
  const limit = Number(args.options.get('limit') ?? 20);
  const list = await client.get<{ jobs: JobView[] }>(`/jobs?limit=${Number.isFinite(limit) ? limit : 20}`);
  if (args.flags.has('json')) json(list.jobs);
  else if (list.jobs.length === 0) process.stdout.write('لا مهام / no jobs\n');
  else for (const j of list.jobs) process.stdout.write(`${jobLine(j)}\n`);
  return 0;
}

/** The ids of every failed document, read before any is run again (running one takes it off the list). */
async function failedIds(client: ApiClient): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = await client.get<{ total: number; items: Array<{ id: string }> }>(
      `/documents?status=failed&limit=200&offset=${offset}`,
    );
    ids.push(...page.items.map((d) => d.id));
    if (page.items.length < 200) return ids;
  }
}

/** `diwan rerun ID... | --all`: failed documents through the pipeline again, once what made them fail is mended. */
export async function rerun(config: Config, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json', 'all'], options: [] });
  const client = createClient(config);
  const ids = args.flags.has('all') ? await failedIds(client) : args.positionals;
  if (ids.length === 0 && !args.flags.has('all')) throw new UsageError('rerun needs ID... or --all');
  const results: Array<{ id: string; registryNo?: string; status?: string; error?: string; message?: string }> = [];
  for (const id of ids) {
    try {
      results.push(
        await client.post<{ id: string; registryNo: string; status: string }>(`/documents/${encodeURIComponent(id)}/rerun`, {}),
      );
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      results.push({ id, error: e.body?.error ?? `HTTP ${e.status}`, message: e.body?.message ?? e.message });
    }
  }
  if (args.flags.has('json')) json(results);
  else {
    for (const r of results) {
      process.stdout.write(
        r.error ? `${r.id}\t✗ ${r.message ?? r.error}\n` : `${r.registryNo}\t${r.id}\tأعيدت إلى المعالجة / queued again\n`,
      );
    }
    if (results.length === 0) process.stdout.write('لا وثائق متعثرة / no failed documents\n');
  }
  return results.some((r) => r.error) ? 1 : 0;
}
