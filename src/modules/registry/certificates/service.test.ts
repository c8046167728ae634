import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import { openTestPlatform } from '../../../testing/db.js';
import { identityAdmin } from '../../identity/index.js';
import type { CertificateService } from './service.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let svc: CertificateService;
let orgA: string;
let orgB: string;
let alice: Principal; // admin of A (owns the plant)
let bob: Principal; // member of B (a buyer)
let operator: Principal;
let regulator: Principal;

const user = (id: string, memberships: Principal['memberships']): Principal => ({
  kind: 'user',
  id,
  name: id,
  memberships,
});

/** The AppError a promise rejects with (fails the test when it resolves). */
async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

const JAN = { periodStart: '2026-01-01T00:00:00+08:00', periodEnd: '2026-02-01T00:00:00+08:00' };

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  svc = platform.registry.certificates;
  orgA = await identityAdmin.ensureOrg(platform.db, 'cert-plant', 'Plant Co');
  orgB = await identityAdmin.ensureOrg(platform.db, 'cert-buyer', 'Buyer Co');
  const ops = await identityAdmin.ensureOrg(platform.db, 'cert-ops', 'Registry Ops');
  alice = user('alice', [{ orgId: orgA, role: 'admin' }]);
  bob = user('bob', [{ orgId: orgB, role: 'member' }]);
  operator = user('op', [{ orgId: ops, role: 'registry_operator' }]);
  regulator = user('reg', [{ orgId: ops, role: 'regulator' }]);
});
afterAll(async () => platform?.dispose());

async function approvedDevice(name: string, capacityMW = '5', country = 'CN') {
  const d = await svc.registerDevice(
    {
      name,
      energySource: 'solar',
      capacityMW,
      country,
      gridZone: 'CN-East',
      commissioned: '2025-01-01',
      latitude: '31.8',
      longitude: '119.9',
    },
    alice,
  );
  expect(d.status).toBe('pending');
  return svc.decideDevice(d.id, { approve: true }, operator);
}

describe('devices', () => {
  it('are registered by the owner, approved by the operator only, and must be approved to get certificates', async () => {
    const d = await svc.registerDevice(
      {
        name: 'Wind farm',
        energySource: 'wind',
        capacityMW: '12.5',
        country: 'CN',
        gridZone: 'CN-North',
        commissioned: '2024-03-01',
      },
      alice,
    );
    expect(d.code).toMatch(/^CN\d{6}$/);
    expect(d.capacityMW).toBe('12.5');
    expect((await refusal(svc.decideDevice(d.id, { approve: true }, alice))).status).toBe(403);
    expect((await refusal(svc.decideDevice(d.id, { approve: true }, regulator))).status).toBe(403);
    const e = await refusal(svc.issue({ scheme: 'GEC', device: d.id, ...JAN, quantity: '1' }, operator));
    expect([e.status, e.field]).toEqual([409, 'device']);
    // Another organisation does not see it.
    expect((await refusal(svc.getDevice(d.id, bob))).status).toBe(404);
    const bad = await refusal(
      svc.registerDevice(
        {
          name: 'x',
          energySource: 'solar',
          capacityMW: '-1',
          country: 'CN',
          gridZone: 'z',
          commissioned: '2024-01-01',
        },
        alice,
      ),
    );
    expect([bad.status, bad.field]).toEqual([400, 'capacityMW']);
  });
});

describe('issuance', () => {
  it('allows capacity × hours and refuses one MWh more: 5 MW × 744 h = 3,720 MWh in January', async () => {
    const over = await approvedDevice('PV over');
    const e = await refusal(
      svc.issue({ scheme: 'GEC', device: over.id, ...JAN, quantity: '3721' }, operator),
    );
    expect([e.status, e.field]).toEqual([400, 'quantity']);
    expect(e.details?.['maxQuantity']).toBe('3720');
    const ok = await svc.issue({ scheme: 'GEC', device: over.id, ...JAN, quantity: '3720' }, operator);
    expect(ok.issuance.quantity).toBe('3720');
    expect(ok.issuance.energyWh).toBe('3720000000');
    // GEC live 24 months from the production month (China time): 2028-01-01T00:00+08:00.
    expect(ok.issuance.expiresAt).toBe('2027-12-31T16:00:00.000Z');
    expect(ok.block.holder.id).toBe(orgA);
    expect(ok.issuance.serial).toMatch(new RegExp(`^GTR-GEC-CN-${over.code}-202601-\\d+-\\d+$`));
    const [first, last] = ok.issuance.serial.split('-').slice(-2).map(BigInt);
    expect(last! - first! + 1n).toBe(3720n);
    // February 2026 has 28 days: 5 MW × 672 h = 3,360 MWh.
    const feb = await refusal(
      svc.issue(
        {
          scheme: 'GEC',
          device: over.id,
          periodStart: '2026-02-01T00:00:00+08:00',
          periodEnd: '2026-03-01T00:00:00+08:00',
          quantity: '3361',
        },
        operator,
      ),
    );
    expect(feb.details?.['maxQuantity']).toBe('3360');
  });

  it('refuses a period that overlaps an earlier issuance of the device, in any scheme', async () => {
    const d = await approvedDevice('PV overlap');
    await svc.issue({ scheme: 'GEC', device: d.id, ...JAN, quantity: '500' }, operator);
    // I-REC for 10–20 January (UTC) lies inside the GEC month.
    const irec = await refusal(
      svc.issue(
        {
          scheme: 'I-REC',
          device: d.id,
          periodStart: '2026-01-10T00:00:00Z',
          periodEnd: '2026-01-20T00:00:00Z',
          quantity: '10',
        },
        operator,
      ),
    );
    expect([irec.status, irec.field]).toEqual([409, 'periodStart']);
    // 31 January 23:00–24:00 China time = 15:00–16:00 UTC: the last hour of the GEC month.
    const last = await refusal(
      svc.issue(
        {
          scheme: 'EnergyTag',
          device: d.id,
          periodStart: '2026-01-31T15:00:00Z',
          periodEnd: '2026-01-31T16:00:00Z',
          quantity: '1000',
        },
        operator,
      ),
    );
    expect(last.status).toBe(409);
    // The next hour starts February (China time): it touches the month but does not overlap it.
    const next = await svc.issue(
      {
        scheme: 'EnergyTag',
        device: d.id,
        periodStart: '2026-01-31T16:00:00Z',
        periodEnd: '2026-01-31T17:00:00Z',
        quantity: '4200000',
      },
      operator,
    );
    expect(next.issuance.unit).toBe('Wh');
    expect(next.issuance.energyWh).toBe('4200000');
    // Another device may certify the same period.
    const other = await approvedDevice('PV other');
    expect(
      (await svc.issue({ scheme: 'GEC', device: other.id, ...JAN, quantity: '1' }, operator)).issuance
        .quantity,
    ).toBe('1');
  });

  it('lets one of two simultaneous issuances of the same period through', async () => {
    const d = await approvedDevice('PV race');
    const both = await Promise.allSettled(
      [0, 1].map(() => svc.issue({ scheme: 'GEC', device: d.id, ...JAN, quantity: '100' }, operator)),
    );
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = both.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((lost.reason as AppError).status).toBe(409);
  });

  it('is refused by the database too, when a row bypasses the service', async () => {
    const d = await approvedDevice('PV db');
    const a = await svc.issue({ scheme: 'GEC', device: d.id, ...JAN, quantity: '5' }, operator);
    const row = (
      await platform.db.query<Record<string, unknown>>('SELECT * FROM cert_issuance WHERE id = $1', [
        a.issuance.id,
      ])
    )[0]!;
    // Hand-built: 15 January 00:00 UTC to 16 January, inside January (epoch seconds 1768435200 to 1768521600).
    await expect(
      platform.db.query(
        `INSERT INTO cert_issuance (scheme, device_id, device_no, period_start, period_end, start_s, end_s, energy_wh,
           quantity, serial_start, serial_end, expires_at, org_id, actor, ledger_index, ledger_leaf)
         VALUES ('I-REC', $1, $2, '2026-01-15T00:00:00Z', '2026-01-16T00:00:00Z', 1768435200, 1768521600, 1000000,
           1, 999999990, 999999990, '2027-01-16T00:00:00Z', $3, 'test', 0, 'x')`,
        [d.id, row['device_no'], orgA],
      ),
    ).rejects.toMatchObject({ code: '23P01' });
  });

  it('refuses bad input naming the field', async () => {
    const d = await approvedDevice('PV bad');
    const cases: [Record<string, unknown>, number, string][] = [
      [{ scheme: 'GEC', device: d.id, ...JAN, quantity: '1.5' }, 400, 'quantity'],
      [{ scheme: 'GEC', device: d.id, ...JAN, quantity: '0' }, 400, 'quantity'],
      [{ scheme: 'GEC', device: d.id, ...JAN, quantity: '-3' }, 400, 'quantity'],
      // Not a calendar month in China time.
      [
        {
          scheme: 'GEC',
          device: d.id,
          periodStart: '2026-01-01T00:00:00Z',
          periodEnd: '2026-02-01T00:00:00Z',
          quantity: '1',
        },
        400,
        'periodStart',
      ],
      [
        {
          scheme: 'GEC',
          device: d.id,
          periodStart: '2026-01-01T00:00:00+08:00',
          periodEnd: '2026-01-15T00:00:00+08:00',
          quantity: '1',
        },
        400,
        'periodEnd',
      ],
      // EnergyTag: at most one hour.
      [
        {
          scheme: 'EnergyTag',
          device: d.id,
          periodStart: '2026-03-01T00:00:00Z',
          periodEnd: '2026-03-01T02:00:00Z',
          quantity: '1',
        },
        400,
        'periodEnd',
      ],
      [{ scheme: 'GEC', device: 'CN999999', ...JAN, quantity: '1' }, 404, 'device'],
      [{ scheme: 'XYZ', device: d.id, ...JAN, quantity: '1' }, 400, 'scheme'],
      [
        {
          scheme: 'GEC',
          device: d.id,
          periodStart: '2099-01-01T00:00:00+08:00',
          periodEnd: '2099-02-01T00:00:00+08:00',
          quantity: '1',
        },
        400,
        'periodEnd',
      ],
    ];
    for (const [input, status, field] of cases) {
      const e = await refusal(svc.issue(input, operator));
      expect([e.status, e.field], JSON.stringify(input)).toEqual([status, field]);
    }
    // GEC are Chinese certificates.
    const de = await approvedDevice('PV Germany', '5', 'DE');
    const gec = await refusal(svc.issue({ scheme: 'GEC', device: de.id, ...JAN, quantity: '1' }, operator));
    expect(gec.field).toBe('scheme');
    // Only the operator issues.
    expect(
      (await refusal(svc.issue({ scheme: 'GEC', device: d.id, ...JAN, quantity: '1' }, alice))).status,
    ).toBe(403);
    const n = await platform.db.query('SELECT 1 FROM cert_issuance WHERE device_id = $1', [d.id]);
    expect(n).toHaveLength(0);
  });
});

describe('transfer, cancellation, claim, expiry', () => {
  let blockId: string;
  let serialFirst: bigint;
  let cancellationId: string;
  let cancellationSerial: string;

  it('splits a block on a partial transfer and conserves the energy', async () => {
    const d = await approvedDevice('PV trade');
    const { block } = await svc.issue({ scheme: 'GEC', device: d.id, ...JAN, quantity: '3000' }, operator);
    serialFirst = BigInt(block.serial.split('-').at(-2)!);
    const t = await svc.transfer(
      { block: block.id, quantity: '1000', to: 'cert-buyer' },
      alice,
      'k-transfer-1',
    );
    expect(t.replayed).toBe(false);
    expect(t.block.holder.id).toBe(orgB);
    expect(t.block.quantity).toBe('1000');
    // The lowest numbers move: first .. first+999; the plant keeps first+1000 .. first+2999.
    expect(t.serial.endsWith(`-${serialFirst}-${serialFirst + 999n}`)).toBe(true);
    const mine = (await svc.holdings(alice)).filter((b) => b.issuanceId === block.issuanceId);
    const theirs = (await svc.holdings(bob)).filter((b) => b.issuanceId === block.issuanceId);
    expect(mine.map((b) => b.quantity)).toEqual(['2000']);
    expect(mine[0]!.serial.endsWith(`-${serialFirst + 1000n}-${serialFirst + 2999n}`)).toBe(true);
    // 2,000 MWh + 1,000 MWh = 3,000 MWh = 3,000,000,000 Wh, as issued.
    const wh = [...mine, ...theirs].reduce((s, b) => s + BigInt(b.energyWh), 0n);
    expect(wh).toBe(3_000_000_000n);
    blockId = t.block.id;
    // Bob does not see the plant's block; the regulator sees both but may not move them.
    expect((await refusal(svc.transfer({ block: mine[0]!.id, to: 'cert-buyer' }, bob))).status).toBe(404);
    const r = await refusal(svc.transfer({ block: mine[0]!.id, to: 'cert-buyer' }, regulator));
    expect(r.status).toBe(403);
    const tooMany = await refusal(
      svc.transfer({ block: mine[0]!.id, quantity: '2001', to: 'cert-buyer' }, alice),
    );
    expect([tooMany.status, tooMany.field]).toEqual([400, 'quantity']);
    const nobody = await refusal(svc.transfer({ block: mine[0]!.id, to: 'no-such-org' }, alice));
    expect([nobody.status, nobody.field]).toEqual([404, 'to']);
  });

  it('a retry with the same key and body is a replay', async () => {
    const block = (await svc.holdings(alice, { state: 'active' })).find((b) => b.device.name === 'PV trade')!;
    const body = { block: block.id, quantity: '10', to: 'cert-buyer' };
    const first = await svc.transfer(body, alice, 'k-transfer-2');
    const second = await svc.transfer(body, alice, 'k-transfer-2');
    expect(second.replayed).toBe(true);
    expect(second.transactionId).toBe(first.transactionId);
    const rows = await platform.db.query(
      "SELECT 1 FROM cert_transaction WHERE kind = 'transfer' AND details::text LIKE $1",
      [`%${first.serial}%`],
    );
    expect(rows).toHaveLength(1);
    const other = await refusal(svc.transfer({ ...body, quantity: '11' }, alice, 'k-transfer-2'));
    expect([other.status, other.field]).toEqual([409, 'Idempotency-Key']);
  });

  it('cancels for a beneficiary, period and purpose; a cancelled certificate is final', async () => {
    const c = await svc.cancel(
      {
        block: blockId,
        quantity: '100',
        consumptionStart: '2026-01-01',
        consumptionEnd: '2026-12-31',
        purpose: 'Scope 2 market-based, product footprint',
      },
      bob,
    );
    expect(c.block.state).toBe('cancelled');
    expect(c.cancellation.beneficiary.id).toBe(orgB);
    // 100 MWh = 100,000 kWh.
    expect(c.cancellation.energyKWh).toBe('100000');
    expect(c.serial.endsWith(`-${serialFirst}-${serialFirst + 99n}`)).toBe(true);
    cancellationId = c.cancellation.id;
    cancellationSerial = c.serial;
    const again = await refusal(svc.transfer({ block: c.block.id, to: 'cert-plant' }, bob));
    expect([again.status, again.field]).toEqual([409, 'block']);
    const twice = await refusal(
      svc.cancel(
        { block: c.block.id, consumptionStart: '2026-01-01', consumptionEnd: '2026-12-31', purpose: 'RE100' },
        bob,
      ),
    );
    expect(twice.status).toBe(409);
    const badPeriod = await refusal(
      svc.cancel(
        { block: blockId, consumptionStart: '2026-12-31', consumptionEnd: '2026-01-01', purpose: 'RE100' },
        bob,
      ),
    );
    expect(badPeriod.field).toBe('consumptionEnd');
    // The public ledger entry names the beneficiary and the purpose.
    const entry = await platform.db.query<{ entry: string; public: boolean }>(
      'SELECT entry, public FROM ledger_entry WHERE idx = $1',
      [c.cancellation.ledger.index],
    );
    expect(entry[0]!.public).toBe(true);
    expect(entry[0]!.entry).toContain('Scope 2 market-based, product footprint');
  });

  it('lets the beneficiary claim a cancellation once, up to the cancelled energy', async () => {
    const tooMuch = await refusal(svc.claim({ cancellation: cancellationId, amountKWh: '100000.5' }, bob));
    expect([tooMuch.status, tooMuch.field]).toEqual([400, 'cancellation']);
    expect((await refusal(svc.claim({ cancellation: cancellationId, amountKWh: '1' }, alice))).status).toBe(
      404,
    );
    const first = await svc.claim(
      { cancellation: cancellationSerial, amountKWh: '100000', reference: 'RE100 report 2026' },
      bob,
      'k-claim',
    );
    expect(first.claim.amountKWh).toBe('100000');
    const replay = await svc.claim(
      { cancellation: cancellationSerial, amountKWh: '100000', reference: 'RE100 report 2026' },
      bob,
      'k-claim',
    );
    expect(replay.replayed).toBe(true);
    const second = await refusal(svc.claim({ cancellation: cancellationId, amountKWh: '1' }, bob));
    expect(second.status).toBe(409);
    expect(second.message).toContain(cancellationSerial);
    // The database refuses a second claim of the same certificates too.
    await expect(
      platform.db.query(
        `INSERT INTO cert_claim (cancellation_id, serial_start, serial_end, org_id, amount_kwh, actor, ledger_index, ledger_leaf)
         SELECT id, serial_start, serial_end, beneficiary_org, 1, 'test', 0, 'x' FROM cert_cancellation WHERE id = $1`,
        [cancellationId],
      ),
    ).rejects.toMatchObject({ code: '23505' });
  });

  it('expires certificates past their validity: refused on use, then expired by the run', async () => {
    const d = await approvedDevice('PV expiry');
    // I-REC for 1–10 March 2026 (UTC) expires 12 months after the period end: 2027-03-10T00:00Z.
    const { block, issuance } = await svc.issue(
      {
        scheme: 'I-REC',
        device: d.id,
        periodStart: '2026-03-01T00:00:00Z',
        periodEnd: '2026-03-10T00:00:00Z',
        quantity: '20',
      },
      operator,
    );
    expect(issuance.expiresAt).toBe('2027-03-10T00:00:00.000Z');
    const real = svc.now;
    try {
      svc.now = () => new Date('2027-03-10T00:00:01Z');
      const used = await refusal(svc.transfer({ block: block.id, to: 'cert-buyer' }, alice));
      expect([used.status, used.details?.['state']]).toEqual([409, 'expired']);
    } finally {
      svc.now = real;
    }
    expect((await refusal(svc.expire({}, alice))).status).toBe(403);
    const early = await svc.expire({ asOf: '2027-03-09T23:59:59Z' }, operator);
    expect(early.expired.map((e) => e.serial)).not.toContain(block.serial);
    const run = await svc.expire({ asOf: '2027-03-10T00:00:00Z' }, operator);
    expect(run.expired.map((e) => e.serial)).toContain(block.serial);
    const after = (await svc.holdings(alice)).find((b) => b.id === block.id)!;
    expect(after.state).toBe('expired');
    // Cancelled certificates stay cancelled (2028: past every GEC of January 2026).
    await svc.expire({ asOf: '2028-06-01T00:00:00Z' }, operator);
    const cancelled = (await svc.holdings(bob, { state: 'cancelled' })).map((b) => b.cancellationId);
    expect(cancelled).toContain(cancellationId);
  });

  it('withdraws an active block (operator only)', async () => {
    const d = await approvedDevice('PV withdraw');
    const { block } = await svc.issue({ scheme: 'GEC', device: d.id, ...JAN, quantity: '7' }, operator);
    expect((await refusal(svc.withdraw({ block: block.id, reason: 'meter fault' }, alice))).status).toBe(403);
    const w = await svc.withdraw({ block: block.serial, reason: 'meter fault' }, operator);
    expect(w.block.state).toBe('withdrawn');
    expect((await refusal(svc.transfer({ block: block.id, to: 'cert-buyer' }, alice))).status).toBe(409);
  });

  it('keeps every transaction in the ledger, in the same transaction', async () => {
    const rows = await platform.db.query<{ kind: string; ok: boolean }>(
      `SELECT t.kind, (e.leaf_hash = decode(t.ledger_leaf, 'hex')) AS ok
       FROM cert_transaction t LEFT JOIN ledger_entry e ON e.idx = t.ledger_index`,
    );
    expect(new Set(rows.map((r) => r.kind))).toEqual(
      new Set(['issuance', 'transfer', 'cancellation', 'claim', 'expiry', 'withdrawal']),
    );
    expect(rows.every((r) => r.ok)).toBe(true);
    // `ledger verify` checks the certificate records' entries too (its SQL runs over our tables).
    const report = await platform.ledger.verify();
    expect(report.references).toBeGreaterThanOrEqual(rows.length);
    expect(report.firstBad?.reason ?? '').not.toContain('certificate');
  });
});
