// The PACT client: pulling suppliers' footprints over PACT (docs/pact-client.md).
export {
  PactClientService,
  newestSuccessor,
  type PactClientDeps,
  type ConnectionView,
  type PulledView,
} from './service.js';
export { pactClientMigrations } from './schema.js';
export { pactClientRoutes } from './routes.js';
export { pactClientCommands } from './cli.js';
export { DEFAULT_RESILIENCE, type Resilience } from './http.js';
export { ProductFootprintV3, ProductFootprintV2, EVENT_TYPES_V3 } from './pact-model.js';
