import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { acquireDirLock, type DirLock } from './lock.js';

/** What a query or a transaction can do; the same SQL runs on PGlite and on a PostgreSQL server. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: all of it is written, or none. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements with no parameters (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

// Same value types from both drivers: dates stay 'YYYY-MM-DD' (no time-zone shift), int8 and
// numeric stay strings (exact), timestamps become Date.
const DATE = 1082;
const INT8 = 20;
const NUMERIC = 1700;
const keepText = (v: string) => v;

export interface OpenDbOptions {
  databaseUrl?: string | undefined;
  /** PGlite data directory; undefined for an in-memory database (tests). */
  dataDir?: string | undefined;
  /** Pool size for a server; PGlite is one connection. */
  maxConnections?: number;
}

export async function openDb(options: OpenDbOptions): Promise<Db> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.maxConnections ?? 10);
  return openPglite(options.dataDir);
}

async function openPglite(dataDir: string | undefined): Promise<Db> {
  let lock: DirLock | undefined;
  let dir: string | undefined;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    // PGlite is single-process: two processes on one data directory would corrupt it.
    lock = acquireDirLock(dataDir);
    dir = join(dataDir, 'pgdata');
  }
  let lite: PGlite;
  try {
    lite = await PGlite.create({
      ...(dir ? { dataDir: dir } : {}),
      parsers: { [DATE]: keepText, [INT8]: keepText, [NUMERIC]: keepText },
    });
  } catch (e) {
    lock?.release();
    throw e;
  }
  const run = async <T>(q: { query: PGlite['query'] }, sql: string, params?: readonly unknown[]) =>
    (await q.query<T>(sql, params as unknown[] | undefined)).rows;
  return {
    kind: 'pglite',
    query: (sql, params) => run(lite, sql, params),
    transaction: (fn) => lite.transaction((tx) => fn({ query: (sql, params) => run(tx, sql, params) })),
    exec: async (sql) => {
      await lite.exec(sql);
    },
    close: async () => {
      await lite.close();
      lock?.release();
    },
  };
}

async function openPostgres(url: string, max: number): Promise<Db> {
  const types = {
    getTypeParser: (oid: number, format?: string) =>
      oid === DATE || oid === INT8 || oid === NUMERIC
        ? keepText
        : (pg.types.getTypeParser as (o: number, f?: string) => (v: string) => unknown)(oid, format),
  };
  const pool = new pg.Pool({ connectionString: url, max, types: types as pg.CustomTypesConfig });
  // An idle connection the server drops (restart, failover, DROP DATABASE ... FORCE) emits an
  // error; unhandled, it would end the process. The pool replaces it at the next query.
  pool.on('error', (err) => process.emitWarning(`PostgreSQL idle connection closed: ${err.message}`));
  // Fail at start, with the server's own message, rather than at the first request.
  const probe = await pool.connect();
  probe.release();
  return {
    kind: 'postgres',
    query: async <T>(sql: string, params?: readonly unknown[]) =>
      (await pool.query(sql, params as unknown[] | undefined)).rows as T[],
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: async <T>(sql: string, params?: readonly unknown[]) =>
            (await client.query(sql, params as unknown[] | undefined)).rows as T[],
        });
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    exec: async (sql) => {
      await pool.query(sql);
    },
    close: () => pool.end(),
  };
}
