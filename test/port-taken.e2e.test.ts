/**
 * `diwan serve` on a port another archive already holds: it says so and exits, leaving nothing of itself
 * running (before, its schedules and workers kept the process alive after the failed start).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { isolatedEnv, startTestServer, type TestServer } from './helpers';

jest.setTimeout(120_000);

const CLI = path.resolve(__dirname, '..', 'bin', 'diwan.js');
let first: TestServer;

beforeAll(async () => {
  first = await startTestServer();
});

afterAll(async () => {
  await first?.stop();
});

test('a second serve on a taken port exits with status 1, naming the port', async () => {
  const env = await isolatedEnv({ PORT: String(first.port), DIWAN_LOG: 'info' });
  const child = spawn(process.execPath, [CLI, 'serve'], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exit = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  expect(out).toContain('EADDRINUSE');
  expect(exit).toBe(1);
  // The first archive still answers.
  expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
});
