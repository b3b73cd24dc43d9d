/**
 * The worker's watched drop folders (DIWAN_WATCH): each folder's files received straight into the archive,
 * as an upload would be (ingest/intake/batch.ts receiveFile), into one batch of source 'folder' per folder
 * and day, filed with the folder's register, department, classification and duplex. Each file taken is a
 * drop_files row, finished when the file has gone to processed/ or rejected/.
 */
import fs from 'node:fs';
import type { AcceptDeps } from '../../ingest/intake/accept';
import { receiveFile, type ReceivedFile } from '../../ingest/intake/batch';
import { spoolStream } from '../../ingest/intake/spoolBytes';
import { claimSpool } from '../../ingest/leftovers';
import { startWatcher, type DropSink, type SinkAnswer, type Watcher } from '../../ingest/watch';
import { INTERNAL } from '../../ingest/watchRules';
import type { BatchRecord } from '../../storage/repos/batches';
import { createDropFilesRepo, type DropFilesRepo } from '../../storage/repos/dropFiles';
import type { WatchedFolder } from '../configIntake';
import { todayIn } from '../http/search';
import { safeFileName } from '../http/uploads';
import { acceptDeps, type Core } from './core';

/** Starts watching the folders of DIWAN_WATCH; undefined when there are none. */
export function startWatchedFolders(core: Core): Watcher | undefined {
  const { folders, everyMs, stableMs } = core.config.intake.watch;
  if (folders.length === 0) return undefined;
  // The copies made of dropped files wait in the spool like uploads: this process marks itself as its user.
  claimSpool(core.config.spoolDir);
  const deps = acceptDeps(core);
  const drops = createDropFilesRepo(core.db);
  const timeZone = core.config.archive.timeZone;
  return startWatcher({
    folders: folders.map((f) => ({ dir: f.dir, sink: archiveSink(f, deps, drops, timeZone) })),
    everyMs,
    stableMs,
    log: core.log.child({ service: 'watch' }),
  });
}

/** The name of a folder's batch of a day (how the next worker finds it again). */
export function folderBatchName(dir: string, day: string): string {
  return `مجلد الإيداع / drop folder ${dir} ${day}`;
}

/** Receives a watched folder's files into the archive, each recorded in drop_files. */
export function archiveSink(folder: WatchedFolder, deps: AcceptDeps, drops: DropFilesRepo, timeZone: string): DropSink {
  /** The drop_files row of each file in hand, by its path in the working place. */
  const rows = new Map<string, string>();
  let today: { day: string; batch: BatchRecord } | undefined;

  const batchOf = async (day: string): Promise<BatchRecord> => {
    if (today?.day === day) return today.batch;
    const name = folderBatchName(folder.dir, day);
    const known = await drops.folderBatch(name);
    const batch =
      (known ? await deps.batches.get(known) : undefined) ??
      (await deps.batches.create({
        name,
        mode: 'documents',
        title: null,
        docType: null,
        department: folder.department,
        classification: folder.classification,
        docDate: null,
        correspondent: null,
        createdBy: null,
        register: folder.register,
        source: 'folder',
        duplex: folder.duplex,
      }));
    today = { day, batch };
    return batch;
  };

  return {
    async receive(file) {
      // Read through the descriptor the watcher opened the file with (never its path again: a link swapped in).
      const spooled = await spoolStream(file.read(), safeFileName(file.name), deps.spoolDir, deps.limits.maxFileBytes);
      try {
        const batch = await batchOf(todayIn(timeZone));
        const row = await drops.take({
          folder: folder.dir,
          name: file.name,
          size: file.size,
          mtime: new Date(file.mtimeMs),
          sha256: spooled.sha256,
          batchId: batch.id,
        });
        rows.set(file.path, row);
        return answerOf(await receiveFile(batch, spooled, deps));
      } finally {
        fs.rmSync(spooled.path, { force: true });
      }
    },
    async settled(file, settled) {
      const row = rows.get(file.path);
      rows.delete(file.path);
      if (row) await drops.finish(row, settled.to, settled.to === 'rejected' ? (settled.reasons[0]?.code ?? null) : null);
    },
  };
}

/** What the batch's rows of a file say, as the watcher reads it; an internal error is told in its words only. */
function answerOf(received: ReceivedFile[]): SinkAnswer {
  return {
    documents: received
      .filter((r) => r.status !== 'rejected' && r.documentId)
      .map((r) => ({ registryNo: r.registryNo, duplicate: r.status === 'duplicate' })),
    rejected: received
      .filter((r) => r.status === 'rejected')
      .map((r) => ({ name: r.name, error: !r.error || r.error.code === 'internal' ? INTERNAL : r.error })),
  };
}
