import { z } from '@hono/zod-openapi';

/**
 * The PACT data model, v3.0 and v2.3, as the specifications' OpenAPI documents define it
 * (wbcsd/pact-conformance-service src/schemas/openapi_v3_0.yaml and openapi_v2_3.yaml, which the
 * conformance service validates against): every field, its type, the required ones. Decimal
 * numbers are JSON strings (v3 everywhere; v2.3 except `exemptedEmissionsPercent`,
 * `primaryDataShare` and the DQI ratings, which v2.3 types as JSON numbers).
 * These schemas check what we publish (mapping.ts output) and parse what we receive (events).
 */

const DECIMAL_RE = /^-?\d+(\.\d+)?$/;
export const PactDecimal = z.string().regex(DECIMAL_RE, 'a decimal number as a string, such as "12.5"');
export const Urn = z.string().regex(/^[uU][rR][nN]:/, 'a URN (urn:...)');
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const PfId = z.string().regex(UUID_RE, 'a UUID');
/** RFC 3339 date-time with a zone (what the spec's `format: date-time` is). */
export const DateTime = z.iso.datetime({ offset: true });
const SpecVersion = z.string().regex(/^\d+\.\d+\.\d+(-\d{8})?$/);
const uniqueSet = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .min(1)
    .refine((a) => new Set(a.map((x) => JSON.stringify(x))).size === a.length, 'values must be unique');

export const STATUSES = ['Active', 'Deprecated'] as const;
export const Status = z.enum(STATUSES);

export const REGIONS = [
  'Africa',
  'Americas',
  'Asia',
  'Europe',
  'Oceania',
  'Australia and New Zealand',
  'Central Asia',
  'Eastern Asia',
  'Eastern Europe',
  'Latin America and the Caribbean',
  'Melanesia',
  'Micronesia',
  'Northern Africa',
  'Northern America',
  'Northern Europe',
  'Polynesia',
  'South-eastern Asia',
  'Southern Asia',
  'Southern Europe',
  'Sub-Saharan Africa',
  'Western Asia',
  'Western Europe',
] as const;

export const V3_UNITS = [
  'liter',
  'kilogram',
  'cubic meter',
  'kilowatt hour',
  'megajoule',
  'ton kilometer',
  'square meter',
  'piece',
  'hour',
  'megabit second',
] as const;
export const V2_UNITS = [
  'liter',
  'kilogram',
  'cubic meter',
  'kilowatt hour',
  'megajoule',
  'ton kilometer',
  'square meter',
] as const;

const ProductOrSectorSpecificRule = z.object({
  operator: z.enum(['PEF', 'EPD International', 'Other']),
  ruleNames: uniqueSet(z.string().min(1)),
  otherOperatorName: z.string().min(1).optional(),
});
const EmissionFactorSource = z.object({ name: z.string().min(1), version: z.string().min(1) });
const DataModelExtension = z.object({
  specVersion: z.string(),
  dataSchema: z.url(),
  documentation: z.url().optional(),
  data: z.record(z.string(), z.unknown()),
});

// ---------------------------------------------------------------- v3.0

export const CarbonFootprintV3 = z.object({
  declaredUnitOfMeasurement: z.enum(V3_UNITS),
  declaredUnitAmount: PactDecimal,
  productMassPerDeclaredUnit: PactDecimal,
  referencePeriodStart: DateTime,
  referencePeriodEnd: DateTime,
  geographyRegionOrSubregion: z.enum(REGIONS).optional(),
  geographyCountry: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  geographyCountrySubdivision: z
    .string()
    .regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/)
    .optional(),
  boundaryProcessesDescription: z.string().optional(),
  pcfExcludingBiogenicUptake: PactDecimal,
  pcfIncludingBiogenicUptake: PactDecimal,
  fossilCarbonContent: PactDecimal,
  biogenicCarbonContent: PactDecimal.optional(),
  recycledCarbonContent: PactDecimal.optional(),
  fossilGhgEmissions: PactDecimal,
  landUseChangeGhgEmissions: PactDecimal.optional(),
  landCarbonLeakage: PactDecimal.optional(),
  landManagementFossilGhgEmissions: PactDecimal.optional(),
  landManagementBiogenicCO2Emissions: PactDecimal.optional(),
  landManagementBiogenicCO2Removals: PactDecimal.optional(),
  biogenicCO2Uptake: PactDecimal.optional(),
  biogenicNonCO2Emissions: PactDecimal.optional(),
  landAreaOccupation: PactDecimal.optional(),
  aircraftGhgEmissions: PactDecimal.optional(),
  packagingEmissionsIncluded: z.boolean().optional(),
  packagingGhgEmissions: PactDecimal.optional(),
  packagingBiogenicCarbonContent: PactDecimal.optional(),
  outboundLogisticsGhgEmissions: PactDecimal.optional(),
  ccsTechnologicalCO2CaptureIncluded: z.boolean().optional(),
  ccsTechnologicalCO2Capture: PactDecimal.optional(),
  technologicalCO2CaptureOrigin: z.string().optional(),
  technologicalCO2Removals: PactDecimal.optional(),
  ccuCarbonContent: PactDecimal.optional(),
  ccuCalculationApproach: z.enum(['Cut-off', 'Credit']).optional(),
  ccuCreditCertification: z.url().optional(),
  ipccCharacterizationFactors: uniqueSet(z.string().regex(/^AR\d+$/)),
  crossSectoralStandards: uniqueSet(z.string()),
  productOrSectorSpecificRules: uniqueSet(ProductOrSectorSpecificRule).optional(),
  exemptedEmissionsPercent: PactDecimal,
  exemptedEmissionsDescription: z.string().optional(),
  allocationRulesDescription: z.string().optional(),
  secondaryEmissionFactorSources: z.array(EmissionFactorSource).min(1).optional(),
  primaryDataShare: PactDecimal.optional(),
  dqi: z
    .object({ technologicalDQR: PactDecimal, geographicalDQR: PactDecimal, temporalDQR: PactDecimal })
    .optional(),
  verification: z
    .object({
      coverage: z.enum(['PCF calculation model', 'PCF program', 'product level']).optional(),
      providerName: z.string().optional(),
      completedAt: DateTime.optional(),
      standardName: z.string().optional(),
      comments: z.string().optional(),
    })
    .optional(),
});
export type CarbonFootprintV3 = z.infer<typeof CarbonFootprintV3>;

export const ProductFootprintV3 = z.object({
  id: PfId,
  specVersion: SpecVersion,
  precedingPfIds: uniqueSet(PfId).optional(),
  created: DateTime,
  status: Status,
  validityPeriodStart: DateTime.optional(),
  validityPeriodEnd: DateTime.optional(),
  companyName: z.string().min(1),
  companyIds: uniqueSet(Urn),
  productDescription: z.string(),
  productIds: uniqueSet(Urn),
  productClassifications: uniqueSet(Urn).optional(),
  productNameCompany: z.string().min(1),
  comment: z.string().optional(),
  pcf: CarbonFootprintV3,
  extensions: z.array(DataModelExtension).optional(),
});
export type ProductFootprintV3 = z.infer<typeof ProductFootprintV3>;

// ---------------------------------------------------------------- v2.3

const Rating = z.number().min(1).max(3);
const Percent = z.number().min(0).max(100);

export const CarbonFootprintV2 = z
  .object({
    declaredUnit: z.enum(V2_UNITS),
    unitaryProductAmount: PactDecimal,
    productMassPerDeclaredUnit: PactDecimal.optional(),
    pCfExcludingBiogenic: PactDecimal,
    pCfIncludingBiogenic: PactDecimal.optional(),
    fossilGhgEmissions: PactDecimal,
    fossilCarbonContent: PactDecimal,
    biogenicCarbonContent: PactDecimal,
    dLucGhgEmissions: PactDecimal.optional(),
    landManagementGhgEmissions: PactDecimal.optional(),
    otherBiogenicGhgEmissions: PactDecimal.optional(),
    iLucGhgEmissions: PactDecimal.optional(),
    biogenicCarbonWithdrawal: PactDecimal.optional(),
    aircraftGhgEmissions: PactDecimal.optional(),
    packagingEmissionsIncluded: z.boolean(),
    packagingGhgEmissions: PactDecimal.optional(),
    characterizationFactors: z.enum(['AR6', 'AR5']),
    ipccCharacterizationFactorsSources: uniqueSet(z.string().regex(/^AR\d+$/)),
    crossSectoralStandardsUsed: uniqueSet(
      z.enum(['GHG Protocol Product standard', 'ISO Standard 14067', 'ISO Standard 14044']),
    ),
    crossSectoralStandards: uniqueSet(
      z.enum([
        'ISO14067',
        'ISO14083',
        'ISO14040-44',
        'GHGP-Product',
        'PEF',
        'PACT-1.0',
        'PACT-2.0',
        'PACT-3.0',
      ]),
    ).optional(),
    productOrSectorSpecificRules: uniqueSet(ProductOrSectorSpecificRule).optional(),
    biogenicAccountingMethodology: z.enum(['PEF', 'ISO', 'GHGP', 'Quantis']).optional(),
    boundaryProcessesDescription: z.string(),
    referencePeriodStart: DateTime,
    referencePeriodEnd: DateTime,
    geographyRegionOrSubregion: z.enum(REGIONS).optional(),
    geographyCountry: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .optional(),
    geographyCountrySubdivision: z
      .string()
      .regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/)
      .optional(),
    secondaryEmissionFactorSources: z.array(EmissionFactorSource).min(1).optional(),
    exemptedEmissionsPercent: Percent,
    exemptedEmissionsDescription: z.string(),
    allocationRulesDescription: z.string().optional(),
    uncertaintyAssessmentDescription: z.string().optional(),
    primaryDataShare: Percent.optional(),
    dqi: z
      .object({
        coveragePercent: Percent,
        technologicalDQR: Rating,
        temporalDQR: Rating,
        geographicalDQR: Rating,
        completenessDQR: Rating,
        reliabilityDQR: Rating,
      })
      .optional(),
    assurance: z
      .object({
        assurance: z.boolean(),
        coverage: z.enum(['corporate level', 'product line', 'PCF system', 'product level']).optional(),
        level: z.enum(['limited', 'reasonable']).optional(),
        boundary: z.enum(['Gate-to-Gate', 'Cradle-to-Gate']).optional(),
        providerName: z.string(),
        completedAt: DateTime.optional(),
        standardName: z.string().optional(),
        comments: z.string().optional(),
      })
      .optional(),
  })
  // At most one of the three geography fields (v2.3: oneOf exactly one, or none).
  .refine(
    (p) =>
      [p.geographyRegionOrSubregion, p.geographyCountry, p.geographyCountrySubdivision].filter(
        (g) => g !== undefined,
      ).length <= 1,
    { message: 'at most one of geographyRegionOrSubregion, geographyCountry, geographyCountrySubdivision' },
  );
export type CarbonFootprintV2 = z.infer<typeof CarbonFootprintV2>;

export const ProductFootprintV2 = z.object({
  id: PfId,
  specVersion: SpecVersion,
  precedingPfIds: uniqueSet(PfId).optional(),
  version: z.number().int().min(0),
  created: DateTime,
  updated: DateTime.optional(),
  status: Status,
  statusComment: z.string().optional(),
  validityPeriodStart: DateTime.optional(),
  validityPeriodEnd: DateTime.optional(),
  comment: z.string(),
  companyName: z.string().min(1),
  companyIds: uniqueSet(Urn),
  productDescription: z.string(),
  productIds: uniqueSet(Urn),
  productClassifications: uniqueSet(Urn).optional(),
  productCategoryCpc: z.string().min(1),
  productNameCompany: z.string().min(1),
  pcf: CarbonFootprintV2,
  extensions: z.array(DataModelExtension).optional(),
});
export type ProductFootprintV2 = z.infer<typeof ProductFootprintV2>;

// ---------------------------------------------------------------- errors and events

export const ERROR_CODES = [
  'BadRequest',
  'AccessDenied',
  'TokenExpired',
  'NotFound',
  'NoSuchFootprint',
  'InternalError',
  'NotImplemented',
] as const;
export type PactErrorCode = (typeof ERROR_CODES)[number];
export const PactErrorBody = z.object({ code: z.enum(ERROR_CODES), message: z.string() });

export const EVENT_TYPES_V3 = {
  created: 'org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3',
  fulfilled: 'org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3',
  rejected: 'org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3',
  published: 'org.wbcsd.pact.ProductFootprint.PublishedEvent.3',
} as const;
export const EVENT_TYPES_V2 = {
  created: 'org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1',
  fulfilled: 'org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1',
  rejected: 'org.wbcsd.pathfinder.ProductFootprintRequest.Rejected.v1',
  published: 'org.wbcsd.pathfinder.ProductFootprint.Published.v1',
} as const;
export type EventKind = keyof typeof EVENT_TYPES_V3;

/** The CloudEvents 1.0 envelope (structured mode, JSON) both versions use. */
export const CloudEvent = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(500),
  source: z.string().min(1).max(2000),
  time: DateTime,
  type: z.string().min(1).max(200),
  data: z.record(z.string(), z.unknown()),
  datacontenttype: z.string().optional(),
  subject: z.string().optional(),
});
export type CloudEvent = z.infer<typeof CloudEvent>;

const Strings = z.array(z.string().min(1).max(500)).max(100);

/** v3 RequestCreatedEvent.data: the ListFootprints filters (each a list, OR within, AND across). */
export const RequestCriteriaV3 = z.object({
  productId: Strings.optional(),
  companyId: Strings.optional(),
  geography: Strings.optional(),
  classification: Strings.optional(),
  validOn: DateTime.optional(),
  validAfter: DateTime.optional(),
  validBefore: DateTime.optional(),
  status: z.array(z.string()).max(2).optional(),
  comment: z.string().max(5000).optional(),
});
/** v2 RequestCreated data: a ProductFootprint fragment and a comment. */
export const RequestCriteriaV2 = z.object({
  pf: z.record(z.string(), z.unknown()),
  comment: z.string().max(5000).optional(),
});
export const PublishedData = z.object({ pfIds: z.array(PfId).min(1).max(1000) });
export const FulfilledData = z.object({
  requestEventId: z.string().min(1),
  pfs: z.array(z.record(z.string(), z.unknown())).min(1),
});
export const RejectedData = z.object({
  requestEventId: z.string().min(1),
  error: z.object({ code: z.string(), message: z.string() }),
});

/** What the owner adds at publication: what the recorded footprint does not know. */
export const PublishOptions = z.strictObject({
  /** Organisations (slugs or ids) to share this publication with (a selected-footprints agreement). */
  to: z.array(z.string().trim().min(1).max(100)).max(100).optional(),
  /** kg of product per declared unit; required when the unit is not a mass (piece, liter…). */
  productMassPerDeclaredUnit: PactDecimal.optional(),
  /** Product classification URNs (e.g. urn:pact:productclassification:hs:854143). */
  classifications: z.array(Urn).max(20).optional(),
  /** Extra product ids (GTIN URNs…), besides urn:uuid:<product id>. */
  productIds: z.array(Urn).max(20).optional(),
  /** kg C per declared unit; reported as 0 when not given (GreenTrade does not assess it). */
  fossilCarbonContent: PactDecimal.optional(),
  biogenicCarbonContent: PactDecimal.optional(),
  validityPeriodStart: DateTime.optional(),
  validityPeriodEnd: DateTime.optional(),
  comment: z.string().max(5000).optional(),
  verification: z
    .strictObject({
      providerName: z.string().min(1).max(200),
      completedAt: DateTime.optional(),
      standardName: z.string().max(200).optional(),
      coverage: z.enum(['PCF calculation model', 'PCF program', 'product level']).optional(),
      comments: z.string().max(2000).optional(),
    })
    .optional(),
});
export type PublishOptions = z.infer<typeof PublishOptions>;
