/**
 * The ledger as the pipeline uses it: an event recorded once per document
 * (a stage run again after a crash records nothing new), the entries about
 * one document, and the ledger's segments written out to object storage.
 */
import type { Db } from '../db';
import type { ObjectStore } from '../objectStore';
import { appendLedgerOnce, ledgerForDocument, type LedgerEntry, type LedgerEvent } from './ledger';
import { exportLedgerSegments } from './ledgerExport';

export interface DocumentLedger {
  /** Appends `event` for `documentId` unless already there (told apart from others by the `distinctBy` fields). */
  recordOnce(
    event: LedgerEvent,
    documentId: string,
    payload: Record<string, unknown>,
    distinctBy?: Record<string, unknown>,
  ): Promise<void>;
  /** The entries about one document, oldest first. */
  forDocument(documentId: string): Promise<LedgerEntry[]>;
  /** Writes the entries not yet exported to each store, as segments; returns the keys written. */
  exportSegments(stores: ObjectStore[]): Promise<string[]>;
}

export function createDocumentLedger(db: Db): DocumentLedger {
  return {
    recordOnce: (event, documentId, payload, distinctBy) => appendLedgerOnce(db, event, documentId, payload, distinctBy),
    forDocument: (documentId) => ledgerForDocument(db, documentId),
    exportSegments: (stores) => exportLedgerSegments(db, stores),
  };
}
