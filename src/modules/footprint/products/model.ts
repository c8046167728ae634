import { z } from '@hono/zod-openapi';
import { Decimal } from 'decimal.js';
import { AppError } from '../../../kernel/errors.js';
import { DataQuality, GwpSet } from '../factors/index.js';

/**
 * The product model: what goes into a product, from which a footprint is calculated.
 * Documented with a full example in docs/footprint-products.md. Every amount is a decimal
 * (a JSON string such as "12.5", or a number); it is parsed to decimal.js, never summed as a
 * binary float. Negative amounts are refused everywhere: this method gives no credits for
 * avoided burdens (recycling, exported energy), as ISO 14067 and PACT keep them out of the PCF.
 */

const DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A decimal amount, as a JSON string ("12.5") or a number. */
export const DecimalInput = z
  .union([
    z.string().trim().regex(DECIMAL_RE, 'a decimal number such as "12.5"'),
    z.number().refine(Number.isFinite, 'a finite number'),
  ])
  .openapi({ type: 'string', example: '12.5', description: 'A decimal number (string or number)' });

const notNegative = (v: string | number) => !new Decimal(v).isNegative();
/** A decimal that may not be negative (quantities, factors of contracted electricity). */
export const Amount = DecimalInput.refine(notNegative, 'must not be negative');
/** A decimal greater than zero (the declared unit). */
export const Positive = DecimalInput.refine((v) => new Decimal(v).greaterThan(0), 'must be greater than 0');

const Name = z.string().trim().min(1).max(200);
const Unit = z.string().trim().min(1).max(40).openapi({ example: 't' });

/** Names a factor of the library: its key, in a release (the newest holding the key when omitted). */
export const FactorRefInput = z
  .strictObject({
    key: z.string().trim().min(1).max(200),
    release: z.string().trim().min(1).max(100).optional(),
  })
  .openapi('FactorRefInput');

/**
 * A footprint a supplier gave (PACT ProductFootprint.pcf): primary data. Values are kg CO2e per
 * `declaredUnit` of the supplier's product.
 */
export const SupplierFootprint = z
  .strictObject({
    /** PACT pCfExcludingBiogenic: kg CO2e per declared unit, the part that counts in our total. */
    pcfExcludingBiogenic: Amount,
    declaredUnit: z.strictObject({ amount: Positive.default('1'), unit: Unit }),
    /** Of which fossil (default: pcfExcludingBiogenic − luc). */
    fossil: Amount.optional(),
    /** Biogenic CO2 emissions, outside pcfExcludingBiogenic. */
    biogenic: Amount.optional(),
    /** Biogenic CO2 removals (uptake) as a positive number, outside pcfExcludingBiogenic. */
    biogenicRemoval: Amount.optional(),
    /** Of which direct land-use change. */
    luc: Amount.optional(),
    /** Of which aircraft emissions. */
    aircraft: Amount.optional(),
    gwpSet: GwpSet.optional(),
    dataQuality: DataQuality.partial().optional(),
    source: z
      .strictObject({
        supplier: z.string().trim().min(1).max(200),
        footprintId: z.string().trim().max(200).optional(),
        version: z.string().trim().max(50).optional(),
      })
      .optional(),
  })
  .openapi('SupplierFootprint');

export const Material = z
  .strictObject({
    name: Name,
    amount: Amount,
    unit: Unit,
    factor: FactorRefInput.optional(),
    supplierFootprint: SupplierFootprint.optional(),
  })
  .refine((m) => (m.factor === undefined) !== (m.supplierFootprint === undefined), {
    message: 'give either factor or supplierFootprint (exactly one)',
    path: ['factor'],
  });

export const INSTRUMENT_TYPES = ['GEC', 'I-REC', 'EnergyTag', 'GO', 'PPA', 'direct-line'] as const;

/** A contractual instrument (GHG Protocol Scope 2): certificates, a PPA, a direct line. */
export const Instrument = z.strictObject({
  type: z.enum(INSTRUMENT_TYPES),
  id: z.string().trim().min(1).max(200),
  amount: Amount,
  unit: Unit.default('kWh'),
  /** kg CO2e per kWh of the contracted source; default 0 (renewable certificates and contracts). */
  factor: Amount.optional(),
});

export const CARRIERS = ['electricity', 'fuel', 'heat', 'steam'] as const;
export const Energy = z
  .strictObject({
    name: Name,
    carrier: z.enum(CARRIERS),
    amount: Amount,
    unit: Unit,
    /** Fuels, heat and steam: required. Electricity: overrides the grid factor. */
    factor: FactorRefInput.optional(),
    /** Electricity: the grid (ISO country or zone) the power comes from; default the model's region. */
    gridRegion: z.string().trim().min(2).max(20).optional(),
    instruments: z.array(Instrument).max(100).optional(),
    dataQuality: DataQuality.partial().optional(),
  })
  .refine((e) => e.carrier === 'electricity' || e.factor !== undefined, {
    message: 'a factor is required for fuel, heat and steam',
    path: ['factor'],
  })
  .refine((e) => e.carrier === 'electricity' || !e.instruments?.length, {
    message: 'contractual instruments apply to electricity only',
    path: ['instruments'],
  });

export const GASES = ['CO2', 'CH4', 'N2O', 'other'] as const;
export const ProcessEmission = z.strictObject({
  name: Name,
  gas: z.enum(GASES),
  /** kg of the gas (kg CO2e for `other`). */
  amount: Amount,
  /** Biogenic CO2 goes to the biogenic emissions, not the total; biogenic CH4 counts (PACT). */
  biogenic: z.boolean().optional(),
  /** Measured on site (primary data). */
  measured: z.boolean().optional(),
  dataQuality: DataQuality.partial().optional(),
});

export const TRANSPORT_MODES = ['road', 'rail', 'sea', 'air', 'inland-waterway'] as const;
export const Transport = z
  .strictObject({
    name: Name,
    mode: z.enum(TRANSPORT_MODES),
    /** Mass moved and distance… */
    mass: Amount.optional(),
    massUnit: Unit.optional(),
    distance: Amount.optional(),
    distanceUnit: Unit.default('km'),
    /** …or the transport work directly (t·km). */
    amount: Amount.optional(),
    unit: Unit.optional(),
    factor: FactorRefInput,
    /** upstream: to our gate (cradle-to-gate); distribution: to the customer (cradle-to-grave only). */
    leg: z.enum(['upstream', 'distribution']).default('upstream'),
  })
  .superRefine((t, ctx) => {
    const work = t.amount !== undefined;
    const massDistance = t.mass !== undefined || t.distance !== undefined;
    if (work === massDistance)
      ctx.addIssue({
        code: 'custom',
        message: 'give either mass, massUnit and distance, or amount and unit (t·km)',
        path: ['amount'],
      });
    else if (work && t.unit === undefined)
      ctx.addIssue({ code: 'custom', message: 'required with amount (e.g. "t·km")', path: ['unit'] });
    else if (!work) {
      for (const k of ['mass', 'massUnit', 'distance'] as const)
        if (t[k] === undefined) ctx.addIssue({ code: 'custom', message: 'required', path: [k] });
    }
  });

/** Use phase or end of life: an amount of an activity and its factor (cradle-to-grave only). */
export const Activity = z.strictObject({
  name: Name,
  amount: Amount,
  unit: Unit,
  factor: FactorRefInput,
});

/** Most of the PCF that may be left out (ISO 14067 cut-off; PACT's exemptedEmissionsPercent). */
export const MAX_EXEMPT_PERCENT = 5;
export const Exemption = z.strictObject({
  description: z.string().trim().min(1).max(500),
  sharePercent: Amount.refine((v) => new Decimal(v).lte(MAX_EXEMPT_PERCENT), `at most ${MAX_EXEMPT_PERCENT}`),
});

export const BOUNDARIES = ['cradle-to-gate', 'cradle-to-grave'] as const;
const LIST_MAX = 500;

export const ProductModel = z
  .strictObject({
    name: Name,
    description: z.string().max(2000).optional(),
    /** The quantity of product the inputs describe; the result is per one `unit` of it. */
    declaredUnit: z.strictObject({ amount: Positive.default('1'), unit: Unit }),
    boundary: z.enum(BOUNDARIES).default('cradle-to-gate'),
    /** The reference year: picks the grid factor of that year (or the latest before it). */
    year: z.number().int().min(1990).max(2100),
    /** ISO 3166 alpha-2 country of production. */
    region: z
      .string()
      .trim()
      .regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 country code such as CN'),
    /** IPCC assessment report of the GWPs for process emissions (default AR6). */
    gwpSet: GwpSet.optional(),
    materials: z.array(Material).max(LIST_MAX).default([]),
    energy: z.array(Energy).max(LIST_MAX).default([]),
    processEmissions: z.array(ProcessEmission).max(LIST_MAX).default([]),
    transport: z.array(Transport).max(LIST_MAX).default([]),
    use: z.array(Activity).max(LIST_MAX).default([]),
    endOfLife: z.array(Activity).max(LIST_MAX).default([]),
    exemptions: z.array(Exemption).max(50).default([]),
  })
  .superRefine((m, ctx) => {
    const total = m.exemptions.reduce((s, e) => s.plus(e.sharePercent), new Decimal(0));
    if (total.greaterThan(MAX_EXEMPT_PERCENT))
      ctx.addIssue({
        code: 'custom',
        path: ['exemptions'],
        message: `exempted emissions total ${total.toString()}%, over the ${MAX_EXEMPT_PERCENT}% that ISO 14067 and PACT allow`,
      });
  })
  .openapi('ProductModel');
export type ProductModelInput = z.input<typeof ProductModel>;
export type ProductModel = z.output<typeof ProductModel>;
export type FactorRefInput = z.infer<typeof FactorRefInput>;

/** Parses a model from outside (file, body): a 400 naming the first field at fault. */
export function parseProductModel(input: unknown, prefix = ''): ProductModel {
  const r = ProductModel.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = prefix + issue.path.join('.');
  throw new AppError('validation_failed', `${field || 'model'}: ${issue.message}`, {
    ...(field ? { field } : {}),
    details: {
      issues: r.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message })),
    },
  });
}
