// The data every part of the CBAM module shares: what an installation reports (the input of the
// calculation), what the calculation gives, and the communication file the exporter hands to its
// EU importer. Quantities that are summed or compared are decimal strings (JSON has no decimals),
// computed with decimal.js. Units are fixed per field and named in the field's description, as
// the Commission's communication template fixes them.
import { z } from '@hono/zod-openapi';

/** A non-negative decimal, as a string ("12.5") or a JSON number; kept as a string. */
export const Dec = z
  .union([z.string().trim().max(40), z.number()])
  .transform((v) => String(v))
  .refine((v) => /^\d+(\.\d+)?$/.test(v) || /^\d+(\.\d+)?e[+-]?\d+$/i.test(v), {
    message: 'a non-negative decimal number',
  });
/** A decimal that may be negative (mass-balance outputs carry carbon out). */
export const SignedDec = z
  .union([z.string().trim().max(40), z.number()])
  .transform((v) => String(v))
  .refine((v) => /^-?\d+(\.\d+)?$/.test(v), { message: 'a decimal number' });
/** A share from 0 to 1. */
export const Share = Dec.refine((v) => Number(v) <= 1, { message: 'a share from 0 to 1' });

/** The CBAM sectors of Annex I (the `sector` column of the classification module's CBAM list). */
export const CBAM_SECTORS = [
  'cement',
  'electricity',
  'fertilisers',
  'iron_steel',
  'aluminium',
  'hydrogen',
] as const;
export type CbamSector = (typeof CBAM_SECTORS)[number];

export const Iso2 = z
  .string()
  .trim()
  .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code (CN, IN, TR...)');
/** A CN code: 8 digits (spaces and dots allowed on input and removed). */
export const CnCode = z
  .string()
  .trim()
  .max(20)
  .transform((v) => v.replace(/[\s.]/g, ''))
  .refine((v) => /^\d{8}$/.test(v), { message: 'an 8-digit CN code' });
const Id = z.string().trim().min(1).max(64);
const Name = z.string().trim().min(1).max(300);
const Period = z
  .object({ start: z.iso.date(), end: z.iso.date() })
  .refine((p) => p.start <= p.end, { message: 'start after end', path: ['end'] });

/** How a source stream's emissions are computed (Implementing Regulation (EU) 2023/1773, Annex III, B.3). */
export const SOURCE_STREAM_METHODS = ['combustion', 'process', 'mass_balance'] as const;

/**
 * A fuel or material whose carbon is emitted. Emissions, in t CO2:
 * - combustion: AD (t) × NCV (GJ/t) × EF (t CO2/TJ) / 1000 × OF;
 * - process: AD (t) × EF (t CO2/t) × CF;
 * - mass_balance: AD (t, negative for outputs) × C (t C/t) × 44/12.
 * A biomass fraction, when given, is taken out (biomass CO2 counts as zero).
 */
export const SourceStream = z.object({
  id: Id,
  name: Name,
  method: z.enum(SOURCE_STREAM_METHODS),
  /** Tonnes (negative only for mass-balance outputs). */
  activityData: SignedDec,
  /** Net calorific value, GJ/t (combustion). */
  ncv: Dec.optional(),
  /** t CO2/TJ (combustion) or t CO2/t (process). */
  emissionFactor: Dec.optional(),
  /** Oxidation factor (combustion) or conversion factor (process), 0–1; 1 when absent. */
  oxidationFactor: Share.optional(),
  /** t C per t (mass balance). */
  carbonContent: Dec.optional(),
  biomassFraction: Share.optional(),
});
export type SourceStream = z.infer<typeof SourceStream>;

/** Measured heat, waste gases and electricity crossing the boundary of a production process. */
export const EnergyFlow = z.object({
  /** The production process it belongs to. */
  process: Id,
  kind: z.enum(['heat', 'waste_gas', 'electricity']),
  direction: z.enum(['imported', 'exported', 'consumed']),
  /** TJ for heat and waste gas, MWh for electricity. */
  quantity: Dec,
  /**
   * t CO2/TJ for heat (the emission factor of its production), t CO2 per TJ of correction for
   * waste gas, t CO2/MWh for electricity. For electricity consumed: absent = the country's grid default.
   */
  emissionFactor: Dec.optional(),
  /**
   * Where an electricity factor comes from. Only a power purchase agreement or a direct technical
   * connection allow an actual factor; guarantees of origin are refused.
   */
  electricitySource: z.enum(['grid', 'ppa', 'direct_connection', 'guarantee_of_origin']).optional(),
});
export type EnergyFlow = z.infer<typeof EnergyFlow>;

/** Precursors bought from other installations, with their own embedded emissions. */
export const PurchasedPrecursor = z.object({
  id: Id,
  name: Name,
  cn: CnCode,
  /** Country of the producing installation. */
  country: Iso2,
  installation: z.string().max(300).optional(),
  /** t CO2e per t; absent = the Commission default for the country and CN code. */
  seeDirect: Dec.optional(),
  seeIndirect: Dec.optional(),
});
export type PurchasedPrecursor = z.infer<typeof PurchasedPrecursor>;

/** Where a process takes a precursor from: another process of this installation, or a purchase. */
export const PrecursorUse = z.object({
  /** `process:<id>` or `purchased:<id>`. */
  from: z.string().regex(/^(process|purchased):.+$/, 'process:<id> or purchased:<id>'),
  /** Tonnes of precursor used in the reporting period. */
  mass: Dec,
});

/** A production process: one aggregated goods category and route, its goods, its emissions. */
export const ProductionProcess = z.object({
  id: Id,
  name: Name,
  /** An aggregated goods category of the rules data (e.g. `crude_steel`, `cement_clinker`). */
  goodsCategory: z.string().trim().min(1).max(64),
  /** A production route of that category (e.g. `bf_bof`, `eaf`). */
  route: z.string().trim().max(64).optional(),
  /** The CN codes of the goods this process produces. */
  cnCodes: z.array(CnCode).min(1).max(200),
  /** Activity level: tonnes produced in the period (MWh for electricity). */
  production: Dec,
  /** Shares of each source stream's emissions attributed to this process (0–1). */
  sourceStreams: z
    .array(z.object({ id: Id, share: Share }))
    .max(200)
    .default([]),
  /** Other direct emissions attributed here, t CO2e (e.g. PFC, N2O measured). */
  otherDirectEmissions: Dec.optional(),
  precursors: z.array(PrecursorUse).max(200).default([]),
});
export type ProductionProcess = z.infer<typeof ProductionProcess>;

/** What an installation reports for one period: the input of the calculation and of the template. */
export const InstallationData = z.object({
  installation: z.object({
    name: Name,
    operator: Name,
    country: Iso2,
    city: z.string().max(200).optional(),
    address: z.string().max(500).optional(),
    /** UN/LOCODE, as the template asks. */
    unlocode: z.string().max(10).optional(),
    latitude: z.number().min(-90).max(90).optional(),
    longitude: z.number().min(-180).max(180).optional(),
    contactEmail: z.email().optional(),
  }),
  reportingPeriod: Period,
  sourceStreams: z.array(SourceStream).max(500).default([]),
  energyFlows: z.array(EnergyFlow).max(1000).default([]),
  processes: z.array(ProductionProcess).min(1).max(200),
  purchasedPrecursors: z.array(PurchasedPrecursor).max(500).default([]),
  /** A carbon price effectively paid in the country of origin, per goods category (Art. 9). */
  carbonPricePaid: z
    .array(
      z.object({
        goodsCategory: z.string().max(64),
        instrument: z.string().max(200),
        /** Price per t CO2e, in `currency`. */
        price: Dec,
        currency: z.string().regex(/^[A-Z]{3}$/),
        /** Share of the embedded emissions the price covers, 0–1. */
        coveredShare: Share,
        /** Rebates or compensations received, per t CO2e in `currency`. */
        rebate: Dec.optional(),
      }),
    )
    .max(50)
    .default([]),
});
export type InstallationData = z.infer<typeof InstallationData>;
export type InstallationDataInput = z.input<typeof InstallationData>;

/** Why a figure is what it is: measured data, or a Commission default (with its mark-up). */
export const FigureSource = z.enum(['actual', 'default']);

/** The result of attributing emissions to one production process. */
export interface ProcessResult {
  process: string;
  goodsCategory: string;
  route: string | null;
  production: string;
  /** t CO2e. */
  directEmissions: string;
  attributedDirect: string;
  attributedIndirect: string;
  /** t CO2e embedded in the precursors used (mass × their SEE). */
  precursorsDirect: string;
  precursorsIndirect: string;
  /** t CO2e per t of good. */
  seeDirect: string;
  seeIndirect: string;
  seeTotal: string;
  /** Which parts rest on defaults (a purchased precursor without data, a grid factor...). */
  defaults: string[];
  /** Plausibility warnings: the figure outside the typical range for the category and route. */
  warnings: string[];
}

/** The per-good figures the importer needs: one row per CN code and process. */
export interface GoodResult {
  cn: string;
  process: string;
  goodsCategory: string;
  route: string | null;
  sector: CbamSector;
  seeDirect: string;
  seeIndirect: string;
  seeTotal: string;
  source: z.infer<typeof FigureSource>;
  /** The electricity factor behind the indirect figure and where it came from. */
  electricity: { factor: string; source: 'grid' | 'ppa' | 'direct_connection' } | null;
}

export interface CalculationResult {
  installation: { name: string; country: string };
  reportingPeriod: { start: string; end: string };
  /** Every source stream's emissions, t CO2. */
  sourceStreams: { id: string; emissions: string }[];
  totalDirectEmissions: string;
  processes: ProcessResult[];
  goods: GoodResult[];
  warnings: string[];
}

/**
 * The communication file: what an installation hands its EU importers (as JSON, or laid out in the
 * Commission's XLSX template). `data` is the installation's input, `results` the calculation; the
 * signature is a JWS over the RFC 8785 canonical form of everything but `proof`, and `proof`
 * also names the ledger entry that recorded the file's hash.
 */
export const COMMUNICATION_FORMAT = 'greentrade.cbam.communication/1';
export interface CommunicationFile {
  format: typeof COMMUNICATION_FORMAT;
  id: string;
  issuedAt: string;
  issuer: { org: string; name: string };
  data: InstallationData;
  results: CalculationResult;
  proof?: {
    /** Compact JWS (EdDSA) with a detached payload: the SHA-256 of the canonical file. */
    jws: string;
    /** The signer's public key, JWK. */
    publicKey: Record<string, string>;
    sha256: string;
    ledger: { origin: string; index: number; leafHash: string } | null;
  };
}

/** A shipment an importer declares: from the customs declaration. */
export const Shipment = z.object({
  /** The importer's own reference (customs declaration number). */
  reference: z.string().trim().min(1).max(100),
  importDate: z.iso.date(),
  cn: CnCode,
  countryOfOrigin: Iso2,
  /** Net mass in tonnes (MWh for electricity). */
  netMass: Dec,
  /** The supplier's installation, as named in its communication file (id of the imported file version). */
  installation: z.string().max(300).optional(),
  procedure: z.string().max(10).optional(),
});
export type Shipment = z.infer<typeof Shipment>;
