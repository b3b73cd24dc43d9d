/**
 * Reading what restore needs from the source bucket: the manifests (kept as
 * bytes too, to check against the ledger), the ledger's exported segments,
 * the readings of a document's text (`ocr.json`, `ocr-vN.json`) and the
 * checkpoints' keys.
 */
import { sha256 } from '../hash';
import { segmentKeys } from '../integrity/ledgerExport';
import { parseManifest, type Manifest, type ManifestFile } from '../manifest';
import type { ObjectStore } from '../objectStore';
import type { RestoreReport } from './report';
import type { Secure } from './secure';
import { parseOcrFile, type OcrFile } from '../ocrFile';

/** A manifest as read: its stored bytes and what they say. */
export interface ReadManifest {
  bytes: Buffer;
  m: Manifest;
}

/** Every document's manifest key, in order. */
export async function manifestKeys(source: ObjectStore): Promise<string[]> {
  return (await source.list('documents/')).filter((k) => k.endsWith('/manifest.json')).sort();
}

/** Every checkpoint object's key, in order. */
export async function checkpointKeys(source: ObjectStore): Promise<string[]> {
  return (await source.list('checkpoints/')).filter((k) => k.endsWith('.json')).sort();
}

/** The text of every ledger segment that is good in one bucket or the other (and so copied to both). */
export async function readSegments(source: ObjectStore, secure: Secure): Promise<string[]> {
  const texts: string[] = [];
  for (const key of await segmentKeys(source)) {
    const buf = await source.getBuffer(key);
    // Segments have no recorded fingerprint of their own: this copies them to the other bucket; the hash
    // chain checked later is what vouches for their content.
    if (!(await secure(key, sha256(buf), buf.length, 'application/x-ndjson'))) continue;
    texts.push(buf.toString('utf8'));
  }
  return texts;
}

/** The manifests at `keys`, by key; one that cannot be read is a problem in the report and left out. */
export async function readManifests(
  source: ObjectStore,
  keys: string[],
  report: RestoreReport,
): Promise<Map<string, ReadManifest>> {
  const manifests = new Map<string, ReadManifest>();
  for (const key of keys) {
    try {
      const bytes = await source.getBuffer(key);
      manifests.set(key, { bytes, m: parseManifest(bytes) });
    } catch (e) {
      report.problems.push(`${key}: unreadable (${(e as Error).message})`);
    }
  }
  return manifests;
}

/** The readings among a document's `files` (under `prefix`), oldest version first. */
export async function readTexts(source: ObjectStore, prefix: string, files: ManifestFile[]): Promise<OcrFile[]> {
  const texts: OcrFile[] = [];
  for (const f of files.filter((x) => x.kind === 'ocr-json')) {
    texts.push(parseOcrFile(await source.getBuffer(`${prefix}${f.path}`)));
  }
  texts.sort((a, b) => a.textVersion.version - b.textVersion.version);
  return texts;
}
