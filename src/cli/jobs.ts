/**
 * Long work asked of the server: the request answers at once with a job, and
 * the command follows it (a progress bar on standard error) until it is done,
 * then returns its result, as the work itself would have. `--no-wait` prints
 * the job and leaves; `diwan jobs ID` follows it later.
 */
import type { ApiClient } from './client';
import { progressBar } from './progress';

export interface JobView {
  id: string;
  kind: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  done: number;
  total: number | null;
  percent: number | null;
  result: unknown;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  requestedBy: string | null;
}

export class JobFailed extends Error {
  constructor(readonly job: JobView) {
    super(`job ${job.id} (${job.kind}) failed: ${job.error ?? 'unknown error'}`);
  }
}

const POLL_MS = 1000;

/** Follows a job until it ends; its result, or JobFailed. */
export async function followJob<T>(client: ApiClient, id: string, label: string, quiet = false): Promise<T> {
  const bar = progressBar(label, { quiet });
  try {
    for (;;) {
      const job = await client.get<JobView>(`/jobs/${encodeURIComponent(id)}`);
      bar.update(job.done, job.total);
      if (job.state === 'done') return job.result as T;
      if (job.state === 'failed') throw new JobFailed(job);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    bar.end();
  }
}

/** Asks for the work; its result when `wait`, else the job as recorded. */
export async function runJob<T>(
  client: ApiClient,
  path: string,
  body: unknown,
  opts: { label: string; wait: boolean; quiet?: boolean },
): Promise<{ result: T } | { job: JobView }> {
  const { job } = await client.post<{ job: JobView; created: boolean }>(path, body);
  if (!opts.wait) return { job };
  return { result: await followJob<T>(client, job.id, opts.label, opts.quiet) };
}

/** One line about a job for `--no-wait` and `diwan jobs`. */
export function jobLine(j: JobView): string {
  const share = j.percent === null ? '' : ` ${j.percent}%`;
  return `${j.id}\t${j.kind}\t${j.state}${share}\t${j.done}/${j.total ?? '?'}\t${j.createdAt}${j.error ? `\t${j.error}` : ''}`;
}
