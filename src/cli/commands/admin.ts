/**
 * Commands for an administrator, through the API (admin permission): `users`,
 * `tokens`, `reindex`, `jobs` and `rerun`.
 */
import type { Config } from '../../config';
import { ApiError, createClient, type ApiClient } from '../client';
import { UsageError, type CommandInput } from '../input';
import { followJob, JobFailed, jobLine, runJob, type JobView } from '../jobs';
import { json } from '../output';
import { runCommandLine } from '../program';
import { quietOf } from '../progress';

interface UserView {
  username: string;
  displayName: string;
  role: string;
  clearance: string;
  departments: string[] | null;
  disabled: boolean;
}

/** `diwan users add USERNAME --role R [--clearance C] [--departments A,B] [--name N]`: the password is printed once. */
export async function usersAdd(config: Config, args: CommandInput): Promise<number> {
  const username = args.positionals[0];
  const role = args.options.get('role');
  if (!username || !role) throw new UsageError('users add needs USERNAME and --role');
  const departments = args.options
    .get('departments')
    ?.split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  const r = await createClient(config).post<{ user: UserView; password?: string }>('/users', {
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

export async function usersList(config: Config, args: CommandInput): Promise<number> {
  const r = await createClient(config).get<{ users: UserView[] }>('/users');
  if (args.flags.has('json')) json(r.users);
  else
    for (const u of r.users)
      process.stdout.write(
        `${u.username}\t${u.role}\t${u.clearance}\t${u.departments?.join(',') ?? '*'}\t${u.disabled ? 'disabled' : 'active'}\n`,
      );
  return 0;
}

/** `diwan users disable|enable USERNAME`: a disabled person's sessions end and their tokens are revoked. */
async function setDisabled(config: Config, args: CommandInput, sub: 'disable' | 'enable'): Promise<number> {
  const username = args.positionals[0];
  if (!username) throw new UsageError(`users ${sub} needs USERNAME`);
  const r = await createClient(config).post<{ user: UserView }>(`/users/${encodeURIComponent(username)}/${sub}`, {});
  if (args.flags.has('json')) json(r.user);
  else process.stdout.write(`${r.user.username}: ${r.user.disabled ? 'disabled (sessions ended, tokens revoked)' : 'active'}\n`);
  return 0;
}

export const usersDisable = (config: Config, args: CommandInput) => setDisabled(config, args, 'disable');
export const usersEnable = (config: Config, args: CommandInput) => setDisabled(config, args, 'enable');

/** `diwan users reset-totp USERNAME`: removes the person's second factor (a lost phone); they set one up again at sign-in. */
export async function usersResetTotp(config: Config, args: CommandInput): Promise<number> {
  const username = args.positionals[0];
  if (!username) throw new UsageError('users reset-totp needs USERNAME');
  const r = await createClient(config).post<{ username: string; removed: boolean }>(
    `/users/${encodeURIComponent(username)}/reset-totp`,
    {},
  );
  if (args.flags.has('json')) json(r);
  else
    process.stdout.write(
      r.removed
        ? `أُزيل التحقق بخطوتين لـ ${r.username} / second factor removed for ${r.username}\n`
        : `لم يكن لـ ${r.username} تحقق بخطوتين / ${r.username} had no second factor\n`,
    );
  return 0;
}

/** `diwan tokens create --user USERNAME --name NAME [--role R]`: the token is printed once. */
export async function tokensCreate(config: Config, args: CommandInput): Promise<number> {
  const user = args.options.get('user');
  const name = args.options.get('name');
  if (!user || !name) throw new UsageError('tokens create needs --user and --name');
  const r = await createClient(config).post<{ token: string; id: string; role: string }>('/tokens', {
    username: user,
    name,
    role: args.options.get('role'),
  });
  if (args.flags.has('json')) json(r);
  else process.stdout.write(`الرمز (يُعرض مرة واحدة) / token (shown once), ${r.role}, id ${r.id}:\n  ${r.token}\n`);
  return 0;
}

export async function tokensList(config: Config, args: CommandInput): Promise<number> {
  const r = await createClient(config).get<{
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

export async function tokensRevoke(config: Config, args: CommandInput): Promise<number> {
  const id = args.positionals[0];
  if (!id) throw new UsageError('tokens revoke needs ID');
  await createClient(config).post(`/tokens/${encodeURIComponent(id)}/revoke`, {});
  process.stdout.write(`أُلغي / revoked ${id}\n`);
  return 0;
}

/** `diwan reindex`: a new index built aside while the old one serves, followed with a progress bar. */
export async function reindex(config: Config, args: CommandInput): Promise<number> {
  const run = await runJob<{ documents: number; pages: number; caughtUp: number; ms: number }>(
    createClient(config),
    '/reindex',
    {},
    { label: 'الفهرسة / reindex', wait: !args.flags.has('no-wait'), quiet: quietOf(args) },
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
export async function jobs(config: Config, args: CommandInput): Promise<number> {
  const client = createClient(config);
  const id = args.positionals[0];
  if (id) {
    try {
      const result = await followJob(client, id, `${id.slice(0, 8)}`, quietOf(args));
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
export async function rerunDocuments(config: Config, args: CommandInput): Promise<number> {
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

/** `diwan rerun` with its arguments as typed after the command's name, for a caller that holds its own settings. */
export function rerun(config: Config, argv: string[]): Promise<number> {
  return runCommandLine(['rerun', ...argv], config);
}
