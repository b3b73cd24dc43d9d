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
  {
    version: 47,
    sql: `
-- Holds at scale. Each hold keeps how many documents it holds (the list of holds counted every hold's documents
-- on each call), and each held document how many holds in force hold it (documents_held), so "is it held" is
-- one key lookup and the /metrics count of held documents a kept count (it was a distinct count over every
-- hold's documents). Three holds of 50k documents at 200k: the count 64 ms, now 0.8; the list 12.8 ms, now 0.5;
-- lifting one takes 0.3 s. Links are only ever added (a hold made, or put back by restore) and holds only ever
-- lifted; the triggers follow both.
ALTER TABLE legal_holds ADD COLUMN document_count integer NOT NULL DEFAULT 0;
UPDATE legal_holds h SET document_count = (SELECT count(*) FROM legal_hold_documents l WHERE l.hold_id = h.id);
CREATE TABLE documents_held (
  document_id uuid PRIMARY KEY REFERENCES documents(id),
  holds integer NOT NULL
);
CREATE INDEX documents_held_none_idx ON documents_held (document_id) WHERE holds <= 0;
INSERT INTO documents_held (document_id, holds)
  SELECT l.document_id, count(*) FROM legal_hold_documents l JOIN legal_holds h ON h.id = l.hold_id
  WHERE h.lifted_at IS NULL GROUP BY l.document_id;
INSERT INTO stat_totals (metric, label, n) SELECT 'documents.held', '', count(*) FROM documents_held;

CREATE FUNCTION hold_links_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE legal_holds h SET document_count = h.document_count + n.c
    FROM (SELECT hold_id, count(*) AS c FROM new_rows GROUP BY hold_id) n WHERE h.id = n.hold_id;
  WITH added AS (
    INSERT INTO documents_held (document_id, holds)
      SELECT n.document_id, count(*) FROM new_rows n JOIN legal_holds h ON h.id = n.hold_id
      WHERE h.lifted_at IS NULL GROUP BY n.document_id
    ON CONFLICT (document_id) DO UPDATE SET holds = documents_held.holds + EXCLUDED.holds
    RETURNING (xmax = 0) AS new_row)
  INSERT INTO stat_deltas (metric, label, delta)
    SELECT 'documents.held', '', count(*) FROM added WHERE new_row HAVING count(*) > 0;
  RETURN NULL;
END $$;
CREATE TRIGGER legal_hold_documents_added AFTER INSERT ON legal_hold_documents REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hold_links_added();

CREATE FUNCTION holds_lifted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE documents_held d SET holds = d.holds - c.n
    FROM (SELECT l.document_id, count(*) AS n FROM new_rows n JOIN old_rows o ON o.id = n.id
            JOIN legal_hold_documents l ON l.hold_id = n.id
          WHERE o.lifted_at IS NULL AND n.lifted_at IS NOT NULL GROUP BY l.document_id) c
    WHERE d.document_id = c.document_id;
  WITH gone AS (DELETE FROM documents_held WHERE holds <= 0 RETURNING 1)
  INSERT INTO stat_deltas (metric, label, delta)
    SELECT 'documents.held', '', -count(*) FROM gone HAVING count(*) > 0;
  RETURN NULL;
END $$;
-- A hold's links carry their documents' registry numbers (which never change), so the hold's documents are read
-- a page at a time in registry order from an index, whatever the hold's size. Filled as each link is added.
ALTER TABLE legal_hold_documents ADD COLUMN register text, ADD COLUMN registry_year integer, ADD COLUMN registry_seq integer;
UPDATE legal_hold_documents l SET register = d.register, registry_year = d.registry_year, registry_seq = d.registry_seq
  FROM documents d WHERE d.id = l.document_id;
ALTER TABLE legal_hold_documents ALTER COLUMN register SET NOT NULL, ALTER COLUMN registry_year SET NOT NULL,
  ALTER COLUMN registry_seq SET NOT NULL;
-- (One trigger function for every table whose rows name a document by document_id and keep its number.)
CREATE FUNCTION copy_document_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT d.register, d.registry_year, d.registry_seq INTO NEW.register, NEW.registry_year, NEW.registry_seq
    FROM documents d WHERE d.id = NEW.document_id;
  RETURN NEW;
END $$;
CREATE TRIGGER legal_hold_documents_number BEFORE INSERT ON legal_hold_documents
  FOR EACH ROW EXECUTE FUNCTION copy_document_number();
CREATE INDEX legal_hold_documents_order_idx ON legal_hold_documents (hold_id, register, registry_year, registry_seq);

CREATE TRIGGER legal_holds_lifted AFTER UPDATE ON legal_holds
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION holds_lifted();
`,
  },
  {
    version: 48,
    sql: `
-- A disposal request's items carry their documents' registry numbers (which never change), so the request's
-- page of items in registry order is read from an index a page at a time: it sorted every item joined to its
-- document on each page (85-208 ms at 5,000 items). Filled from the document as each item is added (migration 47's
-- copy_document_number).
ALTER TABLE disposal_items ADD COLUMN register text, ADD COLUMN registry_year integer, ADD COLUMN registry_seq integer;
UPDATE disposal_items i SET register = d.register, registry_year = d.registry_year, registry_seq = d.registry_seq
  FROM documents d WHERE d.id = i.document_id;
ALTER TABLE disposal_items ALTER COLUMN register SET NOT NULL, ALTER COLUMN registry_year SET NOT NULL,
  ALTER COLUMN registry_seq SET NOT NULL;
CREATE TRIGGER disposal_items_number BEFORE INSERT ON disposal_items
  FOR EACH ROW EXECUTE FUNCTION copy_document_number();
CREATE INDEX disposal_items_order_idx ON disposal_items (disposal_id, register, registry_year, registry_seq);
-- Each request keeps its counts of items, destroyed and blocked, as its items are added and carried out: the list
-- of requests counted every item of every request three times on each call.
ALTER TABLE disposals ADD COLUMN item_count integer NOT NULL DEFAULT 0, ADD COLUMN destroyed_count integer NOT NULL DEFAULT 0,
  ADD COLUMN blocked_count integer NOT NULL DEFAULT 0;
UPDATE disposals p SET item_count = c.n, destroyed_count = c.d, blocked_count = c.b
  FROM (SELECT disposal_id, count(*) AS n, count(*) FILTER (WHERE state = 'destroyed') AS d,
               count(*) FILTER (WHERE state = 'blocked') AS b
        FROM disposal_items GROUP BY disposal_id) c
  WHERE p.id = c.disposal_id;
CREATE FUNCTION disposal_counts_add(changes jsonb) RETURNS void LANGUAGE sql AS $$
  UPDATE disposals p SET item_count = p.item_count + c.n, destroyed_count = p.destroyed_count + c.d,
      blocked_count = p.blocked_count + c.b
    FROM jsonb_to_recordset(changes) AS c(disposal_id uuid, n int, d int, b int)
    WHERE p.id = c.disposal_id AND (c.n <> 0 OR c.d <> 0 OR c.b <> 0);
$$;
CREATE FUNCTION disposal_items_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Each branch reads only the transition tables its event has.
  IF TG_OP = 'INSERT' THEN
    PERFORM disposal_counts_add((SELECT jsonb_agg(c) FROM
      (SELECT disposal_id, count(*) AS n, count(*) FILTER (WHERE state = 'destroyed') AS d,
              count(*) FILTER (WHERE state = 'blocked') AS b FROM new_rows GROUP BY disposal_id) c));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM disposal_counts_add((SELECT jsonb_agg(c) FROM
      (SELECT disposal_id, sum(s) AS n, sum(s * (state = 'destroyed')::int) AS d, sum(s * (state = 'blocked')::int) AS b
       FROM (SELECT disposal_id, state, 1 AS s FROM new_rows UNION ALL SELECT disposal_id, state, -1 FROM old_rows) x
       GROUP BY disposal_id) c));
  ELSE
    PERFORM disposal_counts_add((SELECT jsonb_agg(c) FROM
      (SELECT disposal_id, -count(*) AS n, -count(*) FILTER (WHERE state = 'destroyed') AS d,
              -count(*) FILTER (WHERE state = 'blocked') AS b FROM old_rows GROUP BY disposal_id) c));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER disposal_items_counted_insert AFTER INSERT ON disposal_items REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION disposal_items_counted();
CREATE TRIGGER disposal_items_counted_update AFTER UPDATE ON disposal_items
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION disposal_items_counted();
CREATE TRIGGER disposal_items_counted_delete AFTER DELETE ON disposal_items REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION disposal_items_counted();
`,
  },
  {
    version: 49,
    sql: `
-- A correspondent's letters, newest first (its page in the API and the viewer), read from an index in the page's
-- whole order, its last key included, so that the page is the index's first rows whatever the correspondent's
-- size. It takes the place of migration 22's index, which lacked the last key.
DROP INDEX documents_correspondent_idx;
CREATE INDEX documents_correspondent_newest_idx ON documents (correspondent_id, created_at DESC, id DESC)
  WHERE correspondent_id IS NOT NULL;
`,
  },
];
