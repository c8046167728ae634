// The cost part's arithmetic over plain inputs: the EU ETS price series (CSV), the price of a year,
// certificates owed per declaration line, and the projection to 2034. No database, no rules
// lookups: the service feeds these functions what it read, so every figure is testable by hand.
// Legal references and the rounding choices are in docs/cbam-cost.md.
import { Decimal } from 'decimal.js';
import { AppError } from '../../../kernel/errors.js';

/** Exact decimals for sums of tonnes and euros (no binary floats anywhere in the cost). */
export const D = Decimal.clone({
  precision: 60,
  rounding: Decimal.ROUND_HALF_UP,
  toExpNeg: -100,
  toExpPos: 100,
});
export type Dec = InstanceType<typeof D>;

/** First year of the definitive period: certificates are owed for imports from 2026 on. */
export const FIRST_YEAR = 2026;
/** Free allocation ends in 2034 (Directive 2003/87/EC Art. 10a(1a)); the projection stops there. */
export const LAST_PROJECTION_YEAR = 2034;
/** Regulation (EU) 2023/956 Art. 20 as amended by (EU) 2025/2083: sales open on 1 February 2027. */
export const CERTIFICATES_ON_SALE_FROM = '2027-02-01';

export const PRICE_KINDS = ['quarterly', 'weekly'] as const;
export type PriceKind = (typeof PRICE_KINDS)[number];

export interface PricePeriod {
  periodStart: string;
  periodEnd: string;
  /** EUR per certificate (one tonne CO2e), a decimal string. */
  priceEur: string;
  kind: PriceKind;
}

export const PRICE_CSV_HEADER = ['periodStart', 'periodEnd', 'priceEur', 'kind'] as const;
/** A price file of 20 years of weekly prices is ~1,040 rows; more is a mistake. */
export const MAX_PRICE_ROWS = 5000;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const POSITIVE_DECIMAL = /^\d{1,9}(\.\d{1,6})?$/;

const utc = (iso: string): Date | null => {
  if (!ISO_DATE.test(iso)) return null;
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso ? null : d;
};
const addDays = (iso: string, days: number): string =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The calendar quarter [start, end] a date falls in. */
export function quarterOf(iso: string): { start: string; end: string; quarter: number } {
  const y = Number(iso.slice(0, 4));
  const q = Math.floor((Number(iso.slice(5, 7)) - 1) / 3) + 1;
  const start = `${y}-${String((q - 1) * 3 + 1).padStart(2, '0')}-01`;
  const end = addDays(q === 4 ? `${y + 1}-01-01` : `${y}-${String(q * 3 + 1).padStart(2, '0')}-01`, -1);
  return { start, end, quarter: q };
}

/** Which kind of price the law sets for a year: quarterly averages in 2026, weekly from 2027 (Art. 21). */
export const kindForYear = (year: number): PriceKind => (year === FIRST_YEAR ? 'quarterly' : 'weekly');

/** One CSV line split on commas; the file has no quoted fields (dates, a number, a word). */
const cells = (line: string) => line.split(',').map((c) => c.trim());

/**
 * Parses and checks an EU ETS price series: header `periodStart,periodEnd,priceEur,kind`; every
 * error names its line (line 1 is the header). Periods: a calendar quarter of 2026 (kind
 * quarterly), or a calendar week Monday–Sunday from 2027 (kind weekly); no two periods overlap.
 */
export function parsePriceCsv(csv: string): PricePeriod[] {
  const lines = csv.replace(/^\uFEFF/, '').split(/\r?\n/);
  // Lines starting with # are comments (where the prices come from); the header is the first other line.
  const isComment = (l: string) => l.trim().startsWith('#');
  const h = lines.findIndex((l) => !isComment(l));
  const header = cells(h < 0 ? '' : lines[h]!);
  if (header.join(',') !== PRICE_CSV_HEADER.join(','))
    throw new AppError('bad_request', `line ${h + 1}: the header must be ${PRICE_CSV_HEADER.join(',')}`, {
      field: `line ${h + 1}`,
    });
  const rows: (PricePeriod & { line: number })[] = [];
  for (let i = h + 1; i < lines.length; i++) {
    const text = lines[i]!;
    if (text.trim() === '' || isComment(text)) continue;
    const line = i + 1;
    const bad = (message: string): never => {
      throw new AppError('bad_request', `line ${line}: ${message}`, {
        field: `line ${line}`,
        details: { line },
      });
    };
    if (rows.length >= MAX_PRICE_ROWS) bad(`more than ${MAX_PRICE_ROWS} prices in one file`);
    const c = cells(text);
    if (c.length !== 4) bad(`expected 4 fields (${PRICE_CSV_HEADER.join(',')}), found ${c.length}`);
    const [periodStart, periodEnd, priceEur, kind] = c as [string, string, string, string];
    if (!utc(periodStart)) bad(`periodStart "${periodStart.slice(0, 20)}" is not a date (YYYY-MM-DD)`);
    if (!utc(periodEnd)) bad(`periodEnd "${periodEnd.slice(0, 20)}" is not a date (YYYY-MM-DD)`);
    if (periodEnd < periodStart) bad(`periodEnd ${periodEnd} is before periodStart ${periodStart}`);
    if (!POSITIVE_DECIMAL.test(priceEur) || new D(priceEur).lte(0))
      bad(`priceEur "${priceEur.slice(0, 20)}" is not a positive decimal number of euros (e.g. 75.36)`);
    if (!(PRICE_KINDS as readonly string[]).includes(kind))
      bad(`kind "${kind.slice(0, 20)}" is not quarterly or weekly`);
    const year = Number(periodStart.slice(0, 4));
    if (year < FIRST_YEAR) bad(`CBAM certificate prices start in ${FIRST_YEAR}; ${periodStart} is earlier`);
    const want = kindForYear(year);
    if (kind !== want)
      bad(
        want === 'quarterly'
          ? `prices of ${FIRST_YEAR} are quarterly averages (Regulation (EU) 2023/956 Art. 21 as amended), not ${kind}`
          : `prices from ${FIRST_YEAR + 1} are weekly averages (Regulation (EU) 2023/956 Art. 21), not ${kind}`,
      );
    if (want === 'quarterly') {
      const q = quarterOf(periodStart);
      if (periodStart !== q.start || periodEnd !== q.end)
        bad(`a quarterly price covers a calendar quarter (Q${q.quarter}: ${q.start} to ${q.end})`);
    } else {
      // getUTCDay: 1 = Monday. A calendar week, as Implementing Regulation (EU) 2025/2548 averages it.
      if (utc(periodStart)!.getUTCDay() !== 1 || periodEnd !== addDays(periodStart, 6))
        bad(
          `a weekly price covers a calendar week, Monday to Sunday (${periodStart} to ${periodEnd} is not)`,
        );
    }
    rows.push({ periodStart, periodEnd, priceEur: new D(priceEur).toFixed(), kind: kind as PriceKind, line });
  }
  const sorted = [...rows].sort((a, b) =>
    a.periodStart < b.periodStart ? -1 : a.periodStart > b.periodStart ? 1 : a.line - b.line,
  );
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.periodStart <= prev.periodEnd) {
      const [first, second] = prev.line < cur.line ? [prev, cur] : [cur, prev];
      throw new AppError(
        'bad_request',
        `line ${second.line}: period ${second.periodStart}–${second.periodEnd} overlaps line ${first.line} (${first.periodStart}–${first.periodEnd})`,
        { field: `line ${second.line}`, details: { line: second.line } },
      );
    }
  }
  if (rows.length === 0)
    throw new AppError('bad_request', `line ${h + 2}: the file has no prices`, { field: `line ${h + 2}` });
  return sorted.map(({ line: _line, ...p }) => p);
}

/** The price a cost estimate uses for a year: the mean of the year's published prices. */
export interface YearPrice {
  year: number;
  /** EUR per certificate, 2 decimals (the Commission publishes prices to the cent). */
  eurPerCertificate: string;
  kind: PriceKind;
  periods: number;
  /** The mean covers a whole year only with 4 quarters (2026) or every week. */
  complete: boolean;
  rule: string;
}

export function yearPrice(series: readonly PricePeriod[], year: number): YearPrice | null {
  const of = series.filter((p) => p.periodStart.startsWith(`${year}-`));
  if (of.length === 0) return null;
  const sum = of.reduce((s, p) => s.plus(p.priceEur), new D(0));
  const kind = kindForYear(year);
  // ISO years have 52 or 53 Monday-starting weeks; any count ≥ 52 is the whole year.
  const complete = kind === 'quarterly' ? of.length === 4 : of.length >= 52;
  return {
    year,
    eurPerCertificate: sum.div(of.length).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2),
    kind,
    periods: of.length,
    complete,
    rule:
      kind === 'quarterly'
        ? `mean of the ${of.length} quarterly price(s) of ${year}: in ${year} each quarter's average EU ETS auction price applies to the goods imported in that quarter; the estimate weighs the quarters equally`
        : `mean of the ${of.length} weekly price(s) of ${year}: from ${FIRST_YEAR + 1} certificates cost the previous calendar week's average, so the real cost depends on when they are bought`,
  };
}

/** A carbon price effectively paid in the country of origin, per t CO2e (Art. 9). */
export interface CarbonPricePaid {
  instrument?: string | undefined;
  price: string;
  currency: string;
  /** Share of the embedded emissions the price covers, 0–1. */
  coveredShare: string;
  rebate?: string | undefined;
}

/** EUR per unit of a currency, e.g. { CNY: "0.128" }; EUR itself is 1. */
export type EurRates = Readonly<Record<string, string>>;

export interface LineInput {
  /** Embedded emissions of the line, t CO2e (what the declaration counts). */
  embedded: string;
  /** Net mass, t. */
  netMass: string;
  /** Share of free allocation still given (CBAM factor), 0–1. */
  share: string;
  /** EU benchmark, t CO2e per t; null when the good has none (no adjustment). */
  benchmark: string | null;
  carbonPricePaid?: readonly CarbonPricePaid[];
  /** EUR per certificate; needed to turn a carbon price paid into certificates. */
  cbamPrice: string | null;
  eurRates?: EurRates;
}

export interface LineCertificates {
  embedded: string;
  /** share × benchmark × net mass, t CO2e. */
  freeAllocationAdjustment: string;
  /** Certificates the carbon price paid in the country of origin is worth. */
  carbonPriceDeduction: string;
  /** max(0, embedded − adjustment − deduction): an exact decimal. */
  certificates: string;
  notes: string[];
}

/**
 * Certificates one declaration line owes (Regulation (EU) 2023/956 Art. 9, 22 and 31):
 *   adjustment  = share × benchmark × netMass
 *   deduction   = Σ (price − rebate) × EUR rate × coveredShare × embedded / CBAM price
 *   owed        = max(0, embedded − adjustment − deduction)
 */
export function lineCertificates(input: LineInput): LineCertificates {
  const notes: string[] = [];
  const embedded = new D(input.embedded);
  const adjustment =
    input.benchmark === null ? new D(0) : new D(input.share).times(input.benchmark).times(input.netMass);
  if (input.benchmark === null) notes.push('no EU benchmark for this good: no free-allocation adjustment');
  let deduction = new D(0);
  for (const [i, paid] of (input.carbonPricePaid ?? []).entries()) {
    const rate = paid.currency === 'EUR' ? '1' : input.eurRates?.[paid.currency];
    if (rate === undefined) {
      notes.push(`carbon price paid #${i + 1} (${paid.currency}): no EUR exchange rate given, not deducted`);
      continue;
    }
    if (input.cbamPrice === null) {
      notes.push(`carbon price paid #${i + 1}: no CBAM certificate price for the year, not deducted`);
      continue;
    }
    const net = D.max(0, new D(paid.price).minus(paid.rebate ?? 0)).times(rate);
    deduction = deduction.plus(net.times(paid.coveredShare).times(embedded).div(input.cbamPrice));
  }
  const owed = D.max(0, embedded.minus(adjustment).minus(deduction));
  return {
    embedded: embedded.toFixed(),
    freeAllocationAdjustment: adjustment.toFixed(),
    carbonPriceDeduction: deduction.toDecimalPlaces(6, Decimal.ROUND_HALF_UP).toFixed(),
    certificates: owed.toDecimalPlaces(6, Decimal.ROUND_HALF_UP).toFixed(),
    notes,
  };
}

/**
 * Certificates are whole units of one tonne CO2e (Art. 3, definition of 'CBAM certificate'); what one surrenders is a whole number.
 * Surrendering fewer than the emissions declared is a shortfall (Art. 26 penalties), so the whole
 * number is the exact total rounded UP, once, over the declaration (not per line).
 */
export const wholeCertificates = (exact: string | Dec): string => new D(exact).ceil().toFixed(0);

/** EUR, 2 decimals, half-up. */
export const eur = (v: Dec | string | number): string =>
  new D(v).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);

/** Declaration year Y is due 30 September of Y+1 (Art. 6(1) as amended by (EU) 2025/2083). */
export const declarationDue = (year: number): string => `${year + 1}-09-30`;

export interface ProjectionYearInput {
  year: number;
  share: string;
  /** t CO2e per t of good that count this year (direct, plus indirect where the sector counts it). */
  see: string;
  benchmark: string | null;
  priceEur: string;
}

export interface ProjectionRow {
  year: number;
  freeAllocationShare: string;
  /** t CO2e per t counted this year. */
  see: string;
  embedded: string;
  /** t CO2e per t; null when the good has none. */
  benchmark: string | null;
  /** share × benchmark × tonnes, t CO2e. */
  benchmarkAdjustment: string;
  carbonPriceDeduction: string;
  certificates: string;
  wholeCertificates: string;
  priceEur: string;
  /** whole certificates × price. */
  costEur: string;
}

/** One year of the projection of a product line: tonnes a year at a constant SEE. */
export function projectYear(
  y: ProjectionYearInput,
  tonnes: string,
  carbonPricePaidEurPerT: string | null,
): ProjectionRow {
  const embedded = new D(tonnes).times(y.see);
  const line = lineCertificates({
    embedded: embedded.toFixed(),
    netMass: tonnes,
    share: y.share,
    benchmark: y.benchmark,
    cbamPrice: y.priceEur,
    carbonPricePaid:
      carbonPricePaidEurPerT === null
        ? []
        : [{ price: carbonPricePaidEurPerT, currency: 'EUR', coveredShare: '1' }],
  });
  const whole = wholeCertificates(line.certificates);
  return {
    year: y.year,
    freeAllocationShare: new D(y.share).toFixed(),
    see: new D(y.see).toFixed(),
    embedded: embedded.toFixed(),
    benchmark: y.benchmark === null ? null : new D(y.benchmark).toFixed(),
    benchmarkAdjustment: line.freeAllocationAdjustment,
    carbonPriceDeduction: line.carbonPriceDeduction,
    certificates: line.certificates,
    wholeCertificates: whole,
    priceEur: eur(y.priceEur),
    costEur: eur(new D(whole).times(y.priceEur)),
  };
}

/** The price of a projection year: flat, or growing by a yearly rate from 2026. */
export const projectedPrice = (base: string, growthPerYear: string | null, year: number): string =>
  growthPerYear === null
    ? new D(base).toFixed()
    : new D(base)
        .times(new D(1).plus(growthPerYear).pow(year - FIRST_YEAR))
        .toDecimalPlaces(2, Decimal.ROUND_HALF_UP)
        .toFixed(2);
