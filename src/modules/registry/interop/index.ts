import type { RegistryDemoOrgs } from '../context.js';
import type { RegistryServices } from '../services.js';

export { interopMigrations } from './schema.js';
export { InteropService, PeerError, type Transport, type Viewer } from './service.js';
export { interopRoutes } from './routes.js';
export { interopCommands } from './cli.js';
export { verifyMessage, canonical } from './crypto.js';
export {
  PROTOCOL,
  type AnswerMessage,
  type TransferMessage,
  type ExportView,
  type ImportView,
} from './model.js';

/** Nothing to seed: a single demo server has no peer (the page explains how to connect one). */
export async function seedInteropDemo(_services: RegistryServices, _orgs: RegistryDemoOrgs): Promise<void> {}
