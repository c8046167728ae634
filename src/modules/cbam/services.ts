import type { CbamDeps } from './context.js';
import { CommunicationService } from './communication/index.js';
import { CostService } from './cost/index.js';
import { ImporterService } from './importer/index.js';
import { InstallationService } from './installations/index.js';
import { RulesService } from './rules/index.js';

/** The CBAM module's parts; each talks to the others only through these services. */
export interface CbamServices {
  deps: CbamDeps;
  /** Scope by CN code, goods categories and routes, coverage, defaults, mark-ups, thresholds, factors. */
  rules: RulesService;
  /** Installations (the exporter's side): data, versions, attribution and embedded emissions. */
  installations: InstallationService;
  /** The communication file: JSON and the Commission's XLSX template, signed and ledger-recorded. */
  communication: CommunicationService;
  /** The importer's side: supplier files, shipments, report and annual declaration (XML). */
  importer: ImporterService;
  /** EU ETS prices, certificates owed and their cost, projection to 2034. */
  cost: CostService;
}

export function cbamServices(deps: CbamDeps): CbamServices {
  // Built in dependency order; each gets the services it calls.
  const rules = new RulesService(deps);
  const installations = new InstallationService(deps, rules);
  const communication = new CommunicationService(deps, rules, installations);
  const importer = new ImporterService(deps, rules, communication, installations);
  const cost = new CostService(deps, rules, importer);
  return { deps, rules, installations, communication, importer, cost };
}
