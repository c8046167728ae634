import type { OpenAPIHono } from '@hono/zod-openapi';
import { Command } from 'commander';
import type { Migration } from '../../db/index.js';
import type { Opener } from '../../kernel/cli.js';
import type { AppEnv } from '../../kernel/http.js';
import { article6Commands, article6Migrations, article6Routes, seedArticle6Demo } from './article6/index.js';
import {
  certificateMigrations,
  certificatesCommands,
  certificatesRoutes,
  seedCertificateDemo,
} from './certificates/index.js';
import type { RegistryDemoOrgs } from './context.js';
import { interopCommands, interopMigrations, interopRoutes } from './interop/index.js';
import { projectsCommands, projectsMigrations, projectsRoutes, seedProjectDemo } from './projects/index.js';
import type { RegistryServices } from './services.js';
import { supervisionCommands, supervisionMigrations, supervisionRoutes } from './supervision/index.js';
import { seedUnitDemo, unitCommands, unitMigrations, unitRoutes } from './units/index.js';

export { registryServices, type RegistryServices, type RegistryDeps } from './services.js';
export type { RegistryDemoOrgs } from './context.js';

/** The registry's migrations: the core (accounts, projects, blocks, transactions) first. */
export const registryMigrations: Migration[] = [
  ...unitMigrations,
  ...projectsMigrations,
  ...article6Migrations,
  ...interopMigrations,
  ...certificateMigrations,
  ...supervisionMigrations,
];

export function registryRoutes(app: OpenAPIHono<AppEnv>, services: RegistryServices): void {
  unitRoutes(app, services);
  projectsRoutes(app, services);
  article6Routes(app, services);
  interopRoutes(app, services);
  certificatesRoutes(app, services);
  supervisionRoutes(app, services);
}

/** `greentrade registry ...`: every registry operation. */
export function registryCli(open: Opener<{ registry: RegistryServices }>): Command {
  const group = new Command('registry').description(
    'Registry: carbon credits, Article 6, energy-attribute certificates, transfers between registries',
  );
  for (const make of [
    unitCommands,
    projectsCommands,
    article6Commands,
    interopCommands,
    certificatesCommands,
    supervisionCommands,
  ])
    for (const c of make(open)) group.addCommand(c);
  return group;
}

/** Demo data in dependency order: accounts, a registered project with issuances, an ITMO authorisation, certificates. */
export async function seedDemoRegistry(services: RegistryServices, orgs: RegistryDemoOrgs): Promise<void> {
  await seedUnitDemo(services, orgs);
  await seedProjectDemo(services, orgs);
  await seedArticle6Demo(services, orgs);
  await seedCertificateDemo(services, orgs);
}
