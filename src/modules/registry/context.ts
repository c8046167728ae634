import type { Db } from '../../db/index.js';
import type { IdentityService } from '../identity/index.js';
import type { LedgerService } from '../ledger/index.js';
import type { UnitEngine } from './units/contract.js';

/** What every part of the registry is built with. */
export interface RegistryContext {
  db: Db;
  ledger: LedgerService;
  identity: IdentityService;
  units: UnitEngine;
  /** This registry's code (GREENTRADE_REGISTRY_CODE): in serials and between registries. */
  registryCode: string;
  /** Where others reach this server: links in retirement statements, the peer-registry protocol. */
  publicUrl: string;
  /** Data directory, for keys kept on disk (peer-registry credentials). */
  dataDir?: string;
}

/** Organisations the demo data is seeded for. */
export interface RegistryDemoOrgs {
  exporter: string;
  operator: string;
  verifier: string;
  regulator: string;
}
