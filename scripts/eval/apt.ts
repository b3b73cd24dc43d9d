/** Debian packages the evaluations and benchmarks compare against (native Tesseract, a Kufi-like font). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/** Installs Debian packages when running as root; tries `apt-get update` once if the first attempt fails. */
export async function aptInstall(packages: string[]): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => run('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { env, timeout: 600_000 });
  log(`installing ${packages.join(' ')} with apt-get…`);
  try {
    await install();
    return true;
  } catch {
    try {
      await run('apt-get', ['update'], { env, timeout: 600_000 });
      await install();
      return true;
    } catch (e) {
      log(`apt-get failed: ${String((e as Error).message).split('\n')[0]}`);
      return false;
    }
  }
}
