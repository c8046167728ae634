// Test doubles of the rules data for the importer's pure functions: a RulesSnapshot whose
// numbers are written here by hand, so tests compute their expectations from them.
import type { DefaultValue, RulesSnapshot, ScopeAnswer } from '../contract.js';
import type { CbamSector, CommunicationFile } from '../model.js';
import { COMMUNICATION_FORMAT } from '../model.js';
import type { DeMinimisRule } from './aggregate.js';

/** Indirect emissions count for cement and fertilisers from 2026 (Regulation (EU) 2023/956, Annex II). */
const INDIRECT: readonly CbamSector[] = ['cement', 'fertilisers'];

/**
 * Defaults of the stub, with a 10% mark-up written out: base × 1.1.
 * - aluminium 76011000 from IN: base direct 1.5, indirect 6.0 → 1.65, 6.6
 * - fertiliser 31021010 from TR: base direct 2.0, indirect 0.3 → 2.2, 0.33
 * - steel 72085120 from CN: base direct 3.19, indirect 0 → 3.509, 0
 */
const DEFAULTS: Record<string, [baseDirect: string, baseIndirect: string, direct: string, indirect: string]> =
  {
    'IN|76011000': ['1.5', '6.0', '1.65', '6.6'],
    'TR|31021010': ['2.0', '0.3', '2.2', '0.33'],
    'CN|72085120': ['3.19', '0', '3.509', '0'],
  };

export function stubSnapshot(year = 2026): RulesSnapshot {
  return {
    year,
    category: () => null,
    countsIndirect: (s) => INDIRECT.includes(s),
    gridFactor: () => null,
    defaultValue: (country, cn): DefaultValue | null => {
      const d = DEFAULTS[`${country}|${cn}`];
      if (!d) return null;
      const [baseDirect, baseIndirect, direct, indirect] = d;
      return {
        cn,
        country,
        year,
        baseDirect,
        baseIndirect,
        markup: '0.1',
        direct,
        indirect,
        total: String(Number(direct) + Number(indirect)),
        source: 'test stub',
      };
    },
    plausibleRange: () => null,
  };
}

export const STUB_DE_MINIMIS: DeMinimisRule = {
  thresholdTonnes: '50',
  excludedSectors: ['electricity', 'hydrogen'],
  source: 'Regulation (EU) 2025/2083',
};

const SECTORS: Record<string, CbamSector> = {
  '72': 'iron_steel',
  '73': 'iron_steel',
  '76': 'aluminium',
  '31': 'fertilisers',
  '25': 'cement',
  '27': 'electricity',
  '28': 'hydrogen',
};
/** Scope by chapter, enough for the tests: 7208, 7601, 3102, 2523, 2716, 2804 in; others out. */
export function stubScope(cn: string): ScopeAnswer {
  const inScope = /^(7208|7601|3102|2523|2716|2804)/.test(cn);
  const sector = inScope ? (SECTORS[cn.slice(0, 2)] ?? null) : null;
  return { cn, inScope, sector, reason: inScope ? `${cn} is in Annex I` : `${cn} is not in Annex I` };
}

/** A communication file as the exporter's tools would make it (unsigned unless a proof is added). */
export function commFile(
  opts: {
    name?: string;
    country?: string;
    operator?: string;
    goods?: { cn: string; seeDirect: string; seeIndirect: string; sector?: CbamSector }[];
    production?: string;
  } = {},
): CommunicationFile {
  const goods = opts.goods ?? [
    { cn: '72085120', seeDirect: '1.9', seeIndirect: '0.4', sector: 'iron_steel' },
  ];
  const name = opts.name ?? 'Hebei Test Steel Works';
  const country = opts.country ?? 'CN';
  return {
    format: COMMUNICATION_FORMAT,
    id: 'file-1',
    issuedAt: '2026-01-15T00:00:00Z',
    issuer: { org: 'exporter', name: 'Exporter' },
    data: {
      installation: { name, operator: opts.operator ?? 'Hebei Test Steel Co.', country },
      reportingPeriod: { start: '2025-01-01', end: '2025-12-31' },
      sourceStreams: [],
      energyFlows: [],
      processes: [
        {
          id: 'p1',
          name: 'Hot rolling',
          goodsCategory: 'flat_products',
          cnCodes: [...new Set(goods.map((g) => g.cn))],
          production: opts.production ?? '1000',
          sourceStreams: [],
          precursors: [],
        },
      ],
      purchasedPrecursors: [],
      carbonPricePaid: [],
    },
    results: {
      installation: { name, country },
      reportingPeriod: { start: '2025-01-01', end: '2025-12-31' },
      sourceStreams: [],
      totalDirectEmissions: '1900',
      processes: [],
      goods: goods.map((g) => ({
        cn: g.cn,
        process: 'p1',
        goodsCategory: 'flat_products',
        route: null,
        sector: g.sector ?? 'iron_steel',
        seeDirect: g.seeDirect,
        seeIndirect: g.seeIndirect,
        seeTotal: String(Number(g.seeDirect) + Number(g.seeIndirect)),
        source: 'actual' as const,
        electricity: null,
      })),
      warnings: [],
    },
  };
}
