import type { Db } from './db.js';

export interface Migration {
  /** Unique and ordered: `<module>/<NNNN>_<what>`; applied in the order given. */
  id: string;
  sql: string;
}

/** Applies the migrations not yet applied, each in its own transaction; returns the ids applied. */
export async function migrate(db: Db, migrations: readonly Migration[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const m of migrations) {
    if (ids.has(m.id)) throw new Error(`duplicate migration id ${m.id}`);
    ids.add(m.id);
  }
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migration (
    id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  const applied = new Set(
    (await db.query<{ id: string }>('SELECT id FROM schema_migration')).map((r) => r.id),
  );
  const done: string[] = [];
  for (const m of migrations) {
    if (applied.has(m.id)) continue;
    await db.transaction(async (tx) => {
      // Serialise concurrent migrators on a server (two instances starting at once).
      await tx.query('LOCK TABLE schema_migration IN EXCLUSIVE MODE');
      const again = await tx.query('SELECT 1 FROM schema_migration WHERE id = $1', [m.id]);
      if (again.length > 0) return;
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migration (id) VALUES ($1)', [m.id]);
      done.push(m.id);
    });
  }
  return done;
}

/** Splits a migration on `;` at line ends (migrations are written one statement per `;\n`). */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && !/^(--[^\n]*\n?)*$/.test(s));
}
