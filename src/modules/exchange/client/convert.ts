/**
 * A pulled document → what the client keeps and uses: the validated fields, and the figures that
 * enter a product model as a material's `supplierFootprint` (primary data). Only validated fields
 * are used; the raw document is stored beside them, untrusted.
 */
import { Decimal } from 'decimal.js';
import { AppError } from '../../../kernel/errors.js';
import { ProductFootprintV2, ProductFootprintV3, describeIssues } from './pact-model.js';

/** PACT v3 declared units (and v2's) → the unit names of GreenTrade's unit table. */
const UNITS: Record<string, string> = {
  liter: 'L',
  kilogram: 'kg',
  'cubic meter': 'm3',
  'kilowatt hour': 'kWh',
  megajoule: 'MJ',
  'ton kilometer': 't·km',
  'square meter': 'm2',
  piece: 'item',
  hour: 'h',
};

export interface Pulled {
  pfId: string;
  specVersion: string;
  /** v2 only: the version counter of this id. */
  version: number | null;
  precedingPfIds: string[];
  status: 'Active' | 'Deprecated';
  productIds: string[];
  productName: string;
  companyName: string;
  pcfExcludingBiogenic: string;
  declaredAmount: string;
  declaredUnit: string;
  created: string;
  /** The material's supplierFootprint figures, without `source` (set at linking). */
  supplierFootprint: Record<string, unknown>;
  raw: unknown;
}

const opt = (k: string, v: string | undefined) => (v === undefined ? {} : { [k]: v });

/** Validates a document of a v3 (or v2, `major` 2) host; the error names every failing field. */
export function toPulled(raw: unknown, major: 2 | 3, where = 'footprint'): Pulled {
  if (major === 3) {
    const p = ProductFootprintV3.safeParse(raw);
    if (!p.success)
      throw new AppError('validation_failed', `${where}: ${describeIssues(p.error)}`, {
        field: p.error.issues[0]?.path.join('.') ?? '',
      });
    const f = p.data;
    const pcf = f.pcf;
    return {
      pfId: f.id,
      specVersion: f.specVersion,
      version: null,
      precedingPfIds: f.precedingPfIds ?? [],
      status: f.status,
      productIds: f.productIds,
      productName: f.productNameCompany,
      companyName: f.companyName,
      pcfExcludingBiogenic: pcf.pcfExcludingBiogenicUptake,
      declaredAmount: pcf.declaredUnitAmount,
      declaredUnit: pcf.declaredUnitOfMeasurement,
      created: f.created,
      supplierFootprint: {
        pcfExcludingBiogenic: pcf.pcfExcludingBiogenicUptake,
        declaredUnit: {
          amount: pcf.declaredUnitAmount,
          unit: UNITS[pcf.declaredUnitOfMeasurement] ?? pcf.declaredUnitOfMeasurement,
        },
        ...opt('fossil', pcf.fossilGhgEmissions),
        ...opt('luc', pcf.landUseChangeGhgEmissions),
        ...opt('aircraft', pcf.aircraftGhgEmissions),
      },
      raw,
    };
  }
  const p = ProductFootprintV2.safeParse(raw);
  if (!p.success)
    throw new AppError('validation_failed', `${where}: ${describeIssues(p.error)}`, {
      field: p.error.issues[0]?.path.join('.') ?? '',
    });
  const f = p.data;
  return {
    pfId: f.id,
    specVersion: f.specVersion,
    version: f.version,
    precedingPfIds: f.precedingPfIds ?? [],
    status: f.status,
    productIds: f.productIds,
    productName: f.productNameCompany,
    companyName: f.companyName,
    pcfExcludingBiogenic: f.pcf.pCfExcludingBiogenic,
    declaredAmount: f.pcf.unitaryProductAmount,
    declaredUnit: f.pcf.declaredUnit,
    created: f.created,
    supplierFootprint: {
      pcfExcludingBiogenic: f.pcf.pCfExcludingBiogenic,
      declaredUnit: {
        amount: f.pcf.unitaryProductAmount,
        unit: UNITS[f.pcf.declaredUnit] ?? f.pcf.declaredUnit,
      },
      ...opt('fossil', f.pcf.fossilGhgEmissions),
      ...opt('luc', f.pcf.dLucGhgEmissions),
      ...opt('aircraft', f.pcf.aircraftGhgEmissions),
    },
    raw,
  };
}

/**
 * The figures a product model can take: GreenTrade's method gives no credits, so a negative
 * PCF (net removals) cannot enter a model as is, and a declared amount must be positive.
 */
export function usableFigures(p: Pulled): Record<string, unknown> {
  const sf = p.supplierFootprint;
  for (const k of ['pcfExcludingBiogenic', 'fossil', 'luc', 'aircraft'] as const) {
    const v = sf[k];
    if (typeof v === 'string' && new Decimal(v).isNegative())
      throw new AppError(
        'bad_request',
        `footprint ${p.pfId}: ${k} is negative (${v}); a product model takes no credits`,
        {
          field: k,
        },
      );
  }
  if (!new Decimal(p.declaredAmount).greaterThan(0))
    throw new AppError('bad_request', `footprint ${p.pfId}: declaredUnitAmount must be > 0`, {
      field: 'declaredUnitAmount',
    });
  // Fossil may not exceed the total it is part of (the model checks this too, by field).
  return sf;
}
