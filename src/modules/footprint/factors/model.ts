import { z } from '@hono/zod-openapi';

/**
 * An emission factor: kg CO2e per one `unit` of an activity, from one immutable library
 * release. Decimal values travel as strings so that nothing is rounded through a binary float.
 */
export const GwpSet = z.enum(['AR4', 'AR5', 'AR6']).openapi('GwpSet');
export type GwpSet = z.infer<typeof GwpSet>;

/** Data-quality ratings as PACT defines them: 1 (good) to 3 (poor) per indicator. */
export const DataQuality = z
  .object({
    technological: z.number().int().min(1).max(3).nullable(),
    temporal: z.number().int().min(1).max(3).nullable(),
    geographical: z.number().int().min(1).max(3).nullable(),
    completeness: z.number().int().min(1).max(3).nullable(),
    reliability: z.number().int().min(1).max(3).nullable(),
  })
  .openapi('DataQuality');
export type DataQuality = z.infer<typeof DataQuality>;

const DecimalText = z.string().regex(/^-?\d+(\.\d+)?$/);

export const Factor = z
  .object({
    id: z.string(),
    /** The release's slug (`ipcc-2006`, `ember-grid`, `useeio-v2.0`, or an organisation's own). */
    release: z.string(),
    releaseVersion: z.string(),
    /** Unique within its release (`ipcc-2006/natural-gas`). */
    key: z.string(),
    name: z.string(),
    /** What it is a factor of (`electricity.grid`, `fuel.natural-gas`, `spend.331110`). */
    activity: z.string(),
    /** The unit the factor is per (`kWh`, `t`, `USD`); see src/kernel/units.ts. */
    unit: z.string(),
    /** kg CO2e per unit (decimal). */
    value: DecimalText,
    /** ISO 3166 alpha-2 country, a grid zone, or `GLO`. */
    region: z.string(),
    year: z.number().int(),
    gwpSet: GwpSet.nullable(),
    /** The value split as PACT reports it, kg CO2e per unit each (null: not given). */
    split: z.object({
      fossil: DecimalText.nullable(),
      biogenic: DecimalText.nullable(),
      biogenicRemoval: DecimalText.nullable(),
      luc: DecimalText.nullable(),
      aircraft: DecimalText.nullable(),
    }),
    /** kg of each gas per unit (not CO2e); other_ghg in kg CO2e. */
    gases: z.object({
      co2: DecimalText.nullable(),
      ch4: DecimalText.nullable(),
      n2o: DecimalText.nullable(),
      otherGhg: DecimalText.nullable(),
    }),
    source: z.string(),
    licence: z.string(),
    quality: DataQuality,
    tags: z.array(z.string()),
  })
  .openapi('EmissionFactor');
export type Factor = z.infer<typeof Factor>;

/** The CSV import schema: one header line with exactly these columns (documented in the README). */
export const FACTOR_CSV_COLUMNS = [
  'key',
  'name',
  'activity',
  'unit',
  'value',
  'region',
  'year',
  'gwp_set',
  'fossil',
  'biogenic',
  'biogenic_removal',
  'luc',
  'aircraft',
  'co2',
  'ch4',
  'n2o',
  'other_ghg',
  'source',
  'licence',
  'dq_technological',
  'dq_temporal',
  'dq_geographical',
  'dq_completeness',
  'dq_reliability',
  'tags',
] as const;
