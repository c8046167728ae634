export { RulesService, CBAM_LIST, SCOPE_BATCH_MAX, formatCn, normalizeCn } from './service.js';
export { YearRules, type GoodsCategoryView } from './snapshot.js';
export { loadCbamRules, readRuleFiles } from './reference.js';
export { rulesMigrations } from './schema.js';
export { rulesRoutes } from './routes.js';
export { rulesCommands } from './cli.js';
export { seedRulesDemo } from './demo.js';
