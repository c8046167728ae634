import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../kernel/paths.js';
import type { Principal } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import { identityAdmin } from '../../identity/index.js';
import { openTestPlatform } from '../../../testing/db.js';
import { FACTOR_CSV_COLUMNS } from '../factors/index.js';
import type { ProductModelInput } from './model.js';
import { resultHash } from './service.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let maker: Principal;
let outsider: Principal;
let makerOrg: string;

/** A release of hand-written factors, imported and published through the factor library. */
const csvRow = (cells: Record<string, string>) => FACTOR_CSV_COLUMNS.map((c) => cells[c] ?? '').join(',');
const TEST_FACTORS = [
  FACTOR_CSV_COLUMNS.join(','),
  csvRow({
    key: 'steel.sheet',
    name: 'Steel sheet',
    activity: 'material.steel',
    unit: 'kg',
    value: '1.85',
    region: 'GLO',
    year: '2022',
    gwp_set: 'AR6',
    source: 'hand-written',
    licence: 'CC0-1.0',
    dq_technological: '2',
    dq_temporal: '1',
  }),
  csvRow({
    key: 'truck.tkm',
    name: 'Truck',
    activity: 'transport.road',
    unit: 't·km',
    value: '0.1',
    region: 'GLO',
    year: '2022',
    gwp_set: 'AR6',
    source: 'hand-written',
    licence: 'CC0-1.0',
  }),
].join('\n');

const model = (over: Partial<ProductModelInput> = {}): ProductModelInput => ({
  name: 'Steel bracket',
  declaredUnit: { amount: '2', unit: 'item' },
  year: 2022,
  region: 'CN',
  materials: [
    {
      name: 'steel sheet',
      amount: '2',
      unit: 't',
      factor: { key: 'steel.sheet', release: 'test-materials' },
    },
  ],
  energy: [
    {
      name: 'grid power',
      carrier: 'electricity',
      amount: '1000',
      unit: 'kWh',
      instruments: [{ type: 'GEC', id: 'GEC-1', amount: '500', unit: 'kWh' }],
    },
  ],
  transport: [
    {
      name: 'coil to plant',
      mode: 'road',
      mass: '2',
      massUnit: 't',
      distance: '150',
      factor: { key: 'truck.tkm' },
    },
  ],
  ...over,
});

async function rejects(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  makerOrg = await identityAdmin.ensureOrg(platform.db, 'pcf-maker', 'PCF Maker');
  const otherOrg = await identityAdmin.ensureOrg(platform.db, 'pcf-other', 'PCF Other');
  maker = { kind: 'user', id: 'u-maker', name: 'Maker', memberships: [{ orgId: makerOrg, role: 'member' }] };
  outsider = {
    kind: 'user',
    id: 'u-other',
    name: 'Other',
    memberships: [{ orgId: otherOrg, role: 'admin' }],
  };
  await platform.footprint.factors.importRelease('system', {
    org: 'pcf-maker',
    slug: 'test-materials',
    version: '1',
    name: 'Test materials',
    format: 'csv',
    content: TEST_FACTORS,
    publish: true,
  });
});
afterAll(async () => platform?.dispose());

describe('ProductService', () => {
  it('calculates through the factor library: shipped grid factor, imported material factor', async () => {
    const { result } = await platform.footprint.products.calculate(model(), maker);
    // steel 2,000 kg × 1.85 = 3,700; truck 2 t × 150 km × 0.1 = 30;
    // grid (MEE 2022) 1,000 × 0.5366 = 536.6 location-based; market: 500 at 0 + 500 × 0.5366 = 268.3
    // total (market) 3,700 + 30 + 268.3 = 3,998.3 for 2 items: 1,999.15 per item
    expect(result.total).toBe('1999.15');
    expect(result.totalLocationBased).toBe('2133.3'); // (3,700 + 30 + 536.6) / 2
    expect(result.electricity.lines[0]!.gridFactor).toMatchObject({
      release: 'cn-mee-grid',
      value: '0.5366',
      year: 2022,
    });
    expect(result.electricity.lines[0]!.flags).toEqual([
      'no residual mix published for CN: grid factor used',
    ]);
    expect(result.factorsUsed.map((f) => `${f.release}@${f.releaseVersion}/${f.key}=${f.value}`)).toEqual([
      'test-materials@1/steel.sheet=1.85',
      'cn-mee-grid@2023/cn-national-average.2022=0.5366',
      'test-materials@1/truck.tkm=0.1',
    ]);
    // technological ratings, weighted by emissions per item: steel 2 (1,850), grid 1 (market 134.15), truck none (15):
    // (1,850 × 2 + 134.15 × 1) / 1,984.15 = 1.93239; covering 1,984.15 / 1,999.15 = 99.2497 %
    expect(result.dataQuality.technological).toEqual({ rating: '1.9324', coveragePercent: '99.2497' });
  });

  it('names a missing factor and an unknown grid by their model line', async () => {
    const missing = await rejects(
      platform.footprint.products.calculate(
        model({
          materials: [
            model().materials![0]!,
            { name: 'x', amount: '1', unit: 'kg', factor: { key: 'no.such' } },
          ],
        }),
        maker,
      ),
    );
    expect(missing.field).toBe('materials.1.factor');
    expect(missing.message).toMatch(/^materials\.1\.factor: no factor "no\.such"/);
    // another organisation does not see test-materials (it is pcf-maker's own)
    expect((await rejects(platform.footprint.products.calculate(model(), outsider))).field).toBe(
      'materials.0.factor',
    );
    const grid = await rejects(
      platform.footprint.products.calculate(
        model({
          energy: [{ name: 'p', carrier: 'electricity', amount: '1', unit: 'kWh', gridRegion: 'XX' }],
        }),
        maker,
      ),
    );
    expect(grid.field).toBe('energy.0.gridRegion');
  });

  it('records a footprint in the ledger, and recomputes it identically', async () => {
    const svc = platform.footprint.products;
    const p = await svc.createProduct({ model: model() }, maker);
    expect(p.org.slug).toBe('pcf-maker');
    const fp = await svc.recordFootprint(p.id, maker);
    expect(fp.total).toBe('1999.15');
    expect(fp.resultSha256).toBe(resultHash(fp.result));
    const entry = await platform.ledger.entry(fp.ledger.index, 'system');
    expect(entry.type).toBe('footprint.product');
    expect(entry.subject).toBe(fp.id);
    expect(entry.leafHash).toBe(fp.ledger.leafHash);
    expect(entry.body).toMatchObject({ resultSha256: fp.resultSha256, pcfExcludingBiogenic: '1999.15' });
    expect((entry.body as { factors: unknown[] }).factors).toContainEqual({
      release: 'cn-mee-grid',
      releaseVersion: '2023',
      key: 'cn-national-average.2022',
      value: '0.5366',
      unit: 'kWh',
    });
    const again = await svc.recompute(fp.id, maker);
    expect(again.identical).toBe(true);
    expect(again.recomputedSha256).toBe(fp.resultSha256);
    expect((await platform.ledger.verify()).ok).toBe(true);
    // the product shows its history; a new version of the model leaves the record as it was
    await svc.updateProduct(
      p.id,
      { model: model({ declaredUnit: { amount: '1', unit: 'item' } }), expectedVersion: 1 },
      maker,
    );
    const later = await svc.getProduct(p.id, maker);
    expect([later.version, later.history.length, later.history[0]!.total]).toEqual([2, 1, '1999.15']);
    expect(
      (await rejects(svc.updateProduct(p.id, { model: model(), expectedVersion: 1 }, maker))).status,
    ).toBe(409);
    expect((await svc.recompute(fp.id, maker)).identical).toBe(true);
  });

  it("hides another organisation's products and footprints (404)", async () => {
    const svc = platform.footprint.products;
    const p = await svc.createProduct({ org: 'pcf-maker', model: model() }, maker);
    const fp = await svc.recordFootprint(p.id, maker);
    expect((await rejects(svc.getProduct(p.id, outsider))).status).toBe(404);
    expect((await rejects(svc.getFootprint(fp.id, outsider))).status).toBe(404);
    expect((await rejects(svc.recordFootprint(p.id, outsider))).status).toBe(404);
    expect((await rejects(svc.createProduct({ org: 'pcf-maker', model: model() }, outsider))).status).toBe(
      404,
    );
    expect((await svc.listProducts(outsider)).map((x) => x.id)).not.toContain(p.id);
    expect((await svc.listProducts(maker)).map((x) => x.id)).toContain(p.id);
    // a verifier of the organisation reads but does not edit
    const reader: Principal = { ...maker, memberships: [{ orgId: makerOrg, role: 'verifier' }] };
    expect((await svc.getProduct(p.id, reader)).id).toBe(p.id);
    expect((await rejects(svc.recordFootprint(p.id, reader))).status).toBe(403);
  });

  it('writes a PDF report with the product and its total', async () => {
    const svc = platform.footprint.products;
    const p = await svc.createProduct({ model: model({ name: 'Report bracket' }) }, maker);
    const fp = await svc.recordFootprint(p.id, maker);
    const pdf = await svc.report(fp.id, maker);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('records a model of 400 distinct factors (the ledger entry keeps their hash, not the list)', async () => {
    const keys = readFileSync(join(packageRoot(), 'data', 'factors', 'useeio-v2.0-spend.csv'), 'utf8')
      .split('\n')
      .slice(1, 401)
      .map((l) => l.split(',')[0]!);
    expect(keys).toHaveLength(400);
    const svc = platform.footprint.products;
    const big = model({
      energy: [],
      transport: [],
      materials: keys.map((key, i) => ({ name: `spend ${i}`, amount: '10', unit: 'USD', factor: { key } })),
    });
    const p = await svc.createProduct({ model: big }, maker);
    const fp = await svc.recordFootprint(p.id, maker);
    expect(fp.result.factorsUsed).toHaveLength(400);
    const body = (await platform.ledger.entry(fp.ledger.index, 'system')).body as Record<string, unknown>;
    expect(body['factorCount']).toBe(400);
    expect(body['factorsSha256']).toMatch(/^[0-9a-f]{64}$/);
    expect((await svc.recompute(fp.id, maker)).identical).toBe(true);
  });
});
