/** The projects part of the registry: projects, monitoring, issuance requests, quality controls, screening. */
export { projectsMigrations } from './schema.js';
export { ProjectService, maxOffsets, type Viewer, type ProjectView, type Controls } from './service.js';
export { projectsRoutes } from './routes.js';
export { projectsCommands } from './cli.js';
export { seedProjectDemo } from './demo.js';
export { trigramSimilarity, haversineKm } from './similarity.js';
