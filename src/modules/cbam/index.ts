import type { OpenAPIHono } from '@hono/zod-openapi';
import { Command } from 'commander';
import type { Migration } from '../../db/index.js';
import type { Opener } from '../../kernel/cli.js';
import type { AppEnv } from '../../kernel/http.js';
import {
  communicationCommands,
  communicationMigrations,
  communicationRoutes,
  seedCommunicationDemo,
} from './communication/index.js';
import type { CbamDemoOrgs } from './context.js';
import { costCommands, costMigrations, costRoutes, seedCostDemo } from './cost/index.js';
import { importerCommands, importerMigrations, importerRoutes, seedImporterDemo } from './importer/index.js';
import {
  installationsCommands,
  installationsMigrations,
  installationsRoutes,
  seedInstallationDemo,
} from './installations/index.js';
import { rulesCommands, rulesMigrations, rulesRoutes, seedRulesDemo } from './rules/index.js';
import type { CbamServices } from './services.js';

export { cbamServices, type CbamServices } from './services.js';
export type { CbamDeps, CbamDemoOrgs } from './context.js';
export type { ScopeAnswer } from './contract.js';

/** The CBAM module's migrations, in dependency order. */
export const cbamMigrations: Migration[] = [
  ...rulesMigrations,
  ...installationsMigrations,
  ...communicationMigrations,
  ...importerMigrations,
  ...costMigrations,
];

export function cbamRoutes(app: OpenAPIHono<AppEnv>, services: CbamServices): void {
  rulesRoutes(app, services);
  installationsRoutes(app, services);
  communicationRoutes(app, services);
  importerRoutes(app, services);
  costRoutes(app, services);
}

/** `greentrade cbam ...`: scope, installation calculation, communication files, declaration, cost. */
export function cbamCli(open: Opener<{ cbam: CbamServices }>): Command {
  const group = new Command('cbam').description(
    "EU CBAM: scope by CN code, installations' embedded emissions, communication files, the importer's declaration and certificate cost",
  );
  for (const make of [
    rulesCommands,
    installationsCommands,
    communicationCommands,
    importerCommands,
    costCommands,
  ])
    for (const c of make(open)) group.addCommand(c);
  return group;
}

/** Demo data in dependency order: rules data, an installation with its file, the importer's shipments, prices. */
export async function seedDemoCbam(services: CbamServices, orgs: CbamDemoOrgs): Promise<void> {
  await seedRulesDemo(services, orgs);
  await seedInstallationDemo(services, orgs);
  await seedCommunicationDemo(services, orgs);
  await seedImporterDemo(services, orgs);
  await seedCostDemo(services, orgs);
}
