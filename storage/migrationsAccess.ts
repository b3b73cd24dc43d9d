/** Schema migrations from 37 on: the ministry's directory, second factors, the shared rate limits. Never edit a landed one. */
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
];
