// Cold start: spawning `npm start` to the first answered /healthz on PGlite, against a bare
// `node -e` HTTP server started and polled the same way (the limit).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execSync } from 'node:child_process';
import { fmt, freePort, median, root, start, stop, untilHealthy, writeResult } from './lib.js';

const RUNS = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5);
if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js')))
  execSync('npm run -s build:server', { cwd: root, stdio: 'inherit' });

async function timeStart(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = start(command, args, { ...env, PORT: String(port), LOG_LEVEL: 'warn' });
  try {
    return await untilHealthy(`http://127.0.0.1:${port}/healthz`, t0, child);
  } finally {
    await stop(child);
  }
}

const bare = ['-e', "require('http').createServer((q,s)=>s.end('ok')).listen(process.env.PORT)"];
const results: Record<string, number[]> = { bare: [], first: [], warm: [], warmNode: [] };
for (let i = 0; i < RUNS; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'gt-bench-start-'));
  const env = { GREENTRADE_DATA_DIR: dir, GREENTRADE_DEMO: '1' };
  results['bare']!.push(await timeStart(process.execPath, bare, {}));
  results['first']!.push(await timeStart('npm', ['start'], env));
  results['warm']!.push(await timeStart('npm', ['start'], env));
  results['warmNode']!.push(await timeStart(process.execPath, ['dist/src/cli/main.js', 'serve'], env));
  rmSync(dir, { recursive: true, force: true });
}
const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)])) as Record<
  string,
  number
>;
const rows = [
  ['bare node -e http server (limit)', m['bare']!],
  ['npm start, first start (migrate, reference data, demo)', m['first']!],
  ['npm start, warm (existing data dir)', m['warm']!],
  ['node dist/src/cli/main.js serve, warm', m['warmNode']!],
] as const;
console.log(`cold start to first /healthz, median of ${RUNS} runs`);
for (const [label, ms] of rows)
  console.log(`  ${label.padEnd(56)} ${fmt(ms).padStart(6)} ms   ×${fmt(ms / m['bare']!, 1)} of bare node`);
writeResult('cold-start', {
  runs: RUNS,
  samplesMs: results,
  medianMs: m,
  ratioToBare: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v / m['bare']!])),
});
