import type { OpenAPIHono } from '@hono/zod-openapi';
import { Command } from 'commander';
import type { Db } from '../../db/index.js';
import type { Opener } from '../../kernel/cli.js';
import type { AppEnv } from '../../kernel/http.js';
import type { LedgerService } from '../ledger/index.js';
import { FactorService, factorMigrations, factorRoutes, factorsCommand } from './factors/index.js';
import { ProductService, productMigrations, productRoutes, productCommands } from './products/index.js';

export { loadFactorData, FactorService, type Factor, type FactorRef } from './factors/index.js';
export { ProductService, seedDemoProducts } from './products/index.js';

/** The footprint module's services: the factor library and product footprints over it. */
export interface FootprintServices {
  factors: FactorService;
  products: ProductService;
}

export const footprintMigrations = [...factorMigrations, ...productMigrations];

export function footprintServices(db: Db, ledger: LedgerService): FootprintServices {
  const factors = new FactorService(db, ledger);
  return { factors, products: new ProductService(db, factors, ledger) };
}

export function footprintRoutes(app: OpenAPIHono<AppEnv>, services: FootprintServices): void {
  factorRoutes(app, services.factors);
  productRoutes(app, services.products);
}

/** `greentrade footprint ...`: the factor library and product footprints. */
export function footprintCli(open: Opener<{ footprint: FootprintServices }>): Command {
  const group = new Command('footprint').description(
    'Carbon footprints: the emission-factor library and product footprints',
  );
  group.addCommand(factorsCommand(open));
  for (const c of productCommands(open)) group.addCommand(c);
  return group;
}
