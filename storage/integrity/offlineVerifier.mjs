#!/usr/bin/env node
// Diwan audit bundle verifier: checks an exported bundle, and files against
// it, with nothing but Node.js (18 or newer) and no access to Diwan's servers.
//
//   node verify.mjs BUNDLE_DIR [FILE...]
//
// It checks:
//   1. the ledger's hash chain (ledger.jsonl): each entry's hash is
//      sha256(previous hash + canonical JSON of {at, event, documentId, payload});
//   2. every checkpoint (checkpoints.json): its Ed25519 signature with the
//      bundle's public key (public-key.pem), that the ledger entry it names has
//      the hash it signed, and its Merkle root over the documents archived by then;
//   3. every manifest (manifests/*.json): its SHA-256 is the one the ledger
//      recorded when the document was archived;
//   4. each FILE: its SHA-256 is a registered file's (an original, an archive
//      PDF...), and which. A file that matches nothing is named, with the
//      ledger entry that registered the file of that name, when there is one.
// The exit status is 0 when everything holds, 1 otherwise. Share the public
// key's fingerprint with the auditor by another way than the bundle.
import { Buffer } from 'node:buffer';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');

/** JSON with object keys sorted at every level, no spaces (as Diwan writes it). */
function canonicalJson(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value)
    .filter((k) => value[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

function merkleRoot(leaves) {
  if (leaves.length === 0) return sha256('');
  let level = leaves;
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? sha256(level[i] + level[i + 1]) : level[i]);
    level = next;
  }
  return level[0];
}

const [dir, ...files] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: node verify.mjs BUNDLE_DIR [FILE...]\n');
  process.exit(2);
}
const failures = [];
const fail = (m) => {
  failures.push(m);
  process.stdout.write(`FAIL ${m}\n`);
};
const ok = (m) => process.stdout.write(`ok   ${m}\n`);

// 1. The ledger.
const ledger = fs
  .readFileSync(path.join(dir, 'ledger.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l));
let prev = '0'.repeat(64);
let chainOk = true;
for (const e of ledger) {
  const expected = sha256(prev + canonicalJson({ at: e.at, event: e.event, documentId: e.documentId, payload: e.payload }));
  if (e.prevHash !== prev || e.entryHash !== expected) {
    fail(`ledger entry ${e.seq} (${e.event}) does not follow from the one before: the history was changed there`);
    chainOk = false;
    break;
  }
  prev = e.entryHash;
}
if (chainOk) ok(`ledger: ${ledger.length} entries, chain intact, head ${prev}`);
const bySeq = new Map(ledger.map((e) => [e.seq, e]));

// 3. The manifests (read first: checkpoints need them).
const manifestDir = path.join(dir, 'manifests');
const manifests = fs.existsSync(manifestDir)
  ? fs
      .readdirSync(manifestDir)
      .filter((n) => n.endsWith('.json'))
      .sort()
      .map((n) => {
        const bytes = fs.readFileSync(path.join(manifestDir, n));
        return { name: n, sha256: sha256(bytes), manifest: JSON.parse(bytes.toString('utf8')) };
      })
  : [];
const archivedAt = new Map(); // documentId -> ledger entry of 'archived'
for (const e of ledger) if (e.event === 'archived' && e.documentId) archivedAt.set(e.documentId, e);
for (const m of manifests) {
  const entry = archivedAt.get(m.manifest.id);
  if (!entry) fail(`manifest ${m.name} (${m.manifest.registryNo}): no 'archived' ledger entry names this document`);
  else if (entry.payload.manifestSha256 !== m.sha256)
    fail(
      `manifest ${m.name} (${m.manifest.registryNo}): SHA-256 ${m.sha256} is not the ${entry.payload.manifestSha256} of ledger entry ${entry.seq}`,
    );
  else ok(`manifest ${m.manifest.registryNo}: as recorded in ledger entry ${entry.seq}`);
}

// 2. The checkpoints.
const checkpointsFile = path.join(dir, 'checkpoints.json');
const checkpoints = fs.existsSync(checkpointsFile) ? JSON.parse(fs.readFileSync(checkpointsFile, 'utf8')) : [];
const publicKey = crypto.createPublicKey(fs.readFileSync(path.join(dir, 'public-key.pem')));
for (const c of checkpoints) {
  const label = `checkpoint ${c.id} (ledger entry ${c.body.ledgerSeq}, ${c.body.at})`;
  if (!crypto.verify(null, Buffer.from(canonicalJson(c.body)), publicKey, Buffer.from(c.signature, 'base64'))) {
    fail(`${label}: the signature does not match the public key`);
    continue;
  }
  const entry = bySeq.get(c.body.ledgerSeq);
  if (c.body.ledgerSeq > 0 && (!entry || entry.entryHash !== c.body.entryHash)) {
    fail(`${label}: the ledger entry it signed is not in the ledger as signed`);
    continue;
  }
  const covered = manifests
    .filter((m) => (archivedAt.get(m.manifest.id)?.seq ?? Infinity) <= c.body.ledgerSeq)
    .map((m) => ({
      registryNo: m.manifest.registryNo,
      original: m.manifest.sha256?.original,
      archivePdf: m.manifest.sha256?.archivePdf ?? null,
    }))
    .sort((a, b) => a.registryNo.localeCompare(b.registryNo))
    .map((d) => sha256(canonicalJson(d)));
  if (covered.length === c.body.documents && merkleRoot(covered) !== c.body.merkleRoot) {
    fail(`${label}: the documents' fingerprints do not give the Merkle root it signed`);
    continue;
  }
  ok(`${label}: signature valid, ledger entry and fingerprints as signed`);
}

// 4. The files.
const known = new Map(); // sha256 -> [{registryNo, path, kind}]
const byName = new Map(); // file name -> [{registryNo, path, sha256}]
for (const m of manifests) {
  for (const f of m.manifest.files ?? []) {
    const item = { registryNo: m.manifest.registryNo, path: f.path, kind: f.kind, sha256: f.sha256, documentId: m.manifest.id };
    known.set(f.sha256, [...(known.get(f.sha256) ?? []), item]);
    const base = path.basename(f.path);
    byName.set(base, [...(byName.get(base) ?? []), item]);
  }
}
for (const file of files) {
  const digest = sha256(fs.readFileSync(file));
  const hits = known.get(digest);
  if (hits) {
    for (const h of hits) ok(`${file}: ${h.kind} ${h.path} of ${h.registryNo}`);
    continue;
  }
  const named = [...(byName.get(path.basename(file)) ?? [])];
  // A file named after the registry number (2026-000123-original.jpg) points at its document.
  for (const m of manifests) {
    for (const f of m.manifest.files ?? []) {
      const slug = `${m.manifest.registryNo.replace('/', '-')}-${path.basename(f.path)}`;
      if (path.basename(file) === slug)
        named.push({ registryNo: m.manifest.registryNo, path: f.path, sha256: f.sha256, documentId: m.manifest.id });
    }
  }
  if (named.length === 0) {
    fail(`${file}: SHA-256 ${digest} matches no registered file`);
    continue;
  }
  for (const n of named) {
    const registered = ledger.find((e) => e.documentId === n.documentId && (e.event === 'registered' || e.event === 'archived'));
    fail(
      `${file}: SHA-256 ${digest} is not the ${n.sha256} registered for ${n.path} of ${n.registryNo}` +
        (registered ? ` (ledger entry ${registered.seq}, ${registered.event})` : ''),
    );
  }
}

process.stdout.write(failures.length === 0 ? 'VERIFIED: everything holds\n' : `NOT VERIFIED: ${failures.length} problem(s)\n`);
process.exit(failures.length === 0 ? 0 : 1);
