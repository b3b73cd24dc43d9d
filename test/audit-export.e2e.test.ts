/**
 * The offline proof: an exported bundle and its standalone verifier, run as an
 * auditor would (plain `node verify.mjs`, no server), pass untouched files and
 * name the file, and the ledger entry, that fail.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { runCli, startTestServer, type DocumentJson, type TestServer } from './helpers';

const run = promisify(execFile);
let server: TestServer;
let doc: DocumentJson;
const outgoing: DocumentJson[] = [];
let scan: Buffer;
let work: string;

const cli = async (args: string[]) => (await runCli(server, args)).code;

/** Runs the bundle's verifier with a bare environment, as on an auditor's machine. */
async function verify(bundle: string, files: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [path.join(bundle, 'verify.mjs'), bundle, ...files], {
      env: { PATH: process.env.PATH },
    });
    return { code: 0, out: stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, out: err.stdout };
  }
}

beforeAll(async () => {
  server = await startTestServer();
  scan = await renderArabicScan(['كتاب للتدقيق', 'بشأن الأرشفة'], { seed: 61, width: 1100, height: 700 });
  const { id } = (await (await server.upload(scan, 'تدقيق.jpg')).json()) as { id: string };
  doc = await server.waitFor(id);
  // Two letters of another register, whose numbers differ only after the year.
  for (const seed of [62, 63]) {
    const up = await server.upload(await renderArabicScan(['كتاب صادر', 'للتدقيق'], { seed }), `صادر-${seed}.jpg`, {
      register: 'outgoing',
    });
    outgoing.push(await server.waitFor(((await up.json()) as { id: string }).id));
  }
  expect(await cli(['audit', 'checkpoint'])).toBe(0);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-audit-'));
  expect(await cli(['audit', 'export', path.join(work, 'bundle')])).toBe(0);
  fs.writeFileSync(path.join(work, 'original.jpg'), scan);
  fs.writeFileSync(
    path.join(work, 'archive.pdf'),
    Buffer.from(await (await server.api(`/api/v1/documents/${doc.id}/archive.pdf`)).arrayBuffer()),
  );
});

afterAll(async () => {
  await server?.stop();
});

test('the bundle holds the ledger, the checkpoint, the public key, the manifest and verify.mjs (with its proofs module)', () => {
  const bundle = path.join(work, 'bundle');
  expect(fs.readdirSync(bundle).sort()).toEqual([
    'README.txt',
    'checkpoints.json',
    'ledger.jsonl',
    'manifests',
    'offlineProof.mjs',
    'public-key.pem',
    'verify.mjs',
  ]);
  const year = doc.registryNo.slice(0, 4);
  expect(fs.readdirSync(path.join(bundle, 'manifests')).sort()).toEqual([
    `${doc.registryNo.replace('/', '-')}.json`,
    `outgoing-${year}-000001.json`,
    `outgoing-${year}-000002.json`,
  ]);
  expect(outgoing.map((d) => d.registryNo)).toEqual([`outgoing/${year}/000001`, `outgoing/${year}/000002`]);
});

test('an outgoing letter has its proof under the checkpoint, by its number as written', async () => {
  const file = path.join(work, 'proof-outgoing.json');
  const cli = await runCli(server, ['audit', 'proof', outgoing[1]!.registryNo, '--out', file]);
  expect(cli.code).toBe(0);
  expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ document: { registryNo: outgoing[1]!.registryNo } });
});

test('untouched files pass, and the verifier says what each one is', async () => {
  const bundle = path.join(work, 'bundle');
  const { code, out } = await verify(bundle, [path.join(work, 'original.jpg'), path.join(work, 'archive.pdf')]);
  expect(out).toContain('VERIFIED');
  expect(code).toBe(0);
  expect(out).toContain(`original.jpg: original original.jpg of ${doc.registryNo}`);
  expect(out).toContain(`archive.pdf: archive-pdf archive.pdf of ${doc.registryNo}`);
  expect(out).toMatch(/checkpoint \d+ .*signature valid/);
});

test('a tampered file is named, with the ledger entry that registered it', async () => {
  const bundle = path.join(work, 'bundle');
  const tampered = path.join(work, 'tampered', 'original.jpg');
  fs.mkdirSync(path.dirname(tampered));
  const bytes = Buffer.from(scan);
  bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 1;
  fs.writeFileSync(tampered, bytes);
  const { code, out } = await verify(bundle, [tampered]);
  expect(code).toBe(1);
  expect(out).toMatch(
    new RegExp(
      `FAIL .*tampered/original.jpg: SHA-256 [0-9a-f]{64} is not the ${doc.sha256.original} registered for original.jpg of ${doc.registryNo} \\(ledger entry \\d+, registered\\)`,
    ),
  );
});

test('a rewritten ledger entry in the bundle is named', async () => {
  const copy = path.join(work, 'bundle-rewritten');
  fs.cpSync(path.join(work, 'bundle'), copy, { recursive: true });
  const lines = fs.readFileSync(path.join(copy, 'ledger.jsonl'), 'utf8').trim().split('\n');
  // The first registration (the archive's first entry records its encryption key).
  const at = lines.findIndex((l) => (JSON.parse(l) as { event: string }).event === 'registered');
  const first = JSON.parse(lines[at]!) as { seq: number; payload: Record<string, unknown> };
  first.payload.registryNo = '1999/000001';
  lines[at] = JSON.stringify(first);
  fs.writeFileSync(path.join(copy, 'ledger.jsonl'), lines.join('\n') + '\n');
  const { code, out } = await verify(copy, []);
  expect(code).toBe(1);
  expect(out).toContain(`FAIL ledger entry ${first.seq} (registered) does not follow from the one before`);
});
