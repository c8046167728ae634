import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import { openTestPlatform } from '../../../testing/db.js';
import type { UnitService } from './operations.js';
import { snapshotCounts, unitFixture, type UnitFixture } from './testing.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let units: UnitService;
let f: UnitFixture;

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  units = platform.registry.units;
  f = await unitFixture(platform.db, units, '-svc');
});
afterAll(async () => platform?.dispose());

const issue = (quantity: bigint, to = f.accounts.seller.id, vintage = 2024) =>
  platform.db.transaction((tx) =>
    units.issue(tx, {
      projectId: f.projectId,
      vintage,
      unitType: 'VER',
      quantity,
      toAccountId: to,
      actor: 'test',
      orgId: f.orgs.operator,
    }),
  );

/** Runs fn, expects an AppError of `status` whose message holds `text`, and that nothing changed. */
async function refused(fn: () => Promise<unknown>, status: number, text: string | RegExp): Promise<AppError> {
  const before = await snapshotCounts(platform.db);
  const e = await fn().then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).status).toBe(status);
  expect((e as AppError).message).toMatch(text);
  expect(await snapshotCounts(platform.db)).toEqual(before);
  return e as AppError;
}

describe('unit engine', () => {
  it('issues a serial range from the registry-wide counter', async () => {
    const a = await issue(500n);
    const b = await issue(10n);
    // Consecutive issuances take consecutive ranges: b starts where a ended + 1.
    expect(b.range.start).toBe(a.range.end + 1n);
    expect(a.range.end - a.range.start + 1n).toBe(500n);
    expect(a.serial).toBe(`GTR-CN-VER-${f.projectCode}-2024-${a.range.start}-${a.range.end}`);
    const blocks = await units.blocksIn(platform.db, [a.range]);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.state).toBe('held');
    expect(blocks[0]!.accountId).toBe(f.accounts.seller.id);
  });

  it('transfers part of a block, splitting it, and lists the history of a serial', async () => {
    const a = await issue(100n);
    const s = a.range.start;
    // Units s+10 .. s+19: the block splits into [s, s+9] (seller), [s+10, s+19] (buyer), [s+20, s+99] (seller).
    const serial = `GTR-CN-VER-${f.projectCode}-2024-${s + 10n}-${s + 19n}`;
    const r = await units.transfer(f.people.seller, {
      from: f.accounts.seller.number,
      to: f.accounts.buyer.number,
      units: { serials: [serial] },
    });
    expect(r.quantity).toBe('10');
    expect(r.ranges.map((x) => x.serial)).toEqual([serial]);
    const blocks = await units.blocksIn(platform.db, [a.range]);
    expect(blocks.map((b) => [b.start - s, b.end - s, b.accountId])).toEqual([
      [0n, 9n, f.accounts.seller.id],
      [10n, 19n, f.accounts.buyer.id],
      [20n, 99n, f.accounts.seller.id],
    ]);
    // The buyer retires 3 of them (the lowest: s+10..s+12).
    const ret = await units.retire(f.people.buyer, {
      from: f.accounts.buyer.number,
      units: { issuanceId: a.issuanceId, quantity: '3' },
      beneficiary: 'Buyer Ltd',
      purpose: 'CORSIA',
      claimPeriod: { start: '2025-01-01', end: '2025-12-31' },
    });
    expect(ret.ranges.map((x) => [BigInt(x.start) - s, BigInt(x.end) - s])).toEqual([[10n, 12n]]);
    const one = `GTR-CN-VER-${f.projectCode}-2024-${s + 11n}-${s + 11n}`;
    const h = await units.history(f.people.buyer, one);
    expect(h.transactions.map((t) => t.kind)).toEqual(['issuance', 'transfer', 'retirement']);
    expect(h.current).toEqual([{ serial: one, account: ret.to, state: 'retired' }]);
    // A unit never transferred: only its issuance.
    const h2 = await units.history(f.people.seller, `GTR-CN-VER-${f.projectCode}-2024-${s + 50n}-${s + 50n}`);
    expect(h2.transactions.map((t) => t.kind)).toEqual(['issuance']);
  });

  it('refuses moving retired units, naming the serial, and changes nothing', async () => {
    const a = await issue(5n);
    await units.retire(f.people.seller, {
      from: f.accounts.seller.number,
      units: { issuanceId: a.issuanceId, quantity: '5' },
      beneficiary: 'x',
      purpose: 'y',
      claimPeriod: { start: '2025-01-01', end: '2025-01-31' },
    });
    const ret = await units.ensureAccount(platform.db, {
      orgId: f.orgs.seller,
      kind: 'retirement',
      name: 'r',
    });
    // Directly through the engine too: a final state is never left.
    await refused(
      () =>
        platform.db.transaction((tx) =>
          units.move(tx, {
            kind: 'transfer',
            fromAccountId: ret.id,
            toAccountId: f.accounts.buyer.id,
            units: { ranges: [a.range] },
            fromState: 'retired',
            toState: 'held',
            actor: 't',
            orgId: f.orgs.seller,
          }),
        ),
      409,
      new RegExp(`serial GTR-CN-VER-${f.projectCode}-2024-${a.range.start}-${a.range.end} is retired`),
    );
  });

  it('refuses bad input with a 4xx naming the field or serial, and changes nothing', async () => {
    const a = await issue(20n);
    const base = { from: f.accounts.seller.number, to: f.accounts.buyer.number };
    const s = a.range.start;
    // Unknown receiving account: 404 naming it.
    await refused(
      () =>
        units.transfer(f.people.seller, {
          ...base,
          to: 'GTR-100-999999',
          units: { issuanceId: a.issuanceId, quantity: '1' },
        }),
      404,
      /GTR-100-999999/,
    );
    // Negative, zero, fractional, not a number: 400 naming units.quantity.
    for (const q of ['-5', '0', '1.5', 'ten', 2.5])
      expect(
        (
          await refused(
            () =>
              units.transfer(f.people.seller, { ...base, units: { issuanceId: a.issuanceId, quantity: q } }),
            400,
            /units\.quantity/,
          )
        ).field,
      ).toBe('units.quantity');
    // Units not held by the seller (the buyer's): 409 naming the serial.
    await units.transfer(f.people.seller, {
      ...base,
      units: { serials: [`GTR-CN-VER-${f.projectCode}-2024-${s}-${s + 1n}`] },
    });
    await refused(
      () =>
        units.transfer(f.people.seller, {
          ...base,
          units: { serials: [`GTR-CN-VER-${f.projectCode}-2024-${s}-${s + 4n}`] },
        }),
      409,
      new RegExp(
        `serial GTR-CN-VER-${f.projectCode}-2024-${s}-${s + 1n} is not held in account ${f.accounts.seller.number}`,
      ),
    );
    // More units than held: 409 saying how many there are (18 left of 20).
    await refused(
      () => units.transfer(f.people.seller, { ...base, units: { issuanceId: a.issuanceId, quantity: '19' } }),
      409,
      /holds only 18 of the 19/,
    );
    // A serial whose words do not match the units: 400.
    await refused(
      () =>
        units.transfer(f.people.seller, {
          ...base,
          units: { serials: [`GTR-CN-VER-OTHER-2024-${s + 5n}-${s + 6n}`] },
        }),
      400,
      /units\.serials\.0/,
    );
    // Another organisation's account: 404 (its existence is not the buyer's to learn).
    await refused(
      () =>
        units.transfer(f.people.buyer, {
          from: f.accounts.seller.number,
          to: f.accounts.buyer.number,
          units: { issuanceId: a.issuanceId, quantity: '1' },
        }),
      404,
      /from: no account/,
    );
    // Wrong role: the regulator reads everything and writes nothing; a verifier of the seller may not move units.
    await refused(
      () =>
        units.transfer(f.people.regulator, { ...base, units: { issuanceId: a.issuanceId, quantity: '1' } }),
      403,
      /may not move/,
    );
    await refused(
      () =>
        units.transfer(f.people.sellerVerifier, {
          ...base,
          units: { issuanceId: a.issuanceId, quantity: '1' },
        }),
      403,
      /may not move/,
    );
    // Retirement without a beneficiary, and a claim period that ends before it starts.
    const retireBase = {
      from: f.accounts.seller.number,
      units: { issuanceId: a.issuanceId, quantity: '1' },
      purpose: 'p',
    };
    await refused(
      () =>
        units.retire(f.people.seller, {
          ...retireBase,
          beneficiary: '',
          claimPeriod: { start: '2025-01-01', end: '2025-12-31' },
        }),
      400,
      /beneficiary/,
    );
    await refused(
      () =>
        units.retire(f.people.seller, {
          ...retireBase,
          beneficiary: 'b',
          claimPeriod: { start: '2025-02-01', end: '2025-01-31' },
        }),
      400,
      /claimPeriod\.end/,
    );
    await refused(
      () =>
        units.retire(f.people.seller, {
          ...retireBase,
          beneficiary: 'b',
          claimPeriod: { start: '2025-02-30', end: '2025-03-31' },
        }),
      400,
      /claimPeriod\.start/,
    );
  });

  it('answers a replay with the same idempotency key with the first result, and refuses another request under it', async () => {
    const a = await issue(10n);
    const req = {
      from: f.accounts.seller.number,
      to: f.accounts.buyer.number,
      units: { issuanceId: a.issuanceId, quantity: '4' },
      idempotencyKey: 'order-42',
    };
    const first = await units.transfer(f.people.seller, req);
    expect(first.replayed).toBe(false);
    const before = await snapshotCounts(platform.db);
    const again = await units.transfer(f.people.seller, req);
    expect(again).toEqual({ ...first, replayed: true });
    expect(await snapshotCounts(platform.db)).toEqual(before);
    await refused(
      () => units.transfer(f.people.seller, { ...req, units: { issuanceId: a.issuanceId, quantity: '5' } }),
      409,
      /order-42/,
    );
    // Two identical requests at once: one moves the units, the other answers its result.
    const c = await issue(6n);
    const req2 = { ...req, units: { issuanceId: c.issuanceId, quantity: '3' }, idempotencyKey: 'order-43' };
    const [x, y] = await Promise.all([
      units.transfer(f.people.seller, req2),
      units.transfer(f.people.seller, req2),
    ]);
    expect(x.transactionId).toBe(y.transactionId);
    expect([x.replayed, y.replayed].sort()).toEqual([false, true]);
    const held = await units.blocksIn(platform.db, [c.range]);
    // 3 of 6 moved once: [start, start+2] with the buyer, the rest with the seller.
    expect(held.map((b) => [b.end - b.start + 1n, b.accountId])).toEqual([
      [3n, f.accounts.buyer.id],
      [3n, f.accounts.seller.id],
    ]);
  });

  it('cancels into the cancellation account and contributes to the national buffer', async () => {
    const a = await issue(10n);
    const c = await units.cancel(f.people.seller, {
      from: f.accounts.seller.number,
      units: { issuanceId: a.issuanceId, quantity: '2' },
      reason: 'double counting found',
    });
    const b = await units.bufferContribution(f.people.seller, {
      from: f.accounts.seller.number,
      units: { issuanceId: a.issuanceId, quantity: '3' },
    });
    // The registry's national buffer account (on a server run, the demo operator's may be older than ours).
    expect(await units.account(platform.db, b.to)).toMatchObject({ kind: 'buffer', national: true });
    const blocks = await units.blocksIn(platform.db, [a.range]);
    expect(blocks.map((x) => [x.end - x.start + 1n, x.state])).toEqual([
      [2n, 'cancelled'],
      [3n, 'buffer'],
      [5n, 'held'],
    ]);
    const account = await units.getAccount(f.people.seller, c.to);
    expect(account.kind).toBe('cancellation');
    expect(account.holdings.find((h) => h.issuanceId === a.issuanceId)?.byState).toEqual({ cancelled: '2' });
  });

  it('authorises units once, and records the corresponding adjustment at their first transfer only', async () => {
    const a = await issue(10n);
    const auth = '7d8e6a52-3b7c-4c1e-9a51-6c2f0b9e1a01';
    const s = a.range.start;
    await platform.db.transaction((tx) =>
      units.authorize(tx, [{ start: s, end: s + 5n }], auth, 't', f.orgs.operator),
    );
    await refused(
      () =>
        platform.db.transaction((tx) =>
          units.authorize(tx, [{ start: s + 5n, end: s + 6n }], auth, 't', f.orgs.operator),
        ),
      409,
      /already authorised/,
    );
    // Transfer s..s+7: s..s+5 authorised (first transfer: adjusted), s+6..s+7 not.
    const t1 = await units.transfer(f.people.seller, {
      from: f.accounts.seller.number,
      to: f.accounts.buyer.number,
      units: { issuanceId: a.issuanceId, quantity: '8' },
    });
    const ca = () =>
      platform.db.query<{
        s: string;
        e: string;
        host_country: string;
        authorization_id: string;
        transaction_id: string;
      }>(
        'SELECT serial_start AS s, serial_end AS e, host_country, authorization_id, transaction_id FROM registry_corresponding_adjustment WHERE serial_start >= $1 AND serial_end <= $2',
        [a.range.start.toString(), a.range.end.toString()],
      );
    expect(await ca()).toEqual([
      {
        s: String(s),
        e: String(s + 5n),
        host_country: 'CN',
        authorization_id: auth,
        transaction_id: t1.transactionId,
      },
    ]);
    // Back and forth again: no second adjustment.
    await units.transfer(f.people.buyer, {
      from: f.accounts.buyer.number,
      to: f.accounts.seller.number,
      units: { issuanceId: a.issuanceId, quantity: '8' },
    });
    expect(await ca()).toHaveLength(1);
  });

  it('lets a guard refuse an operation before anything is written', async () => {
    const a = await issue(3n);
    units.addGuard(async (_tx, g) => {
      if (g.details['memo'] === 'blocked')
        throw new AppError('conflict', `guard: ${g.blocks.length} block(s) refused`);
    });
    await refused(
      () =>
        units.transfer(f.people.seller, {
          from: f.accounts.seller.number,
          to: f.accounts.buyer.number,
          units: { issuanceId: a.issuanceId, quantity: '1' },
          memo: 'blocked',
        }),
      409,
      /guard: 1 block/,
    );
  });

  it('shows each organisation its own accounts and transactions; the regulator and operator see all', async () => {
    const mine = await units.listAccounts(f.people.buyer);
    expect(mine.map((a) => a.org.id)).toEqual(mine.map(() => f.orgs.buyer));
    const all = await units.listAccounts(f.people.regulator);
    expect(all.some((a) => a.org.id === f.orgs.seller) && all.some((a) => a.org.id === f.orgs.buyer)).toBe(
      true,
    );
    await expect(units.getAccount(f.people.buyer, f.accounts.seller.number)).rejects.toMatchObject({
      status: 404,
    });
    const buyerTx = await units.listTransactions(f.people.buyer, {});
    expect(buyerTx.transactions.length).toBeGreaterThan(0);
    expect(
      buyerTx.transactions.every(
        (t) =>
          t.from === f.accounts.buyer.number || t.to === f.accounts.buyer.number || t.orgId === f.orgs.buyer,
      ),
    ).toBe(true);
    const regTx = await units.listTransactions(f.people.regulator, { kind: 'issuance', limit: 2 });
    expect(regTx.transactions.map((t) => t.kind)).toEqual(['issuance', 'issuance']);
    const next = await units.listTransactions(f.people.regulator, {
      kind: 'issuance',
      limit: 2,
      cursor: regTx.nextCursor!,
    });
    expect(next.transactions[0]!.id).not.toBe(regTx.transactions[1]!.id);
    // Opening accounts: a member may not, an admin may, national ones only by the operator.
    await expect(units.createAccount(f.people.seller, { kind: 'holding', name: 'x' })).rejects.toMatchObject({
      status: 403,
    });
    await expect(
      units.createAccount(f.people.buyer, { kind: 'holding', name: 'Second', national: true }),
    ).rejects.toMatchObject({ status: 403 });
    const second = await units.createAccount(f.people.buyer, { kind: 'holding', name: 'Second' });
    expect(second.number).toMatch(/^GTR-100-\d{6}$/);
    const national = await units.createAccount(f.people.operator, {
      kind: 'cancellation',
      name: 'National cancellation',
      national: true,
    });
    expect(national.number).toMatch(/^GTR-300-\d{6}$/);
    expect(national.national).toBe(true);
  });

  it('keeps the ledger verifiable: every transaction points at its entry', async () => {
    const report = await platform.ledger.verify();
    expect(report.firstBad).toBeUndefined();
    expect(report.ok).toBe(true);
    const n = Number(
      (await platform.db.query<{ n: string }>('SELECT count(*) AS n FROM registry_transaction'))[0]!.n,
    );
    expect(report.references).toBeGreaterThanOrEqual(n);
    const pending = await platform.db.query('SELECT 1 FROM registry_ledger_pending');
    expect(pending).toHaveLength(0);
  });
});
