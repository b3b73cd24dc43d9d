/**
 * Where a worker handles one document: a scratch directory named after this
 * process (ingest/leftovers.ts clears it at the next start if the process is
 * killed), and the originals and pages fetched and rendered on first use.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RenderedPage } from './adapters/images';
import { makeWorkFolder } from './leftovers';
import { fetchParts, renderDocumentPage, type LocalPart } from './source';
import type { PipelineDeps, StageContext } from './stages/stage';

export function workspace(documentId: string, deps: PipelineDeps): Omit<StageContext, 'doc' | 'deps'> & { dispose(): void } {
  const workDir = makeWorkFolder();
  let local: Promise<LocalPart[]> | undefined;
  const parts = () => (local ??= deps.documents.parts(documentId).then((p) => fetchParts(p, deps.primary, workDir)));
  // Each page is drawn once per run and its pixels kept on disk in workDir: the stages after the first
  // read them back, the one that drew it keeps what it drew.
  const drawn = new Map<number, Promise<Omit<RenderedPage, 'grey'> & { file: string }>>();
  const page = async (n: number): Promise<RenderedPage> => {
    const kept = drawn.get(n);
    if (kept) {
      const { file, ...rest } = await kept;
      return { ...rest, grey: await fs.promises.readFile(file) };
    }
    const rendering = parts().then((p) => renderDocumentPage(p, n, deps.config.limits));
    const file = path.join(workDir, `page-${n}.grey`);
    const keeping = rendering.then(async ({ grey, ...rest }) => {
      await fs.promises.writeFile(file, grey);
      return { ...rest, file };
    });
    drawn.set(n, keeping);
    keeping.catch(() => drawn.delete(n));
    await keeping;
    return rendering;
  };
  return { workDir, parts, page, dispose: () => fs.rmSync(workDir, { recursive: true, force: true }) };
}
