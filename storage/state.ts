/** Small named values the archive keeps about itself (diwan_state), such as the search index's format. */
import type { Queryable } from './db';

export async function readState<T>(db: Queryable, key: string): Promise<T | undefined> {
  const { rows } = await db.query<{ value: T }>('SELECT value FROM diwan_state WHERE key = $1', [key]);
  return rows[0]?.value;
}

export async function writeState(db: Queryable, key: string, value: unknown): Promise<void> {
  await db.query(
    `INSERT INTO diwan_state (key, value) VALUES ($1, $2::jsonb)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [key, JSON.stringify(value)],
  );
}
