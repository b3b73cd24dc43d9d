// Diwan's Merkle mountain range and its proofs, checked with nothing but Node.js
// (18 or newer). It sits beside verify.mjs (offlineVerifier.mjs) in an audit
// bundle, which uses it to rebuild format /2 checkpoints' roots, and runs:
//
//   node verify.mjs proof PROOF.json [--key public-key.pem] [FILE...]
//   node offlineProof.mjs PROOF.json [--key public-key.pem] [FILE...]   (the same, alone)
//
// PROOF.json as `diwan audit proof` or `diwan audit consistency` saves it:
//   diwan-proof/1: the checkpoint's signature, that its leaf is the hash of the
//      registry number and fingerprints it names, and that the path from that
//      leaf and the peaks give the root the checkpoint signed at its mmrSize;
//      each FILE: whether it is the document's original or archive PDF;
//   diwan-consistency/1: both checkpoints' signatures, and that the older
//      one's peaks, climbed by their paths, are among the newer one's peaks
//      (nothing archived before the older one was changed, removed or moved).
// The key is public-key.pem given with --key, else the one in the proof, whose
// key id is printed to be confirmed with the archive by another channel.
//
// The range (as storage/integrity/mmr.ts, which must agree): leaves are the
// documents in the order of their first 'archived' ledger entry, each the
// SHA-256 of the canonical JSON of {registryNo, original, archivePdf}; a parent
// is sha256(left + right) in hex; the mountains follow the bits of the leaf
// count, largest first; the root is the peaks bagged from the right.
import { Buffer } from 'node:buffer';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');

/** JSON with object keys sorted at every level, no spaces (as Diwan writes it). */
export function canonicalJson(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value)
    .filter((k) => value[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

/** The mountains of a range of n leaves, left to right: the first leaf and height of each. */
export function mountains(n) {
  const out = [];
  let first = 0;
  for (let h = Math.floor(Math.log2(Math.max(n, 1))) + 1; h >= 0; h--) {
    if (n - first >= 2 ** h) {
      out.push({ first, height: h });
      first += 2 ** h;
    }
  }
  return out;
}

export function bagPeaks(peaks) {
  if (peaks.length === 0) return sha256('');
  let acc = peaks[peaks.length - 1];
  for (let i = peaks.length - 2; i >= 0; i--) acc = sha256(peaks[i] + acc);
  return acc;
}

/** Climbs from a node (height `height`, first leaf `first`) by `path` to its peak in a range of n leaves: the peak and its index, or null. */
export function climb(hash, first, height, n, path) {
  const shape = mountains(n);
  const k = shape.findIndex((m) => first >= m.first && first < m.first + 2 ** m.height);
  if (k < 0 || !Array.isArray(path) || path.length !== shape[k].height - height) return null;
  let acc = hash;
  path.forEach((sibling, i) => {
    const right = Math.floor((first - shape[k].first) / 2 ** (height + i)) % 2 === 1;
    acc = right ? sha256(sibling + acc) : sha256(acc + sibling);
  });
  return { peak: acc, index: k };
}

/** The roots of a range of these leaves at each of `sizes` (appended once, in order). */
export function mmrRoots(leaves, sizes) {
  const roots = new Map();
  const stack = [];
  if (sizes.has(0)) roots.set(0, bagPeaks([]));
  leaves.forEach((leaf, i) => {
    stack.push({ height: 0, hash: leaf });
    while (stack.length >= 2 && stack.at(-1).height === stack.at(-2).height) {
      const right = stack.pop();
      const left = stack.pop();
      stack.push({ height: left.height + 1, hash: sha256(left.hash + right.hash) });
    }
    if (sizes.has(i + 1)) roots.set(i + 1, bagPeaks(stack.map((x) => x.hash)));
  });
  return roots;
}

export const documentLeaf = (d) =>
  sha256(canonicalJson({ registryNo: d.registryNo, original: d.original, archivePdf: d.archivePdf ?? null }));

/** `proof FILE [--key PEM] [FILE...]`: a saved inclusion or consistency proof, checked with the public key alone. */
export function verifyProof(args) {
  const rest = [];
  let keyFile;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--key') keyFile = args[++i];
    else rest.push(args[i]);
  }
  const proofFile = rest.shift();
  if (!proofFile) {
    process.stderr.write('usage: node verify.mjs proof PROOF.json [--key public-key.pem] [FILE...]\n');
    process.exit(2);
  }
  const problems = [];
  const bad = (m) => {
    problems.push(m);
    process.stdout.write(`FAIL ${m}\n`);
  };
  const good = (m) => process.stdout.write(`ok   ${m}\n`);
  const proof = JSON.parse(fs.readFileSync(proofFile, 'utf8'));
  const key = crypto.createPublicKey(keyFile ? fs.readFileSync(keyFile) : String(proof.publicKey));
  const keyId = sha256(key.export({ type: 'spki', format: 'der' })).slice(0, 16);
  if (!keyFile)
    process.stdout.write(
      `note المفتاح العام مأخوذ من ملف الإثبات نفسه، ومعرّفه ${keyId}: تأكّد منه لدى الأرشيف بطريق آخر` +
        ` / the public key is the proof's own, key id ${keyId}: confirm it with the archive by another channel (or give --key public-key.pem)\n`,
    );
  /** A checkpoint over the range, signed by the key. */
  const signed = (c) => {
    const label = `checkpoint ${c?.id} (ledger entry ${c?.body?.ledgerSeq}, ${c?.body?.at})`;
    if (c?.body?.format !== 'diwan-checkpoint/2') bad(`${label}: not a checkpoint over the Merkle range (diwan-checkpoint/2)`);
    else if (!crypto.verify(null, Buffer.from(canonicalJson(c.body)), key, Buffer.from(String(c.signature), 'base64')))
      bad(`نقطة التحقق ${c.id}: التوقيع لا يطابق المفتاح / ${label}: the signature does not match the public key ${keyId}`);
    else {
      good(`${label}: signature valid (key ${keyId}), ${c.body.mmrSize} documents, root ${c.body.merkleRoot}`);
      return true;
    }
    return false;
  };
  if (proof.format === 'diwan-proof/1') {
    const c = proof.checkpoint;
    const d = proof.document ?? {};
    if (signed(c)) {
      const size = c.body.mmrSize;
      const leaf = documentLeaf(d);
      const index = proof.leafIndex;
      const up = Number.isSafeInteger(index) && index >= 0 && index < size ? climb(leaf, index, 0, size, proof.path) : null;
      if (leaf !== proof.leaf)
        bad(
          `${d.registryNo}: رقم قيدها وبصمتاها لا تعطي ورقة الإثبات / its registry number and fingerprints hash to ${leaf}, not the proof's leaf ${proof.leaf}`,
        );
      else if (
        !up ||
        !Array.isArray(proof.peaks) ||
        proof.peaks.length !== mountains(size).length ||
        proof.peaks[up.index] !== up.peak
      )
        bad(
          `${d.registryNo}: المسار من الورقة ${index} لا يبلغ قمة / the path from leaf ${index} does not lead to a peak of a range of ${size}`,
        );
      else if (bagPeaks(proof.peaks) !== c.body.merkleRoot)
        bad(`${d.registryNo}: القمم لا تعطي الجذر الموقّع / the peaks do not give the root checkpoint ${c.id} signed`);
      else
        good(
          `${d.registryNo}: مشمولة بنقطة التحقق ${c.id} / under checkpoint ${c.id}: leaf ${index} of ${size}, original ${d.original}, archive PDF ${d.archivePdf}`,
        );
    }
    for (const file of rest) {
      const digest = sha256(fs.readFileSync(file));
      if (digest === d.original) good(`${file}: the original of ${d.registryNo}`);
      else if (digest === d.archivePdf) good(`${file}: the archive PDF of ${d.registryNo}`);
      else bad(`${file}: SHA-256 ${digest} is neither the original's nor the archive PDF's of ${d.registryNo}`);
    }
  } else if (proof.format === 'diwan-consistency/1') {
    const { older, newer, proof: p } = proof;
    if (signed(older) && signed(newer)) {
      const olderShape = mountains(p.older);
      const holds =
        p.older === older.body.mmrSize &&
        p.newer === newer.body.mmrSize &&
        p.older <= p.newer &&
        p.olderPeaks.length === olderShape.length &&
        p.newerPeaks.length === mountains(p.newer).length &&
        bagPeaks(p.olderPeaks) === older.body.merkleRoot &&
        bagPeaks(p.newerPeaks) === newer.body.merkleRoot &&
        olderShape.every((m, i) => {
          const up = climb(p.olderPeaks[i], m.first, m.height, p.newer, p.paths?.[i]);
          return up !== null && p.newerPeaks[up.index] === up.peak;
        });
      if (holds)
        good(
          `نقطة التحقق ${older.id} جزء أول من ${newer.id} / checkpoint ${older.id}'s ${p.older} documents are the first ${p.older} of checkpoint ${newer.id}'s ${p.newer}, unchanged`,
        );
      else
        bad(
          `نقطة التحقق ${older.id} ليست جزءًا أول من ${newer.id} / checkpoint ${older.id}'s range is not shown to be a prefix of checkpoint ${newer.id}'s`,
        );
    }
  } else bad(`${proofFile}: not a proof Diwan writes (format ${proof.format})`);
  process.stdout.write(problems.length === 0 ? 'VERIFIED: everything holds\n' : `NOT VERIFIED: ${problems.length} problem(s)\n`);
  process.exit(problems.length === 0 ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) verifyProof(process.argv.slice(2));
