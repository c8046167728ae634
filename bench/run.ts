// npm run bench [-- name ...]: runs the named benchmarks (or all), one at a time, then prints a summary.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './lib.js';

const ALL = ['cold-start', 'lookup-latency', 'classify-file', 'ledger', 'lca', 'registry', 'cbam'];
const names = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const extra = process.argv.slice(2).filter((a) => a.startsWith('--'));
let failed = 0;
for (const name of names.length ? names : ALL) {
  if (!ALL.includes(name)) throw new Error(`no benchmark ${name}; there are ${ALL.join(', ')}`);
  console.log(`\n== ${name}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join('bench', `${name}.ts`), ...extra], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
console.log('\n== summary (bench/out/*.json)');
for (const name of ALL) {
  const f = join(root, 'bench', 'out', `${name}.json`);
  if (!existsSync(f)) continue;
  const out = JSON.parse(readFileSync(f, 'utf8'));
  // Ratios (and the ledger's proof latencies) to three decimals.
  const round = (_: string, v: unknown) => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : v);
  console.log(`${name}: ${JSON.stringify(out.ratios ?? out.ratioToBare ?? out.lookup, round)}`);
}
process.exit(failed ? 1 : 0);
