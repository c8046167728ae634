import { z } from '@hono/zod-openapi';
import { GwpSet } from '../factors/index.js';
import { BOUNDARIES } from './model.js';

/**
 * The result of a footprint calculation. Every emission is kg CO2e per one declared unit, as a
 * decimal string at full precision (rounded only for display); it carries no time, so the same
 * model over the same factors gives byte-identical JSON (what recompute checks).
 */
const Dec = z.string().openapi({ example: '536.6' });

export const STAGES = [
  'raw-materials',
  'production-energy',
  'production-process',
  'transport-upstream',
  'distribution',
  'use',
  'end-of-life',
] as const;
export type Stage = (typeof STAGES)[number];

export const FactorUsed = z
  .object({
    id: z.string(),
    release: z.string(),
    releaseVersion: z.string(),
    key: z.string(),
    name: z.string(),
    activity: z.string(),
    value: Dec,
    unit: z.string(),
    region: z.string(),
    year: z.number().int(),
    gwpSet: GwpSet.nullable(),
    source: z.string(),
    licence: z.string(),
    /** The model lines that used it (`materials.0`, `energy.1 (grid)`). */
    usedBy: z.array(z.string()),
  })
  .openapi('FootprintFactorUsed');
export type FactorUsed = z.infer<typeof FactorUsed>;

export const InputLine = z
  .object({
    /** Where it is in the model (`materials.2`). */
    path: z.string(),
    name: z.string(),
    stage: z.enum(STAGES),
    amount: Dec,
    unit: z.string(),
    /** The amount in the unit its factor is per (kWh, t, t·km). */
    convertedAmount: Dec,
    convertedUnit: z.string(),
    /** library factor, supplier footprint (primary), process emission (kg of gas), electricity (market-based). */
    basis: z.enum(['factor', 'supplier', 'process', 'electricity']),
    factorKey: z.string().nullable(),
    /** kg CO2e per declared unit, excluding biogenic CO2 (what counts in the total). */
    emissions: Dec,
    fossil: Dec,
    biogenic: Dec,
    biogenicRemoval: Dec,
    luc: Dec,
    aircraft: Dec,
    /** The part of `emissions` from primary data. */
    primary: Dec,
    sharePercent: Dec,
  })
  .openapi('FootprintInputLine');
export type InputLine = z.infer<typeof InputLine>;

export const ElectricityLine = z
  .object({
    path: z.string(),
    name: z.string(),
    kWh: Dec,
    gridRegion: z.string(),
    gridFactor: z.object({
      key: z.string(),
      release: z.string(),
      value: Dec,
      unit: z.string(),
      year: z.number().int(),
    }),
    residualMixFactor: z
      .object({ key: z.string(), release: z.string(), value: Dec, unit: z.string(), year: z.number().int() })
      .nullable(),
    coveredKWh: Dec,
    instruments: z.array(
      z.object({ type: z.string(), id: z.string(), kWh: Dec, factor: Dec, emissions: Dec }),
    ),
    locationBased: Dec,
    marketBased: Dec,
    flags: z.array(z.string()),
  })
  .openapi('FootprintElectricityLine');

const Rated = z.object({ rating: Dec.nullable(), coveragePercent: Dec });

export const FootprintResult = z
  .object({
    product: z.object({
      name: z.string(),
      declaredUnit: z.object({ amount: Dec, unit: z.string() }),
      boundary: z.enum(BOUNDARIES),
      region: z.string(),
      year: z.number().int(),
    }),
    /** The unit every emission below is per (`1 t`). */
    perUnit: z.string(),
    method: z.object({
      standards: z.array(z.string()),
      headline: z.literal('market-based'),
      notes: z.array(z.string()),
    }),
    /** = pcfExcludingBiogenic, market-based electricity. */
    total: Dec,
    pcfExcludingBiogenic: Dec,
    pcfIncludingBiogenic: Dec,
    /** The total were all electricity counted location-based (grid factors). */
    totalLocationBased: Dec,
    fossil: Dec,
    biogenicEmissions: Dec,
    biogenicRemovals: Dec,
    luc: Dec,
    aircraft: Dec,
    byStage: z.array(z.object({ stage: z.enum(STAGES), emissions: Dec, sharePercent: Dec })),
    byInput: z.array(InputLine),
    byGas: z.array(
      z.object({ gas: z.enum(['CO2', 'CH4', 'N2O', 'other', 'unsplit']), emissions: Dec, sharePercent: Dec }),
    ),
    electricity: z.object({ locationBased: Dec, marketBased: Dec, lines: z.array(ElectricityLine) }),
    /** Share of the total from primary data, percent (what counts: docs/footprint-products.md). */
    primaryDataShare: Dec.nullable(),
    dataQuality: z.object({
      technological: Rated,
      temporal: Rated,
      geographical: Rated,
      completeness: Rated,
      reliability: Rated,
    }),
    exemptions: z.object({
      items: z.array(z.object({ description: z.string(), sharePercent: Dec })),
      totalPercent: Dec,
    }),
    excluded: z.array(z.object({ path: z.string(), name: z.string(), reason: z.string() })),
    characterisation: z.object({ gwpSets: z.array(GwpSet), mixed: z.boolean(), processGwpSet: GwpSet }),
    warnings: z.array(z.string()),
    factorsUsed: z.array(FactorUsed),
  })
  .openapi('FootprintResult');
export type FootprintResult = z.infer<typeof FootprintResult>;
