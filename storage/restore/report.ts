/** What a restore did, as `diwan restore` prints it: counts, the rebuilt ledger and registry, and every problem met. */

export interface RestoreReport {
  from: string;
  documents: { found: number; restored: number; alreadyPresent: number; failed: number };
  objects: { verified: number; copiedToOther: number; repairedInSource: number; bytes: number };
  ledger: { entries: number; brokenAt: number | null; fromSegments: number; fromManifests: number };
  checkpoints: number;
  /** The registry's own work put back from the ledger: changes replayed, and skipped for a missing document. */
  registryWork: { replayed: number; skipped: number };
  /** Scanned stacks kept whole, made again from their 'stack-kept' entries (failed: their file is in neither bucket). */
  keptStacks: { restored: number; alreadyPresent: number; failed: number };
  registry: Array<{ register: string; year: number; lastSeq: number }>;
  problems: string[];
  ms: number;
}

/** A report with nothing done yet, for a restore from the bucket named `from`. */
export function emptyReport(from: string): RestoreReport {
  return {
    from,
    documents: { found: 0, restored: 0, alreadyPresent: 0, failed: 0 },
    objects: { verified: 0, copiedToOther: 0, repairedInSource: 0, bytes: 0 },
    ledger: { entries: 0, brokenAt: null, fromSegments: 0, fromManifests: 0 },
    checkpoints: 0,
    registryWork: { replayed: 0, skipped: 0 },
    keptStacks: { restored: 0, alreadyPresent: 0, failed: 0 },
    registry: [],
    problems: [],
    ms: 0,
  };
}
