export { CostService } from './service.js';
export { costMigrations } from './schema.js';
export { costRoutes } from './routes.js';
export { costCommands } from './cli.js';
export { seedCostDemo } from './demo.js';
