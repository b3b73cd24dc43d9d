/**
 * PostgreSQL behind one small interface. Only this folder imports `pg`.
 * Migrations are plain SQL, applied in order at start, each once, under an
 * advisory lock so that several processes starting together do not race.
 */
import pg from 'pg';
import { MIGRATIONS } from './migrations';

export type Db = pg.Pool;
export type Tx = pg.PoolClient;
export type Queryable = Pick<pg.Pool, 'query'>;

export function createDb(url: string, max = 10): Db {
  const pool = new pg.Pool({ connectionString: url, max });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `fn` in one transaction, committing on success and rolling back on any error. */
export async function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

const MIGRATION_LOCK = 0x64697761; // "diwa"

export async function migrate(db: Db): Promise<number> {
  return inTransaction(db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(done.rows.map((r) => r.version));
    let count = 0;
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await tx.query(m.sql);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
      count++;
    }
    return count;
  });
}

/** Tables whose rows are never changed or removed: the application's role may only add and read. */
export const APPEND_ONLY_TABLES = ['ledger', 'checkpoints', 'page_texts'] as const;

/**
 * Run as the schema's owner after migrating: gives `role` (the role the archive
 * runs as) what it needs and nothing more. It reads and writes the working
 * tables, only adds to and reads the append-only ones, never touches the
 * migration record, and uses the job queue's schema. Safe to repeat at every start.
 */
export async function grantAppRole(db: Db, role: string, queueSchema: string): Promise<void> {
  const r = quoteIdent(role);
  const q = quoteIdent(queueSchema);
  await inTransaction(db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(`GRANT USAGE ON SCHEMA public TO ${r}`);
    await tx.query(`REVOKE CREATE ON SCHEMA public FROM ${r}`);
    await tx.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${r}`);
    await tx.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${r}`);
    await tx.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${APPEND_ONLY_TABLES.join(', ')} FROM ${r}`);
    await tx.query(`REVOKE ALL ON schema_migrations FROM ${r}`);
    await tx.query(`GRANT SELECT ON schema_migrations TO ${r}`);
    await tx.query(`GRANT USAGE ON SCHEMA ${q} TO ${r}`);
    await tx.query(`GRANT ALL ON ALL TABLES IN SCHEMA ${q} TO ${r}`);
    await tx.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA ${q} TO ${r}`);
    await tx.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${q} TO ${r}`);
  });
}

/** What the connected role may do to the ledger: the audit report shows it. */
export async function ledgerPrivileges(db: Queryable): Promise<{ role: string; canInsert: boolean; canUpdateOrDelete: boolean }> {
  const { rows } = await db.query<{ role: string; ins: boolean; upd: boolean; del: boolean; own: boolean }>(
    `SELECT current_user AS role,
            has_table_privilege('ledger', 'INSERT') AS ins,
            has_table_privilege('ledger', 'UPDATE') AS upd,
            has_table_privilege('ledger', 'DELETE') AS del,
            pg_has_role((SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'ledger'), 'USAGE') AS own`,
  );
  const row = rows[0]!;
  // An owner can switch the triggers off; that counts as being able to change rows.
  return { role: row.role, canInsert: row.ins, canUpdateOrDelete: row.upd || row.del || row.own };
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** True when the error is PostgreSQL's unique-constraint violation on `constraint`. */
export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  const err = e as { code?: string; constraint?: string };
  return err?.code === '23505' && (constraint === undefined || err.constraint === constraint);
}

/**
 * On a cluster Diwan runs itself (the embedded server): the database and the
 * role the archive runs as, made when missing. The role logs in and has only
 * what the owner grants it at migration. `adminUrl` is a superuser's.
 */
export async function ensureDatabaseAndRole(adminUrl: string, database: string, role: string, password: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${quoteIdent(database)}`);
    const found = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    if (found.rowCount === 0) await admin.query(`CREATE ROLE ${quoteIdent(role)} LOGIN`);
    await admin.query(
      `ALTER ROLE ${quoteIdent(role)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD ${admin.escapeLiteral(password)}`,
    );
  } finally {
    await admin.end();
  }
}
