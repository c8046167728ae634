// The cost service on a real database (PGlite, or PostgreSQL under scripts/with-pg-database.sh).
// The declaration and the rules are given here as fixed inputs, so every figure below is a hand
// calculation; cost.parts.test.ts runs the same service against the real rules and importer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal, Role } from '../../../kernel/access.js';
import { openTestPlatform } from '../../../testing/db.js';
import { identityAdmin } from '../../identity/index.js';
import type { ImporterService } from '../importer/index.js';
import type { RulesService } from '../rules/index.js';
import { CostService } from './service.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let cost: CostService;
let declaration: unknown;
const orgs = { a: '', b: '' };

const HEADER = 'periodStart,periodEnd,priceEur,kind';
const Q2026 = [
  '2026-01-01,2026-03-31,75.36,quarterly',
  '2026-04-01,2026-06-30,70,quarterly',
  '2026-07-01,2026-09-30,72.50,quarterly',
  '2026-10-01,2026-12-31,80.1,quarterly',
];

const person = (orgId: string, role: Role): Principal => ({
  kind: 'user',
  id: `${role}@${orgId}`,
  name: role,
  memberships: [{ orgId, role }],
});

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  orgs.a = await identityAdmin.ensureOrg(platform.db, 'cost-svc-a', 'Cost A GmbH');
  orgs.b = await identityAdmin.ensureOrg(platform.db, 'cost-svc-b', 'Cost B GmbH');
  // The rules as inputs: share 0.975 in 2026; benchmark 1.37 for 76011000, none for 72085120.
  const rules = {
    freeAllocationShare: async (year: number) => (year === 2026 ? '0.975' : '0'),
    // For a line whose supplier states the secondary route, that route's benchmark, 0.091.
    benchmark: async (cn: string, route: string | null) =>
      cn !== '76011000'
        ? null
        : route === 'secondary'
          ? { value: '0.091', source: 'test' }
          : { value: '1.37', source: 'test' },
  } as unknown as RulesService;
  const importer = { declaration: async () => declaration } as unknown as ImporterService;
  cost = new CostService(platform.cbam.deps, rules, importer);
});
afterAll(async () => platform?.dispose());

const count = async (orgId: string) =>
  Number(
    (
      await platform.db.query<{ n: string }>('SELECT count(*) AS n FROM cbam_ets_price WHERE org_id = $1', [
        orgId,
      ])
    )[0]!.n,
  );

describe('EU ETS price series', () => {
  it('imports per organisation, replaces the same periods on re-import, and keeps orgs apart', async () => {
    const member = person(orgs.a, 'member');
    expect(await cost.importPrices(member, [HEADER, ...Q2026].join('\n'), 'cost-svc-a')).toEqual({
      imported: 4,
    });
    // Q1 again at a new price: still 4 periods, Q1 now 76.
    expect(
      await cost.importPrices(member, [HEADER, '2026-01-01,2026-03-31,76,quarterly'].join('\n')),
    ).toEqual({
      imported: 1,
    });
    const list = await cost.listPrices(member);
    expect(list.prices.map((p) => [p.periodStart, p.priceEur])).toEqual([
      ['2026-01-01', '76'],
      ['2026-04-01', '70'],
      ['2026-07-01', '72.5'],
      ['2026-10-01', '80.1'],
    ]);
    // B sees none of A's prices, and may not read or write A's.
    const bAdmin = person(orgs.b, 'admin');
    expect((await cost.listPrices(bAdmin)).prices).toEqual([]);
    await expect(cost.listPrices(bAdmin, 'cost-svc-a')).rejects.toMatchObject({ status: 403 });
    await expect(cost.importPrices(bAdmin, [HEADER, ...Q2026].join('\n'), orgs.a)).rejects.toMatchObject({
      status: 403,
    });
    // A verifier of A may read but not import.
    await expect(
      cost.importPrices(person(orgs.a, 'verifier'), [HEADER, ...Q2026].join('\n')),
    ).rejects.toMatchObject({ status: 403 });
    // Restore Q1 at the published 75.36 for the cost tests below.
    await cost.importPrices('system', [HEADER, Q2026[0]!].join('\n'), 'cost-svc-a');
  });

  it('writes nothing when one line is bad, and names the line', async () => {
    const before = await count(orgs.b);
    await expect(
      cost.importPrices(
        person(orgs.b, 'admin'),
        [HEADER, Q2026[0]!, Q2026[1]!, '2026-07-01,2026-09-30,abc,quarterly'].join('\n'),
      ),
    ).rejects.toMatchObject({ status: 400, field: 'line 4' });
    expect(await count(orgs.b)).toBe(before);
  });
});

describe('certificates owed', () => {
  it('per line and in total, with the whole certificates to surrender and the cost', async () => {
    declaration = {
      lines: [
        {
          cn: '76011000',
          country: 'CN',
          sector: 'aluminium',
          netMass: '1000',
          direct: '1900',
          indirect: '0',
          total: '1900',
        },
        {
          cn: '72085120',
          country: 'CN',
          sector: 'iron_steel',
          netMass: '500',
          direct: '950',
          indirect: '0',
          total: '950',
          carbonPricePaid: [{ instrument: 'China ETS', price: '100', currency: 'CNY', coveredShare: '0.5' }],
        },
      ],
      totals: { total: '2850' },
      deMinimis: { exempt: false },
    };
    const r = await cost.owed(person(orgs.a, 'verifier'), orgs.a, 2026, { eurRates: { CNY: '0.128' } });
    // Price: (75.36 + 70 + 72.50 + 80.10) / 4 = 297.96 / 4 = 74.49 EUR.
    expect(r.price).toMatchObject({ eurPerCertificate: '74.49', periods: 4, complete: true });
    // Line 1: 1900 − 0.975 × 1.37 × 1000 = 1900 − 1335.75 = 564.25; line cost 564.25 × 74.49 = 42,030.9825 → 42,030.98
    expect(r.lines[0]).toMatchObject({
      freeAllocationAdjustment: '1335.75',
      carbonPriceDeduction: '0',
      certificates: '564.25',
      benchmark: '1.37',
      costEur: '42030.98',
    });
    // Line 2: no benchmark; 100 CNY × 0.128 = 12.80 EUR/t on half of 950 t:
    // 12.80 × 475 / 74.49 = 6080 / 74.49 = 81.621694…; 950 − 81.621694 = 868.378306
    expect(r.lines[1]).toMatchObject({
      freeAllocationAdjustment: '0',
      carbonPriceDeduction: '81.621694',
      certificates: '868.378306',
      benchmark: null,
    });
    // Total: 564.25 + 868.378306 = 1432.628306 → 1433 whole certificates; 1433 × 74.49 = 106,744.17 EUR.
    expect(r.totals).toMatchObject({
      embedded: '2850',
      certificatesExact: '1432.628306',
      certificatesToSurrender: '1433',
      costEur: '106744.17',
    });
    expect(r.timeline).toEqual({
      certificatesOnSaleFrom: '2027-02-01',
      declarationDue: '2027-09-30',
      surrenderBy: '2027-09-30',
    });
  });

  it('adjusts each line by the benchmark of the route its supplier states', async () => {
    declaration = {
      lines: [
        {
          cn: '76011000',
          country: 'CN',
          sector: 'aluminium',
          route: 'secondary',
          netMass: '100',
          total: '30',
        },
        { cn: '76011000', country: 'CN', sector: 'aluminium', route: null, netMass: '100', total: '190' },
      ],
      totals: { total: '220' },
      deMinimis: { exempt: false },
    };
    const r = await cost.owed(person(orgs.a, 'member'), orgs.a, 2026);
    // Secondary: 30 − 0.975 × 0.091 × 100 = 30 − 8.8725 = 21.1275; no route: 190 − 0.975 × 1.37 × 100 = 190 − 133.575 = 56.425
    expect(r.lines.map((l) => [l.route, l.freeAllocationAdjustment, l.certificates])).toEqual([
      ['secondary', '8.8725', '21.1275'],
      [null, '133.575', '56.425'],
    ]);
  });

  it('owes nothing when the importer is under the de-minimis threshold, and says why', async () => {
    declaration = {
      lines: [],
      totals: {},
      deMinimis: { exempt: true, explanation: '12 t of CBAM goods in 2026, at or under the 50 t threshold' },
    };
    const r = await cost.owed('system', orgs.a, 2026);
    expect(r).toMatchObject({
      exempt: true,
      exemptReason: '12 t of CBAM goods in 2026, at or under the 50 t threshold',
    });
    expect(r.totals).toMatchObject({ certificatesToSurrender: '0', costEur: '0.00' });
  });

  it('gives certificates without a cost when the org has no prices, and refuses other orgs', async () => {
    declaration = {
      lines: [{ cn: '76011000', country: 'CN', netMass: '1000', total: '1900' }],
      deMinimis: { exempt: false },
    };
    const r = await cost.owed(person(orgs.b, 'member'), orgs.b, 2026);
    expect(r.totals).toMatchObject({
      certificatesExact: '564.25',
      certificatesToSurrender: '565',
      costEur: null,
    });
    expect(r.notes.join(' ')).toMatch(/no EU ETS price imported for 2026/);
    await expect(cost.owed(person(orgs.b, 'admin'), orgs.a, 2026)).rejects.toMatchObject({ status: 403 });
    await expect(cost.owed('system', orgs.a, 2025)).rejects.toMatchObject({ status: 400, field: 'year' });
  });
});
