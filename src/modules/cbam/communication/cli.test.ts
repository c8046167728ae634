import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../../../kernel/access.js';
import { openTestPlatform } from '../../../testing/db.js';
import { identityAdmin } from '../../identity/index.js';
import type { CommunicationFile, InstallationDataInput } from '../model.js';
import { communicationCommands } from './cli.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let installationId: string;
let dir: string;

// 8 917.7 t CO2e over 10 000 t of clinker = 0.89177 t CO2e/t.
const cementWorks: InstallationDataInput = {
  installation: { name: 'CLI Cement Works', operator: 'CLI Cement Co.', country: 'TR' },
  reportingPeriod: { start: '2026-01-01', end: '2026-12-31' },
  processes: [
    {
      id: 'kiln',
      name: 'Kiln',
      goodsCategory: 'cement_clinker',
      cnCodes: ['25231000'],
      production: '10000',
      otherDirectEmissions: '8917.7',
    },
  ],
};

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  const org = await identityAdmin.ensureOrg(platform.db, 'comm-cli', 'Comm CLI Exporter');
  const admin: Principal = { kind: 'user', id: 'u', name: 'u', memberships: [{ orgId: org, role: 'admin' }] };
  installationId = (await platform.cbam.installations.save(admin, org, cementWorks)).id;
  dir = mkdtempSync(join(tmpdir(), 'cbam-comm-cli-'));
});
afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await platform?.dispose();
});

/** Runs `greentrade cbam …` in process over the test platform; returns what it printed. */
async function run(...args: string[]): Promise<string> {
  const program = new Command('cbam').exitOverride();
  for (const c of communicationCommands(async () => ({ cbam: platform.cbam, close: async () => {} })))
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

describe('greentrade cbam export | verify | template', () => {
  it('exports JSON and XLSX, verifies both, and catches a changed figure', async () => {
    const json = join(dir, 'file.json');
    const xlsx = join(dir, 'file.xlsx');
    expect(await run('export', installationId, '--out', json, '--org', 'comm-cli')).toMatch(
      /^communication file [0-9a-f-]{36} → .*file\.json\n {2}sha256 [0-9a-f]{64}, ledger entry \d+, 1 goods\n$/,
    );
    await run('export', installationId, '--out', xlsx, '--org', 'comm-cli');
    for (const f of [json, xlsx]) {
      expect(JSON.parse(await run('verify', f, '--json'))).toMatchObject({ valid: true, reasons: [] });
    }
    const file = JSON.parse(readFileSync(json, 'utf8')) as CommunicationFile;
    expect(file.results.goods[0]!.seeDirect).toBe('0.89177');
    file.results.goods[0]!.seeDirect = '0.1';
    writeFileSync(json, JSON.stringify(file));
    process.exitCode = undefined;
    const out = await run('verify', json);
    expect(out).toMatch(/^INVALID\n/);
    expect(out).toContain('changed since it was issued: results.goods.0.seeDirect');
    expect(process.exitCode).toBe(1);
    process.exitCode = undefined;

    const data = JSON.parse(await run('template', 'read', xlsx, '--json')) as {
      installation: { name: string };
    };
    expect(data.installation.name).toBe('CLI Cement Works');
  });

  it('writes a blank template that reads as "required" where nothing was filled in', async () => {
    const blank = join(dir, 'blank.xlsx');
    expect(await run('template', 'blank', '--out', blank)).toBe(`empty communication template → ${blank}\n`);
    await expect(run('template', 'read', blank)).rejects.toThrow(/A_InstData!B5 \(Start\): /);
  });
});
