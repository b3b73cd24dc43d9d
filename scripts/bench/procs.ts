/** CPU time of processes from /proc (Linux), for the benchmarks' "where the time goes" lines. */
import fs from 'node:fs';

/** A process's name, parent, and CPU seconds: its own (user + system) and its reaped children's. */
export function procStat(pid: number): { name: string; parent: number; own: number; children: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields from state on: ppid is the 2nd, utime/stime the 12th/13th, cutime/cstime the 14th/15th; 100 ticks a second.
    return {
      name,
      parent: Number(f[1]),
      own: (Number(f[11]) + Number(f[12])) / 100,
      children: (Number(f[13]) + Number(f[14])) / 100,
    };
  } catch {
    return undefined;
  }
}

type ProcStat = NonNullable<ReturnType<typeof procStat>>;

/** Every process on the machine, by pid. */
export function processTable(): Map<number, ProcStat> {
  const all = new Map<number, ProcStat>();
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    const st = Number.isInteger(pid) ? procStat(pid) : undefined;
    if (st) all.set(pid, st);
  }
  return all;
}

/** Whether `pid` is `root` or one of its descendants. */
export function descends(all: Map<number, ProcStat>, pid: number, root: number): boolean {
  for (let p = pid, hops = 0; p > 1 && hops < 20; hops++) {
    if (p === root) return true;
    p = all.get(p)?.parent ?? 0;
  }
  return false;
}

/**
 * CPU seconds so far of every process below `root` (not `root` itself), by
 * kind: PostgreSQL, MinIO, Meilisearch, the process `server` (named as given),
 * anything else by its name.
 */
export function cpuBelow(root: number, server?: { pid: number; name: string }): Record<string, number> {
  const all = processTable();
  const under = (pid: number) => descends(all, all.get(pid)?.parent ?? 0, root);
  const out: Record<string, number> = {};
  for (const [pid, st] of all) {
    if (!under(pid)) continue;
    const kind =
      pid === server?.pid
        ? server.name
        : /^postgres/.test(st.name)
          ? 'PostgreSQL'
          : /^minio/.test(st.name)
            ? 'MinIO'
            : /^meili/.test(st.name)
              ? 'Meilisearch'
              : st.name;
    out[kind] = (out[kind] ?? 0) + st.own + (pid === server?.pid ? 0 : st.children);
  }
  return out;
}

/** The CPU seconds each kind used between two readings of `cpuBelow`. */
export function cpuSince(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}
