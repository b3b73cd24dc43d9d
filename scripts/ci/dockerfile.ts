/**
 * Reading docs/production/Dockerfile and .dockerignore as Docker does, for the image steps run without
 * Docker (imageSteps.ts) and their checks: the instructions of each stage (continuation lines joined,
 * comments dropped), and which paths of the build context are left out.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface Instruction {
  op: string;
  args: string;
}

export interface Stage {
  /** The FROM line's image. */
  image: string;
  /** Its `AS` name, when it has one. */
  name?: string;
  steps: Instruction[];
}

/** The stages of a Dockerfile, each with its instructions in order. */
export function parseDockerfile(text: string): Stage[] {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === 'FROM') {
      const [image = '', as, name] = args.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, steps: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`"${line}" comes before any FROM`);
    stage.steps.push({ op: op.toUpperCase(), args: args.replace(/\s+/g, ' ') });
  }
  return stages;
}

/**
 * Whether `.dockerignore`'s patterns leave out a path of the context (relative, with `/`): patterns are
 * anchored at the context's root, `*` and `?` stay within one path segment, `**` spans any number, a
 * pattern that names a folder leaves out all under it, `!` takes a path back, and the last match decides.
 */
export function dockerIgnore(text: string): (relative: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const keep = l.startsWith('!');
      const pattern = (keep ? l.slice(1) : l).replace(/^\/+|\/+$/g, '');
      return { keep, re: new RegExp(`^${globToRegex(pattern)}(/.*)?$`) };
    });
  return (relative) => {
    let ignored = false;
    for (const r of rules) if (r.re.test(relative)) ignored = !r.keep;
    return ignored;
  };
}

function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more folders; a trailing `**` anything.
      out += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}

/** Copies the build context of `root` into `dest` as Docker would send it (a folder left out is not entered); returns the files copied. */
export function copyContext(root: string, dest: string): number {
  const ignored = dockerIgnore(fs.readFileSync(path.join(root, '.dockerignore'), 'utf8'));
  let files = 0;
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (ignored(child)) continue;
      if (entry.isDirectory()) walk(child);
      else {
        fs.mkdirSync(path.join(dest, rel), { recursive: true });
        fs.copyFileSync(path.join(root, child), path.join(dest, child));
        fs.chmodSync(path.join(dest, child), fs.statSync(path.join(root, child)).mode & 0o777);
        files++;
      }
    }
  };
  walk('');
  return files;
}
