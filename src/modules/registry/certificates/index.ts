export { certificateMigrations } from './schema.js';
export { CertificateService, type InstrumentClaim } from './service.js';
export { certificatesRoutes } from './routes.js';
export { certificatesCommands } from './cli.js';
export { seedCertificateDemo } from './demo.js';
export { SCHEMES, formatSerial } from './model.js';
