/**
 * Checkpoints over a Merkle mountain range (issue 19), on real services:
 * - a checkpoint adds only what was archived since the last one, and its root
 *   is the range's over the documents in the order they were archived;
 * - a document's inclusion proof, fetched through the API and saved by the CLI,
 *   is checked by the offline verifier run as a child process with the public
 *   key alone, and a tampered proof, or another key, is refused;
 * - two checkpoints' consistency proof holds, and a forged one is refused;
 * - a /1 checkpoint signed before the range still verifies, on the server and
 *   offline, beside the /2 ones in an exported bundle;
 * - a range lost (or never built, an archive that predates it) is rebuilt from
 *   the ledger with the same root.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { canonicalJson } from '../storage/hash';
import { leaf, loadSigningKey, merkleRoot, type CheckpointBodyV1, type CheckpointBodyV2 } from '../storage/integrity/checkpoints';
import type { CheckpointConsistency, DocumentProof } from '../storage/integrity/checkpointProofs';
import { mmrRoot, nodeCount } from '../storage/integrity/mmr';
import { runCli, startTestServer, type DocumentJson, type TestServer } from './helpers';

jest.setTimeout(400_000);

const run = promisify(execFile);
const VERIFIER = path.join(__dirname, '..', 'storage', 'integrity', 'offlineVerifier.mjs');
let server: TestServer;
let work: string;
let keyPem: string;
const docs: DocumentJson[] = [];
const scans: Buffer[] = [];
let first: { id: number; body: CheckpointBodyV2 };
let second: { id: number; body: CheckpointBodyV2 };

/** The offline verifier with a bare environment, as on an auditor's machine. */
async function verifier(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [VERIFIER, ...args], { env: { PATH: process.env.PATH } });
    return { code: 0, out: stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, out: err.stdout };
  }
}

async function archive(n: number): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const scan = await renderArabicScan([`كتاب رقم ${docs.length + i + 1} للتدقيق`], {
      seed: 700 + docs.length + i,
      width: 700,
      height: 320,
    });
    scans.push(scan);
    const res = await server.upload(scan, `كتاب-${docs.length + i + 1}.jpg`);
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as { id: string }).id);
  }
  for (const id of ids) {
    const d = await server.waitFor(id);
    expect(d.status).toBe('archived');
    docs.push(d);
  }
}

/** The documents' leaves in the order of their 'archived' ledger entries. */
async function leavesInArchiveOrder(): Promise<string[]> {
  const { rows } = await server.core.db.query<{ document_id: string }>(
    "SELECT document_id FROM ledger WHERE event = 'archived' ORDER BY seq",
  );
  return rows.map((r) => {
    const d = docs.find((x) => x.id === r.document_id)!;
    return leaf({ registryNo: d.registryNo, original: d.sha256.original, archivePdf: d.sha256.archive });
  });
}

async function checkpoint(): Promise<{ id: number; body: CheckpointBodyV2 }> {
  const res = await server.api('/api/v1/audit/checkpoint', { method: 'POST' });
  expect(res.status).toBe(201);
  const c = (await res.json()) as { body: CheckpointBodyV2; objectKey: string };
  const { rows } = await server.core.db.query<{ id: string }>('SELECT id FROM checkpoints WHERE object_key = $1', [c.objectKey]);
  return { id: Number(rows[0]!.id), body: c.body };
}

const flip = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
const save = (name: string, value: unknown) => {
  const file = path.join(work, name);
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
  return file;
};

beforeAll(async () => {
  server = await startTestServer();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-mmr-'));
  keyPem = path.join(work, 'public-key.pem');
  fs.writeFileSync(keyPem, await (await server.api('/api/v1/audit/public-key', { token: null })).text());
  await archive(3);
});

afterAll(async () => {
  await server?.stop();
});

test('a /1 checkpoint signed before the range keeps verifying on the server', async () => {
  // As an archive upgraded from format /1 holds them: the whole tree over the documents in registry order.
  const head = await server.core.db.query<{ seq: string; entry_hash: string }>(
    'SELECT seq, entry_hash FROM ledger ORDER BY seq DESC LIMIT 1',
  );
  const key = loadSigningKey(server.config.checkpoints.keyFile);
  const byRegistry = [...docs].sort((a, b) => a.registryNo.localeCompare(b.registryNo));
  const body: CheckpointBodyV1 = {
    format: 'diwan-checkpoint/1',
    ledgerSeq: Number(head.rows[0]!.seq),
    entryHash: head.rows[0]!.entry_hash,
    merkleRoot: merkleRoot(
      byRegistry.map((d) => leaf({ registryNo: d.registryNo, original: d.sha256.original, archivePdf: d.sha256.archive })),
    ),
    documents: 3,
    at: new Date().toISOString(),
    keyId: key.keyId,
  };
  const signature = crypto.sign(null, Buffer.from(canonicalJson(body)), key.privateKey).toString('base64');
  await server.core.db.query(
    'INSERT INTO checkpoints (body, signature, key_id, ledger_seq, object_key) VALUES ($1, $2, $3, $4, $5)',
    [JSON.stringify(body), signature, key.keyId, body.ledgerSeq, `checkpoints/v1-${Date.now()}.json`],
  );
  // With no checkpoint over the range yet, there is nothing to prove a document against.
  const none = await server.api(`/api/v1/documents/${docs[0]!.id}/proof`);
  expect(none.status).toBe(409);
  expect(((await none.json()) as { error: string }).error).toBe('not_checkpointed');
  const ledger = (await (await server.api('/api/v1/audit/ledger')).json()) as {
    checkpoints: number;
    badCheckpoint: number | null;
  };
  expect(ledger).toMatchObject({ checkpoints: 1, badCheckpoint: null });
});

test('each checkpoint adds only the documents archived since the last, and signs the range’s root over them in archive order', async () => {
  first = await checkpoint();
  expect(first.body).toMatchObject({ format: 'diwan-checkpoint/2', mmrSize: 3, documents: 3 });
  expect(first.body.merkleRoot).toBe(mmrRoot(await leavesInArchiveOrder()));

  await archive(2);
  // Archived after the first checkpoint: no proof until the next one.
  const early = await server.api(`/api/v1/documents/${docs[3]!.id}/proof`);
  expect(early.status).toBe(409);
  expect(((await early.json()) as { messageEn: string }).messageEn).toMatch(
    /archived after checkpoint \d+; the next checkpoint covers it/,
  );

  const nodesBefore = await server.core.db.query<{ pos: string; hash: string }>('SELECT pos, hash FROM mmr_nodes ORDER BY pos');
  second = await checkpoint();
  expect(second.body).toMatchObject({ format: 'diwan-checkpoint/2', mmrSize: 5, documents: 5 });
  const leaves = await leavesInArchiveOrder();
  expect(second.body.merkleRoot).toBe(mmrRoot(leaves));
  expect(first.body.merkleRoot).toBe(mmrRoot(leaves.slice(0, 3)));
  // The nodes written for the first three are kept as they were; the two new leaves added theirs after them.
  const nodesAfter = await server.core.db.query<{ pos: string; hash: string }>('SELECT pos, hash FROM mmr_nodes ORDER BY pos');
  expect(nodesAfter.rows.map((r) => Number(r.pos))).toEqual([...Array(nodeCount(5)).keys()]);
  expect(nodesAfter.rows.slice(0, nodeCount(3))).toEqual(nodesBefore.rows);
  const ledger = (await (await server.api('/api/v1/audit/ledger')).json()) as {
    checkpoints: number;
    badCheckpoint: number | null;
  };
  expect(ledger).toMatchObject({ checkpoints: 3, badCheckpoint: null });
});

test('a document’s proof from the API, saved by the CLI, verifies offline with the public key; its files are named', async () => {
  // The second document archived: leaf 1, in the mountain of four.
  const { rows } = await server.core.db.query<{ document_id: string }>(
    "SELECT document_id FROM ledger WHERE event = 'archived' ORDER BY seq OFFSET 1 LIMIT 1",
  );
  const t = docs.findIndex((d) => d.id === rows[0]!.document_id);
  const target = docs[t]!;
  const res = await server.api(`/api/v1/documents/${target.id}/proof`);
  expect(res.status).toBe(200);
  const proof = (await res.json()) as DocumentProof;
  expect(proof).toMatchObject({
    format: 'diwan-proof/1',
    document: {
      id: target.id,
      registryNo: target.registryNo,
      original: target.sha256.original,
      archivePdf: target.sha256.archive,
    },
    checkpoint: { id: second.id, body: second.body },
  });
  expect(proof.leafIndex).toBe(1);
  expect(proof.peaks).toHaveLength(2); // 5 leaves: mountains of 4 and 1
  expect(proof.path).toHaveLength(2);

  // An auditor may fetch it (the audit permission), a clerk may not.
  for (const [role, status] of [
    ['auditor', 200],
    ['clerk', 403],
  ] as const) {
    const json = { 'content-type': 'application/json' };
    const username = `${role}-proofs`;
    const user = await server.api('/api/v1/users', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ username, role, password: 'كلمة-سر-للإثبات-123' }),
    });
    expect(user.status).toBe(201);
    const t = await server.api('/api/v1/tokens', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ username, name: 'tests' }),
    });
    const { token } = (await t.json()) as { token: string };
    expect((await server.api(`/api/v1/documents/${target.registryNo.replace('/', '-')}/proof`, { token })).status).toBe(status);
  }

  const file = path.join(work, 'proof.json');
  const cli = await runCli(server, ['audit', 'proof', target.registryNo, '--out', file]);
  expect(cli.code).toBe(0);
  expect(cli.out).toContain(`leaf ${proof.leafIndex} of 5 under checkpoint ${second.id}`);
  expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(proof);

  const original = path.join(work, 'original.jpg');
  fs.writeFileSync(original, scans[t]!);
  const { code, out } = await verifier(['proof', file, '--key', keyPem, original]);
  expect(out).toContain('VERIFIED: everything holds');
  expect(code).toBe(0);
  expect(out).toMatch(new RegExp(`ok {3}checkpoint ${second.id} .*signature valid`));
  expect(out).toContain(`under checkpoint ${second.id}: leaf ${proof.leafIndex} of 5`);
  expect(out).toContain(`original.jpg: the original of ${target.registryNo}`);

  // offlineProof.mjs checks it alone too (what verify.mjs imports for `proof`).
  const alone = await run(process.execPath, [path.join(path.dirname(VERIFIER), 'offlineProof.mjs'), file, '--key', keyPem], {
    env: { PATH: process.env.PATH },
  });
  expect(alone.stdout).toContain('VERIFIED: everything holds');

  // Without --key the proof's own key is used, and its id is given to be confirmed.
  const own = await verifier(['proof', file]);
  expect(own.code).toBe(0);
  expect(own.out).toContain(`key id ${second.body.keyId}: confirm it with the archive by another channel`);
});

test('a tampered proof, a file that is not the document’s, or another key is refused, each named', async () => {
  const proof = JSON.parse(fs.readFileSync(path.join(work, 'proof.json'), 'utf8')) as DocumentProof;
  const cases: Array<[string, DocumentProof, RegExp]> = [
    [
      'fingerprint',
      { ...proof, document: { ...proof.document, original: flip(proof.document.original) } },
      /hash to [0-9a-f]{64}, not the proof's leaf/,
    ],
    [
      'path',
      { ...proof, path: [flip(proof.path[0]!), ...proof.path.slice(1)] },
      /the peaks do not give the root|does not lead to a peak/,
    ],
    ['place', { ...proof, leafIndex: proof.leafIndex ^ 1 }, /does not lead to a peak|the peaks do not give the root/],
    [
      'peaks',
      { ...proof, peaks: [...proof.peaks.slice(0, -1), flip(proof.peaks.at(-1)!)] },
      /does not lead to a peak|the peaks do not give the root/,
    ],
    [
      'root',
      {
        ...proof,
        checkpoint: {
          ...proof.checkpoint,
          body: { ...proof.checkpoint.body, merkleRoot: flip(proof.checkpoint.body.merkleRoot) },
        },
      },
      /the signature does not match the public key/,
    ],
  ];
  for (const [name, forged, expected] of cases) {
    const { code, out } = await verifier(['proof', save(`proof-${name}.json`, forged), '--key', keyPem]);
    expect({ name, code }).toEqual({ name, code: 1 });
    expect(out).toMatch(expected);
    expect(out).toContain('NOT VERIFIED');
  }
  // Another document's scan offered as this one's original.
  const other = path.join(work, 'other.jpg');
  fs.writeFileSync(other, scans[docs.findIndex((d) => d.id !== proof.document.id)]!);
  const wrongFile = await verifier(['proof', path.join(work, 'proof.json'), '--key', keyPem, other]);
  expect(wrongFile.code).toBe(1);
  expect(wrongFile.out).toContain(`is neither the original's nor the archive PDF's of ${proof.document.registryNo}`);
  // A key the archive never used.
  const stranger = path.join(work, 'stranger.pem');
  fs.writeFileSync(stranger, crypto.generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
  const wrongKey = await verifier(['proof', path.join(work, 'proof.json'), '--key', stranger]);
  expect(wrongKey.code).toBe(1);
  expect(wrongKey.out).toMatch(/the signature does not match the public key/);
});

test('the first checkpoint’s range is shown to be a prefix of the second’s; a forged older peak is refused', async () => {
  const file = path.join(work, 'consistency.json');
  const cli = await runCli(server, ['audit', 'consistency', String(first.id), String(second.id), '--out', file]);
  expect(cli.code).toBe(0);
  const proof = JSON.parse(fs.readFileSync(file, 'utf8')) as CheckpointConsistency;
  expect(proof.proof).toMatchObject({ older: 3, newer: 5 });
  const ok = await verifier(['proof', file, '--key', keyPem]);
  expect(ok.out).toContain(`checkpoint ${first.id}'s 3 documents are the first 3 of checkpoint ${second.id}'s 5, unchanged`);
  expect(ok.code).toBe(0);

  const forged = {
    ...proof,
    proof: { ...proof.proof, olderPeaks: [flip(proof.proof.olderPeaks[0]!), ...proof.proof.olderPeaks.slice(1)] },
  };
  const bad = await verifier(['proof', save('consistency-forged.json', forged), '--key', keyPem]);
  expect(bad.code).toBe(1);
  expect(bad.out).toContain(`checkpoint ${first.id}'s range is not shown to be a prefix of checkpoint ${second.id}'s`);
});

test('an exported bundle rebuilds every checkpoint’s root offline: the /1 tree and both /2 ranges', async () => {
  const bundle = path.join(work, 'bundle');
  expect((await runCli(server, ['audit', 'export', bundle])).code).toBe(0);
  const { code, out } = await run(process.execPath, [path.join(bundle, 'verify.mjs'), bundle], {
    env: { PATH: process.env.PATH },
  }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
  );
  expect(out).toContain('VERIFIED: everything holds');
  expect(code).toBe(0);
  expect(out).toMatch(/ok {3}checkpoint \d+ .*signature valid, ledger entry and fingerprints as signed\n/); // the /1 one
  expect(out).toContain('(Merkle mountain range of 3 documents)');
  expect(out).toContain('(Merkle mountain range of 5 documents)');
  expect(out).toContain('checkpoints over the Merkle range: 2, each rebuilt from the same run of documents');

  // A checkpoint signed by the archive's own key over another order, or another count, than the ledger's is caught.
  const key = loadSigningKey(server.config.checkpoints.keyFile);
  const leaves = await leavesInArchiveOrder();
  const forge = (change: Partial<CheckpointBodyV2>) => {
    const body: CheckpointBodyV2 = { ...second.body, at: new Date().toISOString(), ...change };
    return { id: 99, body, signature: crypto.sign(null, Buffer.from(canonicalJson(body)), key.privateKey).toString('base64') };
  };
  const cases: Array<[string, Partial<CheckpointBodyV2>, string]> = [
    [
      'order',
      { merkleRoot: mmrRoot([...leaves].reverse()) },
      "the documents' fingerprints, in the order they were archived, do not give the Merkle range's root it signed",
    ],
    [
      'count',
      { mmrSize: 4, documents: 4, merkleRoot: mmrRoot(leaves.slice(0, 4)) },
      'it signed a range of 4 documents, but the ledger shows 5 archived by then',
    ],
  ];
  for (const [name, change, expected] of cases) {
    const copy = path.join(work, `bundle-${name}`);
    fs.cpSync(bundle, copy, { recursive: true });
    const list = JSON.parse(fs.readFileSync(path.join(copy, 'checkpoints.json'), 'utf8')) as unknown[];
    fs.writeFileSync(path.join(copy, 'checkpoints.json'), JSON.stringify([...list, forge(change)]));
    const r = await run(process.execPath, [path.join(copy, 'verify.mjs'), copy], { env: { PATH: process.env.PATH } }).then(
      (x) => ({ code: 0, out: x.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );
    expect({ name, code: r.code }).toEqual({ name, code: 1 });
    expect(r.out).toContain(`FAIL checkpoint 99 (ledger entry ${second.body.ledgerSeq}`);
    expect(r.out).toContain(expected);
  }
});

test('a range lost, or never built, is rebuilt from the ledger with the same roots and proofs', async () => {
  const before = (await (await server.api(`/api/v1/documents/${docs[4]!.id}/proof`)).json()) as DocumentProof;
  await server.core.db.query('DELETE FROM mmr_nodes');
  await server.core.db.query('DELETE FROM mmr_leaves');
  await server.core.db.query("DELETE FROM diwan_state WHERE key = 'mmr-appended-seq'");
  const after = (await (await server.api(`/api/v1/documents/${docs[4]!.id}/proof`)).json()) as DocumentProof;
  expect(after).toEqual(before);
  const ledger = (await (await server.api('/api/v1/audit/ledger')).json()) as {
    checkpoints: number;
    badCheckpoint: number | null;
  };
  expect(ledger).toMatchObject({ checkpoints: 3, badCheckpoint: null });
  // A quick check takes only what is new since: none, and the last one found whole again.
  const quick = (await (await server.api('/api/v1/audit/ledger')).json()) as { checkpoints: number; checkpointsChecked: number };
  expect(quick).toMatchObject({ checkpoints: 3, checkpointsChecked: 1 });
  // And a peak of the range altered (node 2, the first checkpoint's left peak) is caught by the server's own deep check…
  await server.core.db.query("UPDATE mmr_nodes SET hash = repeat('0', 64) WHERE pos = 2");
  type Checked = { badCheckpoint: number | null; checkpointsChecked: number };
  const broken = (await (await server.api('/api/v1/audit/ledger?deep=true')).json()) as Checked;
  // (Checked in order: the /1 checkpoint, whole, then the first /2 one.)
  expect(broken).toMatchObject({ badCheckpoint: first.id, checkpointsChecked: 2 });
  // …after which every quick check takes them all again, and finds it, until one finds them whole.
  const again = (await (await server.api('/api/v1/audit/ledger')).json()) as Checked;
  expect(again).toMatchObject({ badCheckpoint: first.id });
  const report = (await (await server.api('/api/v1/audit/report')).json()) as { ledger: { badCheckpoint: number | null } };
  expect(report.ledger.badCheckpoint).toBe(first.id);
});
