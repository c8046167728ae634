import { createPrivateKey, randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDb, type Db } from '../db/index.js';
import { createLogger } from '../kernel/log.js';
import { signerOf } from '../modules/ledger/index.js';
import { wire, type Platform } from '../platform.js';

/**
 * The ledger key of every test platform and of the CLI in tests: on a server run, test files copy
 * a template whose demo checkpoint this key signed, and verify must trust it. A test key only.
 */
export const TEST_LEDGER_KEY = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIB3q3e/h+1b8OThV3DfuluI0e3tjmPhIeiIeussw+iVs
-----END PRIVATE KEY-----
`;
export const TEST_LEDGER_ORIGIN = 'greentrade.test/ledger';
export const testLedger = () => ({
  signer: signerOf(createPrivateKey(TEST_LEDGER_KEY)),
  origin: TEST_LEDGER_ORIGIN,
});

/**
 * The test database: PGlite in memory by default; with GREENTRADE_TEST_DATABASE_URL (set by
 * scripts/with-pg-database.sh), a fresh database on that server for each test file, copied from
 * the run's template and dropped afterwards.
 */
export const testDatabaseUrl = (): string | undefined =>
  process.env['GREENTRADE_TEST_DATABASE_URL'] || undefined;

const withDatabase = (url: string, name: string): string => {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
};

export interface TestDb {
  db: Db;
  /** The server database's URL; undefined on PGlite. */
  url: string | undefined;
  dispose(): Promise<void>;
}

export async function openTestDb(): Promise<TestDb> {
  const url = testDatabaseUrl();
  if (!url) {
    const db = await openDb({});
    return { db, url: undefined, dispose: () => db.close() };
  }
  const template = new URL(url).pathname.slice(1);
  const name = `${template}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await admin.end();
  }
  const own = withDatabase(url, name);
  const db = await openDb({ databaseUrl: own, maxConnections: 4 });
  return {
    db,
    url: own,
    dispose: async () => {
      await db.close();
      const drop = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
      await drop.connect();
      await drop.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await drop.end();
    },
  };
}

/** A migrated platform with reference data and (unless told not to) the demo data, on a database of its own. */
export async function openTestPlatform(
  options: { demo?: boolean } = {},
): Promise<Platform & { dispose(): Promise<void> }> {
  const t = await openTestDb();
  const platform = await wire(t.db, options.demo ?? true, createLogger('silent'), testLedger());
  return { ...platform, dispose: t.dispose };
}

/**
 * Empties the ledger of a test database, with the records that point into it: on a server the
 * database is a copy of a template that holds the demo's entries and footprints. Tests of the
 * ledger itself start from an empty log.
 */
export async function emptyLedger(db: Db): Promise<void> {
  // Every record that points at a ledger entry goes with the ledger: the demo's footprints and
  // its whole registry (all registry_* and cert_* tables but the reference data and counters).
  const keep = ['registry_serial_counter', 'cert_serial_counter', 'cert_scheme'];
  const registry = (
    await db.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND (tablename LIKE 'registry\\_%' OR tablename LIKE 'cert\\_%')",
    )
  )
    .map((r) => r.name)
    .filter((t) => !keep.includes(t));
  if (registry.length > 0) await db.query(`TRUNCATE ${registry.join(', ')} CASCADE`);
  for (const table of [
    'product_footprint',
    'ledger_notarization',
    'ledger_checkpoint',
    'ledger_node',
    'ledger_entry',
  ])
    await db.query(`DELETE FROM ${table}`);
  await db.query('UPDATE ledger_head SET size = 0');
}
