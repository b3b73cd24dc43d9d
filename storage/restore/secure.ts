/**
 * Making sure of one object during a restore: it is re-hashed in the source
 * bucket and compared with the SHA-256 recorded for it; either copy that is
 * damaged or missing is mended from the other when that one is good, and the
 * other bucket gets what it lacks.
 */
import type { ObjectStore } from '../objectStore';
import type { RestoreReport } from './report';

/** True when `key` is in the source with SHA-256 `expected` (mended if need be) and in the other bucket too. */
export type Secure = (key: string, expected: string, size: number, contentType: string) => Promise<boolean>;

/** A `Secure` between `source` and `other` that counts what it does, and what it cannot, in `report`. */
export function securer(source: ObjectStore, other: ObjectStore, report: RestoreReport): Secure {
  const hashOf = async (store: ObjectStore, key: string) => (await store.hash(key).catch(() => undefined))?.sha256;
  return async (key, expected, size, contentType) => {
    let good: ObjectStore = source;
    if ((await hashOf(source, key)) !== expected) {
      if ((await hashOf(other, key)) !== expected) {
        report.problems.push(`${key}: no copy with SHA-256 ${expected} in either bucket`);
        return false;
      }
      good = other;
      await source.repair(key, await other.get(key), size, contentType, expected);
      report.objects.repairedInSource++;
      report.problems.push(`${key}: damaged or missing in ${source.name}, repaired from ${other.name}`);
    } else if ((await hashOf(other, key)) !== expected) {
      const there = await other.stat(key).catch(() => undefined);
      if (there) await other.repair(key, await good.get(key), size, contentType, expected);
      else await other.putStream(key, await good.get(key), size, contentType, expected);
      if ((await hashOf(other, key)) !== expected) throw new Error(`${other.name}:${key} does not read back as ${expected}`);
      report.objects.copiedToOther++;
    }
    report.objects.verified++;
    report.objects.bytes += size;
    return true;
  };
}
