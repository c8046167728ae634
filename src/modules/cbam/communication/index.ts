export { CommunicationService } from './service.js';
export { communicationMigrations } from './schema.js';
export { communicationRoutes } from './routes.js';
export { communicationCommands } from './cli.js';
export { seedCommunicationDemo } from './demo.js';
