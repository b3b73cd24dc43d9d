#!/usr/bin/env node
// Diwan audit bundle verifier: checks an exported bundle, and files against
// it, with nothing but Node.js (18 or newer) and no access to Diwan's servers.
//
//   node verify.mjs BUNDLE_DIR [FILE...]
//   node verify.mjs proof PROOF.json [--key public-key.pem] [FILE...]
//
// A bundle: it checks
//   1. the ledger's hash chain (ledger.jsonl): each entry's hash is
//      sha256(previous hash + canonical JSON of {at, event, documentId, payload});
//   2. every checkpoint (checkpoints.json): its Ed25519 signature with the
//      bundle's public key (public-key.pem), that the ledger entry it names has
//      the hash it signed, and its root over the documents archived by then:
//      format /1, a Merkle tree over them in registry order; format /2, a Merkle
//      mountain range over them in the order of their first 'archived' ledger
//      entries, of mmrSize leaves (every /2 root rebuilt from the one run of
//      leaves, so each checkpoint's range is a prefix of the next one's);
//   3. every manifest (manifests/*.json): its SHA-256 is the one the ledger
//      recorded when the document was archived; and every document the ledger
//      says was archived has its manifest in the bundle;
//   4. each FILE: its SHA-256 is a registered file's (an original, an archive
//      PDF...), and which. A file that matches nothing is named, with the
//      ledger entry that registered the file of that name, when there is one.
// A bundle exported by someone not cleared for every document holds, of each
// document they may not see, withheld ledger entries (`withheld: true`, the
// payload cut down to registry numbers and fingerprints) and a stub in place of
// its manifest (format 'diwan-manifest-withheld/1'). A withheld entry's hash
// cannot be recomputed: its link to the entry before is checked, its hash is
// taken as given (the next entry's link and any checkpoint that signed it hold
// it in place), and the output says how many there are. A stub's
// `manifestSha256` (and withheld.json's, written beside it) must be the one the
// ledger recorded; its registry number and fingerprints enter the checkpoints'
// Merkle roots, and its `files` identify files, as a full manifest's would.
// A proof (`diwan audit proof`, `diwan audit consistency`) is checked by
// offlineProof.mjs, beside this file: see there.
// The exit status is 0 when everything holds, 1 otherwise. Share the public
// key's fingerprint with the auditor by another way than the bundle.
import { Buffer } from 'node:buffer';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson, documentLeaf, mmrRoots, sha256, verifyProof } from './offlineProof.mjs';

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

/** A manifest withheld from the exporter: its registry number and fingerprints, and the real manifest's SHA-256. */
const WITHHELD_MANIFEST = 'diwan-manifest-withheld/1';
/** A lawfully destroyed document's tombstone, in its manifest's place. */
const TOMBSTONE = 'diwan-tombstone/1';
/** The files a manifest lists; a tombstone's removed files by their keys. */
const filesOf = (m) =>
  m.manifest.format === TOMBSTONE
    ? (m.manifest.files ?? []).map((f) => ({ path: f.key, kind: `destroyed (${f.target})`, sha256: f.sha256 }))
    : (m.manifest.files ?? []);

/**
 * A withheld manifest's stub stands in for a manifest the ledger recorded in a
 * withheld 'archived' entry: the SHA-256 it gives (and withheld.json's) is the
 * one recorded there, and its registry number and archive fingerprint agree.
 */
function checkWithheldManifest(m, entry) {
  const label = `manifest ${m.name} (${m.manifest.registryNo}, withheld)`;
  if (!entry) {
    fail(`البيان المحجوب ${m.name} لا يسمّيه قيد أرشفة / ${label}: no 'archived' ledger entry names this document`);
    return;
  }
  if (entry.withheld !== true) {
    fail(
      `البيان ${m.name} بديل محجوب لوثيقة قيودها معروضة كاملة / ${label}: stands in for a document whose ledger entry ${entry.seq} is given in full: its whole manifest should be in the bundle`,
    );
    return;
  }
  const recorded = entry.payload.manifestSha256;
  let sound = true;
  const problem = (ar, en) => {
    fail(`البيان المحجوب ${m.name}: ${ar} / ${label}: ${en}`);
    sound = false;
  };
  if (m.manifest.manifestSha256 !== recorded)
    problem(
      `بصمته manifestSha256 ${m.manifest.manifestSha256} ليست ${recorded} المسجلة في القيد ${entry.seq}`,
      `its manifestSha256 ${m.manifest.manifestSha256} is not the ${recorded} of ledger entry ${entry.seq}`,
    );
  if (withheldIndex) {
    const listed = withheldIndex.get(m.name);
    if (!listed) problem('غير مذكور في withheld.json', 'withheld.json does not list it');
    else if (listed.sha256 !== recorded)
      problem(
        `بصمته في withheld.json ${listed.sha256} ليست ${recorded} المسجلة في القيد ${entry.seq}`,
        `withheld.json gives its SHA-256 as ${listed.sha256}, not the ${recorded} of ledger entry ${entry.seq}`,
      );
  }
  if ('registryNo' in entry.payload && entry.payload.registryNo !== m.manifest.registryNo)
    problem(
      `رقم قيده ليس ${entry.payload.registryNo} المسجل في القيد ${entry.seq}`,
      `its registry number is not the ${entry.payload.registryNo} of ledger entry ${entry.seq}`,
    );
  if ('archiveSha256' in entry.payload && (entry.payload.archiveSha256 ?? null) !== (m.manifest.sha256?.archivePdf ?? null))
    problem(
      `بصمة نسخته الأرشيفية ليست ${entry.payload.archiveSha256} المسجلة في القيد ${entry.seq}`,
      `its archive PDF fingerprint is not the ${entry.payload.archiveSha256} of ledger entry ${entry.seq}`,
    );
  if (sound)
    ok(
      `manifest ${m.manifest.registryNo}: محجوب، وبصمته كما سُجّلت في القيد ${entry.seq} / withheld, its SHA-256 as recorded in ledger entry ${entry.seq} (its text is not in the bundle)`,
    );
}

if (process.argv[2] === 'proof' && process.argv[3] && fs.existsSync(process.argv[3]) && fs.statSync(process.argv[3]).isFile())
  verifyProof(process.argv.slice(3));
const [dir, ...files] = process.argv.slice(2);
if (!dir) {
  process.stderr.write(
    'usage: node verify.mjs BUNDLE_DIR [FILE...]\n       node verify.mjs proof PROOF.json [--key public-key.pem] [FILE...]\n',
  );
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
  if (e.withheld === true) {
    // Its payload was cut down at export, so its hash cannot be recomputed: its link is checked, its hash taken as given.
    if (!e.documentId) {
      fail(
        `القيد ${e.seq} (${e.event}) محجوب ولا يخص وثيقة، ولا يُحجب إلا ما يخص وثيقة / ledger entry ${e.seq} (${e.event}) is marked withheld but names no document: only entries about a document are withheld`,
      );
      chainOk = false;
      break;
    }
    if (e.prevHash !== prev) {
      fail(
        `القيد المحجوب ${e.seq} (${e.event}) لا يتصل بالقيد الذي قبله: بصمة سابقه المسجلة فيه ${e.prevHash} لا ${prev}، فقد غُيّر السجل عنده / ledger entry ${e.seq} (${e.event}, withheld) does not follow from the one before: its prevHash ${e.prevHash} is not ${prev}, the hash of the entry before it: the history was changed there`,
      );
      chainOk = false;
      break;
    }
    if (typeof e.entryHash !== 'string' || !/^[0-9a-f]{64}$/.test(e.entryHash)) {
      fail(
        `القيد المحجوب ${e.seq} (${e.event}) بلا بصمة صالحة / ledger entry ${e.seq} (${e.event}, withheld) has no valid entryHash`,
      );
      chainOk = false;
      break;
    }
    prev = e.entryHash;
    continue;
  }
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
// An export withholds every entry about a document, or none.
const withheldDocuments = new Map(); // documentId -> registry number
for (const e of ledger) {
  if (e.withheld === true && e.documentId && !withheldDocuments.get(e.documentId))
    withheldDocuments.set(e.documentId, e.payload?.registryNo);
}
for (const [documentId] of withheldDocuments) {
  const shown = ledger.find((e) => e.documentId === documentId && e.withheld !== true);
  if (shown)
    fail(
      `القيد ${shown.seq} (${shown.event}) معروض كاملًا وقد حُجبت قيود أخرى عن وثيقته ${withheldDocuments.get(documentId) ?? documentId}، والحجب يشمل قيود الوثيقة كلها أو لا شيء منها / ledger entry ${shown.seq} (${shown.event}) is shown in full, but other entries about its document ${withheldDocuments.get(documentId) ?? documentId} are withheld: an export withholds all of a document's entries or none`,
    );
}
const withheldCount = ledger.filter((e) => e.withheld === true).length;
if (withheldCount > 0) {
  const numbers = [...new Set([...withheldDocuments].map(([id, no]) => no ?? id))].sort().join(', ');
  process.stdout.write(
    `note قيود محجوبة: ${withheldCount} (عن وثائق لا يخوَّل مُصدِّر الحزمة الاطلاع عليها: ${numbers})؛ يُتحقَّق من اتصال كل منها بما قبله، ولم يمكن إعادة حساب بصمة محتواها` +
      ` / ${withheldCount} ledger entries withheld (about documents the exporter is not cleared for: ${numbers}): their links to the entries before them are checked, but their contents could not be re-hashed\n`,
  );
}

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
// What the export gave as each withheld manifest's SHA-256 (written by `diwan audit export` when there are any).
const withheldFile = path.join(dir, 'withheld.json');
const withheldIndex = fs.existsSync(withheldFile)
  ? new Map(JSON.parse(fs.readFileSync(withheldFile, 'utf8')).map((w) => [path.basename(w.manifest), w]))
  : null;
// A lawfully destroyed document's tombstone stands in its manifest's place: its SHA-256 is the one its
// 'destroyed' ledger entry recorded, and it gives the registry number and fingerprints the checkpoints signed.
const destroyedAt = new Map(); // documentId -> ledger entry of 'destroyed'
for (const e of ledger) if (e.event === 'destroyed' && e.documentId) destroyedAt.set(e.documentId, e);
for (const m of manifests) {
  const entry = archivedAt.get(m.manifest.id);
  if (m.manifest.format === TOMBSTONE) {
    const gone = destroyedAt.get(m.manifest.id);
    const label = `tombstone ${m.name} (${m.manifest.registryNo})`;
    if (!gone) fail(`شاهد الإتلاف ${m.name} لا يسمّيه قيد إتلاف / ${label}: no 'destroyed' ledger entry names this document`);
    else if (gone.payload.sha256 !== m.sha256)
      fail(
        `شاهد الإتلاف ${m.name} لا يطابق قيد الإتلاف / ${label}: SHA-256 ${m.sha256} is not the ${gone.payload.sha256} of ledger entry ${gone.seq}`,
      );
    else if (!entry) fail(`${label}: no 'archived' ledger entry names this document`);
    else
      ok(
        `${m.manifest.registryNo}: أُتلفت إتلافًا قانونيًا، وشاهد إتلافها كما سُجّل في القيد ${gone.seq} / lawfully destroyed on ${String(m.manifest.destroyedAt).slice(0, 10)} (decision ${m.manifest.disposal?.decisionNo ?? '-'}), its tombstone as recorded in ledger entry ${gone.seq}`,
      );
    continue;
  }
  if (m.manifest.format === WITHHELD_MANIFEST) {
    checkWithheldManifest(m, entry);
    continue;
  }
  if (withheldIndex?.has(m.name))
    fail(
      `البيان ${m.name} مذكور في withheld.json وليس بديلًا محجوبًا / manifest ${m.name} (${m.manifest.registryNo}): withheld.json lists it as withheld, but it is not a withheld stub`,
    );
  if (entry?.withheld === true)
    fail(
      `البيان ${m.name} كامل لكن القيد ${entry.seq} الذي سجّل بصمته محجوب فلا يُعتمد عليه / manifest ${m.name} (${m.manifest.registryNo}): ledger entry ${entry.seq}, which recorded its SHA-256, is withheld and cannot be re-hashed, so it cannot vouch for a manifest given in full`,
    );
  else if (!entry) fail(`manifest ${m.name} (${m.manifest.registryNo}): no 'archived' ledger entry names this document`);
  else if (entry.payload.manifestSha256 !== m.sha256)
    fail(
      `manifest ${m.name} (${m.manifest.registryNo}): SHA-256 ${m.sha256} is not the ${entry.payload.manifestSha256} of ledger entry ${entry.seq}`,
    );
  else ok(`manifest ${m.manifest.registryNo}: as recorded in ledger entry ${entry.seq}`);
}
for (const [name] of withheldIndex ?? []) {
  if (!manifests.some((m) => m.name === name))
    fail(`البيان المحجوب ${name} ليس في الحزمة / manifest ${name}: withheld.json lists it, but it is not in the bundle`);
}
const manifestIds = new Set(manifests.map((m) => m.manifest.id));
for (const [documentId, entry] of archivedAt) {
  if (!manifestIds.has(documentId))
    fail(
      `document ${entry.payload.registryNo ?? documentId} (archived in ledger entry ${entry.seq}): its manifest is not in the bundle, so its files cannot be checked`,
    );
}

// 2. The checkpoints.
const checkpointsFile = path.join(dir, 'checkpoints.json');
const checkpoints = fs.existsSync(checkpointsFile) ? JSON.parse(fs.readFileSync(checkpointsFile, 'utf8')) : [];
const publicKey = crypto.createPublicKey(fs.readFileSync(path.join(dir, 'public-key.pem')));
// Format /2: the documents in the order of their first 'archived' entry (the ledger is in order), as leaves of one range.
const firstArchived = [];
const inRange = new Set();
for (const e of ledger) {
  if (e.event !== 'archived' || !e.documentId || inRange.has(e.documentId)) continue;
  inRange.add(e.documentId);
  firstArchived.push(e);
}
const manifestById = new Map(manifests.map((m) => [m.manifest.id, m]));
const rangeSizes = new Set(checkpoints.filter((c) => c.body?.format === 'diwan-checkpoint/2').map((c) => c.body.mmrSize));
const rangeLeaves = [];
for (const e of firstArchived.slice(0, Math.max(0, ...rangeSizes))) {
  const m = manifestById.get(e.documentId);
  if (!m) break; // named above; a checkpoint over it cannot be checked
  rangeLeaves.push(
    documentLeaf({
      registryNo: m.manifest.registryNo,
      original: m.manifest.sha256?.original,
      archivePdf: m.manifest.sha256?.archivePdf,
    }),
  );
}
const rangeRoots = mmrRoots(rangeLeaves, rangeSizes);
/** How many documents the ledger shows archived by entry `seq` (firstArchived is in ledger order). */
const archivedBy = (seq) => {
  let lo = 0;
  let hi = firstArchived.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (firstArchived[mid].seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};
let rangeChecked = 0;
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
  if (c.body.format === 'diwan-checkpoint/2') {
    const size = c.body.mmrSize;
    if (archivedBy(c.body.ledgerSeq) !== size || c.body.documents !== size) {
      fail(
        `${label}: it signed a range of ${size} documents, but the ledger shows ${archivedBy(c.body.ledgerSeq)} archived by then`,
      );
      continue;
    }
    if (size > rangeLeaves.length) {
      fail(`${label}: the bundle lacks the manifests of documents in its range: the fingerprints cannot be checked`);
      continue;
    }
    if (rangeRoots.get(size) !== c.body.merkleRoot) {
      fail(
        `${label}: the documents' fingerprints, in the order they were archived, do not give the Merkle range's root it signed`,
      );
      continue;
    }
    rangeChecked++;
    ok(`${label}: signature valid, ledger entry and fingerprints as signed (Merkle mountain range of ${size} documents)`);
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
  if (covered.length !== c.body.documents) {
    fail(
      `${label}: it signed ${c.body.documents} archived documents, but the bundle holds the manifests of ${covered.length} archived by then: the fingerprints cannot be checked`,
    );
    continue;
  }
  if (merkleRoot(covered) !== c.body.merkleRoot) {
    fail(`${label}: the documents' fingerprints do not give the Merkle root it signed`);
    continue;
  }
  ok(`${label}: signature valid, ledger entry and fingerprints as signed`);
}
if (rangeChecked > 1)
  ok(
    `checkpoints over the Merkle range: ${rangeChecked}, each rebuilt from the same run of documents, so each one's range is a prefix of the next`,
  );

// 4. The files.
const known = new Map(); // sha256 -> [{registryNo, path, kind}]
const byName = new Map(); // file name -> [{registryNo, path, sha256}]
for (const m of manifests) {
  for (const f of filesOf(m)) {
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
    for (const f of filesOf(m)) {
      const slug = `${m.manifest.registryNo.replace(/\//g, '-')}-${path.basename(f.path)}`;
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
