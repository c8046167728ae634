import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import { openTestPlatform } from '../../../testing/db.js';
import { identityAdmin } from '../../identity/index.js';
import { DEMO_INSTALLATION } from './demo.js';
import { installation } from './testing.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let orgA: string;
let orgB: string;
const user = (orgId: string, role: Principal['memberships'][number]['role'] = 'member'): Principal => ({
  kind: 'user',
  id: `u-${orgId}-${role}`,
  name: `user of ${orgId}`,
  memberships: [{ orgId, role }],
});

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  orgA = await identityAdmin.ensureOrg(platform.db, 'inst-a', 'Installation Org A');
  orgB = await identityAdmin.ensureOrg(platform.db, 'inst-b', 'Installation Org B');
});
afterAll(async () => platform?.dispose());

const svc = () => platform.cbam.installations;

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

// A small cement works: 10 000 t clinker at 0.89177 direct (as in calc.test.ts worked example 1,
// here with 10 000 t and emissions a tenth: 8 917.7 t CO2e as other direct emissions).
const cementWorks = (name = 'Cement Works') =>
  installation({
    installation: { name, operator: 'Op', country: 'TR' },
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
  });

describe('installations: versions and organisations', () => {
  it('saves, keeps every version, lists the latest, and calculates a chosen version', async () => {
    const a = user(orgA);
    const v1 = await svc().save(a, 'inst-a', cementWorks());
    expect(v1).toMatchObject({ orgId: orgA, name: 'Cement Works', country: 'TR', version: 1 });
    const d2 = cementWorks('Cement Works (renamed)');
    // 9 000 t CO2e / 10 000 t = 0.9.
    d2.processes[0]!.otherDirectEmissions = '9000';
    const v2 = await svc().save(a, orgA, d2, v1.id);
    expect(v2).toMatchObject({ id: v1.id, version: 2, name: 'Cement Works (renamed)' });

    const latest = await svc().get(a, v1.id);
    expect(latest.version).toBe(2);
    expect(latest.versions.map((v) => v.version)).toEqual([2, 1]);
    const first = await svc().get(a, v1.id, 1);
    expect(first.data.installation.name).toBe('Cement Works');
    // 8 917.7 / 10 000 = 0.89177 for version 1; 0.9 for version 2.
    expect((await svc().calculate(a, v1.id, 1)).processes[0]!.seeDirect).toBe('0.89177');
    expect((await svc().calculate(a, v1.id)).processes[0]!.seeDirect).toBe('0.9');
    const list = await svc().list(a);
    expect(list.map((i) => [i.id, i.version])).toEqual([[v1.id, 2]]);
    expect((await refusal(svc().get(a, v1.id, 3))).field).toBe('version');
  });

  it('answers another organisation’s installations as unknown', async () => {
    const mine = await svc().save(user(orgA), 'inst-a', cementWorks('Mine'));
    const b = user(orgB);
    const e = await refusal(svc().get(b, mine.id));
    expect(e.code).toBe('not_found');
    expect((await refusal(svc().calculate(b, mine.id))).code).toBe('not_found');
    expect((await refusal(svc().save(b, 'inst-b', cementWorks(), mine.id))).code).toBe('not_found');
    expect((await refusal(svc().save(b, 'inst-a', cementWorks()))).code).toBe('not_found');
    expect((await refusal(svc().list(b, 'inst-a'))).code).toBe('not_found');
    expect((await svc().list(b)).map((i) => i.id)).not.toContain(mine.id);
    // A verifier of the organisation reads but does not write.
    const verifier = user(orgA, 'verifier');
    expect((await svc().get(verifier, mine.id)).id).toBe(mine.id);
    expect((await refusal(svc().save(verifier, 'inst-a', cementWorks()))).code).toBe('forbidden');
    // The local operator sees everything.
    expect((await svc().get('system', mine.id)).orgId).toBe(orgA);
  });

  it('refuses bad data naming the field, and writes nothing', async () => {
    const before = await platform.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM cbam_installation_version',
    );
    const bad = cementWorks();
    bad.processes[0]!.production = 'ten';
    const schema = await refusal(svc().save(user(orgA), 'inst-a', bad));
    expect(schema.field).toBe('processes.0.production');

    const outOfScope = cementWorks();
    // 8703 23: motor cars, not a CBAM good.
    outOfScope.processes[0]!.cnCodes = ['25231000', '87032319'];
    const scope = await refusal(svc().save(user(orgA), 'inst-a', outOfScope));
    expect(scope.field).toBe('processes.0.cnCodes.1');
    expect(scope.message).toMatch(/not in Annex I/);

    const loop = cementWorks();
    loop.processes[0]!.precursors = [{ from: 'process:kiln', mass: '1' }];
    expect((await refusal(svc().save(user(orgA), 'inst-a', loop))).message).toContain('kiln → kiln');

    const after = await platform.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM cbam_installation_version',
    );
    expect(after[0]!.n).toBe(before[0]!.n);
  });
});

describe('gaps in the rules data', () => {
  it('keep the data (a save goes through) and the calculation names the gap', async () => {
    // Antarctica (AQ) has no grid factor in the shipped rules: grid electricity there cannot be valued.
    const d = cementWorks('Research Station Kiln');
    d.installation.country = 'AQ';
    d.energyFlows = [{ process: 'kiln', kind: 'electricity', direction: 'consumed', quantity: '10' }];
    const saved = await svc().save(user(orgA), 'inst-a', d);
    expect(saved.version).toBe(1);
    const e = await refusal(svc().calculate(user(orgA), saved.id));
    expect(e.field).toBe('energyFlows.0.electricitySource');
    expect(e.message).toContain('no grid emission factor for AQ');
    expect((await refusal(svc().check(d))).field).toBe('energyFlows.0.electricitySource');
  });
});

describe('the demo steel works (BF-BOF, CN), with the shipped rules of 2026', () => {
  it('calculates pig iron, crude steel (about 2 t/t) and hot-rolled products', async () => {
    const saved = await svc().save('system', orgA, DEMO_INSTALLATION);
    const r = await svc().calculate('system', saved.id);
    const rules = await platform.cbam.rules.snapshot(2026);
    const femn = rules.defaultValue('CN', '72021120');
    expect(femn, 'the rules data has a default for ferro-manganese (CN 7202 11 20)').not.toBeNull();
    const grid = rules.gridFactor('CN')!;
    const [bf, bof, hsm] = r.processes;
    // Blast furnace: coke 900 000 × 28.2 × 107 / 1000 = 2 715 660; PCI 350 000 × 25.8 × 94.6 / 1000
    // = 854 238; breeze 130 000 × 28.2 × 107 / 1000 = 392 262; limestone 450 000 × 0.44 = 198 000;
    // sum 4 160 160 t CO2 / 2 000 000 t = 2.08008.
    expect(bf!.directEmissions).toBe('4160160');
    expect(bf!.seeDirect).toBe('2.08008');
    // BOF: natural gas 75 000 × 48 × 56.1 / 1000 = 201 960 × 0.4 = 80 784; flux 60 000 × 0.44 = 26 400;
    // own 107 184; hot metal 2 000 000 × 2.08008 = 4 160 160; FeMn 15 000 × default direct.
    const bofDirect = new Decimal(107184)
      .plus(4160160)
      .plus(new Decimal(15000).times(femn!.direct))
      .dividedBy(2200000);
    expect(bof!.directEmissions).toBe('107184');
    expect(bof!.seeDirect).toBe(bofDirect.toDecimalPlaces(6).toString());
    expect(Number(bof!.seeDirect)).toBeGreaterThan(1.9);
    expect(Number(bof!.seeDirect)).toBeLessThan(2.1);
    // Hot strip mill: 201 960 × 0.6 = 121 176 own; slabs 2 150 000 × SEE(BOF); over 2 100 000 t.
    const hsmDirect = new Decimal(121176).plus(bofDirect.times(2150000)).dividedBy(2100000);
    expect(hsm!.seeDirect).toBe(hsmDirect.toDecimalPlaces(6).toString());
    // Grid electricity: blast furnace 200 000 MWh × grid factor / 2 000 000 t.
    expect(bf!.seeIndirect).toBe(
      new Decimal(200000).times(grid.factor).dividedBy(2000000).toDecimalPlaces(6).toString(),
    );
    // Steel: indirect not counted in 2026; the FeMn default makes the steel goods 'default'.
    expect(hsm!.seeTotal).toBe(hsm!.seeDirect);
    expect(r.goods.filter((g) => g.process === 'hot-strip-mill').map((g) => [g.cn, g.source])).toEqual([
      ['72081000', 'default'],
      ['72082500', 'default'],
      ['72083900', 'default'],
    ]);
    expect(r.goods.find((g) => g.process === 'blast-furnace')!.source).toBe('actual');
    expect(r.warnings).toEqual([]);
  });
});
