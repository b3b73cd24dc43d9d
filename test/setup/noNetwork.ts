/**
 * Tests reach nothing beyond loopback: any TCP connection to another address
 * fails at once, so a test that would need the outside world shows it. The one
 * exception is 10.77.0.0/16, the hosts the many-machines test makes in network
 * namespaces of this machine (test/netns.ts).
 */
import net from 'node:net';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+|10\.77\.\d+\.\d+)$/;
const marker = Symbol.for('diwan.noNetwork');
const proto = net.Socket.prototype as net.Socket & { [marker]?: boolean };

if (!proto[marker]) {
  proto[marker] = true;
  const original = proto.connect;
  proto.connect = function (this: net.Socket, ...args: unknown[]) {
    const first = args[0];
    const opts = (Array.isArray(first) ? first[0] : first) as { host?: string; path?: string } | number | string;
    const host = typeof opts === 'object' && opts !== null ? opts.host : typeof args[1] === 'string' ? args[1] : undefined;
    const isPipe = typeof opts === 'object' && opts !== null && typeof opts.path === 'string';
    if (!isPipe && host !== undefined && !LOOPBACK.test(host)) {
      throw new Error(`Blocked in tests: network connection to ${host} (only loopback is allowed)`);
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof proto.connect;
}
