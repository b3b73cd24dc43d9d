/**
 * Benchmark: what encryption at rest costs, beside the cipher at its best on the same machine, in the
 * same run.
 *
 * - Diwan: the object envelope (storage/crypto/envelope.ts) encrypting a stream of random bytes in 64 KiB
 *   writes, then decrypting it back (every chunk authenticated), as the object store does on every write
 *   and read; MB/s of plaintext, one core.
 * - Reference: `openssl speed -aead -evp aes-256-gcm -bytes 65536` (and with `-decrypt`), the same cipher on
 *   the same block size, each block with its own nonce and tag as each chunk of the envelope has, with
 *   nothing around it, one core. The same bytes through the bench's stream harness with no cipher are
 *   timed too, so what the harness itself costs is seen beside the figures.
 * - Median of several runs each; Diwan's MB/s beside openssl's: the aim is ≥ 0.8× for both directions.
 *
 * Usage: npm run bench:crypto [-- --mb 256] [-- --runs 5]
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { decryptStream, encryptStream, type MasterKey } from '../../storage/crypto/envelope';
import { median, numberArg, targetLine, withSpread } from './stats';

const run = promisify(execFile);
const log = (m: string) => process.stderr.write(`${m}\n`);
const BLOCK = 64 * 1024;

/** `bytes` of plaintext written in 64 KiB pieces through `through`, the output kept when `keep`. */
async function pass(input: Buffer, through: NodeJS.ReadWriteStream, keep: boolean): Promise<{ ms: number; out: Buffer }> {
  const pieces: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (keep) pieces.push(chunk);
      done();
    },
  });
  const source = Readable.from(
    (function* () {
      for (let at = 0; at < input.length; at += BLOCK) yield input.subarray(at, at + BLOCK);
    })(),
  );
  const t0 = process.hrtime.bigint();
  await pipeline(source, through, sink);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, out: keep ? Buffer.concat(pieces) : Buffer.alloc(0) };
}

/** openssl's AES-256-GCM throughput on 64 KiB blocks, each with its nonce and tag, MB/s (it prints thousands of bytes per second). */
async function opensslMBps(seconds: number, decrypt: boolean): Promise<number> {
  const args = ['speed', '-aead', ...(decrypt ? ['-decrypt'] : []), '-evp', 'aes-256-gcm', '-bytes', String(BLOCK)];
  const { stdout } = await run('openssl', [...args, '-seconds', String(seconds)], { maxBuffer: 1 << 20 });
  const line = stdout.split('\n').find((l) => /^aes-256-gcm\s/i.test(l.trim()));
  const kbps = Number(line?.trim().split(/\s+/).at(-1)?.replace(/k$/, ''));
  if (!Number.isFinite(kbps)) throw new Error(`could not read openssl speed's answer:\n${stdout}`);
  return (kbps * 1000) / 1e6;
}

async function main(): Promise<void> {
  const mb = numberArg('mb', 256);
  const runs = Math.max(1, numberArg('runs', 5));
  const input = crypto.randomBytes(mb * 1e6);
  const master: MasterKey = { id: 'bench', key: crypto.randomBytes(32) };
  const keys = { get: (id: string) => (id === master.id ? master.key : undefined) };
  const enc: number[] = [];
  const dec: number[] = [];
  const ref: number[] = [];
  const refDec: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    const e = await pass(input, encryptStream(master), true);
    const d = await pass(e.out, decryptStream(keys, 'bench'), true);
    if (!d.out.equals(input)) throw new Error('the round trip did not give the same bytes back');
    enc.push(mb / (e.ms / 1000));
    dec.push(mb / (d.ms / 1000));
    bare.push(mb / ((await pass(input, new PassThrough(), false)).ms / 1000));
    ref.push(await opensslMBps(2, false));
    refDec.push(await opensslMBps(2, true));
    log(
      `run ${i + 1}/${runs}: encrypt ${enc.at(-1)!.toFixed(0)} MB/s, decrypt ${dec.at(-1)!.toFixed(0)} MB/s, ` +
        `openssl ${ref.at(-1)!.toFixed(0)} / ${refDec.at(-1)!.toFixed(0)} MB/s, harness alone ${bare.at(-1)!.toFixed(0)} MB/s`,
    );
  }
  const r = { encrypt: median(ref), decrypt: median(refDec) };
  console.log(`## Encryption at rest (${mb} MB of random bytes, ${runs} runs, one core)\n`);
  console.log('| what | MB/s (median, spread) |');
  console.log('| --- | --- |');
  console.log(`| Diwan envelope, encrypt (64 KiB chunks, each sealed) | ${withSpread(enc, 0)} |`);
  console.log(`| Diwan envelope, decrypt and authenticate | ${withSpread(dec, 0)} |`);
  console.log(`| openssl speed -aead -evp aes-256-gcm, 64 KiB blocks, encrypt | ${withSpread(ref, 0)} |`);
  console.log(`| openssl speed -aead -decrypt -evp aes-256-gcm, 64 KiB blocks | ${withSpread(refDec, 0)} |`);
  console.log(`| the bench's stream harness alone, no cipher | ${withSpread(bare, 0)} |`);
  console.log('');
  for (const [what, v] of [
    ['encrypt', median(enc)],
    ['decrypt', median(dec)],
  ] as const) {
    console.log(
      targetLine({
        name: `encryption: ${what} beside openssl AES-256-GCM`,
        figure: `${v.toFixed(0)} MB/s`,
        reference: `${r[what].toFixed(0)} MB/s`,
        ratio: v / r[what],
        aim: { atLeast: 0.8 },
      }),
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
