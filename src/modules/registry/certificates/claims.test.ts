import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import { openTestPlatform } from '../../../testing/db.js';
import { identityAdmin } from '../../identity/index.js';
import { DEMO_CANCELLED_MWH, seedCertificateDemo } from './demo.js';

/**
 * A footprint's market-based electricity uses a cancelled GEC: the record claims it in its own
 * transaction, once. The demo data are seeded here for organisations of this test.
 */
let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let exporter: string;
let maker: Principal;
let cancellation: { id: string; serial: string; energyKWh: string };

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  exporter = await identityAdmin.ensureOrg(platform.db, 'cert-exporter', 'Exporter Co');
  const ops = await identityAdmin.ensureOrg(platform.db, 'cert-registry', 'Registry');
  await seedCertificateDemo(platform.registry, { exporter, operator: ops, verifier: ops, regulator: ops });
  maker = { kind: 'user', id: 'maker', name: 'maker', memberships: [{ orgId: exporter, role: 'admin' }] };
  const c = (await platform.registry.certificates.listCancellations(maker))[0]!;
  cancellation = { id: c.id, serial: c.serial, energyKWh: c.energyKWh };
});
afterAll(async () => platform?.dispose());

/** 1,000 kWh at the MEE China 2022 grid factor (0.5366 kg CO2/kWh), `kWh` of it under a GEC. */
const model = (name: string, id: string, kWh: string, type = 'GEC') => ({
  name,
  declaredUnit: { amount: '1', unit: 'item' },
  year: 2026,
  region: 'CN',
  energy: [
    {
      name: 'power',
      carrier: 'electricity',
      amount: '1000',
      unit: 'kWh',
      factor: { key: 'cn-national-average.2022' },
      instruments: [{ type, id, amount: kWh, unit: 'kWh' }],
    },
  ],
});

async function record(m: ReturnType<typeof model>) {
  const products = platform.footprint.products;
  const p = await products.createProduct({ org: exporter, model: m }, maker);
  return { product: p, record: () => products.recordFootprint(p.id, maker) };
}

describe('footprints claim cancelled certificates', () => {
  it('seeds the demo: 120 MWh of January 2026 GEC cancelled for the exporter', () => {
    expect(DEMO_CANCELLED_MWH).toBe('120');
    // 120 MWh = 120,000 kWh.
    expect(cancellation.energyKWh).toBe('120000');
    expect(cancellation.serial).toMatch(/^GTR-GEC-CN-CN\d{6}-202601-\d+-\d+$/);
  });

  it('records a footprint claiming a cancelled GEC, and its market-based figure uses it', async () => {
    const { record: rec } = await record(model('Inverter A', cancellation.serial, '600'));
    const fp = await rec();
    const line = fp.result.electricity.lines[0]!;
    expect(line.coveredKWh).toBe('600');
    // Market-based: 400 kWh uncovered × 0.5366 = 214.64 kg; the 600 kWh under the GEC count 0.
    expect(Number(line.marketBased)).toBeCloseTo(214.64, 9);
    // Location-based: 1,000 kWh × 0.5366 = 536.6 kg.
    expect(Number(line.locationBased)).toBeCloseTo(536.6, 9);
    const claims = await platform.registry.certificates.listClaims(maker);
    expect(claims).toHaveLength(1);
    expect(claims[0]).toMatchObject({ footprintId: fp.id, amountKWh: '600', serial: cancellation.serial });
    const c = await platform.registry.certificates.getCancellation(cancellation.id, maker);
    expect(c.claim?.footprintId).toBe(fp.id);
  });

  it('refuses a second footprint claiming the same certificate (409), writing nothing', async () => {
    const { product, record: rec } = await record(model('Inverter B', cancellation.id, '100'));
    const entriesBefore = await platform.db.query('SELECT idx FROM ledger_entry');
    let err: unknown;
    try {
      await rec();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    const e = err as AppError;
    expect(e.status).toBe(409);
    expect(e.field).toBe('energy.0.instruments.0.id');
    expect(e.message).toContain(cancellation.serial);
    expect(
      await platform.db.query('SELECT 1 FROM product_footprint WHERE product_id = $1', [product.id]),
    ).toHaveLength(0);
    expect(await platform.db.query('SELECT idx FROM ledger_entry')).toHaveLength(entriesBefore.length);
    expect(await platform.registry.certificates.listClaims(maker)).toHaveLength(1);
  });

  it('refuses a claim of our registry that names no cancellation, or of another scheme', async () => {
    const { record: missing } = await record(model('Inverter C', 'GTR-GEC-CN-CN999999-202601-1-1', '1'));
    await expect(missing()).rejects.toMatchObject({ status: 404, field: 'energy.0.instruments.0.id' });
    const { record: wrongType } = await record(model('Inverter D', cancellation.serial, '1', 'I-REC'));
    await expect(wrongType()).rejects.toMatchObject({ status: 400, field: 'energy.0.instruments.0.id' });
  });

  it("refuses another organisation's footprint naming the cancellation (403)", async () => {
    const other = await identityAdmin.ensureOrg(platform.db, 'cert-other', 'Other Co');
    const stranger: Principal = {
      kind: 'user',
      id: 'stranger',
      name: 'stranger',
      memberships: [{ orgId: other, role: 'admin' }],
    };
    const products = platform.footprint.products;
    const p = await products.createProduct(
      { org: other, model: model('Inverter F', cancellation.serial, '1') },
      stranger,
    );
    await expect(products.recordFootprint(p.id, stranger)).rejects.toMatchObject({
      status: 403,
      field: 'energy.0.instruments.0.id',
    });
  });

  it('leaves instruments of other registries alone: recorded as external instruments', async () => {
    const { record: rec } = await record(model('Inverter E', 'IREC-EVIDENT-0001-2026', '300', 'I-REC'));
    const fp = await rec();
    expect(fp.result.electricity.lines[0]!.coveredKWh).toBe('300');
    expect(await platform.registry.certificates.listClaims(maker)).toHaveLength(1);
  });
});
