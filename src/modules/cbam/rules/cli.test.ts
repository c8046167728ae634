import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openTestPlatform } from '../../../testing/db.js';
import { rulesCommands } from './cli.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
});
afterAll(async () => platform?.dispose());

/** Runs `greentrade cbam …` in process over the test platform; returns what it printed. */
async function run(...args: string[]): Promise<string> {
  const program = new Command('cbam').exitOverride();
  for (const c of rulesCommands(async () => ({ cbam: platform.cbam, close: async () => {} })))
    program.addCommand(c);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  try {
    await program.parseAsync(['node', 'cbam', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('greentrade cbam scope / rules', () => {
  it('answers --json with exactly the keys cn, inScope, sector, reason', async () => {
    const a = JSON.parse(await run('scope', '7208 51 20', '--json')) as Record<string, unknown>;
    expect(Object.keys(a).sort()).toEqual(['cn', 'inScope', 'reason', 'sector']);
    expect(a).toEqual({
      cn: '72085120',
      inScope: true,
      sector: 'iron_steel',
      reason: 'CN 7208 51 20 is under Annex I entry 7208 (iron and steel)',
    });
    const x = JSON.parse(await run('scope', '31056000', '--json')) as Record<string, unknown>;
    expect(Object.keys(x).sort()).toEqual(['cn', 'inScope', 'reason', 'sector']);
    expect(x).toMatchObject({ inScope: false, sector: null });
  });

  it('prints a readable answer, and fails on an unknown code naming cn', async () => {
    expect(await run('scope', '27160000')).toContain('2716 00 00: in scope (electricity, electricity)');
    await expect(run('scope', '99999999')).rejects.toMatchObject({ code: 'bad_request', field: 'cn' });
  });

  it('lists categories, defaults and factors', async () => {
    const cats = JSON.parse(await run('rules', 'categories', '--year', '2026', '--json')) as {
      categories: { code: string; routes: string[] }[];
    };
    expect(cats.categories.find((c) => c.code === 'dri')?.routes).toEqual([
      'natural_gas',
      'hydrogen',
      'coal',
    ]);
    const d = JSON.parse(
      await run('rules', 'defaults', '--year', '2028', '--country', 'IN', '--cn', '7208', '--json'),
    ) as {
      defaults: { country: string; direct: string }[];
    };
    // India, 7208: 4.28 × 1.30 = 5.564.
    expect(d.defaults).toEqual([expect.objectContaining({ country: 'IN', direct: '5.564' })]);
    const text = await run('rules', 'factors', '--year', '2026', '--country', 'CN');
    expect(text).toContain('0.5575');
    expect(text).toContain('1.423');
    await expect(run('rules', 'defaults', '--year', '20x6')).rejects.toMatchObject({ field: 'year' });
  });
});
