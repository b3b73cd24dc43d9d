/**
 * `diwan export bagit DIR (--ids ID,..|--query Q|--due YYYY-MM-DD) [--recipient NAME]`: a
 * transfer to another archive, written as a BagIt bag. `--transfer ID` writes
 * the bag of an open transfer started elsewhere (the viewer's form).
 *
 *   POST /transfers                 the server records an open transfer and names every file with its fingerprint
 *   GET  each file (href)            streamed into DIR/.<bag>.partial/data/..., hashed on the way, checked
 *   finish                           manifests and tag files; renamed to DIR/<bag>/ when whole
 *   POST /transfers/:id/complete     Payload-Oxum and the tagmanifest's SHA-256; 'transferred' per document
 *
 * A file that is not what the archive recorded aborts the export: the partial
 * folder is removed and the transfer stays open (never complete). A crash
 * leaves the hidden partial folder and an open transfer, run the export again.
 *
 * `diwan transfers receipt ID --ref R --date YYYY-MM-DD --tagmanifest SHA256`: the receiving
 * archive's receipt of the bag (an administrator), with the SHA-256 of its
 * tagmanifest-sha256.txt as the recipient computed it; only then does the
 * transfer count for a disposal.
 */
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { adminTokenFile } from '../../auth';
import type { Config } from '../../config';
import { UsageError, type CommandInput } from '../input';
import { ApiError, createClient } from '../client';
import { BagWriter, dublinCoreXml } from '../bagit';
import { json as printJson } from '../output';
import { bytes, progressBar, quietOf } from '../progress';

interface TransferFileJson {
  role: 'original' | 'rendition' | 'archive' | 'text';
  path: string;
  sha256: string;
  size: number;
  mime: string;
  href: string;
}

interface TransferJson {
  id: string;
  recipient: string;
  state: string;
  createdAt: string;
  createdBy: string;
  sourceOrganization: { ar: string; en: string };
  documents: Array<{
    id: string;
    registryNo: string;
    dir: string;
    metadata: Record<string, unknown> & {
      title: string | null;
      docType: string | null;
      docDate: string | null;
      registeredAt: string;
      classification: string;
      correspondent: string | null;
      department: string | null;
    };
    files: TransferFileJson[];
  }>;
}

/** The body of an API answer, streamed, with the server's error as an ApiError. */
async function open(config: Config, href: string): Promise<Readable | AsyncIterable<Uint8Array>> {
  const file = adminTokenFile(config.dataDir);
  const token = config.client.token ?? (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined);
  if (!token)
    throw new Error('No access token: set DIWAN_TOKEN (or run on the server machine, where <data>/admin-token is read).');
  const res = await fetch(`${config.client.url.replace(/\/+$/, '')}${href}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok || !res.body) {
    const text = await res.text();
    let body: ApiError['body'];
    try {
      body = JSON.parse(text) as ApiError['body'];
    } catch {
      body = undefined;
    }
    throw new ApiError(res.status, body);
  }
  return res.body as unknown as AsyncIterable<Uint8Array>;
}

/** A bag's name: the date and the transfer's id, plain ASCII. */
export function bagNameOf(transferId: string, at: Date): string {
  return `diwan-transfer-${at.toISOString().slice(0, 10).replace(/-/g, '')}-${transferId.slice(0, 8)}`;
}

export async function exportBagit(config: Config, args: CommandInput): Promise<number> {
  const [dir] = args.positionals;
  if (!dir) throw new UsageError('export needs: bagit DIR (--ids|--query|--due)');
  const ids = args.options.get('ids');
  const query = args.options.get('query');
  const due = args.options.get('due');
  const openId = args.options.get('transfer');
  const filters = Object.fromEntries(
    ['type', 'department', 'register', 'from', 'to'].flatMap((k) => (args.options.has(k) ? [[k, args.options.get(k)!]] : [])),
  );
  const chosen = [ids, query ?? (Object.keys(filters).length > 0 ? '' : undefined), due, openId].filter((v) => v !== undefined);
  if (chosen.length !== 1)
    throw new UsageError('export bagit needs exactly one of --ids, --query (or filters), --due, --transfer');
  const recipient = args.options.get('recipient') ?? 'المحفوظات الوطنية / National Archives';
  fs.mkdirSync(dir, { recursive: true });

  const client = createClient(config);
  const body: Record<string, unknown> = { recipient };
  if (ids !== undefined)
    body.ids = ids
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  else if (due !== undefined) body.due = due;
  else {
    if (query) body.query = query;
    if (Object.keys(filters).length > 0) body.filters = filters;
  }
  const t =
    openId !== undefined
      ? await client.get<TransferJson>(`/transfers/${encodeURIComponent(openId)}`)
      : await client.post<TransferJson>('/transfers', body);
  if (t.state !== 'open') throw new Error(`transfer ${t.id} is ${t.state} already: its bag was written`);
  const name = bagNameOf(t.id, new Date());
  const bag = new BagWriter(dir, name);
  // The bytes written into the bag, every file's size known beforehand.
  const bar = progressBar('الحزمة / bag', { quiet: quietOf(args), units: bytes });
  const totalBytes = t.documents.reduce((n, d) => n + d.files.reduce((m, f) => m + f.size, 0), 0);
  let written = 0;
  let finished;
  try {
    const formats = new Map<string, string[]>();
    for (const [i, d] of t.documents.entries()) {
      formats.set(d.id, []);
      for (const f of d.files) {
        await bag.addStream(f.path, await open(config, f.href), { sha256: f.sha256, size: f.size });
        formats.get(d.id)!.push(f.mime.split(';')[0]!);
        written += f.size;
        bar.update(written, totalBytes, `${i + 1}/${t.documents.length} وثيقة/documents`);
      }
      const files = d.files.map((f) => ({
        path: f.path.slice(d.dir.length),
        role: f.role,
        mime: f.mime,
        sha256: f.sha256,
        size: f.size,
      }));
      const metadata = { ...d.metadata, transfer: { id: t.id, recipient: t.recipient, bag: name }, files };
      await bag.addBytes(`${d.dir}metadata.json`, JSON.stringify(metadata, null, 2) + '\n');
      const m = d.metadata;
      await bag.addBytes(
        `${d.dir}dc.xml`,
        dublinCoreXml({
          title: m.title,
          identifier: d.registryNo,
          date: m.docDate ?? m.registeredAt.slice(0, 10),
          creator: m.correspondent ?? m.department,
          publisher: t.sourceOrganization.ar,
          type: m.docType,
          formats: formats.get(d.id)!,
          rights: m.classification,
        }),
      );
    }
    finished = bag.finish([
      ['Source-Organization', [t.sourceOrganization.ar, t.sourceOrganization.en].filter(Boolean).join(' / ')],
      ['Bagging-Date', new Date().toISOString().slice(0, 10)],
      ['External-Identifier', t.id],
      ['External-Description', `Diwan transfer to ${t.recipient}`],
      ['Internal-Sender-Identifier', name],
      [
        'Internal-Sender-Description',
        `${t.documents.length} documents from the Diwan registry archive, transferred by ${t.createdBy}`,
      ],
      ['Bag-Count', '1 of 1'],
      ['Document-Count', String(t.documents.length)],
    ]);
  } catch (e) {
    bag.abort();
    throw e;
  } finally {
    bar.end();
  }
  const done = await client.post<TransferJson & { bagName: string; payloadOxum: string }>(`/transfers/${t.id}/complete`, {
    bagName: name,
    payloadOxum: finished.payloadOxum,
    tagmanifestSha256: finished.tagmanifestSha256,
  });
  if (args.flags.has('json')) {
    printJson({
      transferId: t.id,
      state: done.state,
      bag: finished.dir,
      bagName: name,
      payloadOxum: finished.payloadOxum,
      tagmanifestSha256: finished.tagmanifestSha256,
      documents: t.documents.map((d) => ({ id: d.id, registryNo: d.registryNo })),
    });
  } else {
    process.stdout.write(
      `${finished.dir}\n  ${t.documents.length} وثيقة / documents, ${finished.files} ملف / files, Payload-Oxum ${finished.payloadOxum}\n` +
        `  تحقق / check: cd ${finished.dir} && sha256sum -c manifest-sha256.txt\n` +
        `  tagmanifest SHA-256: ${finished.tagmanifestSha256}\n` +
        `  بعد استلام الجهة للحزمة / once the recipient acknowledges it: diwan transfers receipt ${t.id} --ref REF --date YYYY-MM-DD --tagmanifest SHA256\n`,
    );
  }
  return 0;
}

/** `diwan transfers receipt ID --ref R --date YYYY-MM-DD --tagmanifest SHA256 [--json]` */
export async function transfersReceipt(config: Config, args: CommandInput): Promise<number> {
  const [id] = args.positionals;
  const ref = args.options.get('ref');
  const date = args.options.get('date');
  const tagmanifest = args.options.get('tagmanifest');
  if (!id || !ref || !date || !tagmanifest) {
    throw new UsageError('transfers needs: receipt ID --ref REF --date YYYY-MM-DD --tagmanifest SHA256');
  }
  const t = await createClient(config).post<TransferJson & { receivedAt: string; receiptRef: string; receiptDate: string }>(
    `/transfers/${encodeURIComponent(id)}/receipt`,
    { ref, date, tagmanifestSha256: tagmanifest },
  );
  if (args.flags.has('json')) {
    printJson({
      transferId: t.id,
      state: t.state,
      receivedAt: t.receivedAt,
      receiptRef: t.receiptRef,
      receiptDate: t.receiptDate,
    });
  } else {
    process.stdout.write(
      `${t.id}  سُجّل إيصال الاستلام / receipt recorded: ${t.receiptRef} (${t.receiptDate}), ${t.documents.length} وثيقة / documents\n`,
    );
  }
  return 0;
}
