/**
 * `npm run bench`: every benchmark under scripts/bench/, one after the other
 * (each starts its own services, so none disturbs another), and one report,
 * docs/benchmarks.md: the machine it ran on, a summary of every target (each
 * figure beside its reference, the ratio, the aim and whether it holds, from
 * the `target:` lines the benchmarks print, see scripts/bench/stats.ts), then
 * each benchmark's table as it printed it.
 *
 * With --only, the named benchmarks run and replace their own sections of an
 * existing report; the others stay as they were.
 *
 * Usage: npm run bench [-- --only ocr,search] [-- --out FILE]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineName } from './stats';

const BENCHES: Array<{ id: string; title: string; reference: string; args: string[] }> = [
  {
    id: 'ingest',
    title: 'Upload (the door)',
    reference:
      'a bare PUT (minio client, then its COMPLIANCE retention) of the same files into the same locked bucket, one at a time',
    args: [],
  },
  {
    id: 'ocr',
    title: 'Arabic OCR, end to end and alone',
    reference:
      'native Tesseract with its models loaded once (one process per core reading a list of pages), on the same pages, each with its CER; end to end beside OCR only',
    args: [],
  },
  {
    id: 'search',
    title: 'Search and viewer',
    reference: 'the same queries sent straight to Meilisearch with the filters the API adds for the same official',
    args: [],
  },
  { id: 'load', title: 'Search under ingest', reference: 'the same searchers with nothing else running', args: [] },
  {
    id: 'lag',
    title: 'Replication lag of originals',
    reference: 'the aim (p95 at most 10 s) at 100% of the ingest capacity measured in the same run',
    args: [],
  },
  {
    id: 'fixity',
    title: 'Fixity re-hashing',
    reference:
      'the lesser of bare parallel GETs of both copies and `openssl dgst -sha256` over the same objects as stored, cold and warm; the mix stored in the clear, then encrypted (the default)',
    args: [],
  },
  { id: 'restore', title: 'Restore', reference: '`rclone sync` of the same bucket between the same servers', args: [] },
  {
    id: 'crypto',
    title: 'Encryption at rest',
    reference:
      '`openssl speed -aead -evp aes-256-gcm` (and `-decrypt`) on the same 64 KiB blocks, each with its nonce and tag, one core',
    args: [],
  },
  {
    id: 'indexSize',
    title: 'Search index size on one Meilisearch node',
    reference: 'the sizes it reaches, for docs/search-scale.md (no reference: a measure of room, not speed)',
    args: [],
  },
  {
    id: 'scale',
    title: 'Scale: probes and paths at 10k, 100k and 1M documents',
    reference: 'the same path at 10k documents',
    args: [],
  },
];

/** The `target:` lines a benchmark printed (scripts/bench/stats.ts), as table cells. */
function targetsOf(out: string): string[][] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('target: '))
    .map((l) => l.slice('target: '.length).split(' | '));
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function run(file: string, args: string[]): Promise<{ code: number; out: string; seconds: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      process.stdout.write(d);
    });
    child.on('exit', (code) => resolve({ code: code ?? 1, out, seconds: (performance.now() - t0) / 1000 }));
  });
}

async function main(): Promise<void> {
  const only = option('only')?.split(',');
  const out = path.resolve(option('out') ?? path.join(__dirname, '..', '..', '..', 'docs', 'benchmarks.md'));
  const machine = machineName();
  const now = () => `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const sections = new Map<string, string>();
  const targets = new Map<string, string[][]>();
  let failed = 0;
  for (const b of BENCHES.filter((x) => !only || only.includes(x.id))) {
    process.stderr.write(`\n=== ${b.id} ===\n`);
    const r = await run(path.join(__dirname, `${b.id}.js`), b.args);
    if (r.code !== 0) failed++;
    targets.set(b.id, targetsOf(r.out));
    sections.set(
      b.id,
      [
        `## ${b.title} (\`npm run bench:${b.id}\`)`,
        '',
        `Reference in the same run: ${b.reference}. ${r.code === 0 ? `Took ${Math.round(r.seconds)} s` : `**Failed (exit ${r.code})**`}, on ${now()}, ${machine}.`,
        '',
        '```',
        r.out.trim(),
        '```',
        '',
      ].join('\n'),
    );
  }
  // With --only, keep the other benchmarks' sections of the existing report.
  if (only && fs.existsSync(out)) {
    // A section starts at its own heading (a benchmark's output may print lines that look like headings).
    for (const part of fs
      .readFileSync(out, 'utf8')
      .split(/\n(?=## [^\n]*\(`npm run bench:[A-Za-z]+`\)\n)/)
      .slice(1)) {
      const id = /^## [^\n]*`npm run bench:([A-Za-z]+)`/.exec(part)?.[1];
      if (id && !sections.has(id) && BENCHES.some((b) => b.id === id)) {
        sections.set(id, `${part.trimEnd()}\n`);
        targets.set(id, targetsOf(part));
      }
    }
  }
  const ordered = BENCHES.map((b) => sections.get(b.id)).filter((x): x is string => x !== undefined);
  const rows = BENCHES.flatMap((b) => (targets.get(b.id) ?? []).map((t) => `| ${b.id} | ${t.join(' | ')} |`));
  const summary = rows.length
    ? [
        '## Targets',
        '',
        'Each figure beside its reference, measured in the same run (the sections below say how, and when each ran).',
        'The ratios hold within one run; the absolute figures move between runs and between machines.',
        '',
        '| benchmark | what | figure | reference | ratio | aim | |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        ...rows,
        '',
      ]
    : [];
  const report = [
    '# Diwan benchmarks',
    '',
    'Written by `npm run bench`, which runs the benchmarks under `scripts/bench/` one after another. Each figure stands beside a',
    'reference measured in the same run on the same machine, so the comparison holds even where the machine is',
    'slow. Timed assertions are never used in the tests; these are the numbers to read.',
    '',
    // Sections kept by --only may come from another machine: each names its own processor.
    `- Machine that wrote this report: ${machine}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB memory, ${os.type()} ${os.release()}`,
    `- Node.js ${process.version}; written on ${now()} (each section says when and where it ran: \`--only\` runs some and keeps the others)`,
    '',
    ...summary,
    ...ordered,
  ].join('\n');
  fs.writeFileSync(out, report);
  process.stderr.write(`\nwrote ${out}${failed ? ` (${failed} benchmark(s) failed)` : ''}\n`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
