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
  {
    version: 44,
    sql: `
-- Lists a person with a scope reads every day, each found at 200k documents scanning a whole table:
-- the document list of a department-scoped person (and its capped count): 100-170 ms, now under 6 ms;
CREATE INDEX documents_department_class_idx ON documents (department, classification);
-- a correspondent's letters for such a person (count, search, one letter): 20-140 ms, now 0.2-10 ms;
CREATE INDEX documents_correspondent_reach_idx ON documents (correspondent_id, department, classification)
  WHERE correspondent_id IS NOT NULL;
-- the documents waiting for review (pages read below the threshold): 170-200 ms, now 11-17 ms;
CREATE INDEX pages_confidence_idx ON pages (confidence, document_id);
-- the departments a referral may go to, on every document page of a person who refers (a skip scan over this
-- index, storage/repos/referrals.ts): 40-250 ms at 100k referrals, now half a millisecond.
CREATE INDEX referrals_department_idx ON referrals (to_department);
`,
  },
  {
    version: 45,
    sql: `
-- The documents a retention rule for one type of document touches, found when the rule is made or changed
-- (storage/records/retention.ts): a scan of every document, about a second at 200k, now a fraction of a millisecond.
CREATE INDEX documents_doc_type_idx ON documents (doc_type) WHERE destroyed_at IS NULL;
`,
  },
  {
    version: 46,
    sql: `
-- The copies each target holds, counted as they are written (the kept counts of migration 16): the audit page
-- and GET /replication counted every replica on each call (60 ms at 400k, seconds at tens of millions).
CREATE TRIGGER replicas_count_insert AFTER INSERT ON replicas REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stat_count_changes('replicas.target', 'target');
CREATE TRIGGER replicas_count_update AFTER UPDATE ON replicas REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stat_count_changes('replicas.target', 'target');
CREATE TRIGGER replicas_count_delete AFTER DELETE ON replicas REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stat_count_changes('replicas.target', 'target');
INSERT INTO stat_totals (metric, label, n) SELECT 'replicas.target', target, count(*) FROM replicas GROUP BY target;
`,
  },
];
