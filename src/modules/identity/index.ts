export { IdentityService, admin as identityAdmin } from './service.js';
export { identityRoutes, SESSION_COOKIE } from './routes.js';
export { identityMigrations } from './schema.js';
export { identityCli } from './cli.js';
