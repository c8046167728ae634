import type { Db } from '../../db/index.js';
import type { IdentityService } from '../identity/index.js';
import type { LedgerService } from '../ledger/index.js';
import { Article6Service } from './article6/index.js';
import { CertificateService } from './certificates/index.js';
import type { RegistryContext } from './context.js';
import { InteropService } from './interop/index.js';
import { ProjectService } from './projects/index.js';
import { SupervisionService } from './supervision/index.js';
import { UnitService } from './units/index.js';

/** The registry's parts; each talks to the others only through these services. */
export interface RegistryServices {
  context: RegistryContext;
  /** Accounts, unit blocks and serials, issuance, transfer, retirement, cancellation, buffer. */
  units: UnitService;
  /** Projects, monitoring reports and verification, issuance requests, quality controls, screening. */
  projects: ProjectService;
  /** Letters of authorisation, ITMOs, first transfer and corresponding adjustments, AEF reports. */
  article6: Article6Service;
  /** Transfers between two GreenTrade registries. */
  interop: InteropService;
  /** Energy-attribute certificates: GEC, I-REC, hourly granular certificates. */
  certificates: CertificateService;
  /** Public explorer, the regulator's read-only view and exports, retirement statements. */
  supervision: SupervisionService;
}

export interface RegistryDeps {
  db: Db;
  ledger: LedgerService;
  identity: IdentityService;
  registryCode: string;
  publicUrl: string;
  dataDir?: string;
}

export function registryServices(deps: RegistryDeps): RegistryServices {
  const units = new UnitService(deps.db, deps.ledger, deps.registryCode);
  const context: RegistryContext = { ...deps, units };
  return {
    context,
    units,
    projects: new ProjectService(context),
    article6: new Article6Service(context),
    interop: new InteropService(context),
    certificates: new CertificateService(context),
    supervision: new SupervisionService(context),
  };
}
