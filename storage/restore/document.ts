/**
 * One document, restored: its manifest checked against the ledger's
 * 'archived' entry, every file it lists (and every later reading the ledger
 * vouches for) made sure of in both buckets, its place checked against its
 * registry number, and then its rows written in one transaction.
 */
import type { Db } from '../db';
import { sha256 } from '../hash';
import type { LedgerEntry } from '../integrity/ledger';
import { manifestOriginal, manifestPlace, type Manifest, type ManifestFile } from '../manifest';
import type { ObjectStore } from '../objectStore';
import { ocrFileProblem } from '../ocrFile';
import { readTexts } from './bucket';
import { writeDocument } from './documentRows';
import type { RestoreReport } from './report';
import type { Secure } from './secure';

export interface DocumentRestore {
  db: Db;
  source: ObjectStore;
  /** The offsite bucket's name, which replicas are recorded against. */
  offsiteName: string;
  secure: Secure;
  report: RestoreReport;
}

/**
 * Restores the document whose manifest is `manifestBytes` at `manifestKey`,
 * with `entries` its ledger entries; false (and a problem in the report) when
 * it cannot be.
 */
export async function restoreDocument(
  ctx: DocumentRestore,
  manifestKey: string,
  manifestBytes: Buffer,
  m: Manifest,
  entries: LedgerEntry[],
): Promise<boolean> {
  const { report, secure } = ctx;
  const prefix = manifestKey.slice(0, -'manifest.json'.length);
  // The manifest itself must be the one the ledger recorded when the document was archived.
  const archived = entries.find((e) => e.event === 'archived');
  const manifestSha = sha256(manifestBytes);
  if (!archived) {
    // Nothing vouches for this manifest: it is named for an operator to look at, and not restored.
    report.problems.push(`${m.registryNo}: not restored: no 'archived' ledger entry vouches for its manifest (${manifestSha})`);
    return false;
  }
  if (archived.payload.manifestSha256 !== manifestSha) {
    report.problems.push(`${m.registryNo}: manifest.json does not match the ledger (${manifestSha})`);
    return false;
  }
  if (!(await secure(manifestKey, manifestSha, manifestBytes.length, 'application/json'))) return false;
  const files = [...m.files];
  files.push(...(await laterReadings(ctx, m, prefix, entries)));
  let whole = true;
  for (const f of files) whole = (await secure(`${prefix}${f.path}`, f.sha256, f.size, f.contentType)) && whole;
  if (!whole) return false;

  const texts = await readTexts(ctx.source, prefix, files);
  for (const t of texts) {
    const problem = ocrFileProblem(t);
    if (problem) {
      report.problems.push(`${m.registryNo}: not restored: text version ${t.textVersion?.version}: ${problem}`);
      return false;
    }
  }
  const ref = manifestPlace(m, prefix);
  if (!ref) {
    report.problems.push(`${manifestKey}: registry number ${m.registryNo} does not match where the manifest is kept`);
    return false;
  }
  await writeDocument(ctx.db, {
    m,
    prefix,
    ref,
    original: manifestOriginal(m, files),
    files,
    manifest: {
      path: 'manifest.json',
      kind: 'manifest',
      sha256: manifestSha,
      size: manifestBytes.length,
      contentType: 'application/json',
    },
    texts,
    offsiteName: ctx.offsiteName,
  });
  return true;
}

/** Later readings (re-OCR) are not in the manifest, which was written once; the ledger vouches for them. */
async function laterReadings(ctx: DocumentRestore, m: Manifest, prefix: string, entries: LedgerEntry[]): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  for (const r of entries.filter((e) => e.event === 'reocr')) {
    const version = Number(r.payload.version);
    const path = `ocr-v${version}.json`;
    const there = await ctx.source.stat(`${prefix}${path}`).catch(() => undefined);
    if (!there) {
      ctx.report.problems.push(`${m.registryNo}: text version ${version} (${path}) is not in ${ctx.source.name}`);
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
