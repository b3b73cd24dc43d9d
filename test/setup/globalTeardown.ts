import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const services = (globalThis as { __diwanServices?: { stop(): Promise<void> } }).__diwanServices;
  await services?.stop();
  const dir = process.env.DIWAN_TEST_SERVICES_DIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
