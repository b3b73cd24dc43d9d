/**
 * `npm run sbom`: the software bill of materials of what Diwan runs, in CycloneDX (JSON), written by
 * npm itself (`npm sbom --sbom-format cyclonedx --omit dev`, from the installed tree: no network) to
 * dist/sbom.cdx.json, or to the path given. Checked before it is kept: every runtime dependency of
 * package.json is listed at the version installed, and no development tool is.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectScript } from '../../ingest/adapters/files';
import { promisify } from 'node:util';

const ROOT = path.dirname(projectScript('package.json'));

interface Component {
  name: string;
  version: string;
  scope?: string;
}

export interface Sbom {
  bomFormat: string;
  specVersion: string;
  metadata: { component: { name: string; version: string } };
  components: Component[];
}

/** The SBOM of the project at `root`, as npm writes it (its root named after package.json, not the folder). */
export async function makeSbom(root = ROOT): Promise<Sbom> {
  const { stdout } = await promisify(execFile)('npm', ['sbom', '--sbom-format', 'cyclonedx', '--omit', 'dev'], {
    cwd: root,
    maxBuffer: 64 << 20,
  });
  const sbom = JSON.parse(stdout) as Sbom;
  // npm names the root after the folder the checkout is in; the package's name is what a reader looks up.
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  sbom.metadata.component.name = pkg.name;
  sbom.metadata.component.version = pkg.version;
  return sbom;
}

/** What is wrong with `sbom` for the project at `root`: runtime dependencies missing or at another version, tools listed. */
export function sbomProblems(sbom: Sbom, root = ROOT): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const listed = new Map(sbom.components.map((c) => [c.name, c.version]));
  const problems: string[] = [];
  if (sbom.bomFormat !== 'CycloneDX') problems.push(`format ${sbom.bomFormat}, not CycloneDX`);
  for (const [name, wanted] of Object.entries({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
    if (!listed.has(name)) problems.push(`${name} is not listed`);
    else if (listed.get(name) !== wanted) problems.push(`${name} is listed at ${listed.get(name)}, package.json pins ${wanted}`);
  }
  for (const name of Object.keys(pkg.devDependencies))
    if (listed.has(name) && !Object.hasOwn({ ...pkg.dependencies, ...pkg.optionalDependencies }, name))
      problems.push(`${name} (a development tool) is listed`);
  return problems;
}

async function main(out: string): Promise<void> {
  const sbom = await makeSbom();
  const problems = sbomProblems(sbom);
  if (problems.length) throw new Error(`the SBOM is not right:\n  ${problems.join('\n  ')}`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(sbom, null, 2)}\n`);
  process.stdout.write(`${out}: CycloneDX ${sbom.specVersion}, ${sbom.components.length} components\n`);
}

if (require.main === module) {
  main(path.resolve(process.argv[2] ?? path.join(ROOT, 'dist', 'sbom.cdx.json'))).catch((e: unknown) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
