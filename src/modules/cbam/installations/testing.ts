// A rules snapshot built by hand for tests: only the values the worked examples need, written out
// so that every figure a test expects can be traced to this file and the test's own arithmetic.
import type { DefaultValue, RulesSnapshot } from '../contract.js';
import type { CbamSector, InstallationDataInput } from '../model.js';

export interface HandRules {
  year?: number;
  categories?: Record<string, { sector: CbamSector; routes: string[] }>;
  /** Sectors whose indirect emissions count. */
  indirect?: CbamSector[];
  grid?: Record<string, string>;
  defaults?: Record<string, Pick<DefaultValue, 'direct' | 'indirect' | 'markup'>>;
  ranges?: Record<string, { min: string; max: string }>;
}

export const HAND_CATEGORIES: Record<string, { sector: CbamSector; routes: string[] }> = {
  cement_clinker: { sector: 'cement', routes: [] },
  cement: { sector: 'cement', routes: [] },
  ammonia: { sector: 'fertilisers', routes: ['steam_reforming', 'gasification'] },
  nitric_acid: { sector: 'fertilisers', routes: [] },
  pig_iron: { sector: 'iron_steel', routes: ['blast_furnace', 'smelting_reduction'] },
  crude_steel: { sector: 'iron_steel', routes: ['bof', 'eaf'] },
  iron_steel_products: { sector: 'iron_steel', routes: [] },
};

/** A snapshot of the definitive period's rules as far as the tests need them. */
export function handRules(h: HandRules = {}): RulesSnapshot {
  const year = h.year ?? 2026;
  const categories = h.categories ?? HAND_CATEGORIES;
  const indirect = h.indirect ?? ['cement', 'fertilisers'];
  const grid = h.grid ?? { CN: '0.5366' };
  const defaults = h.defaults ?? {};
  const ranges = h.ranges ?? {};
  return {
    year,
    category: (c) => categories[c] ?? null,
    countsIndirect: (s) => indirect.includes(s),
    gridFactor: (country) =>
      grid[country] ? { factor: grid[country], source: 'hand-built test grid' } : null,
    defaultValue: (country, cn) => {
      const d = defaults[`${country}:${cn}`];
      if (!d) return null;
      return {
        cn,
        country,
        year,
        baseDirect: d.direct,
        baseIndirect: d.indirect,
        markup: d.markup,
        direct: d.direct,
        indirect: d.indirect,
        total: d.direct,
        source: 'hand-built test default',
      };
    },
    plausibleRange: (category, route) => {
      const r = ranges[`${category}:${route ?? ''}`] ?? ranges[`${category}:`];
      return r ? { ...r, source: 'hand-built test range' } : null;
    },
  };
}

/** The smallest valid installation around the given processes and streams. */
export const installation = (rest: Partial<InstallationDataInput>): InstallationDataInput => ({
  installation: { name: 'Test Works', operator: 'Test Operator Ltd', country: 'CN' },
  reportingPeriod: { start: '2026-01-01', end: '2026-12-31' },
  processes: [],
  ...rest,
});
