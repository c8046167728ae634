// Code look-up latency at a fixed 500 requests/s from a load generator on loopback (autocannon),
// against /healthz at the same rate on the same server (the limit).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execSync } from 'node:child_process';
import autocannon from 'autocannon';
import { DEMO_CLIENT } from '../src/demo.js';
import { fmt, freePort, root, start, stop, untilHealthy, writeResult } from './lib.js';

const RATE = 500;
const SECONDS = Number(process.argv.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 20);
if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js')))
  execSync('npm run -s build:server', { cwd: root, stdio: 'inherit' });

const codes = readFileSync(join(root, 'data', 'hs2022', 'harmonized-system.csv'), 'utf8')
  .split('\n')
  .map((l) => l.split(',')[1] ?? '')
  .filter((c) => /^\d{6}$/.test(c))
  .filter((_, i) => i % 20 === 0); // a few hundred real subheadings

const dir = mkdtempSync(join(tmpdir(), 'gt-bench-latency-'));
const port = await freePort();
const server = start(process.execPath, ['dist/src/cli/main.js', 'serve'], {
  PORT: String(port),
  GREENTRADE_DATA_DIR: dir,
  GREENTRADE_DEMO: '1',
  LOG_LEVEL: 'warn',
});
const base = `http://127.0.0.1:${port}`;
try {
  await untilHealthy(`${base}/healthz`, performance.now(), server);
  const tokenRes = await fetch(`${base}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: DEMO_CLIENT.id,
      client_secret: DEMO_CLIENT.secret,
    }),
  });
  const { access_token: token } = (await tokenRes.json()) as { access_token: string };

  const load = async (path: (i: number) => string, duration: number) => {
    let i = 0;
    return autocannon({
      url: base,
      connections: 50,
      overallRate: RATE,
      duration,
      headers: { authorization: `Bearer ${token}` },
      requests: [{ setupRequest: (req) => ({ ...req, path: path(i++) }) }],
    });
  };
  const lookup = (i: number) => `/api/v1/classification/codes/${codes[i % codes.length]}`;
  await load(lookup, 3); // warm-up at the same rate
  const look = await load(lookup, SECONDS);
  const health = await load(() => '/healthz', SECONDS);
  const row = (label: string, r: autocannon.Result) =>
    `  ${label.padEnd(34)} p50 ${fmt(r.latency.p50, 1).padStart(6)} ms  p90 ${fmt(r.latency.p90, 1).padStart(6)} ms  p99 ${fmt(r.latency.p99, 1).padStart(6)} ms  ${fmt(r.requests.average)} req/s  non-2xx ${r.non2xx + r.errors}`;
  console.log(`latency at ${RATE} requests/s for ${SECONDS} s, 50 connections, loopback`);
  console.log(row('GET /classification/codes/{code}', look));
  console.log(row('GET /healthz (limit)', health));
  console.log(
    `  ratio look-up / healthz: p50 ×${fmt(look.latency.p50 / health.latency.p50, 1)}, p99 ×${fmt(look.latency.p99 / health.latency.p99, 1)}`,
  );
  writeResult('lookup-latency', {
    rate: RATE,
    seconds: SECONDS,
    lookup: {
      p50: look.latency.p50,
      p90: look.latency.p90,
      p99: look.latency.p99,
      rps: look.requests.average,
      non2xx: look.non2xx,
      errors: look.errors,
    },
    healthz: {
      p50: health.latency.p50,
      p90: health.latency.p90,
      p99: health.latency.p99,
      rps: health.requests.average,
    },
  });
  if (look.non2xx + look.errors > 0) process.exitCode = 1;
} finally {
  await stop(server);
  rmSync(dir, { recursive: true, force: true });
}
