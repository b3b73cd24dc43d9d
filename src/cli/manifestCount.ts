/**
 * How many documents a bucket holds, counted beside a restore: restore tells its total only with its last
 * batch, and its progress bar needs one for a time left. The count is a listing alone, a page of keys at a
 * time (small beside reading every object, and its memory does not grow with the bucket); it stops when
 * the restore ends, finished or not.
 */
import type { ObjectStore } from '../../storage/objectStore';

/** Keys listed at a time. */
const PAGE = 5000;

export interface ManifestCount {
  /** The documents in the bucket, once counted (null until then). */
  readonly total: number | null;
  /** Stops counting (after the page being listed). */
  stop(): Promise<void>;
}

/** Starts counting the manifests under `documents/` in `source`: what restore reads (manifestKeyPages). */
export function countManifests(source: Pick<ObjectStore, 'list'>, pageSize = PAGE): ManifestCount {
  let stopped = false;
  let total: number | null = null;
  const counting = (async () => {
    let n = 0;
    for (let after: string | undefined; !stopped;) {
      const keys = await source.list('documents/', after, pageSize);
      n += keys.filter((k) => k.endsWith('/manifest.json')).length;
      if (keys.length < pageSize) {
        total = n;
        return;
      }
      after = keys.at(-1);
    }
  })().catch(() => undefined); // a listing that fails leaves the bar without a total, nothing worse
  return {
    get total() {
      return total;
    },
    async stop() {
      stopped = true;
      await counting;
    },
  };
}
