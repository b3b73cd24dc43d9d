/** Schema migrations from 41 on: the scanner room (stacks, labels, drop folders, Office files, e-mail). Never edit a landed one. */
export const INTAKE_MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 41,
    sql: `
-- Where a batch's files came from (the viewer's upload page, the API, the command line, a watched folder, a
-- mailbox), and how its scanner fed the paper: one side ('simplex'), both sides at once ('duplex': blank backs
-- are dropped), or two one-sided passes ('passes': the fronts, then the backs in reverse, collated).
ALTER TABLE batches ADD COLUMN source text NOT NULL DEFAULT 'api' CHECK (source IN ('web', 'api', 'cli', 'folder', 'mail'));
ALTER TABLE batches ADD COLUMN duplex text NOT NULL DEFAULT 'simplex' CHECK (duplex IN ('simplex', 'duplex', 'passes'));

-- What each received file was ('file': one document as it came; 'stack': a part of a scanned stack split at
-- separator sheets; 'office': an Office document; 'email': a message; 'attachment': a message's attachment),
-- what it was part of (the stack's or message's name), and what was noticed (pages, separators, blank pages
-- dropped, the label read, a label refused).
ALTER TABLE batch_files ADD COLUMN kind text NOT NULL DEFAULT 'file'
  CHECK (kind IN ('file', 'stack', 'office', 'email', 'attachment'));
ALTER TABLE batch_files ADD COLUMN part_of text;
ALTER TABLE batch_files ADD COLUMN notes jsonb;
-- A page file of a batch of pages taken out when the batch was sealed ('sheet': every page of it a separator
-- sheet or a blank back dropped, counted in its notes); the file stays in staging, tied to no document.
ALTER TABLE batch_files DROP CONSTRAINT batch_files_outcome_check;
ALTER TABLE batch_files ADD CONSTRAINT batch_files_outcome_check
  CHECK (outcome IN ('accepted', 'duplicate', 'rejected', 'staged', 'sheet'));

-- A part of a document that is a rendition, not an original: the PDF LibreOffice made of an Office file, the
-- PDF of an e-mail's body. It holds the pages the pipeline reads; the original (page_count 0) keeps the
-- document's fingerprint.
ALTER TABLE document_parts ADD COLUMN rendition boolean NOT NULL DEFAULT false;

-- Registry numbers given out in advance on printed labels: each taken from its register's sequence when the
-- sheet is made, and tied to the document whose first page bears it (once).
CREATE TABLE registry_labels (
  register text NOT NULL REFERENCES registers(code),
  year int NOT NULL,
  seq int NOT NULL,
  printed_at timestamptz NOT NULL DEFAULT now(),
  printed_by uuid REFERENCES users(id),
  document_id uuid UNIQUE REFERENCES documents(id),
  used_at timestamptz,
  PRIMARY KEY (register, year, seq)
);

-- A file kept whole beside the documents made of it: a scanned stack (split at separator sheets) or an e-mail
-- message. Written once to object storage before any of its documents is registered; 'splitting' until every
-- document is registered, so the sweep finishes what a stopped process began.
CREATE TABLE intake_originals (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  batch_id uuid REFERENCES batches(id),
  kind text NOT NULL CHECK (kind IN ('stack', 'email')),
  name text,
  sha256 text NOT NULL,
  size bigint NOT NULL,
  mime text NOT NULL,
  key text NOT NULL,
  pages int NOT NULL DEFAULT 0,
  status text NOT NULL DEFAULT 'splitting' CHECK (status IN ('splitting', 'done')),
  summary jsonb,
  -- What its documents are registered with (the registration's fields, the scanner's duplex, the source), so
  -- that the sweep registers them as the process that stopped would have.
  context jsonb,
  created_by uuid REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- When its copy in the offsite bucket was read back with its SHA-256; null while it waits (the sweep copies it).
  offsite_at timestamptz
);
CREATE INDEX intake_originals_unfinished_idx ON intake_originals (created_at) WHERE status = 'splitting';
CREATE INDEX intake_originals_offsite_idx ON intake_originals (created_at) WHERE offsite_at IS NULL;
CREATE INDEX intake_originals_batch_idx ON intake_originals (batch_id);
CREATE TABLE intake_original_documents (
  original_id uuid NOT NULL REFERENCES intake_originals(id),
  document_id uuid NOT NULL REFERENCES documents(id),
  seq int NOT NULL,
  -- The stack's pages the document was made of (1-based, in the stack's order); null for a message's parts.
  pages int[],
  PRIMARY KEY (original_id, seq)
);
CREATE INDEX intake_original_documents_doc_idx ON intake_original_documents (document_id);

-- Files taken from watched folders: the claim survives a restart, so a file is archived once.
CREATE TABLE drop_files (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  folder text NOT NULL,
  name text NOT NULL,
  sha256 text,
  size bigint NOT NULL,
  mtime timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'taking' CHECK (status IN ('taking', 'processed', 'rejected')),
  batch_id uuid REFERENCES batches(id),
  error_code text,
  taken_at timestamptz NOT NULL DEFAULT now(),
  done_at timestamptz
);
CREATE INDEX drop_files_folder_idx ON drop_files (folder, status);

-- Messages taken from a mailbox over IMAP: one row per message (its mailbox, UIDVALIDITY and UID), made before
-- it is archived, so each is taken once however often the mailbox is polled.
CREATE TABLE mail_taken (
  mailbox text NOT NULL,
  uid_validity bigint NOT NULL,
  uid bigint NOT NULL,
  message_id text,
  sha256 text,
  status text NOT NULL DEFAULT 'taking' CHECK (status IN ('taking', 'done', 'rejected')),
  batch_id uuid REFERENCES batches(id),
  error_code text,
  -- How many times it was begun: a message that fails (or stops its process) every time is given up after a few.
  attempts int NOT NULL DEFAULT 0,
  taken_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (mailbox, uid_validity, uid)
);

-- What came in, by day, source and kind: the upload page's and /metrics' counts, read without counting rows.
CREATE TABLE intake_counts (
  day date NOT NULL,
  source text NOT NULL,
  kind text NOT NULL,
  documents bigint NOT NULL DEFAULT 0,
  pages bigint NOT NULL DEFAULT 0,
  blank_pages bigint NOT NULL DEFAULT 0,
  separators bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (day, source, kind)
);
`,
  },
];
