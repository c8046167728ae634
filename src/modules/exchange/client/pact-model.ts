/**
 * What this client accepts from a supplier's PACT host: the parts of the PACT Technical
 * Specification's ProductFootprint (v3.0, and v2.x for older hosts) that the client uses, parsed
 * with zod. Objects are loose: a field the specification adds later, or an extension, is kept in
 * the raw document that is stored, but only the fields validated here are ever used.
 */
import { z } from 'zod';

/** PACT decimals are JSON strings ("12.5", "-0.3"), never binary floats. */
export const PactDecimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal string such as "12.5"');
const DateTime = z.iso.datetime({ offset: true });
const Urn = z.string().regex(/^urn:[^\s]+$/i, 'a URN (urn:...)');
const Uuid = z.uuid();

export const DECLARED_UNITS_V3 = [
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

export const CarbonFootprintV3 = z.looseObject({
  declaredUnitOfMeasurement: z.enum(DECLARED_UNITS_V3),
  declaredUnitAmount: PactDecimal,
  productMassPerDeclaredUnit: PactDecimal,
  referencePeriodStart: DateTime,
  referencePeriodEnd: DateTime,
  geographyCountry: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  geographyCountrySubdivision: z
    .string()
    .regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/)
    .optional(),
  geographyRegionOrSubregion: z.string().optional(),
  pcfExcludingBiogenicUptake: PactDecimal,
  pcfIncludingBiogenicUptake: PactDecimal,
  fossilGhgEmissions: PactDecimal,
  fossilCarbonContent: PactDecimal,
  biogenicCarbonContent: PactDecimal.optional(),
  landUseChangeGhgEmissions: PactDecimal.optional(),
  aircraftGhgEmissions: PactDecimal.optional(),
  biogenicCO2Uptake: PactDecimal.optional(),
  ipccCharacterizationFactors: z.array(z.string()).min(1),
  crossSectoralStandards: z.array(z.string()).min(1),
  exemptedEmissionsPercent: PactDecimal,
  primaryDataShare: PactDecimal.optional(),
});

export const ProductFootprintV3 = z.looseObject({
  id: Uuid,
  specVersion: z.string().regex(/^\d+\.\d+\.\d+(-\d{8})?$/, 'a version such as "3.0.0"'),
  precedingPfIds: z.array(Uuid).optional(),
  created: DateTime,
  status: z.enum(['Active', 'Deprecated']),
  validityPeriodStart: DateTime.optional(),
  validityPeriodEnd: DateTime.optional(),
  companyName: z.string().min(1),
  companyIds: z.array(Urn).min(1),
  productDescription: z.string(),
  productIds: z.array(Urn).min(1),
  productClassifications: z.array(z.string()).optional(),
  productNameCompany: z.string().min(1),
  comment: z.string().optional(),
  pcf: CarbonFootprintV3,
});
export type ProductFootprintV3 = z.infer<typeof ProductFootprintV3>;

/** v2.x: `version` counts up for the same id; units and field names differ from v3. */
export const ProductFootprintV2 = z.looseObject({
  id: Uuid,
  specVersion: z.string().regex(/^2\.\d+\.\d+$/, 'a 2.x version'),
  version: z.number().int().min(0),
  created: DateTime,
  updated: DateTime.optional(),
  status: z.enum(['Active', 'Deprecated']),
  precedingPfIds: z.array(Uuid).optional(),
  companyName: z.string().min(1),
  companyIds: z.array(Urn).min(1),
  productDescription: z.string(),
  productIds: z.array(Urn).min(1),
  productNameCompany: z.string().min(1),
  pcf: z.looseObject({
    declaredUnit: z.string().min(1),
    unitaryProductAmount: PactDecimal,
    pCfExcludingBiogenic: PactDecimal,
    pCfIncludingBiogenic: PactDecimal.optional(),
    fossilGhgEmissions: PactDecimal,
    biogenicCarbonContent: PactDecimal.optional(),
    dLucGhgEmissions: PactDecimal.optional(),
    aircraftGhgEmissions: PactDecimal.optional(),
    referencePeriodStart: DateTime,
    referencePeriodEnd: DateTime,
    primaryDataShare: z.number().optional(),
  }),
});
export type ProductFootprintV2 = z.infer<typeof ProductFootprintV2>;

export const ListResponse = z.looseObject({ data: z.array(z.unknown()) });
export const GetResponse = z.looseObject({ data: z.unknown() });
export const TokenResponse = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().optional(),
});
export const PactErrorBody = z.looseObject({ code: z.string(), message: z.string().optional() });

export const EVENT_TYPES_V3 = {
  created: 'org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3',
  fulfilled: 'org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3',
  rejected: 'org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3',
  published: 'org.wbcsd.pact.ProductFootprint.PublishedEvent.3',
} as const;

/** A PublishedEvent as the host hands it to the client's hook (already checked by the host). */
export const PublishedEvent = z.looseObject({
  type: z.string(),
  id: z.string().optional(),
  source: z.string().optional(),
  data: z.looseObject({ pfIds: z.array(Uuid).min(1).max(1000) }),
});

/** Names every failing field ("pcf.declaredUnitAmount: ..."), at most `max` of them. */
export function describeIssues(error: z.ZodError, max = 10): string {
  return error.issues
    .slice(0, max)
    .map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`)
    .join('; ');
}
