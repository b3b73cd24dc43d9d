/**
 * Reading what restore needs from the source bucket, a page at a time: the
 * manifests' keys (in listing order), a manifest as stored (kept as bytes
 * too, to check against the ledger), the ledger's exported segments one by
 * one, and the checkpoints' keys.
 *
 * The keys come as an async iterator of pages, so the rest of restore holds
 * one page of keys at a time. ObjectStore offers only a whole listing of a
 * prefix (`list`), which is read here and handed on in pages; that listing is
 * the one part of restore whose memory still grows with the bucket (about 64
 * bytes a key), until the store offers a paged listing to read it from.
 */
import { segmentKeys } from '../integrity/ledgerExport';
import { documentPrefix } from '../layout';
import { parseManifest, type Manifest } from '../manifest';
import type { ObjectStore } from '../objectStore';
import { INCOMING, type RegistryRef } from '../../kernel/registry';

/** A manifest as read: its stored bytes and what they say. */
export interface ReadManifest {
  bytes: Buffer;
  m: Manifest;
}

const MANIFEST = 'manifest.json';

/** The manifests' keys under `documents/`, in key order, `pageSize` at a time. */
export async function* manifestKeyPages(source: ObjectStore, pageSize: number): AsyncGenerator<string[]> {
  // Only the manifests' keys are kept from the listing (one key in seven or so), and the listing is let go.
  const manifests = (await source.list('documents/')).filter((k) => k.endsWith(`/${MANIFEST}`)).sort();
  for (let i = 0; i < manifests.length; i += pageSize) yield manifests.slice(i, i + pageSize);
}

/** Every checkpoint object's key, in order (one a day: a small list). */
export async function checkpointKeys(source: ObjectStore): Promise<string[]> {
  return (await source.list('checkpoints/')).filter((k) => k.endsWith('.json')).sort();
}

/** The ledger segments' keys, in order (up to 5000 entries each: a list a few thousand long at most). */
export async function ledgerSegmentKeys(source: ObjectStore): Promise<string[]> {
  return segmentKeys(source);
}

/** The registry number a manifest key stands for, when the key is the canonical place of that number. */
export function placeOfKey(key: string): Required<RegistryRef> | undefined {
  const m = /^documents\/(?:([a-z][a-z0-9-]{1,30})\/)?(\d+)\/(\d+)\/manifest\.json$/.exec(key);
  if (!m) return undefined;
  const ref = { register: m[1] ?? INCOMING, year: Number(m[2]), seq: Number(m[3]) };
  return `${documentPrefix(ref)}${MANIFEST}` === key ? ref : undefined;
}

/** The document's folder of a manifest key. */
export function prefixOfKey(key: string): string {
  return key.slice(0, -MANIFEST.length);
}

/** The manifest at `key`, or the reason it cannot be read. */
export async function readManifest(source: ObjectStore, key: string): Promise<ReadManifest | { error: string }> {
  try {
    const bytes = await source.getBuffer(key);
    return { bytes, m: parseManifest(bytes) };
  } catch (e) {
    return { error: `${key}: unreadable (${(e as Error).message})` };
  }
}
