/**
 * Reading what restore needs from the source bucket, a page at a time: the
 * manifests' keys (in listing order), a manifest as stored (kept as bytes
 * too, to check against the ledger), the ledger's exported segments one by
 * one, and the checkpoints' keys.
 *
 * The keys come as an async iterator of pages, read from the bucket's
 * listing LIST_PAGE keys at a time (`list` with `startAfter` and `limit`), so
 * restore holds one page of keys at a time whatever the bucket's size. The
 * other bucket's keys are listed a batch at a time too: the range of folders
 * the batch's manifests name (one or two requests for a batch, instead of
 * one per document or a look-up per object).
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

/** Keys asked of the bucket's listing at a time (S3 answers at most 1000 a request). */
export const LIST_PAGE = 1000;

/** The manifests' keys under `documents/`, in the bucket's (key) order, `pageSize` at a time. */
export async function* manifestKeyPages(source: ObjectStore, pageSize: number): AsyncGenerator<string[]> {
  let page: string[] = [];
  let after: string | undefined;
  for (;;) {
    const keys = await source.list('documents/', after, LIST_PAGE);
    // Only the manifests' keys are kept from each page of the listing (one key in seven or so).
    for (const k of keys) {
      if (!k.endsWith(`/${MANIFEST}`)) continue;
      page.push(k);
      if (page.length === pageSize) {
        yield page;
        page = [];
      }
    }
    if (keys.length < LIST_PAGE) break;
    after = keys[keys.length - 1];
  }
  if (page.length > 0) yield page;
}

/**
 * The keys `store` holds in the folders `prefixes` (sorted, as a batch's manifests are), listed from the
 * first folder on until past the last; keys of folders between them that are not asked for are passed over.
 */
export async function keysOfFolders(store: ObjectStore, prefixes: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  const first = prefixes[0];
  if (first === undefined) return found;
  let i = 0;
  // Just before the first folder's keys: its name without the closing '/' sorts before all of them.
  let after = first.slice(0, -1);
  for (;;) {
    const keys = await store.list('documents/', after, LIST_PAGE);
    for (const k of keys) {
      // Both in key order: the folder a key could be in only moves forward.
      while (i < prefixes.length && k > prefixes[i]! && !k.startsWith(prefixes[i]!)) i++;
      if (i === prefixes.length) return found;
      if (k.startsWith(prefixes[i]!)) found.add(k);
    }
    if (keys.length < LIST_PAGE) return found;
    after = keys[keys.length - 1]!;
  }
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
