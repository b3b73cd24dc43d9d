/**
 * A registry clerk's printed papers: `diwan receipt ID [--out FILE]` (a
 * registered letter's A5 receipt) and `diwan book REGISTER --day D | --month M
 * [--format csv|pdf] [--out FILE]` (the register's book for a day or a month).
 * Both ask the running server, which draws them.
 */
import fs from 'node:fs';
import { adminTokenFile } from '../../auth';
import type { Config } from '../../config';
import { UsageError, type CommandInput } from '../input';
import { ApiError } from '../client';

/** The bytes of an API answer (a PDF, a CSV), with the server's error as an ApiError. */
async function fetchBytes(config: Config, p: string): Promise<Buffer> {
  const file = adminTokenFile(config.dataDir);
  const token = config.client.token ?? (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined);
  if (!token)
    throw new Error('No access token: set DIWAN_TOKEN (or run on the server machine, where <data>/admin-token is read).');
  const res = await fetch(`${config.client.url.replace(/\/+$/, '')}/api/v1${p}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok) {
    let parsed: ApiError['body'];
    try {
      parsed = JSON.parse(body.toString('utf8')) as ApiError['body'];
    } catch {
      parsed = undefined;
    }
    throw new ApiError(res.status, parsed);
  }
  return body;
}

function save(out: string, bytes: Buffer, what: string): void {
  fs.writeFileSync(out, bytes);
  process.stdout.write(`${out}: ${what} (${bytes.length} bytes)\n`);
}

export async function receipt(config: Config, args: CommandInput): Promise<number> {
  const [id] = args.positionals;
  if (!id || args.positionals.length > 1) throw new UsageError('receipt needs one document ID');
  const pdf = await fetchBytes(config, `/documents/${encodeURIComponent(id)}/receipt.pdf`);
  save(args.options.get('out') ?? `receipt-${id}.pdf`, pdf, 'إيصال / receipt');
  return 0;
}

export async function book(config: Config, args: CommandInput): Promise<number> {
  const [register] = args.positionals;
  if (!register || args.positionals.length > 1) throw new UsageError('book needs one REGISTER (incoming, outgoing, ...)');
  const day = args.options.get('day');
  const month = args.options.get('month');
  if ((day === undefined) === (month === undefined)) throw new UsageError('book needs --day YYYY-MM-DD or --month YYYY-MM');
  const format = args.options.get('format') ?? 'csv';
  if (format !== 'csv' && format !== 'pdf') throw new UsageError('--format is csv or pdf');
  const period = day !== undefined ? `day=${encodeURIComponent(day)}` : `month=${encodeURIComponent(month!)}`;
  const bytes = await fetchBytes(config, `/books/${encodeURIComponent(register)}.${format}?${period}`);
  const out = args.options.get('out');
  if (out) save(out, bytes, `دفتر / book ${register} ${day ?? month}`);
  else if (format === 'csv') process.stdout.write(bytes.toString('utf8'));
  else save(`book-${register}-${day ?? month}.pdf`, bytes, `دفتر / book ${register} ${day ?? month}`);
  return 0;
}
