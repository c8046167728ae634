export { RulesService } from './service.js';
export { rulesMigrations } from './schema.js';
export { rulesRoutes } from './routes.js';
export { rulesCommands } from './cli.js';
export { seedRulesDemo } from './demo.js';
