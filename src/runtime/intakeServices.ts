/**
 * The scanner room's services in a worker process (`diwan worker`, and `diwan serve` with in-process workers):
 * the watched drop folders (DIWAN_WATCH) and the polled mailbox (DIWAN_IMAP_URL). Each is started only when
 * set; each survives its folder or server being away, and is stopped before the core's connections close.
 */
import type { Core } from './core';
import { startWatchedFolders } from './watchedFolders';
import { acceptDeps } from './core';
import { startMailboxPoller } from '../../ingest/mailbox';

export interface IntakeServices {
  stop(): Promise<void>;
}

export async function startIntakeServices(core: Core): Promise<IntakeServices> {
  const running: IntakeServices[] = [];
  const watched = startWatchedFolders(core);
  if (watched) running.push(watched);
  if (core.config.intake.imap) running.push(startMailboxPoller(core.config.intake.imap, acceptDeps(core)));
  return {
    async stop() {
      for (const s of running.reverse()) await s.stop();
    },
  };
}
