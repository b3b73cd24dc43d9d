/**
 * The production image as its files say: .dockerignore keeps a developer's secrets and installed trees
 * out of the build context, and the Dockerfile builds on Node 24 LTS, leaves out every carried server
 * (each optional dependency of package.json) and runs as an unprivileged user. `npm run image:steps`
 * performs the same steps; `npm run check` validates compose.yaml against the Compose schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import { dockerIgnore, parseDockerfile } from './dockerfile';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

test('the patterns read as Docker reads them: anchored, * within a segment, ** across, ! takes back', () => {
  const ignored = dockerIgnore('# a comment\ndata/\n**/*.pem\nlogs/*.log\n!logs/keep.log\n/build\n');
  expect(['data', 'data/secrets.json', 'a/b/key.pem', 'key.pem', 'logs/x.log', 'build/x'].filter(ignored)).toHaveLength(6);
  expect(['src/data/x.ts', 'logs/keep.log', 'logs/a/x.log', 'datafile', 'building'].filter(ignored)).toEqual([]);
});

test('.dockerignore leaves secrets, installed and built trees, history and tests out of the image', () => {
  const ignored = dockerIgnore(read('.dockerignore'));
  const out = [
    'data/secrets.json',
    'data/admin-token',
    'data/signing-key.pem',
    'data/encryption-keys.json',
    'elsewhere/encryption-keys.json',
    '.env',
    'docs/production/.env',
    'docs/production/secrets/signing-key.pem',
    'node_modules/sharp/package.json',
    'dist/src/cli/main.js',
    '.git/HEAD',
    'scripts/train/out/ara.traineddata',
    'test/cli.e2e.test.ts',
  ];
  const kept = [
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'tsconfig.build.json',
    'bin/diwan.js',
    'src/config.ts',
    'src/web/assets/viewer.css',
    'ingest/models/diwan_ara.traineddata.gz',
    'storage/integrity/offlineVerifier.mjs',
    'scripts/ci/smoke.ts',
  ];
  expect(out.filter((f) => !ignored(f))).toEqual([]);
  expect(kept.filter(ignored)).toEqual([]);
});

test('the Dockerfile builds on Node 24 LTS, leaves every carried server out, and runs as the node user', () => {
  const [build, image, ...more] = parseDockerfile(read('docs/production/Dockerfile'));
  expect(more).toEqual([]);
  expect(build!.image).toMatch(/^node:24-/);
  expect(image!.image).toBe(build!.image);
  const runs = build!.steps.filter((s) => s.op === 'RUN').map((s) => s.args);
  expect(runs[0]).toMatch(/^npm ci\b/);
  const carried = Object.keys((JSON.parse(read('package.json')) as { optionalDependencies: object }).optionalDependencies);
  const uninstall = runs.join(' ').match(/npm uninstall --no-save --omit=dev [^&]*/)?.[0] ?? '';
  expect(carried.filter((name) => !uninstall.includes(name))).toEqual([]);
  expect(runs.join(' ')).toContain('npm prune --omit=dev');
  // --omit=optional would take sharp's and the canvas's native builds too.
  expect(runs.join(' ')).not.toContain('--omit=optional');
  const ops = image!.steps.map((s) => s.op);
  expect(image!.steps.filter((s) => s.op === 'COPY').every((s) => s.args.startsWith(`--from=${build!.name} `))).toBe(true);
  expect(image!.steps.find((s) => s.op === 'USER')?.args).toBe('node');
  expect(ops.indexOf('USER')).toBeLessThan(ops.indexOf('CMD'));
  // compose.yaml builds this file and keeps the spool where the image puts its data folder.
  const dataDir = image!.steps.find((s) => s.op === 'ENV')?.args.match(/DIWAN_DATA_DIR=(\S+)/)?.[1];
  expect(read('docs/production/compose.yaml')).toContain(`spool:${dataDir!}`);
  expect(read('docs/production/compose.yaml')).toContain('dockerfile: docs/production/Dockerfile');
});
