/**
 * Streams files to the server as one multipart request, counting bytes as they
 * leave so the CLI can show progress. Nothing is read whole into memory.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

/** Every file under the given paths (folders walked in name order, hidden files skipped). */
export function collectFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) if (!name.startsWith('.')) walk(path.join(p, name));
    } else if (st.isFile()) {
      out.push(p);
    }
  };
  for (const p of paths) walk(p);
  return out;
}

/** Groups files into requests of at most `maxFiles` files and `maxBytes` bytes (a larger file goes alone). */
export function chunkFiles(files: Array<{ path: string; size: number }>, maxFiles: number, maxBytes: number) {
  const chunks: Array<Array<{ path: string; size: number }>> = [];
  let current: Array<{ path: string; size: number }> = [];
  let bytes = 0;
  for (const f of files) {
    if (current.length > 0 && (current.length >= maxFiles || bytes + f.size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(f);
    bytes += f.size;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

function partHeader(boundary: string, field: string, filename: string): Buffer {
  const safe = filename.replace(/[\r\n"]/g, '_');
  return Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${safe}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    'utf8',
  );
}

function textPart(boundary: string, name: string, value: string): Buffer {
  const safe = name.replace(/[\r\n"]/g, '_');
  return Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${safe}"\r\n\r\n${value}\r\n`, 'utf8');
}

/** A multipart body of `files` under the field `field` (after the text `fields` given), with its exact length. */
export function multipartBody(
  files: Array<{ path: string; size: number }>,
  field: string,
  onBytes: (n: number) => void,
  fields: Record<string, string | undefined> = {},
) {
  const boundary = `----diwan${crypto.randomBytes(12).toString('hex')}`;
  const texts = Object.entries(fields)
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => textPart(boundary, k, v));
  const headers = files.map((f) => partHeader(boundary, field, path.basename(f.path)));
  const tail = Buffer.from(`--${boundary}--\r\n`);
  const length =
    texts.reduce((n, t) => n + t.length, 0) + files.reduce((n, f, i) => n + headers[i]!.length + f.size + 2, 0) + tail.length;
  async function* generate() {
    for (const t of texts) yield t;
    for (const [i, f] of files.entries()) {
      yield headers[i]!;
      for await (const chunk of fs.createReadStream(f.path)) {
        onBytes((chunk as Buffer).length);
        yield chunk as Buffer;
      }
      yield Buffer.from('\r\n');
    }
    yield tail;
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, length, stream: Readable.from(generate()) };
}
