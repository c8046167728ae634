import { Decimal } from 'decimal.js';
import { AppError } from '../../kernel/errors.js';
import type { ProductService } from '../footprint/index.js';
import type {
  CarbonFootprintV2,
  CarbonFootprintV3,
  ProductFootprintV2,
  ProductFootprintV3,
  PublishOptions,
} from './model.js';
import { dec, pactUnit } from './units.js';

/** The calculation result of a recorded footprint (the footprint module's FootprintResult). */
type FootprintResult = Awaited<ReturnType<ProductService['getFootprint']>>['result'];

/** What mapping needs of a recorded GreenTrade footprint (FootprintView, narrowed). */
export interface RecordedFootprint {
  id: string;
  productId: string;
  model: {
    name: string;
    description?: string | undefined;
    declaredUnit: { unit: string };
    year: number;
    region: string;
    boundary: string;
  };
  result: FootprintResult;
  ledger: { index: number };
}

export interface PublicationFacts {
  id: string;
  created: Date;
  precedingPfIds: string[];
  org: { id: string; name: string };
}

export const SPEC_V3 = '3.0.0';
export const SPEC_V2 = '2.3.0';

/** Our URNs: organisations and products are UUIDs, so RFC 4122 `urn:uuid:` names them exactly. */
export const companyUrn = (orgId: string) => `urn:uuid:${orgId}`;
export const productUrn = (productId: string) => `urn:uuid:${productId}`;

const iso = (d: Date) => d.toISOString().replace(/\.000Z$/, 'Z');
const yearStart = (y: number) => `${String(y).padStart(4, '0')}-01-01T00:00:00Z`;

/** GreenTrade's method standards as PACT v3 `crossSectoralStandards` values. */
function standardsV3(standards: string[]): string[] {
  const out = new Set<string>();
  for (const s of standards) {
    if (/14067/.test(s)) out.add('ISO14067');
    else if (/GHG Protocol Product/i.test(s)) out.add('GHGP-Product');
    else if (/1404[04]/.test(s)) out.add('ISO14040-44');
  }
  return out.size > 0 ? [...out] : ['ISO14067'];
}
function standardsV2(
  standards: string[],
): ('GHG Protocol Product standard' | 'ISO Standard 14067' | 'ISO Standard 14044')[] {
  const out = new Set<'GHG Protocol Product standard' | 'ISO Standard 14067' | 'ISO Standard 14044'>();
  for (const s of standards) {
    if (/14067/.test(s)) out.add('ISO Standard 14067');
    else if (/GHG Protocol Product/i.test(s)) out.add('GHG Protocol Product standard');
    else if (/14044/.test(s)) out.add('ISO Standard 14044');
  }
  return out.size > 0 ? [...out] : ['ISO Standard 14067'];
}

/** The stages that carry emissions, largest first: what the boundary covers, in words. */
function boundaryDescription(fp: RecordedFootprint): string {
  const stages = fp.result.byStage
    .filter((s) => !new Decimal(s.emissions).isZero())
    .map((s) => `${s.stage} ${new Decimal(s.sharePercent).toDecimalPlaces(1).toFixed()}%`);
  const kind = fp.model.boundary === 'cradle-to-grave' ? 'Cradle-to-grave' : 'Cradle-to-gate';
  return `${kind}. Stages (share of the PCF): ${stages.join(', ') || 'none'}. Electricity market-based (GHG Protocol Scope 2).`;
}

function secondarySources(result: FootprintResult): { name: string; version: string }[] {
  const seen = new Map<string, { name: string; version: string }>();
  for (const f of result.factorsUsed) {
    const key = `${f.release}\u0000${f.releaseVersion}`;
    if (!seen.has(key) && f.release && f.releaseVersion)
      seen.set(key, { name: f.release, version: f.releaseVersion });
  }
  return [...seen.values()];
}

/** The three (v3) or five (v2) DQR ratings, when all are rated; a partial set is left out. */
function ratings(result: FootprintResult) {
  const q = result.dataQuality;
  const r = (x: { rating: string | null }) => (x.rating === null ? null : new Decimal(x.rating));
  return {
    technological: r(q.technological),
    temporal: r(q.temporal),
    geographical: r(q.geographical),
    completeness: r(q.completeness),
    reliability: r(q.reliability),
    coverage: new Decimal(q.technological.coveragePercent),
  };
}

/**
 * Maps a recorded footprint to PACT v3. Field by field (docs/pact.md has the table):
 * - pcfExcludingBiogenicUptake = GreenTrade total (which excludes biogenic CO2 emissions) +
 *   biogenic CO2 emissions: v3 counts biogenic emissions in, and leaves out only the uptake;
 * - pcfIncludingBiogenicUptake = GreenTrade pcfIncludingBiogenic (total + biogenic − removals);
 * - biogenicCO2Uptake = −removals (removals are negative numbers in PACT);
 * - fossilGhgEmissions, landUseChangeGhgEmissions, aircraftGhgEmissions: as calculated.
 */
export function toPactV3(
  fp: RecordedFootprint,
  pub: PublicationFacts,
  opts: PublishOptions,
): ProductFootprintV3 {
  const r = fp.result;
  const unit = pactUnit(fp.model.declaredUnit.unit);
  if (!unit)
    throw new AppError(
      'bad_request',
      `declaredUnit: PACT has no declared unit for "${fp.model.declaredUnit.unit}" (use kg, t, l, m3, m2, kWh, MWh, MJ, GJ, t·km, item or h)`,
      { field: 'declaredUnit' },
    );
  const mass = unit.massKg ?? (unit.massless ? new Decimal(0) : opts.productMassPerDeclaredUnit);
  if (mass === undefined)
    throw new AppError(
      'bad_request',
      `productMassPerDeclaredUnit: required for a footprint per ${fp.model.declaredUnit.unit} (kg of product per declared unit)`,
      { field: 'productMassPerDeclaredUnit' },
    );
  const biogenic = new Decimal(r.biogenicEmissions);
  const removals = new Decimal(r.biogenicRemovals);
  const q = ratings(r);
  const sources = secondarySources(r);
  const refEnd = yearStart(fp.model.year + 1);
  const validityStart = opts.validityPeriodStart ?? refEnd;
  const validityEnd = opts.validityPeriodEnd ?? iso(addYears(new Date(validityStart), 3));
  const exempt = r.exemptions.items.map((e) => `${e.description} (${e.sharePercent}%)`).join('; ');
  const gwp =
    r.characterisation.gwpSets.length > 0
      ? [...r.characterisation.gwpSets]
      : [r.characterisation.processGwpSet];

  const pcf: CarbonFootprintV3 = {
    declaredUnitOfMeasurement: unit.unit,
    declaredUnitAmount: dec(unit.amount),
    productMassPerDeclaredUnit: dec(mass),
    referencePeriodStart: yearStart(fp.model.year),
    referencePeriodEnd: refEnd,
    geographyCountry: fp.model.region,
    boundaryProcessesDescription: boundaryDescription(fp),
    pcfExcludingBiogenicUptake: dec(new Decimal(r.pcfExcludingBiogenic).plus(biogenic)),
    pcfIncludingBiogenicUptake: dec(r.pcfIncludingBiogenic),
    fossilCarbonContent: dec(opts.fossilCarbonContent ?? '0'),
    ...(opts.biogenicCarbonContent !== undefined
      ? { biogenicCarbonContent: dec(opts.biogenicCarbonContent) }
      : {}),
    fossilGhgEmissions: dec(r.fossil),
    landUseChangeGhgEmissions: dec(r.luc),
    biogenicCO2Uptake: dec(removals.negated()),
    aircraftGhgEmissions: dec(r.aircraft),
    packagingEmissionsIncluded: false,
    ipccCharacterizationFactors: gwp,
    crossSectoralStandards: standardsV3(r.method.standards),
    exemptedEmissionsPercent: dec(r.exemptions.totalPercent),
    ...(exempt ? { exemptedEmissionsDescription: exempt } : {}),
    ...(sources.length > 0 ? { secondaryEmissionFactorSources: sources } : {}),
    ...(r.primaryDataShare !== null ? { primaryDataShare: dec(r.primaryDataShare) } : {}),
    ...(q.technological && q.geographical && q.temporal
      ? {
          dqi: {
            technologicalDQR: dec(q.technological),
            geographicalDQR: dec(q.geographical),
            temporalDQR: dec(q.temporal),
          },
        }
      : {}),
    ...(opts.verification
      ? {
          verification: {
            providerName: opts.verification.providerName,
            ...(opts.verification.completedAt ? { completedAt: opts.verification.completedAt } : {}),
            ...(opts.verification.standardName ? { standardName: opts.verification.standardName } : {}),
            ...(opts.verification.coverage ? { coverage: opts.verification.coverage } : {}),
            ...(opts.verification.comments ? { comments: opts.verification.comments } : {}),
          },
        }
      : {}),
  };
  return {
    id: pub.id,
    specVersion: SPEC_V3,
    ...(pub.precedingPfIds.length > 0 ? { precedingPfIds: pub.precedingPfIds } : {}),
    created: iso(pub.created),
    status: 'Active',
    validityPeriodStart: validityStart,
    validityPeriodEnd: validityEnd,
    companyName: pub.org.name,
    companyIds: [companyUrn(pub.org.id)],
    productDescription: fp.model.description ?? fp.model.name,
    productIds: [
      productUrn(fp.productId),
      ...(opts.productIds ?? []).filter((u) => u !== productUrn(fp.productId)),
    ],
    ...(opts.classifications?.length ? { productClassifications: [...new Set(opts.classifications)] } : {}),
    productNameCompany: fp.model.name,
    comment: comment(fp, opts),
    pcf,
  };
}

function comment(fp: RecordedFootprint, opts: PublishOptions): string {
  const parts = [
    `GreenTrade footprint ${fp.id}, anchored in the GreenTrade ledger at entry ${fp.ledger.index}.`,
    ...(opts.fossilCarbonContent === undefined
      ? ['Fossil carbon content not assessed (reported as 0).']
      : []),
    'Packaging not modelled separately.',
    ...(opts.comment ? [opts.comment] : []),
  ];
  return parts.join(' ');
}

function addYears(d: Date, n: number): Date {
  const x = new Date(d.getTime());
  x.setUTCFullYear(x.getUTCFullYear() + n);
  return x;
}

const num = (d: Decimal) => d.toNumber(); // v2.3 types these as JSON numbers (percentages, DQRs)

/**
 * The same footprint as PACT v2.3, from the v3 document and the result. v2.3 has no `piece`:
 * a per-piece footprint is re-expressed per kilogram (declaredUnit kilogram,
 * unitaryProductAmount = kg per piece, values divided by the mass), which needs the mass.
 * Returns null when v2.3 cannot express it (no mass, or a unit v2.3 lacks).
 */
export function toPactV2(
  v3: ProductFootprintV3,
  fp: RecordedFootprint,
  productCategoryCpc: string,
): ProductFootprintV2 | null {
  const p = v3.pcf;
  const r = fp.result;
  // v2.3 values are per ONE declared unit (kgCO2e / declaredUnit); v3 values are per
  // declaredUnitAmount of them. `total` is the v3 declared unit in v2.3 units; values divide by it.
  // unitaryProductAmount is how many declared units the product is (1000 kg of coil: 1000).
  let declaredUnit = p.declaredUnitOfMeasurement as string;
  let total = new Decimal(p.declaredUnitAmount);
  let amount = total;
  if (declaredUnit === 'hour' || declaredUnit === 'megabit second') return null;
  if (declaredUnit === 'piece') {
    // v2.3 has no piece: pieces are re-expressed by their mass, in kilogram.
    total = new Decimal(p.productMassPerDeclaredUnit);
    if (total.isZero()) return null;
    declaredUnit = 'kilogram';
    amount = total.dividedBy(p.declaredUnitAmount);
  }
  const scale = new Decimal(1).dividedBy(total);
  const s = (v: string | undefined) => (v === undefined ? undefined : dec(new Decimal(v).times(scale)));
  const q = ratings(r);
  const gwp = p.ipccCharacterizationFactors;
  const biogenic = new Decimal(r.biogenicEmissions);
  const pcf: CarbonFootprintV2 = {
    declaredUnit: declaredUnit as CarbonFootprintV2['declaredUnit'],
    // v2.3: "the amount of declared units contained within the product"; with per-kg values of a
    // 1000 kg declared unit this is 1000, with per-piece values re-expressed per kg, the piece's mass.
    unitaryProductAmount: dec(amount),
    productMassPerDeclaredUnit: p.productMassPerDeclaredUnit,
    pCfExcludingBiogenic: s(r.pcfExcludingBiogenic)!,
    pCfIncludingBiogenic: s(r.pcfIncludingBiogenic)!,
    fossilGhgEmissions: s(p.fossilGhgEmissions)!,
    fossilCarbonContent: s(p.fossilCarbonContent)!,
    biogenicCarbonContent: s(p.biogenicCarbonContent ?? '0')!,
    dLucGhgEmissions: s(p.landUseChangeGhgEmissions ?? '0')!,
    otherBiogenicGhgEmissions: s(biogenic.toString())!,
    biogenicCarbonWithdrawal: s(p.biogenicCO2Uptake ?? '0')!,
    aircraftGhgEmissions: s(p.aircraftGhgEmissions ?? '0')!,
    packagingEmissionsIncluded: false,
    characterizationFactors: gwp.includes('AR6') ? 'AR6' : 'AR5',
    ipccCharacterizationFactorsSources: gwp,
    crossSectoralStandardsUsed: standardsV2(r.method.standards),
    crossSectoralStandards: p.crossSectoralStandards.filter(
      (x): x is 'ISO14067' | 'ISO14040-44' | 'GHGP-Product' =>
        [
          'ISO14067',
          'ISO14083',
          'ISO14040-44',
          'GHGP-Product',
          'PEF',
          'PACT-1.0',
          'PACT-2.0',
          'PACT-3.0',
        ].includes(x),
    ),
    boundaryProcessesDescription: p.boundaryProcessesDescription ?? '',
    referencePeriodStart: p.referencePeriodStart,
    referencePeriodEnd: p.referencePeriodEnd,
    ...(p.geographyCountry ? { geographyCountry: p.geographyCountry } : {}),
    ...(p.secondaryEmissionFactorSources
      ? { secondaryEmissionFactorSources: p.secondaryEmissionFactorSources }
      : {}),
    exemptedEmissionsPercent: num(new Decimal(p.exemptedEmissionsPercent)),
    exemptedEmissionsDescription: p.exemptedEmissionsDescription ?? '',
    ...(p.primaryDataShare !== undefined ? { primaryDataShare: num(new Decimal(p.primaryDataShare)) } : {}),
    ...(q.technological && q.temporal && q.geographical && q.completeness && q.reliability
      ? {
          dqi: {
            coveragePercent: num(q.coverage),
            technologicalDQR: num(q.technological),
            temporalDQR: num(q.temporal),
            geographicalDQR: num(q.geographical),
            completenessDQR: num(q.completeness),
            reliabilityDQR: num(q.reliability),
          },
        }
      : {}),
    ...(p.verification?.providerName
      ? {
          assurance: {
            assurance: true,
            providerName: p.verification.providerName,
            ...(p.verification.completedAt ? { completedAt: p.verification.completedAt } : {}),
            ...(p.verification.standardName ? { standardName: p.verification.standardName } : {}),
            ...(p.verification.comments ? { comments: p.verification.comments } : {}),
            ...(p.verification.coverage === 'product level' ? { coverage: 'product level' as const } : {}),
          },
        }
      : {}),
  };
  if (pcf.crossSectoralStandards?.length === 0) delete pcf.crossSectoralStandards;
  return {
    id: v3.id,
    specVersion: SPEC_V2,
    ...(v3.precedingPfIds ? { precedingPfIds: v3.precedingPfIds } : {}),
    version: 1,
    created: v3.created,
    status: 'Active',
    ...(v3.validityPeriodStart ? { validityPeriodStart: v3.validityPeriodStart } : {}),
    ...(v3.validityPeriodEnd ? { validityPeriodEnd: v3.validityPeriodEnd } : {}),
    comment: v3.comment ?? '',
    companyName: v3.companyName,
    companyIds: v3.companyIds,
    productDescription: v3.productDescription,
    productIds: v3.productIds,
    ...(v3.productClassifications ? { productClassifications: v3.productClassifications } : {}),
    productCategoryCpc,
    productNameCompany: v3.productNameCompany,
    pcf,
  };
}

/** v2.3 requires productCategoryCpc: the code of a UN CPC classification URN, else "n/a". */
export function cpcOf(classifications: string[] | undefined): string {
  for (const c of classifications ?? []) {
    const m = /^urn:pact:productclassification:un-cpc:(.+)$/i.exec(c);
    if (m?.[1]) return m[1];
  }
  return 'n/a';
}
