/** Schema migrations from 42 on: what every API process must hear of at once. Never edit a landed one. */
export const TOKEN_MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 42,
    sql: `
-- Each API process keeps the tokens it verified lately (storage/repos/tokenCache.ts). Any change that matters to a
-- token, by whatever writer (the API, the command line, a directory sign-in, a hand in psql), tells every process at
-- its commit: NOTIFY diwan_tokens with the person's id ('' when the rows' owner is not one person). A token's last
-- use, a directory account's last sign-in and the sessions change nothing a token answers with, and notify nobody.
CREATE FUNCTION diwan_notify_tokens() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  who text := '';
BEGIN
  IF TG_LEVEL = 'ROW' THEN
    IF TG_OP = 'DELETE' THEN
      who := to_jsonb(OLD) ->> TG_ARGV[0];
    ELSIF (to_jsonb(OLD) ->> TG_ARGV[0]) IS NOT DISTINCT FROM (to_jsonb(NEW) ->> TG_ARGV[0]) THEN
      who := to_jsonb(NEW) ->> TG_ARGV[0];
    END IF;
  END IF;
  PERFORM pg_notify('diwan_tokens', coalesce(who, ''));
  RETURN NULL;
END $$;

CREATE TRIGGER users_notify_tokens AFTER UPDATE ON users FOR EACH ROW
  WHEN ((OLD.id, OLD.username, OLD.display_name, OLD.role, OLD.clearance, OLD.departments, OLD.password_hash,
         OLD.disabled_at, OLD.created_at, OLD.source)
        IS DISTINCT FROM
        (NEW.id, NEW.username, NEW.display_name, NEW.role, NEW.clearance, NEW.departments, NEW.password_hash,
         NEW.disabled_at, NEW.created_at, NEW.source))
  EXECUTE FUNCTION diwan_notify_tokens('id');
CREATE TRIGGER users_notify_tokens_delete AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION diwan_notify_tokens('id');
CREATE TRIGGER users_notify_tokens_truncate AFTER TRUNCATE ON users FOR EACH STATEMENT EXECUTE FUNCTION diwan_notify_tokens();

CREATE TRIGGER api_tokens_notify AFTER UPDATE ON api_tokens FOR EACH ROW
  WHEN ((OLD.id, OLD.user_id, OLD.name, OLD.token_hash, OLD.role, OLD.revoked_at)
        IS DISTINCT FROM (NEW.id, NEW.user_id, NEW.name, NEW.token_hash, NEW.role, NEW.revoked_at))
  EXECUTE FUNCTION diwan_notify_tokens('user_id');
CREATE TRIGGER api_tokens_notify_delete AFTER DELETE ON api_tokens FOR EACH ROW EXECUTE FUNCTION diwan_notify_tokens('user_id');
CREATE TRIGGER api_tokens_notify_truncate AFTER TRUNCATE ON api_tokens FOR EACH STATEMENT EXECUTE FUNCTION diwan_notify_tokens();
`,
  },
];
