export { FactorService, type FactorRef } from './service.js';
export { factorMigrations } from './schema.js';
export { loadFactorData } from './reference.js';
export { factorRoutes } from './routes.js';
export { factorsCommand } from './cli.js';
export * from './model.js';
