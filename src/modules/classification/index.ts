export { ClassificationService, listVersionReferences, type Viewer } from './service.js';
export { classificationRoutes } from './routes.js';
export { classificationCli, classifyCommand } from './cli.js';
export { classificationMigrations } from './schema.js';
export { loadReferenceData, REFERENCE_ORG } from './reference.js';
export { classifyFile } from './classify-file.js';
