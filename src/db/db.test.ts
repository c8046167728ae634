import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../testing/db.js';
import { acquireDirLock } from './lock.js';
import { migrate } from './migrate.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => t?.dispose());

describe(`database (${process.env['GREENTRADE_TEST_DATABASE_URL'] ? 'PostgreSQL server' : 'PGlite'})`, () => {
  it('returns the same value types from both drivers: dates as text, numeric and int8 exact', async () => {
    const [row] = await t.db.query<Record<string, unknown>>(
      "SELECT '2025-03-01'::date AS d, 12345678901234567890.123456789::numeric AS n, 9007199254740993::int8 AS i, now() AS ts",
    );
    expect(row).toMatchObject({
      d: '2025-03-01',
      n: '12345678901234567890.123456789',
      i: '9007199254740993',
    });
    expect(row?.['ts']).toBeInstanceOf(Date);
  });

  it('a transaction that throws writes nothing', async () => {
    await t.db.exec('CREATE TABLE tx_probe (v int)');
    await expect(
      t.db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe VALUES (1)');
        throw new Error('half-way');
      }),
    ).rejects.toThrow('half-way');
    expect(await t.db.query('SELECT * FROM tx_probe')).toEqual([]);
    await t.db.transaction((tx) => tx.query('INSERT INTO tx_probe VALUES (2)'));
    expect(await t.db.query('SELECT v FROM tx_probe')).toEqual([{ v: 2 }]);
  });

  it('applies each migration once, and a failing migration leaves no trace', async () => {
    const ms = [{ id: 'test/0001', sql: 'CREATE TABLE m_probe (a int);\nINSERT INTO m_probe VALUES (1);' }];
    expect(await migrate(t.db, ms)).toEqual(['test/0001']);
    expect(await migrate(t.db, ms)).toEqual([]);
    const broken = [
      ...ms,
      { id: 'test/0002', sql: 'CREATE TABLE m_probe2 (a int);\nSELECT no_such_function();' },
    ];
    await expect(migrate(t.db, broken)).rejects.toThrow(/no_such_function/);
    expect(await t.db.query("SELECT to_regclass('m_probe2') AS t")).toEqual([{ t: null }]);
    await expect(migrate(t.db, [ms[0]!, ms[0]!])).rejects.toThrow(/duplicate migration id/);
  });
});

describe('data directory lock', () => {
  it('refuses a directory held by a live process and takes over one left by a dead process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gt-lock-'));
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(join(dir, 'greentrade.lock'), String(child.pid));
      expect(() => acquireDirLock(dir)).toThrow(new RegExp(`in use by process ${child.pid}`));
    } finally {
      child.kill();
      await new Promise((r) => child.once('exit', r));
    }
    const lock = acquireDirLock(dir); // the holder is dead now
    expect(() => acquireDirLock(dir)).toThrow(/already open in this process/);
    lock.release();
    acquireDirLock(dir).release();
  });
});
