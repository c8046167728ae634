import { readFileSync } from 'node:fs';
import { dataFile } from '../../../kernel/paths.js';
import type { CbamDemoOrgs } from '../context.js';
import type { CbamServices } from '../services.js';

/** The demo price series: Q1 2026 as published, Q2–Q4 illustrative (see the file's comments). */
export const DEMO_PRICES_FILE = dataFile('cbam', 'ets-prices-demo.csv');

/** The EU importer's price series, so that its cost page shows a cost from the start. */
export async function seedCostDemo(services: CbamServices, orgs: CbamDemoOrgs): Promise<void> {
  await services.cost.importPrices('system', readFileSync(DEMO_PRICES_FILE, 'utf8'), orgs.importer);
}
