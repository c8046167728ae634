// The rules of one year, read once from the cbam_* tables and answered synchronously.
import { Decimal } from 'decimal.js';
import type { DefaultValue, RulesSnapshot } from '../contract.js';
import type { CbamSector } from '../model.js';

/** All rule rows, as loaded from the tables (numbers as decimal strings). */
export interface RulesData {
  categories: { code: string; sector: CbamSector; name: string; cnPrefixes: string[]; routes: string[] }[];
  coverage: {
    sector: CbamSector;
    fromYear: number;
    toYear: number | null;
    direct: boolean;
    indirect: boolean;
    source: string;
  }[];
  markups: { sector: string; fromYear: number; toYear: number | null; markup: string; source: string }[];
  freeAllocation: { year: number; share: string; source: string }[];
  deMinimis: {
    fromYear: number;
    toYear: number | null;
    thresholdTonnes: string | null;
    excludedSectors: CbamSector[];
    source: string;
  }[];
  defaults: {
    country: string;
    cn: string;
    fromYear: number;
    toYear: number | null;
    direct: string;
    indirect: string;
    status: 'published' | 'provisional';
    source: string;
  }[];
  grid: { country: string; factor: string; year: number; source: string }[];
  ranges: { category: string; route: string; min: string; max: string; source: string }[];
  benchmarks: {
    category: string;
    route: string;
    benchmark: string;
    value: string;
    fromYear: number;
    toYear: number | null;
    status: 'published' | 'provisional';
    source: string;
  }[];
}

const inYear = (r: { fromYear: number; toYear: number | null }, year: number) =>
  r.fromYear <= year && (r.toYear === null || year <= r.toYear);

/** Decimal strings without trailing zeros or exponent ("1.1", "0.975", "0"). */
export const dec = (d: Decimal | string | number): string => new Decimal(d).toFixed();

export interface GoodsCategoryView {
  code: string;
  sector: CbamSector;
  name: string;
  cnPrefixes: string[];
  routes: string[];
}

/** A RulesSnapshot with the year's other figures, so callers read all of a year's law in one place. */
export class YearRules implements RulesSnapshot {
  private readonly grid: Map<string, { factor: string; source: string }>;
  private readonly defaultsByCountry = new Map<string, RulesData['defaults']>();

  constructor(
    readonly year: number,
    private readonly d: RulesData,
  ) {
    this.grid = new Map(d.grid.map((g) => [g.country, { factor: g.factor, source: g.source }]));
    for (const r of d.defaults.filter((x) => inYear(x, year))) {
      const list = this.defaultsByCountry.get(r.country) ?? [];
      list.push(r);
      this.defaultsByCountry.set(r.country, list);
    }
  }

  categories(): GoodsCategoryView[] {
    return this.d.categories.map((c) => ({ ...c }));
  }

  category(goodsCategory: string): { sector: CbamSector; routes: string[] } | null {
    const c = this.d.categories.find((x) => x.code === goodsCategory);
    return c ? { sector: c.sector, routes: [...c.routes] } : null;
  }

  /**
   * The aggregated goods category of a CN code or prefix: the category with the longest CN prefix
   * that contains the code; for a short prefix, the one category under it when there is only one.
   */
  categoryOf(cn: string): GoodsCategoryView | null {
    let best: GoodsCategoryView | null = null;
    let bestLen = 0;
    for (const c of this.d.categories)
      for (const p of c.cnPrefixes)
        if (cn.startsWith(p) && p.length > bestLen) {
          best = c;
          bestLen = p.length;
        }
    if (best) return { ...best };
    const under = this.d.categories.filter((c) => c.cnPrefixes.some((p) => p.startsWith(cn)));
    return under.length === 1 ? { ...under[0]! } : null;
  }

  countsIndirect(sector: CbamSector): boolean {
    return this.d.coverage.some((c) => c.sector === sector && inYear(c, this.year) && c.indirect);
  }

  /** The coverage rule in force for a sector this year, with its source. */
  coverage(sector: CbamSector): { direct: boolean; indirect: boolean; source: string } | null {
    const c = this.d.coverage.find((x) => x.sector === sector && inYear(x, this.year));
    return c ? { direct: c.direct, indirect: c.indirect, source: c.source } : null;
  }

  gridFactor(country: string): { factor: string; source: string } | null {
    return this.grid.get(country.toUpperCase()) ?? null;
  }

  /** The default-value mark-up of this year for a sector (a sector's own row before the general one); 0 when none. */
  markup(sector: CbamSector | null): { markup: string; source: string | null } {
    const rows = this.d.markups.filter((m) => inYear(m, this.year));
    const own = sector ? rows.find((m) => m.sector === sector) : undefined;
    const general = rows.find((m) => m.sector === '*');
    const m = own ?? general;
    return m ? { markup: m.markup, source: m.source } : { markup: '0', source: null };
  }

  private longest(country: string, cn: string) {
    let best: RulesData['defaults'][number] | undefined;
    for (const r of this.defaultsByCountry.get(country) ?? [])
      if (cn.startsWith(r.cn) && (!best || r.cn.length > best.cn.length)) best = r;
    return best;
  }

  defaultValue(
    country: string,
    cn: string,
  ): (DefaultValue & { status: string; markupSource: string | null }) | null {
    const code = cn.replace(/[\s.]/g, '');
    const c = country.toUpperCase();
    const row = this.longest(c, code) ?? this.longest('OTHER', code);
    if (!row) return null;
    const sector = this.categoryOf(code)?.sector ?? null;
    const { markup, source: markupSource } = this.markup(sector);
    const factor = new Decimal(1).plus(markup);
    const direct = new Decimal(row.direct).times(factor);
    const indirect = new Decimal(row.indirect).times(factor);
    return {
      cn: code,
      country: row.country === 'OTHER' ? 'OTHER' : c,
      year: this.year,
      baseDirect: dec(row.direct),
      baseIndirect: dec(row.indirect),
      markup: dec(markup),
      direct: dec(direct),
      indirect: dec(indirect),
      total: dec(direct.plus(indirect)),
      source: row.source,
      status: row.status,
      markupSource,
    };
  }

  /** All default values in force this year (with mark-up), optionally for one country and its fallback. */
  defaultValues(country?: string): ReturnType<YearRules['defaultValue']>[] {
    const rows = this.d.defaults.filter(
      (r) =>
        inYear(r, this.year) && (!country || r.country === country.toUpperCase() || r.country === 'OTHER'),
    );
    return rows
      .map((r) => this.defaultValue(r.country === 'OTHER' ? 'OTHER' : r.country, r.cn))
      .filter((x) => x !== null);
  }

  plausibleRange(
    goodsCategory: string,
    route: string | null,
  ): { min: string; max: string; source: string } | null {
    const r =
      (route ? this.d.ranges.find((x) => x.category === goodsCategory && x.route === route) : undefined) ??
      this.d.ranges.find((x) => x.category === goodsCategory && x.route === '');
    return r ? { min: dec(r.min), max: dec(r.max), source: r.source } : null;
  }

  freeAllocationShare(): string {
    const r = this.d.freeAllocation.find((x) => x.year === this.year);
    if (r) return dec(r.share);
    // After the last year listed its share holds (0 from 2034); before the first (no CBAM
    // certificates yet), EU producers still got their whole free allocation.
    const sorted = [...this.d.freeAllocation].sort((a, b) => a.year - b.year);
    const last = sorted.at(-1);
    if (last && this.year > last.year) return dec(last.share);
    return '1';
  }

  deMinimis(): { thresholdTonnes: string | null; excludedSectors: CbamSector[]; source: string } {
    const r = this.d.deMinimis.find((x) => inYear(x, this.year));
    return r
      ? {
          thresholdTonnes: r.thresholdTonnes === null ? null : dec(r.thresholdTonnes),
          excludedSectors: [...r.excludedSectors],
          source: r.source,
        }
      : { thresholdTonnes: null, excludedSectors: [], source: 'no de-minimis threshold in force this year' };
  }

  benchmark(
    cn: string,
    route: string | null,
  ): { value: string; source: string; benchmark: string; category: string; status: string } | null {
    const cat = this.categoryOf(cn.replace(/[\s.]/g, ''));
    if (!cat) return null;
    const rows = this.d.benchmarks.filter((b) => b.category === cat.code && inYear(b, this.year));
    const b = (route ? rows.find((x) => x.route === route) : undefined) ?? rows.find((x) => x.route === '');
    return b
      ? {
          value: dec(b.value),
          source: b.source,
          benchmark: b.benchmark,
          category: cat.code,
          status: b.status,
        }
      : null;
  }

  /** The benchmarks in force this year. */
  benchmarks(): {
    category: string;
    route: string | null;
    benchmark: string;
    value: string;
    status: string;
    source: string;
  }[] {
    return this.d.benchmarks
      .filter((b) => inYear(b, this.year))
      .map((b) => ({
        category: b.category,
        route: b.route === '' ? null : b.route,
        benchmark: b.benchmark,
        value: dec(b.value),
        status: b.status,
        source: b.source,
      }));
  }

  /** Every grid factor (t CO2/MWh by country), with the year of its figure. */
  gridFactors(): { country: string; factor: string; year: number; source: string }[] {
    return this.d.grid.map((g) => ({ ...g, factor: dec(g.factor) }));
  }

  /** The free-allocation share of every year listed (the series 2026–2034). */
  freeAllocationSeries(): { year: number; share: string; source: string }[] {
    return [...this.d.freeAllocation]
      .sort((a, b) => a.year - b.year)
      .map((r) => ({ ...r, share: dec(r.share) }));
  }
}
