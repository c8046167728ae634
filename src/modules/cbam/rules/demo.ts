import type { CbamDemoOrgs } from '../context.js';
import type { CbamServices } from '../services.js';

/** The rules are shipped data, not demo data: make sure they are loaded before the other parts seed. */
export async function seedRulesDemo(services: CbamServices, _orgs: CbamDemoOrgs): Promise<void> {
  await services.rules.snapshot(2026);
}
