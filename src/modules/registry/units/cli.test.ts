import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openTestPlatform } from '../../../testing/db.js';
import { unitCommands } from './cli.js';
import { unitFixture, type UnitFixture } from './testing.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let f: UnitFixture;

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  f = await unitFixture(platform.db, platform.registry.units, '-cli');
});
afterAll(async () => platform?.dispose());

/** Runs `greentrade registry …` in process over the test platform; returns what it printed. */
async function run(...args: string[]): Promise<string> {
  const program = new Command('registry').exitOverride();
  for (const c of unitCommands(async () => ({ registry: platform.registry, close: async () => {} })))
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

describe('greentrade registry', () => {
  it('transfers, replays, retires and shows the history of a serial', async () => {
    const issued = await platform.db.transaction((tx) =>
      platform.registry.units.issue(tx, {
        projectId: f.projectId,
        vintage: 2022,
        unitType: 'CCER',
        quantity: 50n,
        toAccountId: f.accounts.seller.id,
        actor: 't',
        orgId: f.orgs.operator,
      }),
    );
    const s = issued.range.start;
    const args = [
      'transfer',
      '--from',
      f.accounts.seller.number,
      '--to',
      f.accounts.buyer.number,
      '--issuance',
      issued.issuanceId,
      '--quantity',
      '20',
      '--idempotency-key',
      'cli-1',
      '--org',
      'ut-seller-cli',
      '--json',
    ];
    const t = JSON.parse(await run(...args)) as {
      quantity: string;
      ranges: { serial: string }[];
      replayed: boolean;
      transactionId: string;
    };
    expect(t.quantity).toBe('20');
    expect(t.ranges.map((r) => r.serial)).toEqual([`GTR-CN-CCER-${f.projectCode}-2022-${s}-${s + 19n}`]);
    const again = JSON.parse(await run(...args)) as { replayed: boolean; transactionId: string };
    expect(again).toMatchObject({ replayed: true, transactionId: t.transactionId });
    // Acting for the buyer, which does not hold the seller's account: refused as unknown.
    await expect(
      run(
        'transfer',
        '--from',
        f.accounts.seller.number,
        '--to',
        f.accounts.buyer.number,
        '--issuance',
        issued.issuanceId,
        '--quantity',
        '1',
        '--org',
        'ut-buyer-cli',
      ),
    ).rejects.toMatchObject({ status: 404 });

    const text = await run(
      'retire',
      '--from',
      f.accounts.buyer.number,
      '--serial',
      `GTR-CN-CCER-${f.projectCode}-2022-${s}-${s + 4n}`,
      '--beneficiary',
      'Buyer Ltd',
      '--purpose',
      'CBAM',
      '--claim-start',
      '2026-01-01',
      '--claim-end',
      '2026-12-31',
    );
    expect(text).toContain('retirement');
    expect(text).toMatch(/statement: http.*\/api\/v1\/registry\/retirements\/[0-9a-f-]{36}\/statement\.pdf/);

    const h = JSON.parse(
      await run('history', `GTR-CN-CCER-${f.projectCode}-2022-${s + 2n}-${s + 2n}`, '--json'),
    ) as { transactions: { kind: string }[] };
    expect(h.transactions.map((x) => x.kind)).toEqual(['issuance', 'transfer', 'retirement']);
    const list = JSON.parse(await run('accounts', 'list', '--org', 'ut-buyer-cli', '--json')) as {
      accounts: { kind: string }[];
    };
    // The buyer's holding account and the retirement account its retirement opened.
    expect(list.accounts.map((a) => a.kind).sort()).toEqual(['holding', 'retirement']);
  });
});
