import type { Migration } from '../../db/index.js';
import { pactClientMigrations } from './client/index.js';
import { exchangeHostMigrations } from './schema.js';

export {
  PactHostService,
  type PactHostHooks,
  type OutboundEvent,
  type RequestView,
  type PublicationView,
} from './service.js';
export { pactRoutes } from './routes.js';
export { pactHostApiRoutes } from './api.js';
export { pactHostCommands } from './cli.js';
export { seedDemoPact } from './demo.js';
export { ProductFootprintV3, ProductFootprintV2, EVENT_TYPES_V2, EVENT_TYPES_V3 } from './model.js';
export {
  PactClientService,
  pactClientMigrations,
  pactClientRoutes,
  pactClientCommands,
} from './client/index.js';

/** The exchange module's migrations: the host's, then the client's. */
export const exchangeMigrations: Migration[] = [...exchangeHostMigrations, ...pactClientMigrations];
