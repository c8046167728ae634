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
    // Always sent by the library; optional in the type so that hand-written factors (tests) need not invent them.
    releaseId: z.string().optional(),
    /** Only a published release is immutable; a draft's factors are seen by its organisation only. */
    releaseStatus: z.enum(['draft', 'published']).optional(),
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
    /** PACT data-quality ratings, 1 (good) to 3 (poor); null when the source gives none. */
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

/** The import schema's column count is fixed: one with more or fewer is refused by name. */
export type FactorCsvColumn = (typeof FACTOR_CSV_COLUMNS)[number];

/** GWP-100 values per assessment report, used to check value ≈ co2 + ch4·GWP + n2o·GWP + other_ghg. */
export const GWP100: Record<GwpSet, { ch4: readonly string[]; n2o: string }> = {
  AR4: { ch4: ['25'], n2o: '298' },
  AR5: { ch4: ['28'], n2o: '265' },
  // AR6 gives fossil (29.8) and non-fossil (27.0) methane; a factor may use either.
  AR6: { ch4: ['29.8', '27.0'], n2o: '273' },
};

export const ReleaseSlug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,62}$/, 'lower-case letters, digits, dots and dashes; 2 to 63')
  .openapi({ example: 'ipcc-2006' });
export const ReleaseVersion = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,39}$/, 'letters, digits, dots, dashes, plus; up to 40')
  .openapi({ example: '2006' });

export const Release = z
  .object({
    id: z.string(),
    slug: z.string(),
    version: z.string(),
    name: z.string(),
    /** The owning organisation; null for shared public data (visible to everyone). */
    owner: z.object({ slug: z.string(), name: z.string() }).nullable(),
    status: z.enum(['draft', 'published']),
    source: z.string(),
    licence: z.string(),
    /** SHA-256 (hex) of the RFC 8785 canonical JSON of the factors, sorted by key. */
    checksum: z.string(),
    factorCount: z.number().int(),
    createdBy: z.string(),
    createdAt: z.string(),
    publishedAt: z.string().nullable(),
    /** The ledger entry that recorded the publication (null for shipped data and drafts). */
    ledger: z.object({ index: z.number().int(), leafHash: z.string() }).nullable(),
  })
  .openapi('FactorRelease');
export type Release = z.infer<typeof Release>;

/** The most content an import takes, and the most factors. */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 200_000;

export const ImportRequest = z
  .object({
    /** The organisation (slug) that will own the release; the caller must belong to it. */
    org: z.string().min(1).max(64),
    slug: ReleaseSlug,
    version: ReleaseVersion,
    name: z.string().min(1).max(200),
    format: z.enum(['csv', 'json']),
    /** The file: CSV text with the header of FACTOR_CSV_COLUMNS, or a JSON array of objects with those keys. */
    content: z.string().min(1).max(MAX_IMPORT_BYTES),
    /** Publish at once (organisation admins only); otherwise a draft. */
    publish: z.boolean().optional(),
    /** Defaults for rows that leave `source` / `licence` empty. */
    source: z.string().max(500).optional(),
    licence: z.string().max(200).optional(),
  })
  .openapi('FactorImport');
export type ImportRequest = z.infer<typeof ImportRequest>;

export const SearchQuery = z.object({
  q: z.string().max(200).optional(),
  /** A prefix of the activity (`fuel.`, `electricity.grid`). */
  activity: z
    .string()
    .max(120)
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, dots, dashes')
    .optional(),
  region: z.string().max(16).optional(),
  year: z.coerce.number().int().min(1990).max(2100).optional(),
  unit: z.string().max(20).optional(),
  /** A release slug (its newest published version), `slug@version`, or a release id. */
  release: z.string().max(110).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
export type SearchQuery = z.input<typeof SearchQuery>;

export const SearchResult = z
  .object({ total: z.number().int(), results: z.array(Factor) })
  .openapi('FactorSearchResult');
export type SearchResult = z.infer<typeof SearchResult>;
