/**
 * One document, made ready to restore: its manifest checked against the
 * ledger's 'archived' entry, every file it lists (and every later reading the
 * ledger vouches for) made sure of in both buckets, its readings parsed from
 * the bytes just hashed, and its place checked against its registry number.
 * Its rows are written with its batch's (documentRows.ts).
 */
import { sha256 } from '../hash';
import { LATER_READINGS, type LedgerEntry } from '../integrity/ledger';
import { manifestOriginal, manifestPlace, type ManifestFile } from '../manifest';
import type { ObjectStore } from '../objectStore';
import { ocrFileProblem, parseOcrFile, type OcrFile } from '../ocrFile';
import { prefixOfKey, type ReadManifest } from './bucket';
import type { CheckedDocument } from './documentRows';
import type { Secure } from './secure';

export interface DocumentRestore {
  source: ObjectStore;
  /** The offsite bucket's name, which replicas are recorded against. */
  offsiteName: string;
  secure: Secure;
  /** The keys the other bucket holds under a document's folder (listed with its batch, not looked up per object). */
  otherKeys: (prefix: string) => Promise<Set<string>>;
}

/**
 * The document whose manifest was read at `manifestKey`, with `entries` its
 * vouching ledger entries, checked and made sure of; undefined (and the
 * reasons in `problems`) when it cannot be restored.
 */
export async function checkDocument(
  ctx: DocumentRestore,
  manifestKey: string,
  read: ReadManifest,
  entries: LedgerEntry[],
  problems: string[],
): Promise<CheckedDocument | undefined> {
  const { secure } = ctx;
  const { bytes: manifestBytes, m } = read;
  const prefix = prefixOfKey(manifestKey);
  // The manifest itself must be the one the ledger recorded when the document was archived.
  const archived = entries.find((e) => e.event === 'archived');
  const manifestSha = sha256(manifestBytes);
  if (!archived) {
    // Nothing vouches for this manifest: it is named for an operator to look at, and not restored.
    problems.push(`${m.registryNo}: not restored: no 'archived' ledger entry vouches for its manifest (${manifestSha})`);
    return undefined;
  }
  if (archived.payload.manifestSha256 !== manifestSha) {
    problems.push(`${m.registryNo}: manifest.json does not match the ledger (${manifestSha})`);
    return undefined;
  }
  const manifest: ManifestFile = {
    path: 'manifest.json',
    kind: 'manifest',
    sha256: manifestSha,
    size: manifestBytes.length,
    contentType: 'application/json',
  };
  const inOther = await ctx.otherKeys(prefix);
  const known = (key: string, have?: Buffer) => ({ have, inOther: inOther.has(key) });
  if (!(await secure({ ...manifest, key: manifestKey }, problems, known(manifestKey, manifestBytes))).ok) return undefined;
  const files = [...m.files];
  files.push(...(await laterReadings(ctx, m.registryNo, prefix, entries, problems)));
  // The files go several at a time (the securer bounds how many objects are in flight across documents).
  const secured = await Promise.all(
    files.map((f) => {
      const key = `${prefix}${f.path}`;
      return secure({ key, sha256: f.sha256, size: f.size, contentType: f.contentType }, problems, known(key));
    }),
  );
  const whole = secured.every((s) => s.ok);
  const readings = new Map<string, Buffer | undefined>();
  for (const [i, f] of files.entries()) {
    const s = secured[i]!;
    if (s.ok && f.kind === 'ocr-json') readings.set(f.path, s.bytes);
  }
  if (!whole) return undefined;

  const texts: OcrFile[] = [];
  for (const [path, held] of readings) texts.push(parseOcrFile(held ?? (await ctx.source.getBuffer(`${prefix}${path}`))));
  texts.sort((a, b) => a.textVersion.version - b.textVersion.version);
  for (const t of texts) {
    const problem = ocrFileProblem(t);
    if (problem) {
      problems.push(`${m.registryNo}: not restored: text version ${t.textVersion?.version}: ${problem}`);
      return undefined;
    }
  }
  const ref = manifestPlace(m, prefix);
  if (!ref) {
    problems.push(`${manifestKey}: registry number ${m.registryNo} does not match where the manifest is kept`);
    return undefined;
  }
  return { m, prefix, ref, original: manifestOriginal(m, files), files, manifest, texts, offsiteName: ctx.offsiteName };
}

/** Later readings (re-OCR, a person's correction) are not in the manifest, which was written once; the ledger vouches for them. */
async function laterReadings(
  ctx: DocumentRestore,
  registryNo: string,
  prefix: string,
  entries: LedgerEntry[],
  problems: string[],
): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  for (const r of entries.filter((e) => LATER_READINGS.includes(e.event))) {
    const version = Number(r.payload.version);
    const path = `ocr-v${version}.json`;
    const there = await ctx.source.stat(`${prefix}${path}`).catch(() => undefined);
    if (!there) {
      problems.push(`${registryNo}: text version ${version} (${path}) is not in ${ctx.source.name}`);
      continue;
    }
    files.push({
      path,
      kind: 'ocr-json',
      sha256: String(r.payload.ocrSha256),
      size: there.size,
      contentType: 'application/json',
    });
  }
  return files;
}
