export { LedgerService, sha256, type Viewer, type ReferenceSource, type LedgerOptions } from './service.js';
export { ledgerRoutes } from './routes.js';
export { ledgerCli } from './cli.js';
export { ledgerMigrations } from './schema.js';
export { loadSigner, ephemeralSigner, signerOf, trustedKeysFrom, type LedgerSigner } from './keys.js';
export type { AppendInput, Appended, VerifyReport } from './model.js';
export * as ledgerLib from './lib/index.js';
