import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import { openTestPlatform } from '../../../testing/db.js';
import { identityAdmin } from '../../identity/index.js';
import { installationsCommands } from './cli.js';
import { installation } from './testing.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let dir: string;

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  await identityAdmin.ensureOrg(platform.db, 'cli-exporter', 'CLI Exporter');
  dir = mkdtempSync(join(tmpdir(), 'cbam-installation-cli-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await platform?.dispose();
});

/** Runs `greentrade cbam …` in process over the test platform; returns what it printed. */
async function run(...args: string[]): Promise<string> {
  const program = new Command('cbam').exitOverride();
  for (const c of installationsCommands(async () => ({ cbam: platform.cbam, close: async () => {} })))
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

const file = (name: string, data: unknown) => {
  const f = join(dir, name);
  writeFileSync(f, typeof data === 'string' ? data : JSON.stringify(data));
  return f;
};

// Urea from a process stream: 20 000 t × 0.7 t CO2/t (hand-picked factor) = 14 000 t over 10 000 t
// = 1.4 direct; grid electricity 1 000 MWh × the IN grid factor, unknown to this test, so only its
// presence is checked.
const urea = () =>
  installation({
    installation: { name: 'Urea Plant', operator: 'Fert Ltd', country: 'EG' },
    sourceStreams: [
      { id: 'gas', name: 'Feed gas', method: 'process', activityData: '20000', emissionFactor: '0.7' },
    ],
    processes: [
      {
        id: 'urea',
        name: 'Urea synthesis',
        goodsCategory: 'urea',
        cnCodes: ['31021010'],
        production: '10000',
        sourceStreams: [{ id: 'gas', share: 1 }],
      },
    ],
  });

describe('greentrade cbam installation', () => {
  it('calc prints the per-good table, or the whole calculation as JSON, and stores nothing', async () => {
    const count = async () =>
      (await platform.db.query<{ n: string }>('SELECT count(*) AS n FROM cbam_installation_version'))[0]!.n;
    const before = await count();
    const f = file('urea.json', urea());
    const text = await run('installation', 'calc', f);
    expect(text).toMatch(/CN\s+category\s+route\s+SEE direct\s+SEE indirect\s+SEE total\s+source\s+warnings/);
    expect(text).toMatch(/31021010\s+urea\s+1\.4\s+0\s+1\.4\s+actual/);
    const json = JSON.parse(await run('installation', 'calc', f, '--json', '--year', '2027')) as {
      goods: { cn: string; seeDirect: string }[];
    };
    expect(json.goods).toEqual([expect.objectContaining({ cn: '31021010', seeDirect: '1.4' })]);
    // On a server the test database is a copy of a template with the demo's installation: compare counts.
    expect(await count()).toBe(before);
  });

  it('calc refuses bad input naming the field (the CLI exits non-zero on an AppError)', async () => {
    const d = urea();
    delete d.sourceStreams![0]!.emissionFactor;
    const err = await run('installation', 'calc', file('bad.json', d)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).field).toBe('sourceStreams.0.emissionFactor');
    const notJson = await run('installation', 'calc', file('broken.json', '{"installation":')).catch(
      (e: unknown) => e,
    );
    expect((notJson as AppError).message).toMatch(/not JSON/);
  });

  it('save creates and versions; list shows the latest', async () => {
    const f = file('urea.json', urea());
    const saved = JSON.parse(await run('installation', 'save', f, '--org', 'cli-exporter', '--json')) as {
      installation: { id: string; version: number };
    };
    expect(saved.installation.version).toBe(1);
    const again = await run(
      'installation',
      'save',
      f,
      '--org',
      'cli-exporter',
      '--id',
      saved.installation.id,
    );
    expect(again).toContain(`installation ${saved.installation.id} saved: Urea Plant (EG), version 2`);
    const list = await run('installation', 'list', '--org', 'cli-exporter');
    expect(list).toMatch(
      new RegExp(`${saved.installation.id}\\s+Urea Plant\\s+EG\\s+2026-01-01\\.\\.2026-12-31\\s+2`),
    );
    const missing = await run('installation', 'list', '--org', 'no-such-org').catch((e: unknown) => e);
    expect((missing as AppError).field).toBe('org');
  });
});
