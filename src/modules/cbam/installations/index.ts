export { InstallationService } from './service.js';
export { installationsMigrations } from './schema.js';
export { installationsRoutes } from './routes.js';
export { installationsCommands } from './cli.js';
export { seedInstallationDemo } from './demo.js';
