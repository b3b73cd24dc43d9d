/**
 * Files into the spool: an upload as it arrives (src/http/uploads.ts), and what reaches the spool from inside
 * the archive (a message's attachments and its PDF, a message fetched from a mailbox, a watched folder's file,
 * an Office file's PDF, a kept stack fetched back). Each is written under the name an upload in flight has
 * (spool/upload-<random>, mode 600), hashed and sized on the way, with its first bytes kept for sniffing, so
 * the intake route and the spool's clearing (ingest/leftovers.ts) treat them all alike: removed by its caller
 * once received, or cleared a day later when a process died holding it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SpooledFile } from './accept';
import { SNIFF_BYTES } from './sniff';

function target(spoolDir: string): string {
  fs.mkdirSync(spoolDir, { recursive: true, mode: 0o700 });
  return path.join(spoolDir, `upload-${crypto.randomUUID()}`);
}

/** Bytes held in memory (an attachment, a PDF just drawn) as a spooled file named `name`. */
export function spoolBuffer(bytes: Buffer, name: string | null, spoolDir: string): SpooledFile {
  const file = target(spoolDir);
  fs.writeFileSync(file, bytes, { mode: 0o600 });
  return {
    path: file,
    size: bytes.length,
    sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    head: Buffer.from(bytes.subarray(0, SNIFF_BYTES)),
    originalName: name,
  };
}

/**
 * A stream as a spooled file. Past `maxBytes` the rest is read and dropped and the file is marked too large (as
 * an upload is), so it is refused by name rather than archived cut short.
 */
export async function spoolStream(
  source: Readable,
  name: string | null,
  spoolDir: string,
  maxBytes: number,
): Promise<SpooledFile> {
  const file = target(spoolDir);
  const hash = crypto.createHash('sha256');
  const head: Buffer[] = [];
  let size = 0;
  let headLen = 0;
  let tooLarge = false;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, next) {
      size += chunk.length;
      if (tooLarge || size > maxBytes) {
        tooLarge = true;
        next();
        return;
      }
      hash.update(chunk);
      if (headLen < SNIFF_BYTES) {
        head.push(chunk.subarray(0, SNIFF_BYTES - headLen));
        headLen += Math.min(chunk.length, SNIFF_BYTES - headLen);
      }
      next(null, chunk);
    },
  });
  // The file is made before any byte arrives, so a failed stream's file is there to remove: a write stream left
  // to open it itself may still be opening it when the failure is known, and make it after it was removed.
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    await pipeline(source, tap, fs.createWriteStream(file, { fd }));
  } catch (e) {
    fs.rmSync(file, { force: true });
    throw e;
  }
  return {
    path: file,
    size,
    sha256: hash.digest('hex'),
    head: Buffer.concat(head),
    originalName: name,
    ...(tooLarge ? { tooLarge } : {}),
  };
}
