export { ImporterService } from './service.js';
export { importerMigrations } from './schema.js';
export { importerRoutes } from './routes.js';
export { importerCommands } from './cli.js';
export { seedImporterDemo } from './demo.js';
