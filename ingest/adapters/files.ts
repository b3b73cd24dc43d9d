/**
 * Finds the files that live in the source tree and are used as they are, outside
 * the compiled code (worker scripts for child processes and threads, OCR models):
 * found from the sources and from dist/ alike.
 */
import fs from 'node:fs';
import path from 'node:path';

const found = new Map<string, string>();

/** Absolute path of `relative` (e.g. 'ingest/adapters/pixels.worker.mjs'), searched upwards from this file. */
export function projectScript(relative: string): string {
  const cached = found.get(relative);
  if (cached) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, relative);
    if (fs.existsSync(candidate)) {
      found.set(relative, candidate);
      return candidate;
    }
    if (path.dirname(dir) === dir) throw new Error(`${relative} not found above ${__dirname}`);
  }
}
