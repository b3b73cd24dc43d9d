/**
 * The scanner room's printed sheets from the command line: `diwan sheets separator [--out FILE]` and
 * `diwan sheets labels --register CODE --count N [--out FILE] [--json]`. The running server draws them
 * (src/http/sheets.ts); the PDF goes to FILE, or to standard output when that is a pipe or a file, never to
 * a terminal. Labels take their numbers on the server before anything is written, so the terminal check comes
 * first.
 */
import fs from 'node:fs';
import { adminTokenFile } from '../../auth';
import type { Config } from '../../config';
import { ApiError } from '../client';
import { UsageError, type CommandInput } from '../input';
import { json } from '../output';

interface Answer {
  bytes: Buffer;
  headers: Headers;
}

/** Calls the server and gives the answer's bytes and headers (the server's refusal as an ApiError). */
async function request(config: Config, p: string, init: { body?: unknown; accept: string }): Promise<Answer> {
  const file = adminTokenFile(config.dataDir);
  const token = config.client.token ?? (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined);
  if (!token) {
    throw new Error('No access token: set DIWAN_TOKEN (or run on the server machine, where <data>/admin-token is read).');
  }
  const res = await fetch(`${config.client.url.replace(/\/+$/, '')}/api/v1${p}`, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      accept: init.accept,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  if (!res.ok) {
    let parsed: ApiError['body'];
    try {
      parsed = JSON.parse(bytes.toString('utf8')) as ApiError['body'];
    } catch {
      parsed = undefined;
    }
    throw new ApiError(res.status, parsed);
  }
  return { bytes, headers: res.headers };
}

/** Refuses, before anything is asked, to pour a PDF onto a terminal. */
function checkOutput(out: string | undefined): void {
  if (out === undefined && process.stdout.isTTY) {
    throw new UsageError(
      'لا يُكتب ملف PDF على الشاشة: استعمل --out FILE أو وجّه الناتج إلى ملف أو أمر (> sheets.pdf) / ' +
        'a PDF is not written to a terminal: use --out FILE, or send the output to a file or a pipe (> sheets.pdf)',
    );
  }
}

/**
 * The PDF to `out` (and what was written said on standard output), or to standard output itself (what was
 * written said on standard error).
 */
function writePdf(out: string | undefined, pdf: Buffer, what: string): void {
  if (out === undefined) {
    process.stdout.write(pdf);
    process.stderr.write(`${what} (${pdf.length} bytes)\n`);
    return;
  }
  fs.writeFileSync(out, pdf);
  process.stdout.write(`${out}: ${what} (${pdf.length} bytes)\n`);
}

export async function separatorSheet(config: Config, args: CommandInput): Promise<number> {
  const out = args.options.get('out');
  checkOutput(out);
  const { bytes } = await request(config, '/sheets/separator', { accept: 'application/pdf' });
  writePdf(out, bytes, 'صفحة فاصلة / separator sheet');
  return 0;
}

/** A positive whole number as typed, or a usage error. */
function countOf(text: string | undefined): number {
  if (text === undefined || !/^\d{1,6}$/.test(text)) {
    throw new UsageError('--count: عدد الملصقات رقمًا صحيحًا / the number of labels, a whole number (--count 24)');
  }
  return Number(text);
}

export async function labelSheets(config: Config, args: CommandInput): Promise<number> {
  const register = args.options.get('register');
  if (!register)
    throw new UsageError('ينقصه --register: السجل / labels needs --register CODE (incoming, outgoing, internal, ...)');
  const count = countOf(args.options.get('count'));
  const out = args.options.get('out');
  const body = { register, count };
  if (args.flags.has('json')) {
    // The numbers as JSON on standard output; the sheets to --out when it is given, not drawn otherwise.
    if (out === undefined) {
      const { bytes } = await request(config, '/sheets/labels', { body, accept: 'application/json' });
      json(JSON.parse(bytes.toString('utf8')));
      return 0;
    }
    const { bytes, headers } = await request(config, '/sheets/labels', { body, accept: 'application/pdf' });
    fs.writeFileSync(out, bytes);
    json({ out, register, count, first: headers.get('x-diwan-label-first'), last: headers.get('x-diwan-label-last') });
    return 0;
  }
  checkOutput(out);
  const { bytes, headers } = await request(config, '/sheets/labels', { body, accept: 'application/pdf' });
  const span = `${headers.get('x-diwan-label-first')} … ${headers.get('x-diwan-label-last')}`;
  writePdf(out, bytes, `${count} ملصق / labels, ${register} ${span}`);
  return 0;
}
