import type { Db } from '../../db/index.js';
import type { PactHostService } from './service.js';

/** Product classification URNs of the demo products (HS 2022 subheadings). */
const DEMO_OPTIONS: Record<string, { classifications: string[]; productMassPerDeclaredUnit?: string }> = {
  'Hot-rolled steel coil 热轧钢卷': { classifications: ['urn:pact:productclassification:hs:720839'] },
  // Demo value: a 550 W module of 2278 × 1134 mm weighs about 28 kg.
  'PV module 550 W 光伏组件': {
    classifications: ['urn:pact:productclassification:hs:854143'],
    productMassPerDeclaredUnit: '28',
  },
};

/**
 * Publishes the demo organisation's recorded footprints that are not yet published (one per
 * product: the newest), so that a fresh start answers ListFootprints at once. Safe on every start.
 */
export async function seedDemoPact(db: Db, host: PactHostService, orgSlug = 'demo'): Promise<string[]> {
  const rows = await db.query<{ footprint_id: string; name: string }>(
    `SELECT DISTINCT ON (p.id) f.id AS footprint_id, p.name
     FROM footprint_product p JOIN organisation o ON o.id = p.org_id JOIN product_footprint f ON f.product_id = p.id
     WHERE o.slug = $1 AND NOT EXISTS (SELECT 1 FROM pact_publication x WHERE x.product_id = p.id)
     ORDER BY p.id, f.created_at DESC`,
    [orgSlug],
  );
  const published: string[] = [];
  for (const r of rows.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = await host.publish(r.footprint_id, DEMO_OPTIONS[r.name] ?? {}, 'system');
    published.push(p.id);
  }
  return published;
}
