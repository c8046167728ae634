import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import { packageRoot } from '../../../kernel/paths.js';
import { openTestPlatform } from '../../../testing/db.js';
import { productCommands } from './cli.js';
import type { FootprintResult } from './result.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
const EXAMPLE = join(packageRoot(), 'examples', 'footprint', 'product.json');
const dir = mkdtempSync(join(tmpdir(), 'greentrade-pcf-cli-'));

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
});
afterAll(async () => {
  await platform?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `greentrade footprint …` in process over the test platform; returns what it printed. */
async function run(...args: string[]): Promise<string> {
  const program = new Command('footprint').exitOverride();
  for (const c of productCommands(async () => ({ footprint: platform.footprint, close: async () => {} })))
    program.addCommand(c);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  try {
    await program.parseAsync(['node', 'footprint', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('greentrade footprint calc', () => {
  it('calculates the shipped example', async () => {
    const r = JSON.parse(await run('calc', EXAMPLE, '--json')) as FootprintResult;
    // slab 1.03 t × 1,850 = 1,905.5 (supplier); spend 40 USD × 1.11984218496905 = 44.793687398762;
    // gas 1.2 GJ × 56.1545 = 67.3854; power (450 − 100 GEC) kWh × 0.5366 = 187.81; process 25
    expect(r.total).toBe('2230.489087398762');
    expect(r.totalLocationBased).toBe('2284.149087398762'); // + 100 × 0.5366
    expect(r.primaryDataShare).toBe('86.5505'); // (1,905.5 + 25) / 2,230.489… = 0.865505
    const text = await run('calc', EXAMPLE);
    expect(text).toContain('2,230.489 kg CO2e per 1 t');
    expect(text).toMatch(/raw-materials\s+1,950.294/);
  });

  it('names the item at fault', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        name: 'bad',
        declaredUnit: { unit: 't' },
        year: 2022,
        region: 'CN',
        materials: [
          { name: 'x', amount: '1', unit: 'kWh', factor: { key: 'natural-gas.t', release: 'ipcc-2006' } },
        ],
      }),
    );
    const e = await run('calc', bad).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).message).toBe(
      'materials.0.unit: cannot use kWh (energy) where t (mass) is needed',
    );
    expect((e as AppError).field).toBe('materials.0.unit');
  });

  it('exits 2 with "error: <field>: …" from the real command', () => {
    const bad = join(dir, 'negative.json');
    writeFileSync(
      bad,
      JSON.stringify({
        name: 'n',
        declaredUnit: { unit: 't' },
        year: 2022,
        region: 'CN',
        energy: [{ name: 'p', carrier: 'electricity', amount: -1, unit: 'kWh' }],
      }),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, GREENTRADE_DATA_DIR: join(dir, 'data') };
    delete env['DATABASE_URL'];
    delete env['GREENTRADE_TEST_DATABASE_URL'];
    // The model is parsed before the database is opened: this fails fast.
    const r = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'footprint', 'calc', bad], {
      cwd: packageRoot(),
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('error: energy.0.amount: must not be negative\n');
    expect(r.status).toBe(2);
  });
});
