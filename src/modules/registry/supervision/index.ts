import type { Migration } from '../../../db/index.js';
import type { RegistryDemoOrgs } from '../context.js';
import type { RegistryServices } from '../services.js';

export { SupervisionService, retirementFacts, SUPERVISOR_ROLES, type Viewer, type Paged } from './service.js';
export { checkInvariants, FINAL_KINDS } from './invariants.js';
export { supervisionRoutes } from './routes.js';
export { supervisionCommands, invariantText } from './cli.js';
export { renderStatement } from './statement.js';
export type { InvariantReport, RegulatorOverview, ExplorerRetirementDetail } from './model.js';

/** Supervision only reads the registry: it has no table of its own. */
export const supervisionMigrations: Migration[] = [];

/** Nothing to seed: the explorer shows what the other parts' demo data wrote. */
export async function seedSupervisionDemo(
  _services: RegistryServices,
  _orgs: RegistryDemoOrgs,
): Promise<void> {}
