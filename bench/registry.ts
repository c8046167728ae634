// Registry transfers per second: 32 concurrent clients transferring units through the real HTTP
// server (a child process on PostgreSQL) with p50/p99 latency, against pgbench's built-in TPC-B-like
// workload on the same server with the same clients and duration, in the same run (the limit this
// machine allows). Each run creates its own databases and drops them.
//   npm run bench -- registry [--seconds=20] [--clients=32]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDb } from '../src/db/index.js';
import { identityAdmin } from '../src/modules/identity/index.js';
import { wire } from '../src/platform.js';
import { TEST_LEDGER_KEY, TEST_LEDGER_ORIGIN, testLedger } from '../src/testing/db.js';
import { fmt, freePort, start, stop, untilHealthy, writeResult } from './lib.js';

const arg = (name: string, d: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d);
const SECONDS = arg('seconds', 20);
const CLIENTS = arg('clients', 32);
const WARMUP = arg('warmup', 3);
const PG_URL = process.env['PG_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';
const PGBENCH = process.env['PGBENCH'] ?? '/usr/bin/pgbench';

const dbUrl = (name: string) => {
  const u = new URL(PG_URL);
  u.pathname = '/' + name;
  return u.toString();
};
async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: dbUrl('postgres') });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const tag = `${process.pid}_${Date.now().toString(36)}`;
const ours = `gt_bench_registry_${tag}`;
const theirs = `gt_bench_pgbench_${tag}`;
const SECRET = 'bench-secret-registry-0123456789';

/** Orgs, an API client, a project, and per client two holding accounts, the first holding 1,000,000 units. */
async function prepare(): Promise<{ pairs: [string, string][]; issuances: string[] }> {
  const db = await openDb({ databaseUrl: dbUrl(ours), maxConnections: 4 });
  try {
    const p = await wire(db, false, undefined, testLedger());
    return await db.transaction(async (tx) => {
      const org = await identityAdmin.ensureOrg(tx, 'bench-trader', 'Bench trader');
      const operator = await identityAdmin.ensureOrg(tx, 'bench-operator', 'Bench operator');
      await identityAdmin.createClient(tx, {
        clientId: 'bench',
        name: 'Bench',
        orgId: org,
        roles: ['member'],
        secret: SECRET,
      });
      const projectId = (
        await tx.query<{ id: string }>(
          `INSERT INTO registry_project (code, org_id, name, methodology, host_country, sector, status, created_by)
           VALUES ('BENCH1', $1, 'Bench wind', 'ACM0002', 'CN', 'energy', 'registered', 'bench') RETURNING id`,
          [org],
        )
      )[0]!.id;
      const pairs: [string, string][] = [];
      const issuances: string[] = [];
      for (let i = 0; i < CLIENTS; i++) {
        const a = await p.registry.units.ensureAccount(tx, { orgId: org, kind: 'holding', name: `A${i}` });
        // ensureAccount gives the first holding account; the others are opened directly.
        const accountA = i === 0 ? a : await createHolding(tx, p.registry.units, org, `A${i}`);
        const accountB = await createHolding(tx, p.registry.units, org, `B${i}`);
        const issued = await p.registry.units.issue(tx, {
          projectId,
          vintage: 2024,
          unitType: 'VER',
          quantity: 1_000_000n,
          toAccountId: accountA.id,
          actor: 'bench',
          orgId: operator,
        });
        pairs.push([accountA.number, accountB.number]);
        issuances.push(issued.issuanceId);
      }
      return { pairs, issuances };
    });
  } finally {
    await db.close();
  }
}

async function createHolding(
  tx: import('../src/db/index.js').Queryable,
  units: import('../src/modules/registry/units/index.js').UnitService,
  orgId: string,
  name: string,
) {
  return (
    units as unknown as {
      createAccountRow: (tx: unknown, i: unknown) => Promise<{ id: string; number: string }>;
    }
  ).createAccountRow(tx, { orgId, kind: 'holding', name, national: false });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS * 2 });
function post(
  port: number,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function token(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/auth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'Basic ' + Buffer.from(`bench:${SECRET}`).toString('base64'),
    },
    body: 'grant_type=client_credentials',
  });
  if (!res.ok) throw new Error(`token: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function loadRun(port: number, auth: string, pairs: [string, string][], issuances: string[]) {
  const latencies: number[] = [];
  let errors = 0;
  let firstError = '';
  let measuring = false;
  let done = false;
  let count = 0;
  const client = async (i: number) => {
    const [a, b] = pairs[i]!;
    let forward = true;
    let n = 0;
    while (!done) {
      const body = JSON.stringify({
        from: forward ? a : b,
        to: forward ? b : a,
        units: { issuanceId: issuances[i], quantity: '10' },
      });
      const t0 = performance.now();
      const r = await post(port, '/api/v1/registry/transfers', body, {
        authorization: `Bearer ${auth}`,
        'idempotency-key': `c${i}-${n++}`,
      });
      const ms = performance.now() - t0;
      if (r.status !== 201) {
        errors++;
        firstError ||= `HTTP ${r.status} ${r.body.slice(0, 300)}`;
        continue;
      }
      forward = !forward;
      if (measuring && !done) {
        latencies.push(ms);
        count++;
      }
    }
  };
  const runners = pairs.map((_, i) => client(i));
  await new Promise((r) => setTimeout(r, WARMUP * 1000));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  done = true;
  const elapsed = (performance.now() - t0) / 1000;
  await Promise.all(runners);
  latencies.sort((x, y) => x - y);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { transfers: count, tps: count / elapsed, p50: q(0.5), p99: q(0.99), errors, firstError };
}

function pgbench(): { tps: number; output: string } {
  const url = dbUrl(theirs);
  const init = spawnSync(PGBENCH, ['-i', '-q', url], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`pgbench -i: ${init.stderr}`);
  const run = spawnSync(PGBENCH, ['-c', String(CLIENTS), '-j', '2', '-T', String(SECONDS), url], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`pgbench: ${run.stderr}`);
  const m =
    /tps = ([0-9.]+) \(without initial connection time\)/.exec(run.stdout) ??
    /tps = ([0-9.]+)/.exec(run.stdout);
  if (!m) throw new Error(`pgbench: no tps in\n${run.stdout}`);
  return { tps: Number(m[1]), output: run.stdout.trim() };
}

await admin(`CREATE DATABASE "${ours}"`);
await admin(`CREATE DATABASE "${theirs}"`);
const dataDir = mkdtempSync(join(tmpdir(), 'gt-bench-registry-'));
let server: ReturnType<typeof start> | undefined;
try {
  console.log(`preparing ${CLIENTS} account pairs...`);
  const { pairs, issuances } = await prepare();
  const port = await freePort();
  const t0 = performance.now();
  server = start(process.execPath, ['--import', 'tsx', join('src', 'cli', 'main.ts'), 'serve'], {
    PORT: String(port),
    DATABASE_URL: dbUrl(ours),
    GREENTRADE_DEMO: '0',
    GREENTRADE_DATA_DIR: dataDir,
    GREENTRADE_LEDGER_KEY: TEST_LEDGER_KEY,
    GREENTRADE_LEDGER_ORIGIN: TEST_LEDGER_ORIGIN,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  });
  await untilHealthy(`http://127.0.0.1:${port}/healthz`, t0, server);
  const auth = await token(port);
  console.log(`transfers: ${CLIENTS} clients, ${WARMUP} s warm-up, ${SECONDS} s measured...`);
  const r = await loadRun(port, auth, pairs, issuances);
  await stop(server);
  server = undefined;
  console.log(`pgbench TPC-B-like: ${CLIENTS} clients, ${SECONDS} s...`);
  const b = pgbench();
  const ratio = r.tps / b.tps;
  console.log(
    `registry transfers: ${fmt(r.tps)} per second (${fmt(r.transfers)} in ${SECONDS} s), p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms, errors ${r.errors}${r.firstError ? ` (first: ${r.firstError})` : ''}`,
  );
  console.log(`pgbench TPC-B-like: ${fmt(b.tps)} tps`);
  console.log(`ratio ours/pgbench: ${ratio.toFixed(3)} (the issue aims at >= 0.5)`);
  writeResult('registry', {
    clients: CLIENTS,
    seconds: SECONDS,
    transfers: { perSecond: r.tps, count: r.transfers, p50Ms: r.p50, p99Ms: r.p99, errors: r.errors },
    pgbench: { tps: b.tps },
    ratios: { oursToPgbench: ratio },
  });
  if (r.errors > 0) process.exitCode = 1;
} finally {
  if (server) await stop(server);
  agent.destroy();
  rmSync(dataDir, { recursive: true, force: true });
  await admin(`DROP DATABASE IF EXISTS "${ours}" WITH (FORCE)`).catch(() => undefined);
  await admin(`DROP DATABASE IF EXISTS "${theirs}" WITH (FORCE)`).catch(() => undefined);
}
