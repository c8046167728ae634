import type { Queryable } from '../../../db/index.js';
import { AppError } from '../../../kernel/errors.js';
import { findCode } from '../../classification/store.js';
import { CURRENT_EDITION } from '../../classification/model.js';
import { matchCode, type CompiledList } from '../../classification/matcher.js';
import type { CbamDeps } from '../context.js';
import type { CbamRules, ScopeAnswer } from '../contract.js';
import type { CbamSector } from '../model.js';
import { loadCbamRules } from './reference.js';
import { YearRules, type RulesData } from './snapshot.js';

/**
 * The shipped nomenclature files 9999 / 99 99 99 ("commodities not specified according to kind",
 * a trade-statistics total) under a pseudo-section; they are not goods of HS 2022.
 */
const NOT_GOODS_SECTION = 'TOTAL';
/** The HS heading or subheading a CN code or prefix is checked against. */
const headOf = (code: string): string => code.slice(0, Math.min(6, code.length));

function unknownCode(code: string, field: string, nearest?: unknown): AppError {
  const head = headOf(code);
  return new AppError(
    'bad_request',
    `${field}: ${formatCn(code)} is not a CN code: HS ${head.length === 4 ? 'heading' : 'subheading'} ${formatCn(head)} does not exist in ${CURRENT_EDITION}`,
    { field, details: { cn: code, ...(nearest ? { nearest } : {}) } },
  );
}

/** The classification module's CBAM list (Annex I to Regulation (EU) 2023/956). */
export const CBAM_LIST = 'cbam-annex-i';
/** How many codes one batch scope check takes. */
export const SCOPE_BATCH_MAX = 10_000;

const SECTOR_NAMES: Record<CbamSector, string> = {
  cement: 'cement',
  electricity: 'electricity',
  fertilisers: 'fertilisers',
  iron_steel: 'iron and steel',
  aluminium: 'aluminium',
  hydrogen: 'hydrogen',
};

/** "72085120" → "7208 51 20", as tariffs write CN codes. */
export const formatCn = (code: string): string =>
  code
    .match(/^(\d{4})(\d{2})?(\d{2})?(\d{2})?$/)
    ?.slice(1)
    .filter(Boolean)
    .join(' ') ?? code;

/** A CN code or prefix as typed (spaces and dots allowed) → its digits; malformed → bad_request on `field`. */
export function normalizeCn(raw: unknown, field = 'cn'): string {
  if (typeof raw !== 'string')
    throw new AppError('bad_request', `${field}: a CN code is a string of digits`, { field });
  const code = raw.trim().replace(/[\s.]/g, '');
  if (!/^\d+$/.test(code) || ![4, 6, 8].includes(code.length))
    throw new AppError(
      'bad_request',
      `${field}: "${raw.slice(0, 40)}" is not a CN code: give 8 digits (e.g. 7208 51 20) or a heading/subheading of 4 or 6 digits`,
      { field },
    );
  return code;
}

const toRules = async (db: Queryable): Promise<RulesData> => {
  const [categories, coverage, markups, freeAllocation, deMinimis, defaults, grid, ranges, benchmarks] =
    await Promise.all([
      db.query<{ code: string; sector: CbamSector; name: string; cn_prefixes: string[]; routes: string[] }>(
        'SELECT code, sector, name, cn_prefixes, routes FROM cbam_goods_category ORDER BY sector, code',
      ),
      db.query<{
        sector: CbamSector;
        from_year: number;
        to_year: number | null;
        direct: boolean;
        indirect: boolean;
        source: string;
      }>(
        'SELECT sector, from_year, to_year, direct, indirect, source FROM cbam_coverage ORDER BY sector, from_year',
      ),
      db.query<{ sector: string; from_year: number; to_year: number | null; markup: string; source: string }>(
        'SELECT sector, from_year, to_year, markup::text AS markup, source FROM cbam_markup ORDER BY sector, from_year',
      ),
      db.query<{ year: number; share: string; source: string }>(
        'SELECT year, share::text AS share, source FROM cbam_free_allocation ORDER BY year',
      ),
      db.query<{
        from_year: number;
        to_year: number | null;
        threshold_tonnes: string | null;
        excluded_sectors: CbamSector[];
        source: string;
      }>(
        'SELECT from_year, to_year, threshold_tonnes::text AS threshold_tonnes, excluded_sectors, source FROM cbam_de_minimis ORDER BY from_year',
      ),
      db.query<{
        country: string;
        cn: string;
        from_year: number;
        to_year: number | null;
        direct: string;
        indirect: string;
        status: 'published' | 'provisional';
        source: string;
      }>(
        'SELECT country, cn, from_year, to_year, direct::text AS direct, indirect::text AS indirect, status, source FROM cbam_default_value ORDER BY country, cn, from_year',
      ),
      db.query<{ country: string; factor: string; year: number; source: string }>(
        'SELECT country, factor::text AS factor, year, source FROM cbam_grid_factor ORDER BY country',
      ),
      db.query<{ category: string; route: string; min: string; max: string; source: string }>(
        'SELECT category, route, min::text AS min, max::text AS max, source FROM cbam_plausible_range ORDER BY category, route',
      ),
      db.query<{
        category: string;
        route: string;
        benchmark: string;
        value: string;
        from_year: number;
        to_year: number | null;
        status: 'published' | 'provisional';
        source: string;
      }>(
        'SELECT category, route, benchmark, value::text AS value, from_year, to_year, status, source FROM cbam_benchmark ORDER BY category, route, from_year',
      ),
    ]);
  return {
    categories: categories.map((r) => ({
      code: r.code,
      sector: r.sector,
      name: r.name,
      cnPrefixes: r.cn_prefixes,
      routes: r.routes,
    })),
    coverage: coverage.map((r) => ({
      sector: r.sector,
      fromYear: r.from_year,
      toYear: r.to_year,
      direct: r.direct,
      indirect: r.indirect,
      source: r.source,
    })),
    markups: markups.map((r) => ({
      sector: r.sector,
      fromYear: r.from_year,
      toYear: r.to_year,
      markup: r.markup,
      source: r.source,
    })),
    freeAllocation: freeAllocation.map((r) => ({ year: r.year, share: r.share, source: r.source })),
    deMinimis: deMinimis.map((r) => ({
      fromYear: r.from_year,
      toYear: r.to_year,
      thresholdTonnes: r.threshold_tonnes,
      excludedSectors: r.excluded_sectors,
      source: r.source,
    })),
    defaults: defaults.map((r) => ({
      country: r.country,
      cn: r.cn,
      fromYear: r.from_year,
      toYear: r.to_year,
      direct: r.direct,
      indirect: r.indirect,
      status: r.status,
      source: r.source,
    })),
    grid: grid.map((r) => ({ country: r.country, factor: r.factor, year: r.year, source: r.source })),
    ranges: ranges.map((r) => ({
      category: r.category,
      route: r.route,
      min: r.min,
      max: r.max,
      source: r.source,
    })),
    benchmarks: benchmarks.map((r) => ({
      category: r.category,
      route: r.route,
      benchmark: r.benchmark,
      value: r.value,
      fromYear: r.from_year,
      toYear: r.to_year,
      status: r.status,
      source: r.source,
    })),
  };
};

/**
 * The CBAM rules: scope by CN code (the classification module's Annex I list) and the law that is
 * data (data/cbam/*.csv, loaded into tables): goods categories and routes, coverage of indirect
 * emissions, default values with their mark-ups, de-minimis, free-allocation shares, benchmarks,
 * grid factors and plausibility ranges.
 */
export class RulesService implements CbamRules {
  private loaded: Promise<RulesData> | undefined;
  private shippedLoaded = false;
  private readonly years = new Map<number, YearRules>();

  constructor(readonly deps: CbamDeps) {}

  /** Loads the shipped rules (idempotent) on first use, then reads them once. */
  private data(): Promise<RulesData> {
    this.loaded ??= (async () => {
      if (!this.shippedLoaded) {
        await loadCbamRules(this.deps.db);
        this.shippedLoaded = true;
      }
      return toRules(this.deps.db);
    })();
    this.loaded.catch(() => (this.loaded = undefined));
    return this.loaded;
  }

  /** Forgets what was read, so the next call reads the tables again (after loadCbamRules wrote new rules). */
  reload(): void {
    this.loaded = undefined;
    this.years.clear();
  }

  async snapshot(year: number): Promise<YearRules> {
    if (!Number.isInteger(year) || year < 2023 || year > 2100)
      throw new AppError('bad_request', `year: ${year} is not a CBAM year (2023 or later)`, {
        field: 'year',
      });
    const data = await this.data();
    let y = this.years.get(year);
    if (!y) {
      y = new YearRules(year, data);
      this.years.set(year, y);
    }
    return y;
  }

  async deMinimis(year: number) {
    return (await this.snapshot(year)).deMinimis();
  }

  async freeAllocationShare(year: number): Promise<string> {
    return (await this.snapshot(year)).freeAllocationShare();
  }

  async benchmark(cn: string, route: string | null, year = new Date().getUTCFullYear()) {
    const code = normalizeCn(cn);
    const b = (await this.snapshot(year)).benchmark(code, route);
    return b;
  }

  /** The goods categories, each with whether its indirect emissions count in the year. */
  async categories(year: number) {
    const y = await this.snapshot(year);
    return y.categories().map((c) => ({ ...c, countsIndirect: y.countsIndirect(c.sector) }));
  }

  /** Default values in force in a year with its mark-up: for one CN code (and a country), or all (of a country and the fallback). */
  async defaults(year: number, opts: { country?: string | undefined; cn?: string | undefined } = {}) {
    const y = await this.snapshot(year);
    const country = opts.country?.toUpperCase();
    if (opts.cn !== undefined) {
      const code = normalizeCn(opts.cn);
      if (country) {
        const one = y.defaultValue(country, code);
        return one ? [one] : [];
      }
      // Rows for the code itself, a prefix containing it, or codes under it (for a 4/6-digit prefix).
      return y
        .defaultValues()
        .filter((d) => d !== null && (d.cn.startsWith(code) || code.startsWith(d.cn)))
        .map((d) => d!);
    }
    return y
      .defaultValues(country)
      .filter((d) => d !== null)
      .map((d) => d!);
  }

  async freeAllocationSeries() {
    return (await this.snapshot(2026)).freeAllocationSeries();
  }

  /** Grid factors and the benchmarks in force in a year. */
  async factors(year: number) {
    const y = await this.snapshot(year);
    return { gridFactors: y.gridFactors(), benchmarks: y.benchmarks() };
  }

  async scope(cn: string, asOf?: string): Promise<ScopeAnswer> {
    const code = normalizeCn(cn);
    // A heading or subheading that HS 2022 does not have is an unknown code, not "out of scope".
    let known: boolean;
    let nearest: unknown;
    try {
      const detail = await this.deps.classification.getCode(headOf(code), 'system', asOf);
      known = detail.section.id !== NOT_GOODS_SECTION;
    } catch (e) {
      if (!(e instanceof AppError && e.code === 'not_found')) throw e;
      known = false;
      nearest = (e.details as { nearest?: unknown } | undefined)?.nearest;
    }
    if (!known) throw unknownCode(code, 'cn', nearest);
    const [answer] = await this.answer([code], asOf);
    return answer!;
  }

  /** Up to 10,000 codes at once; malformed or unknown codes are reported together, by position. */
  async scopeMany(codes: readonly unknown[], asOf?: string): Promise<ScopeAnswer[]> {
    if (codes.length > SCOPE_BATCH_MAX)
      throw new AppError(
        'bad_request',
        `codes: at most ${SCOPE_BATCH_MAX} codes at once (got ${codes.length})`,
        { field: 'codes' },
      );
    const bad: { index: number; value: string; problem: string }[] = [];
    const normal = codes.map((c, index) => {
      try {
        return normalizeCn(c, `codes.${index}`);
      } catch {
        bad.push({ index, value: String(c).slice(0, 40), problem: 'malformed' });
        return '';
      }
    });
    // One look-up per distinct heading/subheading (a batch repeats them a lot).
    const heads = [...new Set(normal.filter(Boolean).map(headOf))];
    const known = new Set<string>();
    for (const h of heads) {
      const row = await findCode(this.deps.db, CURRENT_EDITION, h);
      if (row && row.section !== NOT_GOODS_SECTION) known.add(h);
    }
    normal.forEach((c, index) => {
      if (c && !known.has(headOf(c)))
        bad.push({ index, value: String(codes[index]).slice(0, 40), problem: `not in ${CURRENT_EDITION}` });
    });
    if (bad.length > 0) {
      bad.sort((a, b) => a.index - b.index);
      throw new AppError(
        'bad_request',
        `${bad.length} bad CN code(s): ${bad
          .slice(0, 10)
          .map((b) => `codes.${b.index}="${b.value}" (${b.problem})`)
          .join(', ')}`,
        { field: `codes.${bad[0]!.index}`, details: { invalid: bad.slice(0, 1000) } },
      );
    }
    return this.answer(normal, asOf);
  }

  private async answer(codes: string[], asOf: string | undefined): Promise<ScopeAnswer[]> {
    const [classified, lists, rules] = await Promise.all([
      this.deps.classification.classify(codes, 'system', { lists: [CBAM_LIST], asOf }),
      this.deps.classification.matchers('system', { lists: [CBAM_LIST], asOf }),
      this.snapshot(asOf ? Number(asOf.slice(0, 4)) : new Date().getUTCFullYear()).catch(() =>
        this.snapshot(2026),
      ),
    ]);
    const list = lists[0]!;
    return classified.results.map((r, i) => {
      const code = codes[i]!;
      const m = r.memberships[0]!;
      return explain(code, m.status, m.categories as CbamSector[], list, rules);
    });
  }
}

/** The Annex I entries that contain a code (shortest first). */
function containing(list: CompiledList, code: string) {
  const out = [];
  for (let len = 2; len <= code.length; len += 2) out.push(...(list.byCode.get(code.slice(0, len)) ?? []));
  return out;
}

function explain(
  code: string,
  status: 'full' | 'partial' | 'none',
  sectors: CbamSector[],
  list: CompiledList,
  rules: YearRules,
): ScopeAnswer {
  const cn = formatCn(code);
  const what = code.length === 8 ? `CN ${cn}` : code.length === 6 ? `Subheading ${cn}` : `Heading ${cn}`;
  const inside = containing(list, code);
  const include = inside.filter((e) => e.rule === 'include').at(-1);
  const exclude = inside.filter((e) => e.rule === 'exclude').at(-1);
  const m = matchCode(list, code);
  if (status === 'none') {
    if (include && exclude)
      return {
        cn: code,
        inScope: false,
        sector: null,
        reason: `${cn} is excluded from ${formatCn(include.code)} by Annex I${exclude.scopeNote ? ` (${exclude.scopeNote})` : ''}`,
        goodsCategory: null,
      };
    return {
      cn: code,
      inScope: false,
      sector: null,
      reason: `${what} is not in Annex I to Regulation (EU) 2023/956 (not a CBAM good)`,
      goodsCategory: null,
    };
  }
  const sector = (sectors[0] ?? include?.category ?? m.entries[0]?.category ?? null) as CbamSector | null;
  const sectorName = sector ? SECTOR_NAMES[sector] : 'CBAM goods';
  const goodsCategory = rules.categoryOf(code)?.code ?? null;
  if (status === 'full')
    return {
      cn: code,
      inScope: true,
      sector,
      reason: `${what} is under Annex I entry ${formatCn(include!.code)} (${sectorName})`,
      goodsCategory,
    };
  // Partial: a prefix of which Annex I takes part, or from which it carves some codes out.
  const narrowerExcluded = m.entries.filter((e) => e.rule === 'exclude').map((e) => formatCn(e.code));
  const narrowerIncluded = m.entries
    .filter((e) => e.rule === 'include' && e.code.length > code.length)
    .map((e) => formatCn(e.code));
  const reason = include
    ? `${what} is under Annex I entry ${formatCn(include.code)} (${sectorName}), except ${narrowerExcluded.join(', ')}, which Annex I excludes; check the 8-digit CN code`
    : `Part of ${what.toLowerCase().startsWith('cn') ? what : what.charAt(0).toLowerCase() + what.slice(1)} is in Annex I (${sectorName}): ${narrowerIncluded.join(', ')}; check the 8-digit CN code`;
  return { cn: code, inScope: true, sector, reason, goodsCategory };
}
