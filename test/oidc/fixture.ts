/**
 * The OpenID Connect provider of the single sign-on tests (test/oidc/provider.mjs, a real oidc-provider in a
 * child process on a loopback port), and a small browser over HTTP: fetch with redirects followed by hand and a
 * cookie jar per host, as a browser keeps them (a host's cookies go to every port of it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface ProviderProcess {
  issuer: string;
  /** Changes a person at the provider (their name, their groups). */
  change(subject: string, change: { name?: string; groups?: string[] }): Promise<void>;
  stop(): Promise<void>;
}

export interface ProviderOptions {
  port: number;
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export async function startProvider(o: ProviderOptions): Promise<ProviderProcess> {
  const script = path.join(__dirname, 'provider.mjs');
  const child: ChildProcess = spawn(
    process.execPath,
    [script, String(o.port), o.issuer, o.clientId, o.clientSecret, o.redirectUri],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let errors = '';
  child.stderr!.on('data', (d: Buffer) => (errors += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the provider did not start: ${errors}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the provider exited (${code}): ${errors}`));
    });
  });
  return {
    issuer: o.issuer,
    async change(subject, change) {
      const res = await fetch(`${o.issuer}/fixture/accounts/${subject}`, { method: 'POST', body: JSON.stringify(change) });
      if (res.status !== 204) throw new Error(`the provider refused the change: ${res.status}`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A browser's cookies and navigation, over plain HTTP. */
export class HttpBrowser {
  private readonly jar = new Map<string, Map<string, string>>();

  /** The value of a cookie this browser holds for `host` (a host name, no port). */
  cookie(host: string, name: string): string | undefined {
    return this.jar.get(host)?.get(name);
  }

  /** One request, no redirect followed; the answer's cookies kept. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const u = new URL(url);
    const mine = this.jar.get(u.hostname) ?? new Map<string, string>();
    this.jar.set(u.hostname, mine);
    const headers = new Headers(init.headers);
    if (mine.size) headers.set('cookie', [...mine].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(u, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const gone = attrs.some((a) => /^\s*expires=.*1970/i.test(a) || /^\s*max-age=0\s*$/i.test(a));
      if (gone) mine.delete(name);
      else mine.set(name, pair.slice(eq + 1).trim());
    }
    return res;
  }

  /** GET `url`, then every redirect, until an answer that is not one or a URL that `stop` picks (not fetched). */
  async follow(url: string, stop: (u: URL) => boolean = () => false): Promise<{ url: string; res?: Response }> {
    for (let hops = 0; hops < 10; hops++) {
      if (stop(new URL(url))) return { url };
      const res = await this.request(url);
      const to = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !to) return { url, res };
      await res.arrayBuffer();
      url = new URL(to, url).href;
    }
    throw new Error(`too many redirects at ${url}`);
  }
}
