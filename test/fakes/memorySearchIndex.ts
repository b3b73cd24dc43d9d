/**
 * An in-memory `SearchIndex` (search/searchIndex.ts) for unit tests: page
 * records kept by id, `addPages` adding or replacing by id, `indexDocument`
 * replacing all of one document's pages, `clear`, `count`, `ping`, and an index built aside
 * (`buildAside`) that replaces every record when swapped in.
 *
 * `search` is a plain stand-in for Meilisearch, enough to find a document:
 * - a registry number typed any way is looked up exactly first, as the real one does;
 * - otherwise every word of the query, normalised and stemmed like the index
 *   (search/normalize.ts), must occur as a substring of the page's registry
 *   keys, stemmed title, correspondent or text (no typo tolerance, no ranking);
 * - the clearance, department scope and filters are applied as `filterFor` states them;
 * - one hit per document (its first matching page), facets counted over those hits;
 * - 'relevance' keeps the newest registration first (there is no ranking).
 *
 * Faults for tests: `setAway(true)` makes every call reject.
 */
import { clearanceRank } from '../../kernel/clearance';
import { stemmedText } from '../../search/normalize';
import {
  asRegistryNo,
  type AsideIndex,
  type PageDoc,
  type SearchIndex,
  type SearchRequest,
  type SearchResult,
} from '../../search/searchIndex';

const DAY_MS = 86_400_000;
const day = (d: string) => Date.parse(`${d}T00:00:00Z`);

export class MemorySearchIndex implements SearchIndex {
  private readonly records = new Map<string, PageDoc>();
  private away = false;
  /** Whether `ensureIndex` has run. */
  ensured = false;

  // ---- test-only helpers ----

  /** Makes every call reject (true) as when Meilisearch cannot be reached, or answer again (false). */
  setAway(away: boolean): void {
    this.away = away;
  }

  /** The records held (of one document, when given), by document then page. */
  pages(documentId?: string): PageDoc[] {
    return [...this.records.values()]
      .filter((p) => documentId === undefined || p.documentId === documentId)
      .sort((a, b) => a.documentId.localeCompare(b.documentId) || a.page - b.page);
  }

  // ---- SearchIndex ----

  async ensureIndex(): Promise<void> {
    this.reachable();
    this.ensured = true;
  }

  async ping(): Promise<boolean> {
    this.reachable();
    return true;
  }

  async indexDocument(documentId: string, pages: PageDoc[]): Promise<void> {
    this.reachable();
    for (const [id, p] of this.records) if (p.documentId === documentId) this.records.delete(id);
    for (const p of pages) this.records.set(p.id, structuredClone(p));
  }

  async addPages(pages: PageDoc[]): Promise<void> {
    this.reachable();
    for (const p of pages) this.records.set(p.id, structuredClone(p));
  }

  async clear(): Promise<void> {
    this.reachable();
    this.records.clear();
  }

  async count(): Promise<number> {
    this.reachable();
    return this.records.size;
  }

  async buildAside(): Promise<AsideIndex> {
    this.reachable();
    const next = new Map<string, PageDoc>();
    return {
      addPages: async (pages) => {
        this.reachable();
        for (const p of pages) next.set(p.id, structuredClone(p));
      },
      swapIn: async () => {
        this.reachable();
        this.records.clear();
        for (const [id, p] of next) this.records.set(id, p);
      },
      discard: async () => undefined,
    };
  }

  async search(req: SearchRequest): Promise<SearchResult> {
    this.reachable();
    const visible = [...this.records.values()].filter((p) => passes(p, req));
    const named = asRegistryNo(req.q);
    const exact = named ? visible.filter((p) => p.registryNo === named) : [];
    const matched = exact.length > 0 ? exact : visible.filter((p) => matchesText(p, req.q));
    const firstPages = new Map<string, PageDoc>();
    for (const p of [...matched].sort((a, b) => a.page - b.page))
      if (!firstPages.has(p.documentId)) firstPages.set(p.documentId, p);
    const hits = [...firstPages.values()].sort(SORTS[req.sort]);
    const facets = { docType: {}, department: {}, year: {}, register: {}, referralState: {} } as SearchResult['facets'];
    const add = (to: Record<string, number>, v: string | number | null) => {
      if (v !== null) to[String(v)] = (to[String(v)] ?? 0) + 1;
    };
    for (const h of hits) {
      add(facets.docType, h.docType);
      add(facets.department, h.department);
      add(facets.year, h.registryYear);
      add(facets.register, h.register);
      add(facets.referralState, h.referralState);
    }
    return {
      total: hits.length,
      hits: hits.slice(req.offset, req.offset + req.limit).map((h) => ({
        documentId: h.documentId,
        registryNo: h.registryNo,
        title: h.title,
        page: h.page,
        text: h.text,
        docType: h.docType,
        department: h.department,
        classification: h.classification,
        registeredAt: new Date(h.registeredAt).toISOString(),
        docDate: h.docDate === null ? null : new Date(h.docDate).toISOString().slice(0, 10),
        needsReview: h.needsReview,
        register: h.register,
        externalRef: h.externalRef,
        correspondent: h.correspondent,
        referralState: h.referralState,
        referralDue: h.referralDue === null ? null : new Date(h.referralDue).toISOString().slice(0, 10),
      })),
      facets,
      registryMatch: exact.length > 0 ? (named ?? null) : null,
    };
  }

  private reachable(): void {
    if (this.away)
      throw Object.assign(new Error('meilisearch: connect ECONNREFUSED (the index is away)'), { code: 'ECONNREFUSED' });
  }
}

const SORTS: Record<SearchRequest['sort'], (a: PageDoc, b: PageDoc) => number> = {
  relevance: (a, b) => b.registeredAt - a.registeredAt,
  newest: (a, b) => b.registeredAt - a.registeredAt,
  oldest: (a, b) => a.registeredAt - b.registeredAt,
  docDateDesc: (a, b) => (b.docDate ?? -Infinity) - (a.docDate ?? -Infinity),
  docDateAsc: (a, b) => (a.docDate ?? Infinity) - (b.docDate ?? Infinity),
};

/** The request's clearance, scope and filters (what `filterFor` asks of Meilisearch). */
function passes(p: PageDoc, req: SearchRequest): boolean {
  const f = req.filters;
  if (p.clearance > clearanceRank(req.clearance)) return false;
  if (req.departments && (p.department === null || !req.departments.includes(p.department))) return false;
  if (f.docType && p.docType !== f.docType) return false;
  if (f.department && p.department !== f.department) return false;
  if (f.classification && p.classification !== f.classification) return false;
  if (f.batchId && p.batchId !== f.batchId) return false;
  if (f.needsReview !== undefined && p.needsReview !== f.needsReview) return false;
  if (f.year !== undefined && p.registryYear !== f.year) return false;
  if (f.registeredFrom && p.registeredAt < day(f.registeredFrom)) return false;
  if (f.registeredTo && p.registeredAt >= day(f.registeredTo) + DAY_MS) return false;
  if (f.docDateFrom && (p.docDate === null || p.docDate < day(f.docDateFrom))) return false;
  if (f.docDateTo && (p.docDate === null || p.docDate >= day(f.docDateTo) + DAY_MS)) return false;
  return true;
}

function matchesText(p: PageDoc, q: string): boolean {
  const terms = stemmedText(q).split(' ').filter(Boolean);
  const haystack = [p.registryKeys.join(' '), p.titleStem, p.correspondentStem, p.textStem].join(' ');
  return terms.every((t) => haystack.includes(t));
}
