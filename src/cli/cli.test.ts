import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../db/index.js';
import { packageRoot } from '../kernel/paths.js';
import { openTestDb, TEST_LEDGER_KEY, TEST_LEDGER_ORIGIN, type TestDb } from '../testing/db.js';

const run = promisify(execFile);
const root = packageRoot();
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const main = join(root, 'src', 'cli', 'main.ts');

let dir: string;
let serverDb: TestDb | undefined;
let env: NodeJS.ProcessEnv;

/** Runs `greentrade ...` as a user would, on PGlite in a temp dir or on the test's own server database. */
async function greentrade(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(tsx, [main, ...args], { env, cwd: dir, maxBuffer: 1 << 24 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gt-cli-'));
  env = {
    ...process.env,
    GREENTRADE_DATA_DIR: join(dir, 'data'),
    LOG_LEVEL: 'silent',
    GREENTRADE_LEDGER_KEY: TEST_LEDGER_KEY,
    GREENTRADE_LEDGER_ORIGIN: TEST_LEDGER_ORIGIN,
  };
  delete env['DATABASE_URL'];
  if (process.env['GREENTRADE_TEST_DATABASE_URL']) {
    serverDb = await openTestDb();
    env['DATABASE_URL'] = serverDb.url;
  }
  const migrated = await greentrade('db', 'migrate', '--json');
  expect(migrated.code).toBe(0);
});
afterAll(async () => serverDb?.dispose());

describe('greentrade CLI', () => {
  it('has --help on the root and on every group', async () => {
    const rootHelp = await greentrade('--help');
    expect(rootHelp.code).toBe(0);
    for (const c of ['serve', 'db', 'classify', 'classification', 'org', 'user', 'client', 'ledger'])
      expect(rootHelp.stdout).toContain(c);
    const group = await greentrade('classification', '--help');
    expect(group.stdout).toMatch(/search[\s\S]*lists[\s\S]*diff[\s\S]*concordance/);
  });

  it('classifies one code, as text and as JSON', async () => {
    const text = await greentrade('classify', '854143');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/new-three\s+1\s+full/);
    expect(text.stdout).toMatch(/apec-egs\s+1\s+partial.*HS2012 854140 1:n/);
    const json = await greentrade('classify', '854143', '--json');
    const body = JSON.parse(json.stdout) as { memberships: { list: { slug: string }; status: string }[] };
    expect(body.memberships.find((m) => m.list.slug === 'new-three')?.status).toBe('full');
  });

  it('exits non-zero naming a malformed code, and lists the nearest codes of an unknown one', async () => {
    const bad = await greentrade('classify', '85X143');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"85X143" is not an HS code');
    const unknown = await greentrade('classify', '854150');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('854150 is not an HS2022 code');
  });

  it('classifies a CSV file into a new CSV with columns per list', async () => {
    const input = join(dir, 'goods.csv');
    writeFileSync(input, 'sku,hs_code\nA-1,854143\nB-2,7208.51\nC-3,220421\n');
    const out = join(dir, 'out.csv');
    const r = await greentrade(
      'classify',
      '--file',
      input,
      '--column',
      'hs_code',
      '--out',
      out,
      '--lists',
      'cbam-annex-i,new-three',
    );
    expect(r.code).toBe(0);
    const rows = parse(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((x) => [x['sku'], x['cbam-annex-i'], x['new-three'], x['new-three_categories']])).toEqual(
      [
        ['A-1', 'none', 'full', 'solar_cells'],
        ['B-2', 'full', 'none', ''],
        ['C-3', 'none', 'none', ''],
      ],
    );
  });

  it('refuses a CSV with bad rows, listing their lines, and writes nothing', async () => {
    const input = join(dir, 'bad.csv');
    writeFileSync(input, 'hs_code\n854143\nxx\n854143\n123\n');
    const out = join(dir, 'bad-out.csv');
    const r = await greentrade('classify', '--file', input, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/2 bad row\(s\); nothing written\. line 3: "xx".*line 5: "123"/);
    expect(existsSync(out)).toBe(false);
  });

  it('imports a correlation table all or nothing', async () => {
    const bad = join(dir, 'bad-corr.csv');
    writeFileSync(
      bad,
      'from_edition,from_code,to_edition,to_code,relation\nHS2017,841939,HS2022,841934,1:n\nHS2017,8419,HS2022,841935,sideways\n',
    );
    const r1 = await greentrade('classification', 'concordance', 'import', bad);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain('line 3: relation "sideways"');
    const shown = await greentrade('classification', 'concordance', 'show', 'HS2017', '841939', '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({ to: [] });
    const good = join(dir, 'good-corr.csv');
    writeFileSync(
      good,
      'from_edition,from_code,to_edition,to_code,relation\nHS2017,841939,HS2022,841934,1:n\nHS2017,841939,HS2022,841935,1:n\n',
    );
    const r2 = await greentrade('classification', 'concordance', 'import', good, '--json');
    expect(JSON.parse(r2.stdout)).toEqual({ imported: 2 });
  });

  it('creates an organisation and a user, with the password from the environment only', async () => {
    expect((await greentrade('org', 'create', 'cli-test-org', 'CLI Test Org')).code).toBe(0);
    env['GREENTRADE_PASSWORD'] = 'a long enough password';
    const u = await greentrade(
      'user',
      'create',
      '--org',
      'cli-test-org',
      '--email',
      'New.User@Example.org',
      '--name',
      'New User',
      '--role',
      'admin',
      '--json',
    );
    delete env['GREENTRADE_PASSWORD'];
    expect(u.code).toBe(0);
    expect(JSON.parse(u.stdout)).toMatchObject({ email: 'new.user@example.org', roles: ['admin'] });
    expect(u.stdout + u.stderr).not.toContain('a long enough password');
    const badRole = await greentrade(
      'user',
      'grant',
      '--org',
      'cli-test-org',
      '--email',
      'new.user@example.org',
      '--role',
      'king',
    );
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('unknown king');
  });
});

describe('greentrade ledger', () => {
  /** The database the CLI uses, opened here between commands (PGlite allows one process at a time). */
  const withDb = async <T>(fn: (db: import('../db/index.js').Db) => Promise<T>): Promise<T> => {
    const db = await openDb(serverDb ? { databaseUrl: serverDb.url } : { dataDir: join(dir, 'data') });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  };

  let base = 0; // entries already there (on a server, the template's demo entries)
  it('appends, notarises, checkpoints, proves; the proof checks without the database', async () => {
    base = (JSON.parse((await greentrade('ledger', 'checkpoint', '--json')).stdout) as { treeSize: number })
      .treeSize;
    const a = await greentrade(
      'ledger',
      'append',
      '--type',
      'test.cli',
      '--subject',
      'x-1',
      '--body',
      '{"q":"1.5"}',
      '--json',
    );
    expect(a.code).toBe(0);
    const appended = JSON.parse(a.stdout) as { index: number; leafHash: string };
    expect(appended.index).toBe(base);
    // The leaf hash, computed here from the entry text the ledger kept (RFC 9162: SHA-256(0x00 || entry)).
    const kept = await withDb((db) =>
      db.query<{ entry: string }>('SELECT entry FROM ledger_entry WHERE idx = $1', [base]),
    );
    expect(appended.leafHash).toBe(
      createHash('sha256')
        .update(Buffer.from([0]))
        .update(kept[0]!.entry)
        .digest('hex'),
    );

    const doc = join(dir, 'report.pdf');
    writeFileSync(doc, 'a test report');
    const n = await greentrade('ledger', 'notarize', doc, '--json');
    expect(JSON.parse(n.stdout)).toMatchObject({ index: base + 1 });

    const c = await greentrade('ledger', 'checkpoint', '--json');
    expect(c.code).toBe(0);
    const cp = JSON.parse(c.stdout) as Record<string, unknown>;
    expect(Object.keys(cp)).toEqual(
      expect.arrayContaining(['treeSize', 'rootHash', 'timestamp', 'signature', 'publicKey']),
    );
    expect(cp['treeSize']).toBe(base + 2);

    const p = await greentrade('ledger', 'proof', String(base + 1), '--json');
    expect(p.code).toBe(0);
    const proof = JSON.parse(p.stdout) as { path: string[]; leafHash: string };
    expect(proof).toMatchObject({ index: base + 1, treeSize: base + 2 });
    if (base === 0) expect(proof.path).toEqual([appended.leafHash]); // its sibling, by RFC 9162
    const file = join(dir, 'proof.json');
    writeFileSync(file, p.stdout);
    const ok = await greentrade('ledger', 'check-proof', file, '--public-key', cp['publicKey'] as string);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^valid/);

    const tampered = join(dir, 'tampered.json');
    writeFileSync(
      tampered,
      // One bit of the first sibling flipped, the path otherwise whole (its length depends on the log's size).
      JSON.stringify({
        ...proof,
        path: [proof.path[0]!.replace(/^./, (d) => (d === '0' ? '1' : '0')), ...proof.path.slice(1)],
      }),
    );
    const no = await greentrade('ledger', 'check-proof', tampered);
    expect(no.code).toBe(1);
    expect(no.stdout).toMatch(/^invalid: the path does not lead to the root hash/);
    const otherKey = await greentrade('ledger', 'check-proof', file, '--public-key', 'ab'.repeat(32));
    expect(otherKey.code).toBe(1);
    expect(otherKey.stdout).toMatch(/not the log's key/);
    writeFileSync(tampered, '{not json');
    const broken = await greentrade('ledger', 'check-proof', tampered);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^invalid: .*not JSON/);
    writeFileSync(tampered, ' '.repeat((1 << 20) + 1));
    const huge = await greentrade('ledger', 'check-proof', tampered);
    expect(huge.code).toBe(1);
    expect(huge.stdout).toMatch(/^invalid: .*larger than 1 MiB/);
  });

  it('verifies the log, and names the entry that was changed behind its back', async () => {
    const ok = await greentrade('ledger', 'verify', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, entries: base + 2 });
    const witnessed = join(dir, 'witnessed.json');
    expect((await greentrade('ledger', 'export-checkpoint', '--out', witnessed)).code).toBe(0);
    expect((await greentrade('ledger', 'check-witness', witnessed)).code).toBe(0);
    // A witness over HTTP: a server here that keeps what it is sent.
    const received: string[] = [];
    const witness = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => witness.listen(0, '127.0.0.1', r));
    const port = (witness.address() as AddressInfo).port;
    const sent = await greentrade(
      'ledger',
      'export-checkpoint',
      '--url',
      `http://127.0.0.1:${port}/checkpoints`,
    );
    witness.close();
    expect(sent.code).toBe(0);
    expect(JSON.parse(received[0]!)).toEqual(JSON.parse(readFileSync(witnessed, 'utf8')));

    await withDb((db) =>
      db.query(`UPDATE ledger_entry SET entry = replace(entry, '1.5', '9.5') WHERE idx = $1`, [base]),
    );
    const bad = await greentrade('ledger', 'verify');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`FAILED at entry ${base}: entry ${base}: its text does not hash`);
    await withDb((db) =>
      db.query(`UPDATE ledger_entry SET entry = replace(entry, '9.5', '1.5') WHERE idx = $1`, [base]),
    );
    expect((await greentrade('ledger', 'verify')).code).toBe(0);

    const badArgs = await greentrade(
      'ledger',
      'append',
      '--type',
      'Not A Type',
      '--subject',
      's',
      '--body',
      '{}',
    );
    expect(badArgs.code).toBe(2);
    expect(badArgs.stderr).toMatch(/type/);
    const badBody = await greentrade('ledger', 'append', '--type', 't', '--subject', 's', '--body', '{x');
    expect(badBody.code).toBe(2);
    expect(badBody.stderr).toMatch(/--body: not JSON/);
  });
});
