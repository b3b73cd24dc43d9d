/**
 * Commands for an official, through the API (read, search and reocr
 * permissions): `search`, `show` and `reocr`.
 */
import type { Config } from '../../config';
import { UsageError, type CommandInput } from '../input';
import { createClient } from '../client';
import { json } from '../output';

interface DocView {
  id: string;
  registryNo: string;
  registryNoAr: string;
  status: string;
  pageCount: number | null;
  title: string | null;
  originalName: string | null;
  sha256: { original: string; archive: string | null };
  pages: Array<{ n: number; text: string; confidence: number | null }>;
  replicas: Array<{ target: string; key: string }>;
  error: { code: string; message: string } | null;
}

/** CLI options of `diwan search`, each passed to the API under its own name. */
const SEARCH_OPTIONS = [
  'type',
  'department',
  'classification',
  'batch',
  'year',
  'from',
  'to',
  'doc-from',
  'doc-to',
  'register',
  'correspondent-id',
  'referral-state',
  'sort',
  'limit',
  'offset',
];
const SEARCH_PARAM: Record<string, string> = {
  batch: 'batchId',
  'doc-from': 'docFrom',
  'doc-to': 'docTo',
  'correspondent-id': 'correspondentId',
  'referral-state': 'referralState',
};

interface SearchHitView {
  id: string;
  registryNo: string;
  title: string;
  page: number;
  snippet: string;
  docType: string | null;
  registeredAt: string;
  needsReview: boolean;
}

/** Text of a snippet for a terminal: marks as »…«, entities back to characters. */
function plain(html: string): string {
  return html
    .replace(/<mark>/g, '»')
    .replace(/<\/mark>/g, '«')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

export async function search(config: Config, args: CommandInput): Promise<number> {
  const q = args.positionals.join(' ').trim();
  const params = new URLSearchParams();
  if (q) params.set('q', q);
  for (const name of SEARCH_OPTIONS) {
    const v = args.options.get(name);
    if (v !== undefined) params.set(SEARCH_PARAM[name] ?? name, v);
  }
  if (args.flags.has('needs-review')) params.set('needsReview', 'true');
  if (args.flags.has('overdue')) params.set('overdue', 'true');
  if (!q && [...params.keys()].every((k) => ['sort', 'limit', 'offset'].includes(k)))
    throw new UsageError('search needs a QUERY or a filter');
  const res = await createClient(config).get<{ total: number; registryMatch: string | null; hits: SearchHitView[] }>(
    `/search?${params}`,
  );
  if (args.flags.has('json')) {
    json(res);
    return 0;
  }
  process.stdout.write(
    `${res.total} نتيجة / results${res.registryMatch ? ` · رقم القيد / registry no. ${res.registryMatch}` : ''}\n`,
  );
  const rows = res.hits.map((h) => [
    h.registryNo,
    `ص ${h.page}`,
    h.registeredAt.slice(0, 10),
    `${h.title}${h.needsReview ? ' (!)' : ''}`,
    plain(h.snippet).slice(0, 90),
    h.id,
  ]);
  const header = ['رقم القيد', 'صفحة', 'التاريخ', 'العنوان', 'المقتطف', 'id'];
  const width = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [header, ...rows]) process.stdout.write(`${r.map((c, i) => (i < 4 ? c.padEnd(width[i]!) : c)).join('  ')}\n`);
  return 0;
}

export async function show(config: Config, args: CommandInput): Promise<number> {
  const id = args.positionals[0];
  if (!id) throw new UsageError('show needs an ID');
  const doc = await createClient(config).get<DocView>(`/documents/${encodeURIComponent(id)}`);
  if (args.flags.has('json')) {
    json(doc);
  } else {
    process.stdout.write(
      [
        `رقم القيد / Registry no.: ${doc.registryNoAr} (${doc.registryNo})`,
        `الحالة / Status: ${doc.status}`,
        `العنوان / Title: ${doc.title ?? doc.originalName ?? ''}`,
        `الصفحات / Pages: ${doc.pageCount ?? '?'}`,
        `SHA-256 original: ${doc.sha256.original}`,
        `SHA-256 archive.pdf: ${doc.sha256.archive ?? '—'}`,
        `نسخ خارجية / Offsite copies: ${doc.replicas.length}`,
        ...doc.pages.map((p) => `--- ص ${p.n} (${p.confidence ?? '?'}%) ---\n${p.text}`),
      ].join('\n') + '\n',
    );
  }
  return 0;
}

interface TextVersionView {
  version: number;
  status: 'queued' | 'done' | 'failed';
  settings: Record<string, unknown>;
  reason?: string | null;
  error?: string | null;
  ocrSha256?: string | null;
  current: boolean;
}

export async function reocr(config: Config, args: CommandInput): Promise<number> {
  const id = args.positionals[0];
  if (!id) throw new UsageError('reocr needs an ID');
  const client = createClient(config);
  const path = `/documents/${encodeURIComponent(id)}`;
  const body: Record<string, string> = {};
  for (const name of ['layout', 'reason']) {
    const value = args.options.get(name);
    if (value !== undefined) body[name] = value;
  }
  let v = await client.post<TextVersionView & { registryNo: string }>(`${path}/reocr`, body);
  const registryNo = v.registryNo;
  if (args.flags.has('wait')) {
    while (v.status === 'queued') {
      await new Promise((r) => setTimeout(r, 1000));
      const list = await client.get<{ versions: TextVersionView[] }>(`${path}/text-versions`);
      v = { ...v, ...(list.versions.find((x) => x.version === v.version) ?? v) };
    }
  }
  if (args.flags.has('json')) json(v);
  else {
    const state = { queued: 'في الانتظار / queued', done: 'تمت / done', failed: `تعذّرت / failed: ${v.error ?? ''}` }[v.status];
    process.stdout.write(`${registryNo}\tنسخة النص / text version ${v.version}\t${state}\n`);
  }
  return v.status === 'failed' ? 1 : 0;
}
