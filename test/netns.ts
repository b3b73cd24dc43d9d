/**
 * Several hosts on one machine, for tests: each host a Linux network namespace
 * with its own address on a bridge in this one (10.77.N.0/24, this namespace
 * at .1), and this namespace the services' host: the shared test services,
 * which listen on loopback, are forwarded from its bridge address. A host's
 * link can be cut and restored (its end of the cable, taken down and up).
 * Needs root and `ip` (iproute2); `namespacesAvailable` says why not when not.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** Undefined when namespaces can be made here, else why not. */
export function namespacesAvailable(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (network namespaces need CAP_NET_ADMIN)';
  const probe = `dwprobe${crypto.randomBytes(2).toString('hex')}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return undefined;
  } catch (e) {
    return `ip netns is not allowed here: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
  }
}

export interface Host {
  name: string;
  address: string;
  /** Runs a command on this host (in its namespace). */
  spawn(command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess;
  /** Takes its link down (a cut cable: packets lost, connections stalled, nothing reset). */
  cut(): void;
  restore(): void;
}

export interface Network {
  /** This namespace's address on the bridge: where the services are reached. */
  servicesAddress: string;
  hosts: Map<string, Host>;
  /** Forwards a loopback service (its URL) from the services' address; the URL to use from the hosts. */
  forward(url: string): Promise<string>;
  close(): Promise<void>;
}

/** Makes one host per name (short names: they go into interface names). */
export async function makeNetwork(names: string[]): Promise<Network> {
  const tag = crypto.randomBytes(2).toString('hex');
  const subnet = `10.77.${1 + (parseInt(tag, 16) % 250)}`;
  const bridge = `dwb${tag}`;
  const made: string[] = [];
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  const hosts = new Map<string, Host>();
  const forwarded = new Set<number>();
  const close = async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    for (const ns of made) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
    try {
      ip('link', 'del', bridge);
    } catch {
      // already gone
    }
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${subnet}.1/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    names.forEach((name, i) => {
      const ns = `dw${tag}${name}`;
      const cable = `dw${tag}${i}`;
      const address = `${subnet}.${i + 2}`;
      ip('netns', 'add', ns);
      made.push(ns);
      ip('link', 'add', cable, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('link', 'set', cable, 'master', bridge, 'up');
      ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      hosts.set(name, {
        name,
        address,
        spawn: (command, args, env) => spawn('ip', ['netns', 'exec', ns, command, ...args], { env, stdio: 'ignore' }),
        cut: () => ip('link', 'set', cable, 'down'),
        restore: () => ip('link', 'set', cable, 'up'),
      });
    });
  } catch (e) {
    await close();
    throw e;
  }
  return {
    servicesAddress: `${subnet}.1`,
    hosts,
    async forward(url) {
      const u = new URL(url);
      const port = Number(u.port);
      u.hostname = `${subnet}.1`;
      const shown = u.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
      if (forwarded.has(port)) return shown;
      forwarded.add(port);
      const server = net.createServer((inbound) => {
        const outbound = net.connect(port, '127.0.0.1');
        for (const s of [inbound, outbound]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        inbound.pipe(outbound).pipe(inbound);
        inbound.on('close', () => outbound.destroy());
        outbound.on('close', () => inbound.destroy());
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, `${subnet}.1`, () => resolve());
      });
      servers.push(server);
      return shown;
    },
    close,
  };
}
