import type { ProductModelInput } from './model.js';
import type { ProductService } from './service.js';

/** The demo exporter's organisation (src/demo.ts). */
export const DEMO_PRODUCT_ORG = 'demo';

/** Hot-rolled coil, 1 t, China 2022: a supplier's slab footprint, gas, grid power with a GEC. */
export const DEMO_STEEL: ProductModelInput = {
  name: 'Hot-rolled steel coil 热轧钢卷',
  description: 'Demo: cradle-to-gate, 1 t, China 2022; shipped factors only.',
  declaredUnit: { amount: '1', unit: 't' },
  boundary: 'cradle-to-gate',
  year: 2022,
  region: 'CN',
  materials: [
    {
      name: 'Steel slab (supplier footprint)',
      amount: '1.03',
      unit: 't',
      supplierFootprint: {
        pcfExcludingBiogenic: '1850',
        declaredUnit: { amount: '1', unit: 't' },
        dataQuality: { technological: 1, temporal: 1, geographical: 1, completeness: 2, reliability: 2 },
        source: {
          supplier: 'Demo Steelworks 示范钢厂',
          footprintId: 'urn:uuid:5b0c1d2e-0000-4000-8000-000000000001',
          version: '1',
        },
      },
    },
    {
      name: 'Rolling oil and ferroalloys (spend)',
      amount: '40',
      unit: 'USD',
      factor: { key: 'useeio-v2.0/331110' },
    },
  ],
  energy: [
    {
      name: 'Reheating furnace, natural gas',
      carrier: 'fuel',
      amount: '1.2',
      unit: 'GJ',
      factor: { key: 'natural-gas.gj' },
    },
    {
      name: 'Rolling mill electricity',
      carrier: 'electricity',
      amount: '450',
      unit: 'kWh',
      instruments: [{ type: 'GEC', id: 'GEC-2022-000123', amount: '100', unit: 'kWh' }],
    },
  ],
  processEmissions: [{ name: 'Descaling (measured)', gas: 'CO2', amount: '25', measured: true }],
  exemptions: [{ description: 'Refractories and lubricants', sharePercent: '1' }],
};

/** A PV module, per item; the inputs are for a batch of 100 modules. */
export const DEMO_PV_MODULE: ProductModelInput = {
  name: 'PV module 550 W 光伏组件',
  description: 'Demo: cradle-to-gate, per module, from a batch of 100; China 2023.',
  declaredUnit: { amount: '100', unit: 'item' },
  boundary: 'cradle-to-gate',
  year: 2023,
  region: 'CN',
  materials: [
    {
      name: 'Solar cells (supplier footprint, per 100 cells)',
      amount: '14400',
      unit: 'item',
      supplierFootprint: {
        pcfExcludingBiogenic: '190',
        declaredUnit: { amount: '100', unit: 'item' },
        dataQuality: { technological: 1, temporal: 1, geographical: 1, completeness: 2, reliability: 1 },
        source: {
          supplier: 'Demo Cell Co. 示范电池片厂',
          footprintId: 'urn:uuid:5b0c1d2e-0000-4000-8000-000000000002',
          version: '3',
        },
      },
    },
    { name: 'Solar glass (spend)', amount: '2400', unit: 'USD', factor: { key: 'useeio-v2.0/327200' } },
    { name: 'Aluminium frames (spend)', amount: '1500', unit: 'USD', factor: { key: 'useeio-v2.0/331313' } },
  ],
  energy: [
    { name: 'Laminator and line electricity', carrier: 'electricity', amount: '1.8', unit: 'MWh' },
    { name: 'Curing oven, LPG', carrier: 'fuel', amount: '0.05', unit: 't', factor: { key: 'lpg.t' } },
  ],
  exemptions: [{ description: 'Junction-box potting compound', sharePercent: '0.5' }],
};

/**
 * Two demo product models of the demo exporter, each with a recorded footprint (so the pages,
 * the PDF report and the ledger have something to show). Skips a model whose name the
 * organisation already has, and does nothing without the organisation: safe on every start.
 */
export async function seedDemoProducts(products: ProductService, orgSlug = DEMO_PRODUCT_ORG): Promise<void> {
  const have = await products.db.query<{ name: string | null }>(
    `SELECT p.name FROM organisation o LEFT JOIN footprint_product p ON p.org_id = o.id WHERE o.slug = $1`,
    [orgSlug],
  );
  if (have.length === 0) return;
  const names = new Set(have.map((r) => r.name));
  for (const model of [DEMO_STEEL, DEMO_PV_MODULE]) {
    if (names.has(model.name)) continue;
    const p = await products.createProduct({ org: orgSlug, model }, 'system');
    await products.recordFootprint(p.id, 'system');
  }
}
