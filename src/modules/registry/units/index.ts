import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Command } from 'commander';
import type { Db } from '../../../db/index.js';
import type { Opener } from '../../../kernel/cli.js';
import { AppError } from '../../../kernel/errors.js';
import type { AppEnv } from '../../../kernel/http.js';
import type { LedgerService } from '../../ledger/index.js';
import type { RegistryDemoOrgs } from '../context.js';
import type { RegistryServices } from '../services.js';
import type { UnitEngine } from './contract.js';

export * from './contract.js';
export { unitMigrations } from './schema.js';

const todo = (): never => {
  throw new AppError('internal', 'the unit engine is not built yet');
};

// Skeleton: replaced by the unit engine.
export class UnitService implements UnitEngine {
  constructor(
    readonly db: Db,
    readonly ledger: LedgerService,
    readonly registryCode: string,
  ) {}
  issue = todo;
  move = todo;
  authorize = todo;
  blocksIn = todo;
  account = todo;
  ensureAccount = todo;
  addGuard = (): void => undefined;
  formatSerial = todo;
}

export function unitRoutes(_app: OpenAPIHono<AppEnv>, _services: RegistryServices): void {}

export function unitCommands(_open: Opener<{ registry: RegistryServices }>): Command[] {
  return [];
}

export async function seedUnitDemo(_services: RegistryServices, _orgs: RegistryDemoOrgs): Promise<void> {}
