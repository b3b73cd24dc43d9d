/** Schema migrations, in order. Never edit a landed one: add the next. */
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
];
