/**
 * The object store's single PUT (storage/objectStore.ts): a body held whole goes in one request that carries its
 * retention in its headers and one checksum the server checks before it stores anything.
 */
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import * as Minio from 'minio';
import { sha256 } from './hash';

/** Objects stored up to this size go in one PUT, held whole (as the S3 client holds a single part anyway). */
export const SINGLE_PUT = 16 * 1024 * 1024;

/** A body held whole: `size` bytes exactly, or an error naming `what`. */
export async function whole(body: Readable | Buffer, size: number, what: string): Promise<Buffer> {
  let buf: Buffer;
  if (Buffer.isBuffer(body)) buf = body;
  else {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }
  if (buf.length !== size) throw new Error(`${what}: ${buf.length} bytes to write where ${size} were announced`);
  return buf;
}

/**
 * One PUT of a body held whole, its retention in its own headers (no second request), with one checksum that the
 * server checks before it stores anything: over HTTP the signed SHA-256 of the body (`sha256`, the plaintext's own,
 * already known, when the object is stored in the clear), over HTTPS its Content-MD5.
 */
export async function putInOne(
  client: Minio.Client,
  put: { bucket: string; key: string; body: Buffer; meta: Record<string, string>; lock: Date | null; sha256?: string },
): Promise<void> {
  const headers: Record<string, string | number> = { 'Content-Length': put.body.length };
  for (const [k, v] of Object.entries(put.meta)) headers[k === 'Content-Type' ? k : `x-amz-meta-${k}`] = v;
  if (put.lock) {
    headers['x-amz-object-lock-mode'] = Minio.RETENTION_MODES.COMPLIANCE;
    headers['x-amz-object-lock-retain-until-date'] = put.lock.toISOString();
  }
  if (!client.enableSHA256) headers['Content-MD5'] = crypto.createHash('md5').update(put.body).digest('base64');
  const sum = client.enableSHA256 ? (put.sha256 ?? sha256(put.body)) : '';
  const res = await client.makeRequestStreamAsync(
    { method: 'PUT', bucketName: put.bucket, objectName: put.key, headers },
    put.body,
    sum,
    [200],
    '',
  );
  res.resume();
}
