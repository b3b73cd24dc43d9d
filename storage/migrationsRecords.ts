/** Schema migrations from 26 on: records management (retention, holds, disposal, transfers, encryption). Never edit a landed one. */
export const RECORDS_MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 26,
    sql: `
-- The retention schedule. A rule is known by its code; each change is a new version row (the old ones are
-- kept, so a document names the very version it was given). A rule matches documents by type, register and
-- classification (NULL: any); the most specific match wins, then the lower priority number. The period runs
-- from the trigger: the registration, the closing of the document's file, or a fixed date; NULL is permanent.
CREATE TABLE retention_rules (
  id bigserial PRIMARY KEY,
  code text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  version int NOT NULL,
  name_ar text NOT NULL CHECK (length(trim(name_ar)) > 0),
  name_en text,
  doc_type text,
  register text REFERENCES registers(code),
  classification text,
  priority int NOT NULL DEFAULT 100,
  period interval,
  trigger text NOT NULL CHECK (trigger IN ('registered', 'closed', 'date')),
  trigger_date date,
  action text NOT NULL CHECK (action IN ('review', 'destroy', 'transfer')),
  retired boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  reason text,
  UNIQUE (code, version),
  CHECK ((trigger = 'date') = (trigger_date IS NOT NULL)),
  CHECK (period IS NULL OR period > interval '0')
);
-- The current version of each rule.
CREATE VIEW retention_rules_current AS
  SELECT DISTINCT ON (code) * FROM retention_rules ORDER BY code, version DESC;

-- Each document's rule (the version given), when its period ends (NULL: permanent, or its trigger has not
-- come), when its file was closed, and until when its objects are locked (S3 Object Lock COMPLIANCE).
ALTER TABLE documents ADD COLUMN retention_rule_id bigint REFERENCES retention_rules(id);
ALTER TABLE documents ADD COLUMN retention_due timestamptz;
ALTER TABLE documents ADD COLUMN closed_at timestamptz;
ALTER TABLE documents ADD COLUMN lock_until timestamptz;
ALTER TABLE documents ADD COLUMN destroyed_at timestamptz;
CREATE INDEX documents_retention_due_idx ON documents (retention_due) WHERE retention_due IS NOT NULL AND destroyed_at IS NULL;
CREATE INDEX documents_lock_until_idx ON documents (lock_until) WHERE destroyed_at IS NULL;
CREATE INDEX documents_retention_rule_idx ON documents (retention_rule_id);
-- A lawfully destroyed document keeps its row as a tombstone: its number, fingerprints and the approval.
ALTER TABLE documents DROP CONSTRAINT documents_status_check;
ALTER TABLE documents ADD CONSTRAINT documents_status_check
  CHECK (status IN ('queued', 'processing', 'archived', 'failed', 'destroyed'));

-- Legal holds: a case keeps documents from disposal (and their objects under S3 legal hold) until lifted.
CREATE TABLE legal_holds (
  id uuid PRIMARY KEY,
  case_ref text NOT NULL CHECK (length(trim(case_ref)) > 0),
  reason text NOT NULL CHECK (length(trim(reason)) >= 3),
  -- what was asked for: {"documents":[...]} | {"correspondent":"..."} | {"query":"...","filters":{...}}
  scope jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  lifted_at timestamptz,
  lifted_by text,
  lift_reason text,
  CHECK ((lifted_at IS NULL) = (lifted_by IS NULL))
);
CREATE TABLE legal_hold_documents (
  hold_id uuid NOT NULL REFERENCES legal_holds(id),
  document_id uuid NOT NULL REFERENCES documents(id),
  PRIMARY KEY (hold_id, document_id)
);
CREATE INDEX legal_hold_documents_document_idx ON legal_hold_documents (document_id);

-- Disposal: a request for a set of due documents, the approving body's decision, then the destruction.
CREATE TABLE disposals (
  id uuid PRIMARY KEY,
  title text NOT NULL,
  state text NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'approved', 'refused', 'done')),
  requested_at timestamptz NOT NULL,
  requested_by text NOT NULL,
  approving_body text,
  decision_no text,
  decision_date date,
  decided_at timestamptz,
  decided_by text,
  done_at timestamptz,
  note text
);
CREATE TABLE disposal_items (
  disposal_id uuid NOT NULL REFERENCES disposals(id),
  document_id uuid NOT NULL REFERENCES documents(id),
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'destroyed', 'blocked')),
  blocked_reason text,
  PRIMARY KEY (disposal_id, document_id)
);
CREATE INDEX disposal_items_document_idx ON disposal_items (document_id);

-- Objects removed by a lawful disposal, per bucket, in order (the auditor's inventory lists them as removed).
CREATE TABLE disposed_objects (
  seq bigserial PRIMARY KEY,
  disposal_id uuid NOT NULL REFERENCES disposals(id),
  document_id uuid NOT NULL REFERENCES documents(id),
  target text NOT NULL,
  key text NOT NULL,
  sha256 text NOT NULL,
  stored_sha256 text,
  removed_at timestamptz NOT NULL DEFAULT now()
);

-- Transfers to another archive as BagIt bags.
CREATE TABLE transfers (
  id uuid PRIMARY KEY,
  recipient text NOT NULL,
  state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'complete')),
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  selection jsonb NOT NULL,
  bag_name text,
  payload_oxum text,
  tagmanifest_sha256 text,
  completed_at timestamptz
);
CREATE TABLE transfer_items (
  transfer_id uuid NOT NULL REFERENCES transfers(id),
  document_id uuid NOT NULL REFERENCES documents(id),
  PRIMARY KEY (transfer_id, document_id)
);
CREATE INDEX transfer_items_document_idx ON transfer_items (document_id);

-- The bytes as stored in each bucket (ciphertext when objects are encrypted) and the order replicas were
-- made in, so an inventory of the offsite bucket grows by what is new.
ALTER TABLE artefacts ADD COLUMN stored_sha256 text;
ALTER TABLE replicas ADD COLUMN stored_sha256 text;
ALTER TABLE replicas ADD COLUMN seq bigserial;
CREATE INDEX replicas_seq_idx ON replicas (seq);

-- The records manager (أمين المحفوظات): the retention schedule, due lists, disposal requests and transfers.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('clerk', 'official', 'auditor', 'archivist', 'admin'));
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check CHECK (role IN ('clerk', 'official', 'auditor', 'archivist', 'admin'));
`,
  },
  {
    version: 28,
    sql: `
-- Documents whose objects' S3 legal hold must still be set or lifted (a bucket was away, or a file was
-- written after the hold): the hold sync works through them and removes each once both buckets agree.
CREATE TABLE legal_hold_sync (
  document_id uuid PRIMARY KEY REFERENCES documents(id),
  queued_at timestamptz NOT NULL DEFAULT now(),
  last_error text
);
-- Page texts are kept, except that a lawfully destroyed document's texts are erased (emptied, not removed).
CREATE OR REPLACE FUNCTION page_texts_are_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.text = '' AND NEW.words = '[]'::jsonb
     AND EXISTS (SELECT 1 FROM documents WHERE id = OLD.document_id AND destroyed_at IS NOT NULL) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'text versions are kept: % is not allowed on page_texts', TG_OP;
END $$;
-- The application's role only adds to page_texts; erasing a destroyed document's texts runs as the owner.
CREATE FUNCTION erase_destroyed_texts(doc uuid) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM documents WHERE id = doc AND destroyed_at IS NOT NULL) THEN
    RAISE EXCEPTION 'only a destroyed document''s texts are erased';
  END IF;
  UPDATE page_texts SET text = '', words = '[]'::jsonb WHERE document_id = doc AND (text <> '' OR words <> '[]'::jsonb);
END $$;
`,
  },
  {
    version: 27,
    sql: `
-- The lock end every object of a document was last raised to (NULL: only the lock each got when written).
-- A document whose lock_until is past it waits for its objects to be locked again (a rule made longer).
ALTER TABLE documents ADD COLUMN locks_applied timestamptz;
CREATE INDEX documents_relock_idx ON documents (id)
  WHERE destroyed_at IS NULL AND lock_until > COALESCE(locks_applied, created_at);
-- Documents still under the lock given when written (permanent, no rule, trigger not come), oldest first:
-- the extension job finds those whose lock nears its end without reading the rest.
CREATE INDEX documents_default_lock_idx ON documents (created_at) WHERE lock_until IS NULL AND destroyed_at IS NULL;
`,
  },
  {
    version: 31,
    sql: `
-- A copy whose bytes are recorded anew (written again, encrypted again) moves to the end of replicas.seq,
-- so the auditor's next inventory of the offsite bucket lists it again with the hash it has now.
CREATE FUNCTION replicas_relist() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.stored_sha256 IS DISTINCT FROM OLD.stored_sha256 OR NEW.sha256 IS DISTINCT FROM OLD.sha256 THEN
    NEW.seq := nextval(pg_get_serial_sequence('replicas', 'seq'));
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER replicas_relist BEFORE UPDATE ON replicas FOR EACH ROW EXECUTE FUNCTION replicas_relist();
`,
  },
  {
    version: 30,
    sql: `
-- The encryption keys the archive used ('key-rotated' entries), read at every start without scanning the ledger.
CREATE INDEX ledger_key_rotated_idx ON ledger (seq) WHERE event = 'key-rotated';
`,
  },
  {
    version: 32,
    sql: `
-- A replica takes its place in replicas.seq only under a shared advisory lock ("repl"), so the auditor's
-- inventory, which takes the lock exclusively for a moment to read how far the committed rows go, never
-- passes a number that a transaction still open will commit later (it would never be listed).
CREATE FUNCTION replicas_take_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(1919250540);
  NEW.seq := nextval(pg_get_serial_sequence('replicas', 'seq'));
  RETURN NEW;
END $$;
CREATE TRIGGER replicas_take_seq BEFORE INSERT ON replicas FOR EACH ROW EXECUTE FUNCTION replicas_take_seq();
CREATE OR REPLACE FUNCTION replicas_relist() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.stored_sha256 IS DISTINCT FROM OLD.stored_sha256 OR NEW.sha256 IS DISTINCT FROM OLD.sha256 THEN
    PERFORM pg_advisory_xact_lock_shared(1919250540);
    NEW.seq := nextval(pg_get_serial_sequence('replicas', 'seq'));
  END IF;
  RETURN NEW;
END $$;
`,
  },
  {
    version: 36,
    sql: `
-- A transfer counts (a disposal whose rule says 'transfer' may follow) only once the receiving archive has
-- acknowledged the bag: its receipt's reference and date, recorded by an administrator, with the
-- tagmanifest SHA-256 the recipient computed equal to the one recorded when the bag was written.
ALTER TABLE transfers ADD COLUMN received_at timestamptz;
ALTER TABLE transfers ADD COLUMN received_by text;
ALTER TABLE transfers ADD COLUMN receipt_ref text;
ALTER TABLE transfers ADD COLUMN receipt_date date;
ALTER TABLE transfers ADD CONSTRAINT transfers_receipt_check CHECK (
  (received_at IS NULL AND received_by IS NULL AND receipt_ref IS NULL AND receipt_date IS NULL)
  OR (state = 'complete' AND received_at IS NOT NULL AND received_by IS NOT NULL
      AND length(trim(receipt_ref)) > 0 AND receipt_date IS NOT NULL));
`,
  },
  {
    version: 33,
    sql: `
-- Who asked for a disposal as a user (NULL: the installation's administrator token, known by requested_by
-- alone), so the one who decides is never the same person through another token or a session.
ALTER TABLE disposals ADD COLUMN requested_by_user uuid;
-- Restore puts a destroyed document back into the holds and requests whose entries name it: found by index,
-- not by reading the whole ledger once per destroyed document.
CREATE INDEX ledger_held_documents_idx ON ledger USING gin ((payload->'documentIds')) WHERE event = 'held';
CREATE INDEX ledger_disposal_documents_idx ON ledger USING gin ((payload->'documentIds')) WHERE event = 'disposal-requested';
`,
  },
  {
    version: 34,
    sql: `
-- The lock extension's first step reads only the documents it extends: locks of records with no due date,
-- and locks of records due and kept, each by when it ends. documents_lock_until_idx held both, and every
-- document still on its first lock, read again at every run; nothing else reads it.
CREATE INDEX documents_lock_nodue_idx ON documents (lock_until)
  WHERE retention_due IS NULL AND destroyed_at IS NULL AND lock_until IS NOT NULL;
CREATE INDEX documents_lock_due_idx ON documents (lock_until) WHERE retention_due IS NOT NULL AND destroyed_at IS NULL;
DROP INDEX documents_lock_until_idx;
`,
  },
];
