/** Where a worker handles one document: a scratch directory, and the originals and pages fetched and rendered on first use. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RenderedPage } from './images';
import { fetchParts, renderDocumentPage, type LocalPart } from './source';
import type { PipelineDeps, StageContext } from './stages/stage';

export function workspace(documentId: string, deps: PipelineDeps): Omit<StageContext, 'doc' | 'deps'> & { dispose(): void } {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-doc-'));
  let local: Promise<LocalPart[]> | undefined;
  const parts = () => (local ??= deps.documents.parts(documentId).then((p) => fetchParts(p, deps.primary, workDir)));
  // Each page is drawn once per run and its pixels kept on disk in workDir: the stages after the first read them back.
  const drawn = new Map<number, Promise<Omit<RenderedPage, 'grey'> & { file: string }>>();
  const page = async (n: number): Promise<RenderedPage> => {
    let kept = drawn.get(n);
    if (!kept) {
      kept = (async () => {
        const { grey, ...rest } = await renderDocumentPage(await parts(), n, deps.config.limits);
        const file = path.join(workDir, `page-${n}.grey`);
        await fs.promises.writeFile(file, grey);
        return { ...rest, file };
      })();
      drawn.set(n, kept);
      kept.catch(() => drawn.delete(n));
    }
    const { file, ...rest } = await kept;
    return { ...rest, grey: await fs.promises.readFile(file) };
  };
  return { workDir, parts, page, dispose: () => fs.rmSync(workDir, { recursive: true, force: true }) };
}
