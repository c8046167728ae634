// The importer's arithmetic, as pure functions over plain data: which supplier file (or default
// value) each shipment takes its figures from, and the lines per CN code and country of origin.
// No database here, so the hand-calculated tests and the benchmark run it directly.
import { Decimal } from 'decimal.js';
import type { RulesSnapshot } from '../contract.js';
import type { CbamSector } from '../model.js';

// Products of masses and factors are exact well beyond what a declaration shows.
const D = Decimal.clone({ precision: 50, toExpNeg: -100, toExpPos: 100 });
type Dec = InstanceType<typeof D>;
const ZERO = new D(0);

/** A decimal as a declaration shows it: at most 6 decimals, no exponent, no trailing zeros. */
export const fmt = (v: Dec | string | number): string => {
  const s = new D(v).toDecimalPlaces(6, Decimal.ROUND_HALF_UP).toFixed();
  return s === '-0' ? '0' : s;
};

export interface ShipmentRow {
  reference: string;
  importDate: string;
  cn: string;
  countryOfOrigin: string;
  sector: CbamSector;
  /** Tonnes (MWh for electricity), a decimal string. */
  netMass: string;
  installation: string | null;
}

export interface SupplierGood {
  cn: string;
  sector?: CbamSector | null;
  seeDirect: string;
  seeIndirect: string | null;
  seeTotal: string;
  source: 'actual' | 'default';
  /** The production route of the process that made it (the EU benchmark of its free-allocation adjustment). */
  route?: string | null;
}

/** One imported version of a supplier's communication file, as linking needs it. */
export interface SupplierFileVersion {
  id: string;
  supplierId: string;
  version: number;
  installation: string;
  country: string;
  goods: SupplierGood[];
}

export interface DeMinimisRule {
  thresholdTonnes: string | null;
  excludedSectors: CbamSector[];
  source: string;
}

export interface LinkedShipment extends ShipmentRow {
  unit: 't' | 'MWh';
  linked: { supplierFileId: string; version: number } | null;
  source: 'supplier' | 'default' | 'missing';
  /** t CO2e; indirect is 0 where the year's rules do not count it; null when no figures exist. */
  direct: string | null;
  indirect: string | null;
  total: string | null;
}

export interface DeclarationLine {
  cn: string;
  country: string;
  sector: CbamSector;
  /**
   * The production route stated by the supplier files of this line; null for default values.
   * Shipments of one CN code and country made by different routes are separate lines, as their
   * free-allocation adjustments use different benchmarks.
   */
  route: string | null;
  unit: 't' | 'MWh';
  netMass: string;
  direct: string;
  indirect: string;
  total: string;
  indirectCounted: boolean;
  defaultShare: string;
  shipments: number;
  supplierFiles: { id: string; version: number; installation: string }[];
}

export interface Totals {
  /** Tonnes of goods other than electricity. */
  netMass: string;
  /** MWh of electricity. */
  electricity: string;
  direct: string;
  indirect: string;
  total: string;
}

export interface DeMinimisResult {
  exempt: boolean;
  totalMass: string;
  threshold: string | null;
  excludedSectors: CbamSector[];
  source: string;
  explanation: string;
}

export interface Aggregation {
  year: number;
  shipments: LinkedShipment[];
  lines: DeclarationLine[];
  totals: Totals;
  deMinimis: DeMinimisResult;
  complete: boolean;
  warnings: string[];
}

const norm = (name: string) => name.trim().toLowerCase();

/**
 * The supplier file version a shipment links to: among the suppliers whose installation name
 * matches (case-insensitively), those in the country of origin first, the latest version of each
 * that lists the CN code. Only the latest version of a supplier counts: an older version that
 * listed the code does not stand in for a newer one that dropped it.
 */
export function linker(files: readonly SupplierFileVersion[]) {
  const latest = new Map<string, SupplierFileVersion>();
  for (const f of files) {
    const cur = latest.get(f.supplierId);
    if (!cur || f.version > cur.version) latest.set(f.supplierId, f);
  }
  const byName = new Map<string, SupplierFileVersion[]>();
  for (const f of latest.values())
    byName.set(norm(f.installation), [...(byName.get(norm(f.installation)) ?? []), f]);
  return (s: Pick<ShipmentRow, 'installation' | 'countryOfOrigin' | 'cn'>) => {
    if (!s.installation) return null;
    const candidates = [...(byName.get(norm(s.installation)) ?? [])].sort(
      (a, b) => Number(b.country === s.countryOfOrigin) - Number(a.country === s.countryOfOrigin),
    );
    for (const f of candidates) {
      const good = f.goods.find((g) => g.cn === s.cn);
      if (good) return { file: f, good };
    }
    return null;
  };
}

const deMinimisOf = (
  year: number,
  shipments: readonly ShipmentRow[],
  rule: DeMinimisRule,
): DeMinimisResult => {
  const excluded = new Set(rule.excludedSectors);
  const mass = shipments.filter((s) => !excluded.has(s.sector)).reduce((a, s) => a.plus(s.netMass), ZERO);
  const excludedFound = [...new Set(shipments.filter((s) => excluded.has(s.sector)).map((s) => s.sector))];
  const base = {
    totalMass: fmt(mass),
    threshold: rule.thresholdTonnes,
    excludedSectors: rule.excludedSectors,
    source: rule.source,
  };
  const due = `a declaration is due by 30 September ${year + 1}`;
  // The legal reference only ("Regulation (EU) 2025/2083 ..., Art. 2a"), not the rules' gloss after it.
  const law = rule.source.split(':')[0]!.trim();
  if (rule.thresholdTonnes === null)
    return {
      ...base,
      exempt: false,
      explanation: `${fmt(mass)} t of CBAM goods in ${year}; no de-minimis threshold applies in ${year}; ${due}`,
    };
  const threshold = new D(rule.thresholdTonnes);
  const under = mass.lte(threshold);
  if (excludedFound.length > 0)
    return {
      ...base,
      exempt: false,
      explanation: `${fmt(mass)} t of CBAM goods in ${year}, and ${excludedFound.join(' and ')} imported, to which the ${fmt(threshold)} t threshold of ${law} does not apply; ${due}`,
    };
  return under
    ? {
        ...base,
        exempt: true,
        explanation: `${fmt(mass)} t of CBAM goods in ${year}, at or under the ${fmt(threshold)} t threshold of ${law}; no declaration is due`,
      }
    : {
        ...base,
        exempt: false,
        explanation: `${fmt(mass)} t of CBAM goods in ${year}, over the ${fmt(threshold)} t threshold of ${law}; ${due}`,
      };
};

/**
 * Links every shipment to its figures and adds them up per CN code and country of origin:
 * direct = Σ mass × SEE direct; indirect = Σ mass × SEE indirect where the year counts it for the
 * sector, else 0; total = direct + indirect. Defaults come from the snapshot with its mark-up.
 */
export function aggregate(
  shipments: readonly ShipmentRow[],
  files: readonly SupplierFileVersion[],
  snapshot: RulesSnapshot,
  deMinimis: DeMinimisRule,
): Aggregation {
  const link = linker(files);
  const warnings: string[] = [];
  const linked: LinkedShipment[] = [];
  interface Acc {
    line: Omit<
      DeclarationLine,
      'netMass' | 'direct' | 'indirect' | 'total' | 'defaultShare' | 'supplierFiles'
    >;
    mass: Dec;
    direct: Dec;
    indirect: Dec;
    fromDefaults: Dec;
    massFromDefaults: Dec;
    files: Map<string, { id: string; version: number; installation: string }>;
  }
  const lines = new Map<string, Acc>();
  for (const s of shipments) {
    const counted = snapshot.countsIndirect(s.sector);
    const unit = s.sector === 'electricity' ? 'MWh' : 't';
    const mass = new D(s.netMass);
    const hit = link(s);
    const route = hit?.good.route ?? null;
    const key = `${s.cn}|${s.countryOfOrigin}|${route ?? ''}`;
    let acc = lines.get(key);
    if (!acc) {
      acc = {
        line: {
          cn: s.cn,
          country: s.countryOfOrigin,
          sector: s.sector,
          route,
          unit,
          indirectCounted: counted,
          shipments: 0,
        },
        mass: ZERO,
        direct: ZERO,
        indirect: ZERO,
        fromDefaults: ZERO,
        massFromDefaults: ZERO,
        files: new Map(),
      };
      lines.set(key, acc);
    }
    acc.line.shipments += 1;
    acc.mass = acc.mass.plus(mass);
    let see: { direct: string; indirect: string | null } | null = null;
    let source: LinkedShipment['source'];
    if (hit) {
      see = { direct: hit.good.seeDirect, indirect: hit.good.seeIndirect };
      source = 'supplier';
      acc.files.set(hit.file.id, {
        id: hit.file.id,
        version: hit.file.version,
        installation: hit.file.installation,
      });
    } else {
      const dv = snapshot.defaultValue(s.countryOfOrigin, s.cn);
      if (dv) {
        see = { direct: dv.direct, indirect: dv.indirect };
        source = 'default';
      } else source = 'missing';
    }
    if (!see) {
      warnings.push(
        `shipment ${s.reference}: no supplier data and no default value for CN ${s.cn} from ${s.countryOfOrigin}; its emissions are missing`,
      );
      linked.push({ ...s, unit, linked: null, source, direct: null, indirect: null, total: null });
      continue;
    }
    const direct = mass.times(see.direct);
    const indirect = counted ? mass.times(see.indirect ?? 0) : ZERO;
    acc.direct = acc.direct.plus(direct);
    acc.indirect = acc.indirect.plus(indirect);
    if (source === 'default') {
      acc.fromDefaults = acc.fromDefaults.plus(direct).plus(indirect);
      acc.massFromDefaults = acc.massFromDefaults.plus(mass);
    }
    linked.push({
      ...s,
      unit,
      linked: hit ? { supplierFileId: hit.file.id, version: hit.file.version } : null,
      source,
      direct: fmt(direct),
      indirect: fmt(indirect),
      total: fmt(direct.plus(indirect)),
    });
  }
  const out: DeclarationLine[] = [];
  let tMass = ZERO;
  let tElec = ZERO;
  let tDirect = ZERO;
  let tIndirect = ZERO;
  for (const acc of [...lines.values()].sort((a, b) =>
    a.line.cn === b.line.cn
      ? a.line.country === b.line.country
        ? (a.line.route ?? '').localeCompare(b.line.route ?? '')
        : a.line.country.localeCompare(b.line.country)
      : a.line.cn.localeCompare(b.line.cn),
  )) {
    const total = acc.direct.plus(acc.indirect);
    const share = total.isZero()
      ? acc.mass.isZero()
        ? ZERO
        : acc.massFromDefaults.dividedBy(acc.mass)
      : acc.fromDefaults.dividedBy(total);
    out.push({
      ...acc.line,
      netMass: fmt(acc.mass),
      direct: fmt(acc.direct),
      indirect: fmt(acc.indirect),
      total: fmt(total),
      defaultShare: share.toDecimalPlaces(4, Decimal.ROUND_HALF_UP).toFixed(),
      supplierFiles: [...acc.files.values()],
    });
    if (acc.line.unit === 'MWh') tElec = tElec.plus(acc.mass);
    else tMass = tMass.plus(acc.mass);
    tDirect = tDirect.plus(acc.direct);
    tIndirect = tIndirect.plus(acc.indirect);
  }
  return {
    year: snapshot.year,
    shipments: linked,
    lines: out,
    totals: {
      netMass: fmt(tMass),
      electricity: fmt(tElec),
      direct: fmt(tDirect),
      indirect: fmt(tIndirect),
      total: fmt(tDirect.plus(tIndirect)),
    },
    deMinimis: deMinimisOf(snapshot.year, shipments, deMinimis),
    complete: warnings.length === 0,
    warnings,
  };
}
