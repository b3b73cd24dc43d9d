/**
 * The document page's further sections: the registry's own work on a
 * document (its register and links, referrals, directives, corrections), each
 * drawn by its own part of the viewer. A section answers '' when it has
 * nothing to show; they appear in this order under the metadata.
 */
import type { Caller } from '../../auth';
import type { SafeHtml } from '../html';
import type { PageCtx } from '../layout';
import type { DocumentRecord } from '../../../storage/repos/documents';
import type { ViewerDeps } from './shared';
import { historySection } from './corrections';
import { receiptSection } from './receiptSection';
import { directivesSection, referralsSection } from './referrals';
import { registrySection } from '../pages/docRegistry';
import { retentionSection } from './records';
import { holdsSection } from './holds';

/** Draws one section of a document the person may see, or '' when it has nothing to show. */
export type DocumentSection = (deps: ViewerDeps, ctx: PageCtx, doc: DocumentRecord, caller: Caller) => Promise<SafeHtml | ''>;

export const DOCUMENT_SECTIONS: DocumentSection[] = [
  receiptSection,
  historySection,
  referralsSection,
  directivesSection,
  registrySection,
  retentionSection,
  holdsSection,
];
