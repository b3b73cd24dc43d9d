/**
 * A real IMAP server for the mailbox tests: Debian's Dovecot (/usr/sbin/dovecot, dovecot-imapd) started in the
 * foreground from a configuration written into a temporary folder: IMAP only, on 127.0.0.1 and a free port,
 * no TLS and plain-text sign-in (loopback only), one user from a passwd-file, a Maildir under the folder, its
 * base and state folders there too, so several run side by side and none touches the machine's own. Dovecot
 * never opens mail as root: when the tests run as root, the mail belongs to `nobody`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const DOVECOT = '/usr/sbin/dovecot';

export interface Dovecot {
  port: number;
  user: string;
  password: string;
  /** imap://user:password@127.0.0.1:port/INBOX */
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('data', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

function config(dir: string, port: number, uid: number, gid: number): string {
  return `base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = diwan-test-${port}
log_path = /dev/stderr
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = ${uid}
first_valid_gid = ${gid}
mail_uid = ${uid}
mail_gid = ${gid}
mail_location = maildir:${dir}/mail/%u/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = static
  args = home=${dir}/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`;
}

export async function startDovecot(): Promise<Dovecot> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-dovecot-'));
  const root = process.getuid?.() === 0;
  const [uid, gid] = root ? [65534, 65534] : [process.getuid!(), process.getgid!()];
  // The mail user (nobody, under root) walks into the folder to its Maildir.
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync(path.join(dir, 'mail'));
  if (root) fs.chownSync(path.join(dir, 'mail'), uid, gid);
  const user = 'registry';
  const password = 'mailbox-secret-pw';
  // Read by Dovecot's own unprivileged auth process: a test password, in a folder of the test's.
  fs.writeFileSync(path.join(dir, 'users'), `${user}:{PLAIN}${password}\n`, { mode: 0o644 });
  const port = await freePort();
  const conf = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(conf, config(dir, port, uid, gid));
  const child: ChildProcess = spawn(DOVECOT, ['-F', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 15_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`dovecot did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    user,
    password,
    url: `imap://${user}:${password}@127.0.0.1:${port}/INBOX`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
