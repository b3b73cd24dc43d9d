/**
 * The audit export, streamed: everything an auditor needs to check the
 * archive offline (the ledger, the checkpoints, the public key, every
 * archived document's manifest as stored), read and written a page at a time,
 * so that its memory does not grow with the archive.
 *
 * Read in this order, so that the ledger holds every entry a checkpoint
 * signed, and every document the ledger says was archived has its manifest
 * here (the offline verifier requires both). Of a document the caller is not
 * cleared for, only its registry number and fingerprints (withheld entries).
 *
 * As one JSON object (the default, as before), or as lines of JSON
 * (`?format=ndjson`: a header, then each ledger entry, checkpoint and
 * manifest on its own line), which a client can write out as it reads.
 */
import type { Request, Response } from 'express';
import { listCheckpoints } from '../../storage/integrity/checkpoints';
import { archivedManifestsPage, ledgerHead } from '../../storage/integrity/exportRows';
import { allLedgerEntries, type LedgerEntry } from '../../storage/integrity/ledger';
import { documentStatusCounts } from '../../storage/stats';
import { callerOf, canSee, type Caller } from '../auth';
import type { AuditDeps } from './audit';

const LEDGER_PAGE = 5000;
const MANIFEST_PAGE = 200;
/** Manifests read from object storage at once. */
const IN_FLIGHT = 8;

/** Payload fields a withheld ledger entry keeps: registry numbers and fingerprints, nothing of the content. */
const FINGERPRINT_FIELDS = ['registryNo', 'fingerprint', 'sha256', 'manifestSha256', 'archiveSha256', 'ocrSha256'];

/**
 * A ledger entry about a document the caller is not cleared for: its place in
 * the chain (seq, prevHash, entryHash), its event and the fingerprints it
 * names, without the rest of its payload (file names, reasons, who read it).
 * Its hash cannot be recomputed from what is left: it is marked `withheld`.
 */
function withheldEntry(e: LedgerEntry): LedgerEntry & { withheld: true } {
  const payload: Record<string, unknown> = {};
  for (const k of FINGERPRINT_FIELDS) if (k in e.payload) payload[k] = e.payload[k];
  if (Array.isArray(e.payload.files)) {
    payload.files = (e.payload.files as Array<Record<string, unknown>>).map((f) => ({
      path: f.path,
      sha256: f.sha256,
      size: f.size,
    }));
  }
  return { ...e, payload, withheld: true };
}

/**
 * In place of the manifest of a document the caller is not cleared for: its
 * registry number and fingerprints alone (format 'diwan-manifest-withheld/1'),
 * taken from the stored manifest, whose own SHA-256 the ledger recorded.
 */
function withheldManifest(
  key: string,
  sha256: string,
  stored: string,
): { key: string; sha256: string; withheld: true; text: string } {
  const m = JSON.parse(stored) as {
    id: string;
    registryNo: string;
    sha256: unknown;
    files?: Array<{ path: string; kind: string; sha256: string; size: number }>;
  };
  const stub = {
    format: 'diwan-manifest-withheld/1',
    id: m.id,
    registryNo: m.registryNo,
    manifestSha256: sha256,
    sha256: m.sha256,
    files: (m.files ?? []).map((f) => ({ path: f.path, kind: f.kind, sha256: f.sha256, size: f.size })),
  };
  return { key, sha256, withheld: true, text: JSON.stringify(stub) };
}

/** Answers remembered by `clearance`: a document's entries come close together, and memory stays bounded. */
const CLEARANCE_REMEMBERED = 10_000;

/** Whether the caller is cleared for each document (by id), remembered for the last documents asked about. */
function clearance(deps: AuditDeps, caller: Caller) {
  const known = new Map<string, boolean>();
  return async (documentId: string): Promise<boolean> => {
    let ok = known.get(documentId);
    if (ok === undefined) {
      const doc = await deps.documents.get(documentId);
      ok = doc !== undefined && canSee(caller, doc);
      if (known.size >= CLEARANCE_REMEMBERED) known.clear();
      known.set(documentId, ok);
    }
    return ok;
  };
}

type Part =
  | { type: 'ledger'; entry: LedgerEntry }
  | { type: 'checkpoint'; checkpoint: unknown }
  | { type: 'manifest'; manifest: { key: string; sha256: string; text: string; withheld?: true } };

/** The export's parts, in order, a page at a time. */
async function* exportParts(deps: AuditDeps, caller: Caller): AsyncGenerator<Part> {
  const cleared = clearance(deps, caller);
  for (const checkpoint of await listCheckpoints(deps.db)) yield { type: 'checkpoint', checkpoint };
  const head = await ledgerHead(deps.db);
  for (let after = 0; after < head; after += LEDGER_PAGE) {
    for (const e of await allLedgerEntries(deps.db, { after, upTo: Math.min(after + LEDGER_PAGE, head) })) {
      yield { type: 'ledger', entry: e.documentId === null || (await cleared(e.documentId)) ? e : withheldEntry(e) };
    }
  }
  let after: { year: number; seq: number } | undefined;
  for (;;) {
    const page = await archivedManifestsPage(deps.db, head, after, MANIFEST_PAGE);
    if (page.length === 0) break;
    after = page.at(-1)!;
    for (let i = 0; i < page.length; i += IN_FLIGHT) {
      const texts = await Promise.all(
        page.slice(i, i + IN_FLIGHT).map(async (m) => ({ m, text: (await deps.primary.getBuffer(m.key)).toString('utf8') })),
      );
      for (const { m, text } of texts) {
        // A tombstone carries no content (numbers, fingerprints, the approval): given in full to every auditor.
        const manifest =
          m.key.endsWith('/tombstone.json') || (await cleared(m.documentId))
            ? { key: m.key, sha256: m.sha256, text }
            : withheldManifest(m.key, m.sha256, text);
        yield { type: 'manifest', manifest };
      }
    }
  }
}

/** Writes `text`, waiting when the client reads more slowly than the archive writes. */
async function send(res: Response, text: string): Promise<void> {
  if (!res.write(text)) await new Promise<void>((resolve) => res.once('drain', resolve));
}

export function exportHandler(deps: AuditDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const ndjson = req.query.format === 'ndjson';
    const header = {
      format: 'diwan-audit-bundle/1',
      exportedAt: new Date().toISOString(),
      keyId: deps.signingKey.keyId,
      publicKey: deps.signingKey.publicKeyPem,
    };
    const parts = exportParts(deps, callerOf(res.locals));
    res.type(ndjson ? 'application/x-ndjson' : 'application/json');
    if (ndjson) {
      // What is coming, for a progress bar: entries up to the head as it stands, and archived documents' manifests.
      const expected = {
        ledgerEntries: await ledgerHead(deps.db),
        manifests: (await documentStatusCounts(deps.db)).get('archived') ?? 0,
      };
      await send(res, JSON.stringify({ type: 'header', ...header, expected }) + '\n');
      for await (const p of parts) await send(res, JSON.stringify(p) + '\n');
      res.end();
      return;
    }
    // One JSON object, as before, written as its parts come: the ledger, then the checkpoints, then the manifests.
    const checkpoints: unknown[] = [];
    let section: Part['type'] | undefined;
    await send(res, JSON.stringify(header).slice(0, -1) + ',"ledger":[');
    let first = true;
    for await (const p of parts) {
      if (p.type === 'checkpoint') {
        checkpoints.push(p.checkpoint); // few, and read before the ledger
        continue;
      }
      if (p.type !== section) {
        if (p.type === 'manifest') await send(res, `],"checkpoints":${JSON.stringify(checkpoints)},"manifests":[`);
        section = p.type;
        first = true;
      }
      await send(res, (first ? '' : ',') + JSON.stringify(p.type === 'ledger' ? p.entry : p.manifest));
      first = false;
    }
    if (section !== 'manifest') await send(res, `],"checkpoints":${JSON.stringify(checkpoints)},"manifests":[`);
    await send(res, ']}');
    res.end();
  };
}
