/** Schema migrations from 43 on: indexes the everyday paths of a growing archive need. Never edit a landed one. */
export const INDEX_MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 43,
    sql: `
-- The document list (GET /api/v1/documents, the viewer's list) is newest first by registry year and number: without
-- an index in that order every call sorted the whole table (2.5 s at a million documents). The register ends the
-- key, so two registers' same number keep one order from page to page. Built once, at upgrade (writes to documents
-- wait for it: seconds for each million documents).
CREATE INDEX documents_newest_idx ON documents (registry_year DESC, registry_seq DESC, register DESC);
`,
  },
];
