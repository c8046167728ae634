import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import { openTestPlatform } from '../../../testing/db.js';
import { article6Commands } from './cli.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
const dir = mkdtempSync(join(tmpdir(), 'greentrade-a6-cli-'));
const YEAR = new Date().getUTCFullYear();

beforeAll(async () => {
  platform = await openTestPlatform();
});
afterAll(async () => {
  await platform?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `greentrade registry article6 …` in process over the test platform; returns what it printed. */
async function run(...args: string[]): Promise<string> {
  const program = new Command('registry').exitOverride();
  for (const c of article6Commands(async () => ({ registry: platform.registry, close: async () => {} })))
    program.addCommand(c);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  try {
    await program.parseAsync(['node', 'registry', 'article6', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('greentrade registry article6', () => {
  it('lists the demo letter and writes the AEF workbook', async () => {
    const letters = JSON.parse(await run('authorizations', '--host', 'CN', '--json')) as {
      authorizations: { code: string; units: { authorized: string } }[];
    };
    expect(letters.authorizations.find((a) => a.code === 'CN-LOA-DEMO-001')?.units.authorized).toBe('1000');
    const file = join(dir, 'aef.xlsx');
    const out = JSON.parse(
      await run('aef', '--party', 'CN', '--year', String(YEAR), '--out', file, '--json'),
    ) as {
      bytes: number;
    };
    expect(out.bytes).toBe(readFileSync(file).length);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(file) as unknown as ArrayBuffer);
    expect(wb.getWorksheet('Table 1 Submission')!.getCell('B2').value).toBe('CHN');
  });

  it('refuses a bad range naming it, and the ledger still verifies', async () => {
    const e = await run('mark', 'CN-LOA-DEMO-001', '--range', '12.5-20').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).field).toBe('ranges.0');
    const report = await platform.ledger.verify();
    expect([report.ok, report.firstBad]).toEqual([true, undefined]);
  });
});
