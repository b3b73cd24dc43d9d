/** Schema migrations, in order. Never edit a landed one: add the next (from 26 on, in migrationsRecords.ts). */
import { RECORDS_MIGRATIONS } from './migrationsRecords';
import { ACCESS_MIGRATIONS } from './migrationsAccess';
import { INTAKE_MIGRATIONS } from './migrationsIntake';
import { TOKEN_MIGRATIONS } from './migrationsTokens';
import { INDEX_MIGRATIONS } from './migrationsIndexes';

export const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
CREATE TABLE registry_sequences (
  year int PRIMARY KEY,
  last_seq int NOT NULL
);

CREATE TABLE documents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  registry_year int NOT NULL,
  registry_seq int NOT NULL,
  title text,
  doc_type text,
  department text,
  classification text NOT NULL DEFAULT 'public',
  doc_date date,
  original_name text,
  original_mime text NOT NULL,
  original_ext text NOT NULL,
  original_size bigint NOT NULL,
  original_sha256 text NOT NULL,
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'processing', 'archived', 'failed')),
  page_count int,
  error_code text,
  error_message text,
  -- completion time of each pipeline stage, by stage id
  stages jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT documents_original_sha256_key UNIQUE (original_sha256),
  CONSTRAINT documents_registry_key UNIQUE (registry_year, registry_seq)
);
CREATE INDEX documents_status_idx ON documents (status);

CREATE TABLE pages (
  document_id uuid NOT NULL REFERENCES documents(id),
  n int NOT NULL,
  width int NOT NULL,
  height int NOT NULL,
  text text NOT NULL DEFAULT '',
  confidence real,
  words jsonb NOT NULL DEFAULT '[]'::jsonb,
  PRIMARY KEY (document_id, n)
);

-- Every object stored for a document, with its fingerprint.
CREATE TABLE artefacts (
  document_id uuid NOT NULL REFERENCES documents(id),
  kind text NOT NULL,
  key text NOT NULL,
  sha256 text NOT NULL,
  size bigint NOT NULL,
  content_type text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (document_id, key)
);

-- Verified copies in other stores (the offsite bucket).
CREATE TABLE replicas (
  document_id uuid NOT NULL REFERENCES documents(id),
  target text NOT NULL,
  key text NOT NULL,
  sha256 text NOT NULL,
  verified_at timestamptz NOT NULL,
  PRIMARY KEY (document_id, target, key)
);

-- Append-only, hash-chained audit ledger.
CREATE TABLE ledger (
  seq bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  event text NOT NULL,
  document_id uuid,
  payload jsonb NOT NULL,
  prev_hash text NOT NULL,
  entry_hash text NOT NULL UNIQUE
);
CREATE INDEX ledger_document_idx ON ledger (document_id);

CREATE FUNCTION ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only: % is not allowed', TG_OP;
END $$;
CREATE TRIGGER ledger_no_update_delete BEFORE UPDATE OR DELETE ON ledger
  FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_is_append_only();
`,
  },
  {
    version: 2,
    sql: `
CREATE TABLE batches (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  -- 'documents': each file is a document; 'pages': each file is a page of one document
  mode text NOT NULL DEFAULT 'documents' CHECK (mode IN ('documents', 'pages')),
  title text,
  doc_type text,
  department text,
  classification text NOT NULL DEFAULT 'public',
  doc_date date,
  sealed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per received file. Where the file became (or was found to be) a
-- document, its live status is the document's; only the outcome at the door is kept here.
CREATE TABLE batch_files (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  batch_id uuid NOT NULL REFERENCES batches(id),
  seq int NOT NULL,
  name text,
  size bigint NOT NULL,
  sha256 text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('accepted', 'duplicate', 'rejected', 'staged')),
  mime text,
  document_id uuid REFERENCES documents(id),
  page_count int,
  error_code text,
  error_message text,
  error_message_en text,
  staged_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (batch_id, seq)
);
CREATE INDEX batch_files_batch_idx ON batch_files (batch_id, seq);

ALTER TABLE documents ADD COLUMN batch_id uuid REFERENCES batches(id);
-- Born-digital PDFs keep their own text layer instead of OCR.
ALTER TABLE documents ADD COLUMN text_layer boolean NOT NULL DEFAULT false;

-- The originals of a document: one file, or several when each file of a batch is one page.
CREATE TABLE document_parts (
  document_id uuid NOT NULL REFERENCES documents(id),
  n int NOT NULL,
  key text NOT NULL,
  sha256 text NOT NULL,
  size bigint NOT NULL,
  mime text NOT NULL,
  ext text NOT NULL,
  original_name text,
  page_count int NOT NULL,
  PRIMARY KEY (document_id, n)
);
INSERT INTO document_parts (document_id, n, key, sha256, size, mime, ext, original_name, page_count)
SELECT id, 1, 'documents/' || registry_year || '/' || lpad(registry_seq::text, 6, '0') || '/original.' || original_ext,
       original_sha256, original_size, original_mime, original_ext, original_name, coalesce(page_count, 1)
FROM documents;
`,
  },
  {
    version: 3,
    sql: `
-- Versions of a document's text. Version 1 is what the pipeline read; each
-- re-OCR adds one, with its settings and reason. The original, the registry
-- number and the archive PDF never change; pages holds the current version.
ALTER TABLE documents ADD COLUMN text_version int NOT NULL DEFAULT 1;
CREATE TABLE text_versions (
  document_id uuid NOT NULL REFERENCES documents(id),
  version int NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'done', 'failed')),
  settings jsonb NOT NULL,
  reason text,
  requested_at timestamptz NOT NULL DEFAULT now(),
  done_at timestamptz,
  ocr_key text,
  ocr_sha256 text,
  error text,
  PRIMARY KEY (document_id, version)
);
CREATE INDEX text_versions_queued_idx ON text_versions (status) WHERE status = 'queued';
-- Every version's page texts, kept: a re-OCR never overwrites the history.
CREATE TABLE page_texts (
  document_id uuid NOT NULL,
  version int NOT NULL,
  n int NOT NULL,
  text text NOT NULL,
  confidence real,
  words jsonb NOT NULL,
  PRIMARY KEY (document_id, version, n),
  FOREIGN KEY (document_id, version) REFERENCES text_versions (document_id, version)
);
CREATE FUNCTION page_texts_are_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'text versions are kept: % is not allowed on page_texts', TG_OP;
END $$;
CREATE TRIGGER page_texts_no_update_delete BEFORE UPDATE OR DELETE ON page_texts
  FOR EACH ROW EXECUTE FUNCTION page_texts_are_kept();
`,
  },
  {
    version: 4,
    sql: `
-- Who the letter is from (or to): searchable, shown with the document.
ALTER TABLE documents ADD COLUMN correspondent text;
ALTER TABLE batches ADD COLUMN correspondent text;
`,
  },
  {
    version: 5,
    sql: `
-- Small facts about the installation (the search index's record format, say).
CREATE TABLE diwan_state (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The latest fixity check of every stored object on each copy.
CREATE TABLE fixity (
  document_id uuid NOT NULL REFERENCES documents(id),
  target text NOT NULL,
  key text NOT NULL,
  expected_sha256 text NOT NULL,
  found_sha256 text,
  state text NOT NULL CHECK (state IN ('ok', 'mismatch', 'missing', 'repaired')),
  checked_at timestamptz NOT NULL,
  PRIMARY KEY (document_id, target, key)
);
CREATE INDEX fixity_problems_idx ON fixity (state) WHERE state IN ('mismatch', 'missing');
`,
  },
  {
    version: 6,
    sql: `
-- Signed ledger heads (Ed25519; the key lives outside the database). Append-only like the ledger.
CREATE TABLE checkpoints (
  id bigserial PRIMARY KEY,
  body jsonb NOT NULL,
  signature text NOT NULL,
  key_id text NOT NULL,
  ledger_seq bigint NOT NULL,
  object_key text NOT NULL
);
CREATE TRIGGER checkpoints_no_update_delete BEFORE UPDATE OR DELETE ON checkpoints
  FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();
`,
  },
  {
    version: 7,
    sql: `
-- People and what they may do. A role says which actions; a clearance how secret a document they may
-- read; departments (NULL: all) which departments' documents. Passwords are scrypt hashes.
CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9._@-]{2,64}$'),
  display_name text NOT NULL,
  role text NOT NULL CHECK (role IN ('clerk', 'official', 'auditor', 'admin')),
  clearance text NOT NULL DEFAULT 'public' CHECK (clearance IN ('public', 'internal', 'confidential', 'secret')),
  departments text[],
  password_hash text NOT NULL,
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Sign-in sessions of the viewer: only a hash of the cookie's secret is kept.
CREATE TABLE sessions (
  id_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  ended_at timestamptz
);

-- Tokens for the command line and integrations: shown once, kept as a hash, revocable.
CREATE TABLE api_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users(id),
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  role text NOT NULL CHECK (role IN ('clerk', 'official', 'auditor', 'admin')),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

-- Failed sign-ins and refused requests.
CREATE TABLE access_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL CHECK (kind IN ('login-failed', 'denied', 'unauthenticated')),
  username text,
  ip text,
  method text,
  path text,
  reason text
);
CREATE INDEX access_log_at_idx ON access_log (at);

-- Who sent a batch or a document (a clerk sees their own).
ALTER TABLE batches ADD COLUMN created_by uuid REFERENCES users(id);
ALTER TABLE documents ADD COLUMN uploaded_by uuid REFERENCES users(id);
`,
  },
  {
    version: 10,
    sql: `
-- Staged pages not yet tied to a document: the sweep looks here for batches sealed by a process that
-- stopped before registering their document.
CREATE INDEX batch_files_unlinked_idx ON batch_files (batch_id) WHERE outcome = 'staged' AND document_id IS NULL;
`,
  },

  {
    version: 12,
    sql: `
-- Every read of a document's content (its text, a page image, the viewer's page, a file): who, when, what,
-- from where. Kept outside the ledger's chain, so a read never waits for the ledger's lock; the ledger gets the
-- first read of each kind by each person of each document in each hour (the row that holds its ledger_slot).
CREATE TABLE document_reads (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  document_id uuid NOT NULL REFERENCES documents(id),
  event text NOT NULL CHECK (event IN ('viewed', 'downloaded')),
  what text NOT NULL,
  reader text NOT NULL,
  user_id uuid REFERENCES users(id),
  ip text,
  ledger_slot text
);
CREATE UNIQUE INDEX document_reads_ledger_slot_key ON document_reads (ledger_slot) WHERE ledger_slot IS NOT NULL;
CREATE INDEX document_reads_document_idx ON document_reads (document_id, at);
CREATE FUNCTION document_reads_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the record of reads is append-only: % is not allowed', TG_OP;
END $$;
CREATE TRIGGER document_reads_no_update_delete BEFORE UPDATE OR DELETE ON document_reads
  FOR EACH ROW EXECUTE FUNCTION document_reads_are_append_only();
CREATE TRIGGER document_reads_no_truncate BEFORE TRUNCATE ON document_reads
  FOR EACH STATEMENT EXECUTE FUNCTION document_reads_are_append_only();

-- A person's departments: NULL is every department, an empty list none. Nothing is converted: an empty list
-- kept earlier is none, as it was when read. (Asking for an empty list used to store NULL, every department;
-- such people cannot be told apart from those given every department, so an administrator reviews them.)
COMMENT ON COLUMN users.departments IS 'NULL: every department; empty: none';
`,
  },
  {
    version: 13,
    sql: `
-- A document or batch comes in only with a known classification (restore brings nothing else in). One kept
-- from before with another is ranked above secret when read: only an administrator sees it.
CREATE FUNCTION classification_is_known() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.classification NOT IN ('public', 'internal', 'confidential', 'secret') THEN
    RAISE EXCEPTION 'unknown classification "%" (known: public, internal, confidential, secret)', NEW.classification;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER documents_classification_known BEFORE INSERT ON documents
  FOR EACH ROW EXECUTE FUNCTION classification_is_known();
CREATE TRIGGER batches_classification_known BEFORE INSERT ON batches
  FOR EACH ROW EXECUTE FUNCTION classification_is_known();
`,
  },
  {
    version: 14,
    sql: `
-- Request counts per client and per minute, shared by every process of the archive (rate limits).
CREATE TABLE rate_limits (
  key text NOT NULL,
  window_start timestamptz NOT NULL,
  count integer NOT NULL,
  PRIMARY KEY (key, window_start)
);
`,
  },
  {
    version: 15,
    sql: `
-- Lookups by fingerprint, by batch and by document that had no index.
CREATE INDEX artefacts_sha256_idx ON artefacts (sha256);
CREATE INDEX document_parts_sha256_idx ON document_parts (sha256);
CREATE INDEX documents_batch_idx ON documents (batch_id);
CREATE INDEX batch_files_document_idx ON batch_files (document_id);
-- Which copies a target holds, and its latest verification, without reading every replica.
CREATE INDEX replicas_target_idx ON replicas (target, verified_at);
`,
  },
  {
    version: 16,
    sql: `
-- Counts for the probes kept as they change, so that /readyz and /metrics read only what is pending.
-- Every statement that changes documents.status or fixity.state adds its net change to stat_deltas
-- (appended, so writers never wait for each other); readers add the deltas to stat_totals, and fold them in.
CREATE TABLE stat_totals (
  metric text NOT NULL,
  label text NOT NULL,
  n bigint NOT NULL,
  PRIMARY KEY (metric, label)
);
CREATE TABLE stat_deltas (
  id bigserial PRIMARY KEY,
  metric text NOT NULL,
  label text NOT NULL,
  delta bigint NOT NULL
);
CREATE FUNCTION stat_count_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  col text := TG_ARGV[1];
BEGIN
  IF TG_OP = 'INSERT' THEN
    EXECUTE format('INSERT INTO stat_deltas (metric, label, delta) SELECT %L, %I, count(*) FROM new_rows GROUP BY %I',
                   TG_ARGV[0], col, col);
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE format('INSERT INTO stat_deltas (metric, label, delta) SELECT %L, %I, -count(*) FROM old_rows GROUP BY %I',
                   TG_ARGV[0], col, col);
  ELSE
    EXECUTE format('INSERT INTO stat_deltas (metric, label, delta) SELECT %L, label, sum(d) FROM
                      (SELECT %I AS label, 1 AS d FROM new_rows UNION ALL SELECT %I, -1 FROM old_rows) c
                    GROUP BY label HAVING sum(d) <> 0', TG_ARGV[0], col, col);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER documents_count_insert AFTER INSERT ON documents REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stat_count_changes('documents.status', 'status');
CREATE TRIGGER documents_count_update AFTER UPDATE ON documents REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stat_count_changes('documents.status', 'status');
CREATE TRIGGER documents_count_delete AFTER DELETE ON documents REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stat_count_changes('documents.status', 'status');
CREATE TRIGGER fixity_count_insert AFTER INSERT ON fixity REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stat_count_changes('fixity.state', 'state');
CREATE TRIGGER fixity_count_update AFTER UPDATE ON fixity REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stat_count_changes('fixity.state', 'state');
CREATE TRIGGER fixity_count_delete AFTER DELETE ON fixity REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stat_count_changes('fixity.state', 'state');
INSERT INTO stat_totals (metric, label, n) SELECT 'documents.status', status, count(*) FROM documents GROUP BY status;
INSERT INTO stat_totals (metric, label, n) SELECT 'fixity.state', state, count(*) FROM fixity GROUP BY state;

-- Stored files that no replica (of any target) holds with the same fingerprint: the offsite copy's
-- pending work, kept by the writes to artefacts and replicas.
CREATE TABLE replication_pending (
  document_id uuid NOT NULL,
  key text NOT NULL,
  sha256 text NOT NULL,
  size bigint NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (document_id, key)
);
CREATE INDEX replication_pending_created_idx ON replication_pending (created_at);
CREATE FUNCTION replication_pending_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM replication_pending p USING old_rows o WHERE p.document_id = o.document_id AND p.key = o.key;
    INSERT INTO replication_pending (document_id, key, sha256, size, created_at)
      SELECT a.document_id, a.key, a.sha256, a.size, a.created_at
      FROM artefacts a JOIN (SELECT DISTINCT document_id, key FROM old_rows) k ON k.document_id = a.document_id AND k.key = a.key
      WHERE NOT EXISTS (SELECT 1 FROM replicas r WHERE r.document_id = a.document_id AND r.key = a.key AND r.sha256 = a.sha256)
      ON CONFLICT (document_id, key) DO UPDATE SET sha256 = EXCLUDED.sha256, size = EXCLUDED.size, created_at = EXCLUDED.created_at;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    DELETE FROM replication_pending p USING new_rows n WHERE p.document_id = n.document_id AND p.key = n.key;
    INSERT INTO replication_pending (document_id, key, sha256, size, created_at)
      SELECT a.document_id, a.key, a.sha256, a.size, a.created_at
      FROM artefacts a JOIN (SELECT DISTINCT document_id, key FROM new_rows) k ON k.document_id = a.document_id AND k.key = a.key
      WHERE NOT EXISTS (SELECT 1 FROM replicas r WHERE r.document_id = a.document_id AND r.key = a.key AND r.sha256 = a.sha256)
      ON CONFLICT (document_id, key) DO UPDATE SET sha256 = EXCLUDED.sha256, size = EXCLUDED.size, created_at = EXCLUDED.created_at;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER artefacts_pending_insert AFTER INSERT ON artefacts REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION replication_pending_refresh();
CREATE TRIGGER artefacts_pending_update AFTER UPDATE ON artefacts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION replication_pending_refresh();
CREATE TRIGGER artefacts_pending_delete AFTER DELETE ON artefacts REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION replication_pending_refresh();
CREATE TRIGGER replicas_pending_insert AFTER INSERT ON replicas REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION replication_pending_refresh();
CREATE TRIGGER replicas_pending_update AFTER UPDATE ON replicas REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION replication_pending_refresh();
CREATE TRIGGER replicas_pending_delete AFTER DELETE ON replicas REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION replication_pending_refresh();
INSERT INTO replication_pending (document_id, key, sha256, size, created_at)
  SELECT a.document_id, a.key, a.sha256, a.size, a.created_at FROM artefacts a
  WHERE NOT EXISTS (SELECT 1 FROM replicas r WHERE r.document_id = a.document_id AND r.key = a.key AND r.sha256 = a.sha256);
`,
  },
  {
    version: 17,
    sql: `
-- What runs on a timer, once for the whole cluster: each schedule's first sight (NULL: due at once) and its
-- runs (start, end, outcome, which process), so a period counts from the last run anywhere, across restarts.
CREATE TABLE schedules (
  name text PRIMARY KEY,
  since timestamptz
);
CREATE TABLE schedule_runs (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  process text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at timestamptz,
  ok boolean,
  error text,
  -- A run a process makes as it starts, whether due or not (the sweep of its own spool).
  at_start boolean NOT NULL DEFAULT false
);
CREATE INDEX schedule_runs_by_name ON schedule_runs (name, id);
`,
  },
  {
    version: 18,
    sql: `
-- The audit report without whole-archive scans: stored files counted by kind as they are added or removed,
-- and fixity checks findable by time.
CREATE TRIGGER artefacts_count_insert AFTER INSERT ON artefacts REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stat_count_changes('artefacts.kind', 'kind');
CREATE TRIGGER artefacts_count_update AFTER UPDATE ON artefacts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stat_count_changes('artefacts.kind', 'kind');
CREATE TRIGGER artefacts_count_delete AFTER DELETE ON artefacts REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stat_count_changes('artefacts.kind', 'kind');
INSERT INTO stat_totals (metric, label, n) SELECT 'artefacts.kind', kind, count(*) FROM artefacts GROUP BY kind;
CREATE INDEX fixity_checked_idx ON fixity (checked_at);
`,
  },
  {
    version: 19,
    sql: `
-- Long work (a fixity sweep, a rebuild of the search index) as jobs any server or worker process takes,
-- with its progress for the API and the command line; a job whose process stopped is taken again.
CREATE TABLE jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL,
  params jsonb NOT NULL DEFAULT '{}'::jsonb,
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
  requested_by text,
  owner text,
  attempts int NOT NULL DEFAULT 0,
  done bigint NOT NULL DEFAULT 0,
  total bigint,
  result jsonb,
  error text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  started_at timestamptz,
  heartbeat_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX jobs_open_idx ON jobs (created_at) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_created_idx ON jobs (created_at DESC);
-- One open job of a kind with the same parameters: asking again returns the one already there.
CREATE UNIQUE INDEX jobs_one_open ON jobs (kind, params) WHERE state IN ('queued', 'running');
`,
  },
  {
    version: 20,
    sql: `
-- Fixity as a rolling cycle: every copy of every archived document's stored file, with when the cycle last
-- read it ('-infinity': never), so that a run takes the oldest checks first by an index scan whatever the
-- archive's size. The copies are named in fixity_targets; rows are added as a document is archived, or a
-- file is added to an archived one, and removed with the file.
CREATE TABLE fixity_targets (name text PRIMARY KEY);
INSERT INTO fixity_targets (name) VALUES ('primary'), ('offsite');
CREATE TABLE fixity_cycle (
  document_id uuid NOT NULL,
  key text NOT NULL,
  target text NOT NULL,
  checked_at timestamptz NOT NULL DEFAULT '-infinity',
  PRIMARY KEY (document_id, key, target)
);
CREATE INDEX fixity_cycle_oldest_idx ON fixity_cycle (checked_at, document_id, key, target);
CREATE FUNCTION fixity_cycle_files() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM fixity_cycle c USING old_rows o WHERE c.document_id = o.document_id AND c.key = o.key;
  ELSE
    INSERT INTO fixity_cycle (document_id, key, target)
      SELECT n.document_id, n.key, t.name FROM new_rows n
      JOIN documents d ON d.id = n.document_id AND d.status = 'archived' CROSS JOIN fixity_targets t
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION fixity_cycle_archived() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO fixity_cycle (document_id, key, target)
    SELECT a.document_id, a.key, t.name
    FROM (SELECT id FROM new_rows WHERE status = 'archived' EXCEPT SELECT id FROM old_rows WHERE status = 'archived') n
    JOIN artefacts a ON a.document_id = n.id CROSS JOIN fixity_targets t
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER artefacts_fixity_cycle_insert AFTER INSERT ON artefacts REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION fixity_cycle_files();
CREATE TRIGGER artefacts_fixity_cycle_delete AFTER DELETE ON artefacts REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION fixity_cycle_files();
CREATE TRIGGER documents_fixity_cycle_archived AFTER UPDATE ON documents REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION fixity_cycle_archived();
-- What earlier sweeps checked keeps its time; the rest waits for its first check.
INSERT INTO fixity_cycle (document_id, key, target, checked_at)
  SELECT a.document_id, a.key, t.name, coalesce(f.checked_at, '-infinity')
  FROM artefacts a JOIN documents d ON d.id = a.document_id AND d.status = 'archived' CROSS JOIN fixity_targets t
  LEFT JOIN fixity f ON f.document_id = a.document_id AND f.target = t.name AND f.key = a.key;
`,
  },
  {
    version: 21,
    sql: `
-- Checkpoints over a Merkle mountain range (storage/integrity/mmr.ts), so a checkpoint costs what was archived
-- since the last one: a leaf per archived document, in the order of its first 'archived' ledger entry (fixed
-- once given: the ledger only grows, and a restored ledger gives the same order), and the range's nodes by
-- position, each written once. Existing archives are filled in by the next checkpoint (mmrStore.ts), a
-- thousand leaves per transaction, from the ledger's 'archived' entries in order.
CREATE TABLE mmr_leaves (
  leaf_index bigint PRIMARY KEY,
  document_id uuid NOT NULL UNIQUE,
  ledger_seq bigint NOT NULL UNIQUE,
  leaf text NOT NULL
);
CREATE TABLE mmr_nodes (
  pos bigint PRIMARY KEY,
  hash text NOT NULL
);
CREATE INDEX ledger_archived_idx ON ledger (seq) WHERE event = 'archived';
`,
  },
  {
    version: 22,
    sql: `
-- The diwan's books (registers): every document belongs to one, and registry numbers run per register per
-- year. Existing documents and sequences are the incoming book's, their numbers unchanged.
CREATE TABLE registers (
  code text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9-]{1,30}$'),
  name_ar text NOT NULL,
  name_en text NOT NULL,
  letter_ar text NOT NULL,
  letter_en text NOT NULL,
  direction text NOT NULL CHECK (direction IN ('in', 'out', 'internal')),
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO registers (code, name_ar, name_en, letter_ar, letter_en, direction) VALUES
  ('incoming', 'الوارد', 'Incoming', 'و', 'IN', 'in'),
  ('outgoing', 'الصادر', 'Outgoing', 'ص', 'OUT', 'out'),
  ('internal', 'الداخلي', 'Internal', 'د', 'INT', 'internal');
ALTER TABLE registry_sequences ADD COLUMN register text NOT NULL DEFAULT 'incoming' REFERENCES registers(code);
ALTER TABLE registry_sequences DROP CONSTRAINT registry_sequences_pkey;
ALTER TABLE registry_sequences ADD PRIMARY KEY (register, year);

-- Who letters come from and go to, as records; name_key is the Arabic name normalised as search normalises it.
CREATE TABLE correspondents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name_ar text NOT NULL CHECK (length(trim(name_ar)) > 0),
  name_en text,
  name_key text NOT NULL,
  kind text NOT NULL DEFAULT 'other' CHECK (kind IN ('ministry', 'company', 'person', 'other')),
  contact text,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid
);
CREATE INDEX correspondents_name_key_idx ON correspondents (name_key);

ALTER TABLE documents ADD COLUMN register text NOT NULL DEFAULT 'incoming' REFERENCES registers(code);
ALTER TABLE documents DROP CONSTRAINT documents_registry_key;
ALTER TABLE documents ADD CONSTRAINT documents_registry_key UNIQUE (register, registry_year, registry_seq);
ALTER TABLE documents ADD COLUMN external_ref text;
ALTER TABLE documents ADD COLUMN external_date date;
ALTER TABLE documents ADD COLUMN correspondent_id uuid REFERENCES correspondents(id);
-- Written by the referral code in the same transaction as each referral change: 'open' while any referral
-- is open, with the earliest due date among the open ones that are not suspended.
ALTER TABLE documents ADD COLUMN referral_state text NOT NULL DEFAULT 'none' CHECK (referral_state IN ('none', 'open', 'closed'));
ALTER TABLE documents ADD COLUMN referral_due date;
CREATE INDEX documents_correspondent_idx ON documents (correspondent_id, created_at DESC) WHERE correspondent_id IS NOT NULL;

-- A batch's documents take its register, and (a letter sent as a batch: its pages, say) its sender's reference,
-- correspondent and the documents it answers.
ALTER TABLE batches ADD COLUMN register text NOT NULL DEFAULT 'incoming' REFERENCES registers(code);
ALTER TABLE batches ADD COLUMN external_ref text;
ALTER TABLE batches ADD COLUMN external_date date;
ALTER TABLE batches ADD COLUMN correspondent_id uuid REFERENCES correspondents(id);
ALTER TABLE batches ADD COLUMN in_reply_to uuid[] NOT NULL DEFAULT '{}';

-- Links between documents: from_id is the later one (a reply answers to_id). Never deleted: a removed link
-- keeps its row with who removed it, when and why.
CREATE TABLE document_links (
  id bigserial PRIMARY KEY,
  from_id uuid NOT NULL REFERENCES documents(id),
  to_id uuid NOT NULL REFERENCES documents(id),
  kind text NOT NULL CHECK (kind IN ('reply', 'attachment', 'follows', 'cancels')),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  removed_at timestamptz,
  removed_by uuid,
  removed_reason text,
  CHECK (from_id <> to_id)
);
CREATE INDEX document_links_from_idx ON document_links (from_id);
CREATE INDEX document_links_to_idx ON document_links (to_id);
CREATE UNIQUE INDEX document_links_live ON document_links (from_id, to_id, kind) WHERE removed_at IS NULL;
`,
  },
  {
    version: 23,
    sql: `
-- Corrections of a document's record: who, when, why, and each changed field's value before and after, the
-- same change as its 'corrected' ledger entry (ledger_seq). Kept for good: never updated nor deleted.
CREATE TABLE document_changes (
  id bigserial PRIMARY KEY,
  document_id uuid NOT NULL REFERENCES documents(id),
  at timestamptz NOT NULL DEFAULT now(),
  by_user text NOT NULL,
  reason text NOT NULL CHECK (length(trim(reason)) >= 3),
  changes jsonb NOT NULL,
  ledger_seq bigint NOT NULL UNIQUE
);
CREATE INDEX document_changes_document_idx ON document_changes (document_id, id);
CREATE FUNCTION document_changes_are_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'corrections are kept: % is not allowed on document_changes', TG_OP;
END $$;
CREATE TRIGGER document_changes_no_update_delete BEFORE UPDATE OR DELETE ON document_changes
  FOR EACH ROW EXECUTE FUNCTION document_changes_are_kept();
`,
  },
  {
    version: 24,
    sql: `
-- Referrals (إحالة): a document sent to a department (and perhaps a person) to act on by a due date. A referral
-- is never removed: it is closed by the reply letter or by a note. A suspended deadline (an emergency, by an
-- administrator) does not count while suspended; on resume its due date moves by the days it was suspended.
-- Every change is a ledger entry carrying the whole change, so a restore replays them.
CREATE TABLE referrals (
  id uuid PRIMARY KEY,
  document_id uuid NOT NULL REFERENCES documents(id),
  to_department text NOT NULL CHECK (length(trim(to_department)) > 0),
  to_user text,
  instruction text NOT NULL,
  due_date date NOT NULL,
  state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  closed_at timestamptz,
  closed_by text,
  close_kind text CHECK (close_kind IN ('reply', 'note')),
  reply_document_id uuid REFERENCES documents(id),
  close_note text,
  suspended_at timestamptz,
  suspended_by text,
  suspended_reason text,
  CHECK ((state = 'closed') = (closed_at IS NOT NULL))
);
CREATE INDEX referrals_document_idx ON referrals (document_id, created_at);
CREATE INDEX referrals_open_idx ON referrals (to_department, due_date) WHERE state = 'open';
CREATE INDEX referrals_open_user_idx ON referrals (to_user, due_date) WHERE state = 'open' AND to_user IS NOT NULL;

-- Directives (تأشيرة): an official's short annotation on a document, beside it; the document's files never change.
CREATE TABLE directives (
  id bigserial PRIMARY KEY,
  document_id uuid NOT NULL REFERENCES documents(id),
  text text NOT NULL CHECK (length(trim(text)) > 0),
  by_user text NOT NULL,
  by_name text,
  at timestamptz NOT NULL
);
CREATE INDEX directives_document_idx ON directives (document_id, id);
`,
  },
  {
    version: 25,
    sql: `
-- The letter whose registration brought a correspondent in, if any: its later changes are ledgered as that
-- letter's, so an auditor not cleared for the letter learns neither who sent it nor what the name became.
ALTER TABLE correspondents ADD COLUMN first_document_id uuid;

-- A number as people write it names its book by the book's letter («ص ٢٠٢٦/١», "OUT 2026/1"): one book to a letter.
CREATE UNIQUE INDEX registers_letter_ar_key ON registers (letter_ar);
CREATE UNIQUE INDEX registers_letter_en_key ON registers (lower(letter_en));
`,
  },
  ...RECORDS_MIGRATIONS,
  ...ACCESS_MIGRATIONS,
  ...INTAKE_MIGRATIONS,
  ...TOKEN_MIGRATIONS,
  ...INDEX_MIGRATIONS,
];
