// SKELETON (the PACT-client engineer fills it in): pulling suppliers' footprints over PACT.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Command } from 'commander';
import type { Db, Migration } from '../../../db/index.js';
import type { Opener } from '../../../kernel/cli.js';
import type { AppEnv } from '../../../kernel/http.js';
import type { ProductService } from '../../footprint/index.js';

export interface PactClientDeps {
  products: ProductService;
}

export class PactClientService {
  constructor(
    readonly db: Db,
    readonly deps: PactClientDeps,
  ) {}
}

export const pactClientMigrations: Migration[] = [];

/** Routes under /api/v1/exchange/connections... */
export function pactClientRoutes(_app: OpenAPIHono<AppEnv>, _svc: PactClientService): void {}

/** Sub-commands of `greentrade pact` (connect, pull, request...). */
export function pactClientCommands(_open: Opener<{ exchange: { client: PactClientService } }>): Command[] {
  return [];
}
