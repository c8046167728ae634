export { ProductService, footprintReferences, resultHash, type InstrumentClaimer } from './service.js';
export { productMigrations } from './schema.js';
export { productRoutes } from './routes.js';
export { productCommands } from './cli.js';
export { seedDemoProducts } from './demo.js';
export { calculate, type ResolvedFactors } from './calculate.js';
export { ProductModel, parseProductModel } from './model.js';
export { FootprintResult } from './result.js';
