import type { Db } from '../../db/index.js';
import type { ClassificationService } from '../classification/index.js';
import type { IdentityService } from '../identity/index.js';
import type { LedgerService } from '../ledger/index.js';

/** What every part of the CBAM module is built with. */
export interface CbamDeps {
  db: Db;
  ledger: LedgerService;
  identity: IdentityService;
  /** The CBAM list (`cbam-annex-i`) and the HS nomenclature, for scope. */
  classification: ClassificationService;
  /** Where key files live (the communication part's signing-key cipher); default GREENTRADE_DATA_DIR. */
  dataDir?: string;
}

/** Organisations the demo data is seeded for: the exporting installation's and the EU importer's. */
export interface CbamDemoOrgs {
  exporter: string;
  importer: string;
}
