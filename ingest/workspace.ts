/** Where a worker handles one document: a scratch directory, and the originals and pages fetched and rendered on first use. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fetchParts, renderDocumentPage, type LocalPart } from './source';
import type { PipelineDeps, StageContext } from './stages/stage';

export function workspace(documentId: string, deps: PipelineDeps): Omit<StageContext, 'doc' | 'deps'> & { dispose(): void } {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-doc-'));
  let local: Promise<LocalPart[]> | undefined;
  const parts = () => (local ??= deps.documents.parts(documentId).then((p) => fetchParts(p, deps.primary, workDir)));
  const page = async (n: number) => renderDocumentPage(await parts(), n, deps.config.limits);
  return { workDir, parts, page, dispose: () => fs.rmSync(workDir, { recursive: true, force: true }) };
}
