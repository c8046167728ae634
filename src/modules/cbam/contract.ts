// What the parts of the CBAM module offer one another. Each part implements its interface in its
// own folder; the others call it only through `CbamServices` (services.ts), never its insides.
import type { Principal } from '../../kernel/access.js';
import type { CalculationResult, CbamSector, CommunicationFile, InstallationData } from './model.js';

/** A signed-in caller, or the local operator (CLI, demo seeding). */
export type Viewer = Principal | 'system';

/** `greentrade cbam scope CN --json` and `GET /api/v1/cbam/scope/{cn}` answer exactly this. */
export interface ScopeAnswer {
  cn: string;
  inScope: boolean;
  sector: CbamSector | null;
  /** Why, in a sentence a declarant understands (which Annex I entry, which carve-out). */
  reason: string;
  /** The aggregated goods category the code falls in, when in scope. */
  goodsCategory?: string | null;
}

/** A Commission default value for a country and CN code in a year, with its mark-up applied. */
export interface DefaultValue {
  cn: string;
  country: string;
  year: number;
  /** t CO2e per t, before the mark-up. */
  baseDirect: string;
  baseIndirect: string;
  /** The mark-up for the year as a fraction (0.1 for 2026). */
  markup: string;
  /** t CO2e per t, with the mark-up: what a declaration uses. */
  direct: string;
  indirect: string;
  total: string;
  /** Where the base value is published. */
  source: string;
}

/**
 * The rules of one year, loaded once, read synchronously by the calculation. Everything that the
 * law sets (coverage of indirect emissions, mark-ups, free-allocation factors, thresholds) is data.
 */
export interface RulesSnapshot {
  year: number;
  /** The sector of an aggregated goods category, and its known routes; null when unknown. */
  category(goodsCategory: string): { sector: CbamSector; routes: string[] } | null;
  /** Whether indirect emissions count for a sector in this year. Direct always count. */
  countsIndirect(sector: CbamSector): boolean;
  /** The grid electricity factor of a country, t CO2/MWh, with its source; null when unknown. */
  gridFactor(country: string): { factor: string; source: string } | null;
  /** The default value for a country and CN code (falls back to the Commission's "other countries"). */
  defaultValue(country: string, cn: string): DefaultValue | null;
  /** Typical range of specific embedded emissions (t CO2e/t, direct) for a category and route. */
  plausibleRange(
    goodsCategory: string,
    route: string | null,
  ): { min: string; max: string; source: string } | null;
}

export interface CbamRules {
  scope(cn: string, asOf?: string): Promise<ScopeAnswer>;
  snapshot(year: number): Promise<RulesSnapshot>;
  /** The de-minimis threshold of a year: tonnes net mass per importer, and the sectors outside it. */
  deMinimis(
    year: number,
  ): Promise<{ thresholdTonnes: string | null; excludedSectors: CbamSector[]; source: string }>;
  /** The share of free allocation EU producers still receive (CBAM factor), 0–1, e.g. "0.975" in 2026. */
  freeAllocationShare(year: number): Promise<string>;
  /** The EU benchmark (t CO2e/t) a good's free-allocation adjustment is computed from; null when none. */
  benchmark(cn: string, route: string | null): Promise<{ value: string; source: string } | null>;
}

/** Installation data kept with every version; calculation is a pure function over data and rules. */
export interface InstallationSummary {
  id: string;
  orgId: string;
  name: string;
  country: string;
  version: number;
  reportingPeriod: { start: string; end: string };
  updatedAt: string;
}

export interface CbamInstallations {
  save(viewer: Viewer, orgId: string, data: unknown, id?: string): Promise<InstallationSummary>;
  get(
    viewer: Viewer,
    id: string,
    version?: number,
  ): Promise<InstallationSummary & { data: InstallationData }>;
  list(viewer: Viewer, orgId?: string): Promise<InstallationSummary[]>;
  /** The latest version's calculation, or a given version's (so a file matches the data it was issued from). */
  calculate(viewer: Viewer, id: string, version?: number): Promise<CalculationResult>;
  /** The calculation of data kept nowhere (a template an importer received filled in by hand). */
  calculateData(data: unknown): Promise<CalculationResult>;
}

export interface CbamCommunication {
  /** Calculates, signs, records in the ledger and stores the file for an installation's latest version. */
  issue(viewer: Viewer, installationId: string): Promise<CommunicationFile>;
  toXlsx(file: CommunicationFile): Promise<Buffer>;
  /** Reads a workbook laid out like the Commission's template (ours, or filled in by hand). */
  fromXlsx(bytes: Buffer): Promise<{ data: InstallationData; file: CommunicationFile | null }>;
  /** Checks a file's hash, signature and ledger entry; reasons name what fails. */
  verify(file: unknown): Promise<{ valid: boolean; reasons: string[]; publicKeyThumbprint: string | null }>;
}

export interface CbamImporter {
  /** A supplier file (JSON or XLSX): validated, signature checked, kept as a new version. */
  importSupplierFile(
    viewer: Viewer,
    orgId: string,
    bytes: Buffer,
    filename: string,
  ): Promise<{ id: string; supplier: string; version: number; installation: string; warnings: string[] }>;
  /** Shipments from a CSV (one transaction): reference,importDate,cn,countryOfOrigin,netMass,installation. */
  importShipments(viewer: Viewer, orgId: string, csv: string): Promise<{ imported: number }>;
  /** The annual declaration: per CN code and country, emissions embedded, defaults marked, de-minimis applied. */
  declaration(viewer: Viewer, orgId: string, year: number): Promise<unknown>;
  declarationXml(viewer: Viewer, orgId: string, year: number): Promise<string>;
}

export interface CbamCost {
  importPrices(viewer: Viewer, csv: string): Promise<{ imported: number }>;
  /** Certificates owed for a declaration year and their cost. */
  owed(viewer: Viewer, orgId: string, year: number): Promise<unknown>;
  projection(viewer: Viewer, input: unknown): Promise<unknown>;
}
