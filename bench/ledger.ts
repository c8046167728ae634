// The ledger (RFC 9162 Merkle log): appends per second, singly and in batches, on PGlite and on
// PostgreSQL, against plain INSERTs of the same rows into a copy of the entry table (the limit);
// proof latency on a log of --entries (default 1,000,000); full verification of that log in
// entries per second, against node:crypto SHA-256 of the same leaf inputs in the same run.
import { createHash, hash as cryptoHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDb, type Db, type Queryable } from '../src/db/index.js';
import { ledgerLib, sha256, type AppendInput, type LedgerService } from '../src/modules/ledger/index.js';
import { wire } from '../src/platform.js';
import { fmt, median, prng, writeResult } from './lib.js';

const arg = (name: string, d: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d);
const ENTRIES = arg('entries', 1_000_000);
const BUILD_BATCH = arg('build-batch', 5_000);
const SINGLES = arg('singles', 2_000);
const BATCHES = arg('batches', 20);
const BATCH_SIZE = arg('batch-size', 1_000);
const RUNS = arg('runs', 3);
const PROOFS = arg('proofs', 2_000);
const CONSISTENCY = arg('consistency', 500);
const VERIFY_RUNS = arg('verify-runs', 3);
/** Where the big log lives: a temporary PGlite data directory (as `greentrade serve` keeps it), or memory. */
const LOG_IN_MEMORY = process.argv.includes('--log=memory');
const PG_URL = process.env['PG_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';

const rand = prng(9162);
const uuid = () =>
  Array.from({ length: 16 }, () =>
    Math.floor(rand() * 256)
      .toString(16)
      .padStart(2, '0'),
  )
    .join('')
    .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
const accounts = Array.from({ length: 200 }, uuid);
const t0 = Date.parse('2026-01-01T00:00:00Z');
let seq = 0;

/** A registry transfer of carbon credits: about 240 bytes of canonical entry JSON. */
function transfer(): AppendInput {
  const n = seq++;
  const serial = `VCS-${1000 + (n % 3000)}-2024-${String(n).padStart(8, '0')}`;
  return {
    type: 'registry.transfer',
    subject: serial,
    body: {
      serial,
      quantity: String(1 + Math.floor(rand() * 10_000)),
      from: accounts[Math.floor(rand() * accounts.length)]!,
      to: accounts[Math.floor(rand() * accounts.length)]!,
    },
    public: true,
    time: new Date(t0 + n * 1000),
  };
}

const secs = async (fn: () => Promise<unknown>): Promise<number> => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};
const popcount = (n: number): number => (n === 0 ? 0 : (n % 2) + popcount(Math.floor(n / 2)));
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

// ---------------------------------------------------------------- appends: singly and in batches

/** The limit for appends: the same rows (text and leaf hash computed beforehand) into a copy of ledger_entry, no tree. */
const BARE_COLUMNS = 'idx, type, subject, entry, leaf_hash, org_id, public, created_at';
let bareIdx = 0;
function bareRows(n: number): unknown[][] {
  return Array.from({ length: n }, () => {
    const input = transfer();
    const time = input.time!.toISOString();
    const entry = ledgerLib.canonicalEntry({
      type: input.type,
      subject: input.subject,
      time,
      body: input.body,
    });
    return [
      bareIdx++,
      input.type,
      input.subject,
      entry,
      ledgerLib.entryLeafHash(entry, sha256),
      null,
      true,
      time,
    ];
  });
}
async function bareInsert(tx: Queryable, rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const values = chunk.map(
      (_, r) => `(${Array.from({ length: 8 }, (_, c) => `$${r * 8 + c + 1}`).join(',')})`,
    );
    await tx.query(`INSERT INTO bench_bare_entry (${BARE_COLUMNS}) VALUES ${values.join(',')}`, chunk.flat());
  }
}

interface AppendRates {
  single: number;
  batch: number;
  bareSingle: number;
  bareBatch: number;
  seconds: Record<string, number[]>;
}

async function appendRates(db: Db, ledger: LedgerService): Promise<AppendRates> {
  await db.exec(
    'DROP TABLE IF EXISTS bench_bare_entry; CREATE TABLE bench_bare_entry (LIKE ledger_entry INCLUDING ALL)',
  );
  const s: Record<string, number[]> = { single: [], batch: [], bareSingle: [], bareBatch: [] };
  // A warm-up: the first statements plan and fill caches.
  await db.transaction((tx) => ledger.appendMany(tx, Array.from({ length: 200 }, transfer)));
  for (let run = 0; run < RUNS; run++) {
    const singles = Array.from({ length: SINGLES }, transfer);
    s['single']!.push(
      await secs(async () => {
        for (const input of singles) await db.transaction((tx) => ledger.append(tx, input));
      }),
    );
    const batches = Array.from({ length: BATCHES }, () => Array.from({ length: BATCH_SIZE }, transfer));
    s['batch']!.push(
      await secs(async () => {
        for (const batch of batches) await db.transaction((tx) => ledger.appendMany(tx, batch));
      }),
    );
    const bareSingles = bareRows(SINGLES);
    s['bareSingle']!.push(
      await secs(async () => {
        for (const row of bareSingles) await db.transaction((tx) => bareInsert(tx, [row]));
      }),
    );
    const bareBatches = Array.from({ length: BATCHES }, () => bareRows(BATCH_SIZE));
    s['bareBatch']!.push(
      await secs(async () => {
        for (const rows of bareBatches) await db.transaction((tx) => bareInsert(tx, rows));
      }),
    );
  }
  const report = await ledger.verify();
  if (!report.ok) throw new Error(`verify after the appends: ${JSON.stringify(report.firstBad)}`);
  await db.exec('DROP TABLE bench_bare_entry');
  return {
    single: SINGLES / median(s['single']!),
    batch: (BATCHES * BATCH_SIZE) / median(s['batch']!),
    bareSingle: SINGLES / median(s['bareSingle']!),
    bareBatch: (BATCHES * BATCH_SIZE) / median(s['bareBatch']!),
    seconds: s,
  };
}

const appendRow = (label: string, r: AppendRates) => [
  `  ${label.padEnd(22)} single ${fmt(r.single).padStart(8)} /s  (bare INSERT ${fmt(r.bareSingle).padStart(8)} /s, ratio ${fmt(r.single / r.bareSingle, 2)})`,
  `  ${''.padEnd(22)} batch  ${fmt(r.batch).padStart(8)} /s  (bare INSERT ${fmt(r.bareBatch).padStart(8)} /s, ratio ${fmt(r.batch / r.bareBatch, 2)})`,
];

const results: Record<string, unknown> = {};
const appends: Record<string, AppendRates | null> = {};
const started = performance.now();
console.log(
  `ledger: appends (${fmt(SINGLES)} single transactions; ${BATCHES} batches of ${fmt(BATCH_SIZE)}), median of ${RUNS} runs`,
);

for (const kind of ['memory', 'disk'] as const) {
  const dir = kind === 'disk' ? mkdtempSync(join(tmpdir(), 'gt-bench-ledger-')) : undefined;
  const db = await openDb({ dataDir: dir });
  try {
    const platform = await wire(db, false);
    appends[`pglite-${kind}`] = await appendRates(db, platform.ledger);
  } finally {
    await db.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  for (const line of appendRow(`PGlite (${kind})`, appends[`pglite-${kind}`]!)) console.log(line);
}

// PostgreSQL: a database of our own, dropped at the end even on failure.
{
  const name = `gt_bench_${randomBytes(6).toString('hex')}`;
  const url = new URL(PG_URL);
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000 });
  let created = false;
  const drop = async () => {
    if (!created) return;
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    created = false;
  };
  const onSignal = (sig: NodeJS.Signals) => {
    void drop().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    created = true;
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  } catch (e) {
    console.log(`  PostgreSQL at ${url.host} does not answer (${(e as Error).message}): its rows skipped`);
    appends['postgres'] = null;
  }
  if (created) {
    url.pathname = `/${name}`;
    try {
      const db = await openDb({ databaseUrl: url.toString(), maxConnections: 2 });
      try {
        const platform = await wire(db, false);
        appends['postgres'] = await appendRates(db, platform.ledger);
      } finally {
        await db.close();
      }
      const version = (
        await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")
      ).rows[0]!.v.split(' ')[0];
      for (const line of appendRow(`PostgreSQL ${version}`, appends['postgres'])) console.log(line);
    } finally {
      await drop();
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    }
  }
  await admin.end().catch(() => undefined);
}
results['appends'] = appends;

// ---------------------------------------------------------------- a log of ENTRIES entries

console.log(
  `\nledger: a log of ${fmt(ENTRIES)} entries (PGlite ${LOG_IN_MEMORY ? 'in memory' : 'on disk, a temporary data directory'}), appendMany in batches of ${fmt(BUILD_BATCH)}`,
);
const logDir = LOG_IN_MEMORY ? undefined : mkdtempSync(join(tmpdir(), 'gt-bench-ledger-log-'));
const db = await openDb({ dataDir: logDir });
try {
  const platform = await wire(db, false);
  const ledger = platform.ledger;
  seq = 0;
  let built = 0;
  let lastReport = performance.now();
  const buildSeconds = await secs(async () => {
    while (built < ENTRIES) {
      const batch = Array.from({ length: Math.min(BUILD_BATCH, ENTRIES - built) }, transfer);
      await db.transaction((tx) => ledger.appendMany(tx, batch));
      built += batch.length;
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        console.log(`    ... ${fmt(built)} entries`);
      }
    }
  });
  const checkpoint = await ledger.checkpoint();
  if (checkpoint.treeSize !== ENTRIES) throw new Error(`the checkpoint has ${checkpoint.treeSize} entries`);
  const buildRate = ENTRIES / buildSeconds;
  console.log(`  build: ${fmt(buildSeconds, 1)} s, ${fmt(buildRate)} appends/s (batched, at scale)`);

  // Inclusion proofs at random indexes, each checked afterwards (outside the timing).
  const proofRand = prng(2022);
  const proofMs: number[] = [];
  const proofs = [];
  for (let i = 0; i < 50; i++) await ledger.inclusionProof(Math.floor(proofRand() * ENTRIES), 'system'); // warm-up
  for (let i = 0; i < PROOFS; i++) {
    const index = Math.floor(proofRand() * ENTRIES);
    const t = performance.now();
    proofs.push(await ledger.inclusionProof(index, 'system'));
    proofMs.push(performance.now() - t);
  }
  for (const p of proofs) {
    const check = ledgerLib.checkInclusionProof(p, { trustedKeys: ledger.trustedKeys, sha256 });
    if (!check.ok || p.treeSize !== ENTRIES)
      throw new Error(`inclusion proof of ${p.index}: ${check.reason ?? 'wrong size'}`);
  }
  const consistencyMs: number[] = [];
  for (let i = 0; i < CONSISTENCY; i++) {
    const from = 1 + Math.floor(proofRand() * (ENTRIES - 1));
    const t = performance.now();
    const p = await ledger.consistencyProof(from, ENTRIES);
    consistencyMs.push(performance.now() - t);
    const check = ledgerLib.checkConsistencyProof(p, sha256);
    if (!check.ok || p.toRoot !== checkpoint.rootHash)
      throw new Error(`consistency proof ${from}..${ENTRIES}: ${check.reason ?? 'another root'}`);
  }
  const lat = (xs: number[]) => ({ p50: quantile(xs, 0.5), p90: quantile(xs, 0.9), p99: quantile(xs, 0.99) });
  const inclusion = lat(proofMs);
  const consistency = lat(consistencyMs);
  const latRow = (label: string, l: typeof inclusion, n: number) =>
    `  ${label.padEnd(30)} p50 ${fmt(l.p50, 2).padStart(6)} ms  p90 ${fmt(l.p90, 2).padStart(6)} ms  p99 ${fmt(l.p99, 2).padStart(6)} ms  (${fmt(n)} calls, all checked)`;
  console.log(latRow('inclusionProof (random index)', inclusion, PROOFS));
  console.log(latRow('consistencyProof (random, head)', consistency, CONSISTENCY));

  // Full verification.
  const verifySeconds: number[] = [];
  for (let run = 0; run < VERIFY_RUNS; run++) {
    let report: Awaited<ReturnType<LedgerService['verify']>> | undefined;
    verifySeconds.push(await secs(async () => (report = await ledger.verify())));
    if (!report?.ok || report.entries !== ENTRIES) throw new Error(`verify: ${JSON.stringify(report)}`);
  }

  // The limit: the leaf inputs 0x00 || entry, read into memory first, hashed with node:crypto.
  const readSeconds: number[] = [];
  let texts: string[] = [];
  for (let run = 0; run < VERIFY_RUNS; run++) {
    texts = [];
    readSeconds.push(
      await secs(async () => {
        for (let from = 0; from < ENTRIES; from += 50_000)
          for (const r of await db.query<{ entry: string }>(
            'SELECT entry FROM ledger_entry WHERE idx >= $1 AND idx < $2 ORDER BY idx',
            [from, from + 50_000],
          ))
            texts.push(r.entry);
      }),
    );
  }
  if (texts.length !== ENTRIES) throw new Error(`read ${texts.length} entries`);
  // What verify cannot do without: every entry, leaf hash and stored node out of the database. The
  // fastest way found (one row per page: the column values aggregated, hashes as hex), as a floor
  // for the database's part of verify; not in the limit.
  const dbSeconds: number[] = [];
  const maxLevel = Math.ceil(Math.log2(ENTRIES)) + 1;
  for (let run = 0; run < VERIFY_RUNS; run++)
    dbSeconds.push(
      await secs(async () => {
        let hashes = 0;
        for (let from = 0; from < ENTRIES; from += 10_000) {
          const to = Math.min(ENTRIES, from + 10_000);
          const [page] = await db.query<{ n: string; entries: string; leaves: string; lengths: string }>(
            `SELECT count(*) AS n, string_agg(entry, E'\\n' ORDER BY idx) AS entries,
                    encode(string_agg(leaf_hash, ''::bytea ORDER BY idx), 'hex') AS leaves,
                    encode(string_agg(int4send(octet_length(entry)), ''::bytea ORDER BY idx), 'hex') AS lengths
             FROM ledger_entry WHERE idx >= $1 AND idx < $2`,
            [from, to],
          );
          const bytes = Buffer.allocUnsafe(Buffer.byteLength(page!.entries) + 1);
          bytes.write(page!.entries, 1);
          // Each entry's UTF-8 length, to cut the leaf inputs 0x00 || entry out of `bytes` in place.
          const lengths = Buffer.from(page!.lengths, 'hex');
          let cut = 0;
          for (let k = 0; k < lengths.length; k += 4) cut += 1 + lengths.readInt32BE(k);
          if (cut !== bytes.length || Number(page!.n) !== to - from)
            throw new Error(`entries ${from} to ${to - 1} do not add up`);
          hashes += Buffer.from(page!.leaves, 'hex').length;
          // The nodes that complete in [from, to): node (l, i) completes at entry (i + 1) * 2^l - 1.
          const levels: number[] = [];
          const lo: number[] = [];
          const hi: number[] = [];
          for (let l = 1; l <= maxLevel; l++) {
            const first = Math.ceil((from + 1) / 2 ** l) - 1;
            const last = Math.floor(to / 2 ** l) - 1;
            if (last >= first) {
              levels.push(l);
              lo.push(first);
              hi.push(last);
            }
          }
          for (const r of await db.query<{ hashes: string | null }>(
            `SELECT encode(string_agg(n.hash, ''::bytea ORDER BY n.idx), 'hex') AS hashes
             FROM unnest($1::smallint[], $2::bigint[], $3::bigint[]) AS r(level, lo, hi)
             JOIN ledger_node n ON n.level = r.level AND n.idx BETWEEN r.lo AND r.hi GROUP BY r.level`,
            [levels, lo, hi],
          ))
            hashes += Buffer.from(r.hashes ?? '', 'hex').length;
        }
        if (hashes !== 32 * (2 * ENTRIES - popcount(ENTRIES)))
          throw new Error(`read ${hashes / 32} hashes, not the ${2 * ENTRIES - popcount(ENTRIES)} stored`);
      }),
    );
  const leafInputs = texts.map((t) => {
    const b = Buffer.allocUnsafe(Buffer.byteLength(t) + 1);
    b[0] = 0;
    b.write(t, 1);
    return b;
  });
  texts = [];
  const bytes = leafInputs.reduce((n, b) => n + b.length, 0);
  const hashSeconds: Record<string, number[]> = { oneShot: [], createHash: [], tree: [] };
  let sink = 0;
  const node = Buffer.alloc(65);
  node[0] = 1;
  for (let run = 0; run < VERIFY_RUNS; run++) {
    hashSeconds['oneShot']!.push(
      await secs(async () => {
        for (const b of leafInputs) sink ^= cryptoHash('sha256', b, 'buffer')[0]!;
      }),
    );
    hashSeconds['createHash']!.push(
      await secs(async () => {
        for (const b of leafInputs) sink ^= createHash('sha256').update(b).digest()[0]!;
      }),
    );
    // Leaves and the n - 1 interior nodes SHA-256(0x01 || left || right), as a binary counter.
    hashSeconds['tree']!.push(
      await secs(async () => {
        const stack: Buffer[] = [];
        const levels: number[] = [];
        for (const b of leafInputs) {
          let h = cryptoHash('sha256', b, 'buffer');
          let level = 0;
          while (levels.length > 0 && levels[levels.length - 1] === level) {
            levels.pop();
            node.set(stack.pop()!, 1);
            node.set(h, 33);
            h = cryptoHash('sha256', node, 'buffer');
            level++;
          }
          stack.push(h);
          levels.push(level);
        }
        let root = stack.pop()!;
        while (stack.length > 0) {
          node.set(stack.pop()!, 1);
          node.set(root, 33);
          root = cryptoHash('sha256', node, 'buffer');
        }
        if (root.toString('hex') !== checkpoint.rootHash) throw new Error('the raw tree has another root');
      }),
    );
  }
  if (sink < 0) throw new Error('unreachable');

  const v = ENTRIES / median(verifySeconds);
  const oneShot = ENTRIES / median(hashSeconds['oneShot']!);
  const streaming = ENTRIES / median(hashSeconds['createHash']!);
  const leaves = Math.max(oneShot, streaming);
  const tree = ENTRIES / median(hashSeconds['tree']!);
  const read = ENTRIES / median(readSeconds);
  const dbFloor = ENTRIES / median(dbSeconds);
  const r = (x: number) => fmt(x).padStart(12);
  console.log(
    `  verification of ${fmt(ENTRIES)} entries (${fmt(bytes / ENTRIES)} bytes a leaf input, ${fmt(bytes / 1e6)} MB), median of ${VERIFY_RUNS} runs`,
  );
  console.log(
    `  ledger.verify()                         ${r(v)} entries/s  (${fmt(median(verifySeconds), 2)} s)`,
  );
  console.log(`  raw SHA-256, leaf inputs, crypto.hash   ${r(oneShot)} entries/s`);
  console.log(`  raw SHA-256, leaf inputs, createHash    ${r(streaming)} entries/s`);
  console.log(`  raw SHA-256, leaves + interior nodes    ${r(tree)} entries/s`);
  console.log(
    `  reading the entry texts (SELECT entry)  ${r(read)} entries/s  (the limit's input; not timed in it)`,
  );
  console.log(
    `  reading entries, leaf hashes and nodes  ${r(dbFloor)} entries/s  (aggregated per 10,000: a floor)`,
  );
  console.log(
    `  ratio verify / raw SHA-256 (leaf inputs, the limit): ${fmt(v / leaves, 3)}  (the issue's goal: at least 0.5)`,
  );
  console.log(`  ratio verify / raw SHA-256 (leaves + nodes):         ${fmt(v / tree, 3)}`);
  console.log(`  ratio verify / reading the log (the database floor): ${fmt(v / dbFloor, 3)}`);
  results['log'] = {
    entries: ENTRIES,
    buildBatch: BUILD_BATCH,
    buildSeconds,
    buildAppendsPerSecond: buildRate,
    inclusionProofMs: inclusion,
    consistencyProofMs: consistency,
    leafInputBytes: bytes,
    secondsPerRun: { verify: verifySeconds, readTexts: readSeconds, readLog: dbSeconds, ...hashSeconds },
    entriesPerSecond: {
      verify: v,
      sha256LeavesOneShot: oneShot,
      sha256LeavesCreateHash: streaming,
      sha256LeavesAndNodes: tree,
      readTexts: read,
      readLog: dbFloor,
    },
  };
  const pgRates = appends['postgres'];
  const lite = appends['pglite-memory']!;
  results['ratios'] = {
    verifyToSha256Leaves: v / leaves,
    verifyToSha256Tree: v / tree,
    verifyToReadingLog: v / dbFloor,
    appendSingleToBarePglite: lite.single / lite.bareSingle,
    appendBatchToBarePglite: lite.batch / lite.bareBatch,
    ...(pgRates
      ? {
          appendSingleToBarePostgres: pgRates.single / pgRates.bareSingle,
          appendBatchToBarePostgres: pgRates.batch / pgRates.bareBatch,
        }
      : {}),
    inclusionP50Ms: inclusion.p50,
    inclusionP99Ms: inclusion.p99,
  };
} finally {
  await db.close();
  if (logDir) rmSync(logDir, { recursive: true, force: true });
}
console.log(`\nledger benchmark: ${fmt((performance.now() - started) / 1000)} s in all`);
writeResult('ledger', results);
