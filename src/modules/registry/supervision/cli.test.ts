import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openTestPlatform } from '../../../testing/db.js';
import { supervisionCommands } from './cli.js';
import type { InvariantReport } from './model.js';
import { seedFixture, type Fixture } from './testing.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let fx: Fixture;
const dir = mkdtempSync(join(tmpdir(), 'greentrade-supervision-cli-'));

beforeAll(async () => {
  platform = await openTestPlatform();
  fx = await seedFixture(platform);
});
afterAll(async () => {
  await platform?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `greentrade registry …` in process over the test platform; returns what it printed. */
async function run(...args: string[]): Promise<string> {
  const program = new Command('registry').exitOverride();
  for (const c of supervisionCommands(async () => ({ registry: platform.registry, close: async () => {} })))
    program.addCommand(c);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  try {
    await program.parseAsync(['node', 'registry', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('greentrade registry (supervision)', () => {
  it('check reports the invariants and exits 0 on a clean registry', async () => {
    const r = JSON.parse(await run('check', '--json')) as InvariantReport;
    expect(r.ok).toBe(true);
    expect(await run('check')).toMatch(/^ok: /);
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('statement writes the PDF', async () => {
    const out = join(dir, 'statement.pdf');
    const text = await run('statement', fx.tx.retirement, '--out', out);
    expect(text).toContain(`/registry/explorer/retirements/${fx.tx.retirement}`);
    expect(readFileSync(out).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('export writes the regulator export; a bad --what names the option', async () => {
    const out = join(dir, 'holdings.csv');
    await run('export', '--what', 'holdings', '--out', out);
    const csv = readFileSync(out, 'utf8');
    expect(csv).toContain(`${fx.accountNumbers.buyer},${fx.orgs.buyerSlug},held`);
    await expect(run('export', '--what', 'balances', '--out', out)).rejects.toMatchObject({ field: 'what' });
  });

  it('explorer lists retirements of a project', async () => {
    const r = JSON.parse(await run('explorer', 'retirements', '--project', fx.projectCode, '--json')) as {
      items: { id: string; quantity: string }[];
    };
    expect(r.items.map((x) => [x.id, x.quantity]).sort()).toEqual(
      [
        [fx.tx.cancellation, '50'],
        [fx.tx.retirement, '100'],
      ].sort(),
    );
  });
});
