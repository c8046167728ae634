export { ProductService } from './service.js';
export { productMigrations } from './schema.js';
export { productRoutes } from './routes.js';
export { productCommands } from './cli.js';
