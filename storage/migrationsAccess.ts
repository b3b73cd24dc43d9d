/** Schema migrations from 37 on: the ministry's directory, second factors, the audit page's charts, the lock-out by name. Never edit a landed one. */
export const ACCESS_MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 37,
    sql: `
-- Where a person's account comes from: a local account (a password kept here, as before), or the ministry's
-- directory (LDAP / Active Directory, or an OpenID Connect provider), known there by external_id (the entry's
-- DN or the provider's subject) and holding no password here. The role, clearance and departments of a
-- directory account are set from its groups at each sign-in (directory_groups keeps the groups then seen).
ALTER TABLE users ADD COLUMN source text NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'ldap', 'oidc'));
ALTER TABLE users ADD COLUMN external_id text;
ALTER TABLE users ADD COLUMN directory_groups text[];
ALTER TABLE users ADD COLUMN directory_seen_at timestamptz;
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_source_shape CHECK (
  (source = 'local' AND external_id IS NULL AND password_hash IS NOT NULL)
  OR (source <> 'local' AND external_id IS NOT NULL AND password_hash IS NULL));
CREATE UNIQUE INDEX users_external_key ON users (source, external_id) WHERE external_id IS NOT NULL;
`,
  },
  {
    version: 38,
    sql: `
-- The second factor of a local account: a TOTP secret, sealed (AES-256-GCM under a key derived from the
-- checkpoint signing key, kept in the data directory, not here), while being set up (confirmed_at NULL) and
-- once confirmed; last_step is the time step of the last code accepted, so no code is accepted twice.
CREATE TABLE second_factors (
  user_id uuid PRIMARY KEY REFERENCES users(id),
  secret_sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  confirmed_at timestamptz,
  last_step bigint
);

-- A sign-in half done: the password was right, the second factor (or setting one up) is still to come.
-- The browser holds a random secret in a cookie; only its hash is kept, for a few minutes.
CREATE TABLE pending_sign_ins (
  id_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users(id),
  next text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX pending_sign_ins_user_idx ON pending_sign_ins (user_id);
`,
  },
  {
    version: 39,
    sql: `
-- The audit page's charts without whole-archive scans (storage/auditSeries.ts). Documents findable by the time
-- they were registered:
CREATE INDEX documents_created_idx ON documents (created_at);
-- the latest fixity state counted per copy as it changes, kept like migration 16's counts ('primary/ok', ...):
CREATE FUNCTION fixity_copy_count_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO stat_deltas (metric, label, delta)
      SELECT 'fixity.copy_state', target || '/' || state, count(*) FROM new_rows GROUP BY target, state;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO stat_deltas (metric, label, delta)
      SELECT 'fixity.copy_state', target || '/' || state, -count(*) FROM old_rows GROUP BY target, state;
  ELSE
    INSERT INTO stat_deltas (metric, label, delta)
      SELECT 'fixity.copy_state', label, sum(d) FROM
        (SELECT target || '/' || state AS label, 1 AS d FROM new_rows
         UNION ALL SELECT target || '/' || state, -1 FROM old_rows) c
      GROUP BY label HAVING sum(d) <> 0;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER fixity_copy_count_insert AFTER INSERT ON fixity REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION fixity_copy_count_changes();
CREATE TRIGGER fixity_copy_count_update AFTER UPDATE ON fixity REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION fixity_copy_count_changes();
CREATE TRIGGER fixity_copy_count_delete AFTER DELETE ON fixity REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION fixity_copy_count_changes();
INSERT INTO stat_totals (metric, label, n)
  SELECT 'fixity.copy_state', target || '/' || state, count(*) FROM fixity GROUP BY target, state;
-- and a past day's figures, once they can no longer change, by series (the series' name, the time zone, the
-- last restore) and day.
CREATE TABLE audit_days (
  series text NOT NULL,
  day date NOT NULL,
  value jsonb NOT NULL,
  PRIMARY KEY (series, day)
);
`,
  },
  {
    version: 40,
    sql: `
-- An account's lock-out counts refused sign-ins by name in any case (storage/repos/signInLockout.ts): found
-- through this index, not by reading the access log since its window began.
CREATE INDEX access_log_failed_name_idx ON access_log (lower(btrim(username)), at) WHERE kind = 'login-failed';
`,
  },
];
