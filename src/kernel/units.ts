/**
 * Units of measure checked by dimension. A quantity is converted only within its dimension:
 * an emission factor per kWh applied to tonnes is an error, never a number. Conversions are
 * exact decimals (decimal.js), so a declared total is the same on every machine.
 *
 * Currencies are dimensions of their own (USD is not EUR): converting between them needs an
 * exchange rate for a date, which is data, not a unit.
 */
import { Decimal } from 'decimal.js';
import { AppError } from './errors.js';

export type Dimension =
  | 'mass'
  | 'energy'
  | 'volume'
  | 'length'
  | 'area'
  | 'time'
  | 'count'
  | 'transport' // mass × distance (t·km)
  | 'passenger_transport' // person × distance (p·km)
  | `currency:${string}`;

export interface UnitDef {
  /** The canonical symbol (`kWh`, `t`, `t·km`). */
  symbol: string;
  dimension: Dimension;
  /** How many of the dimension's base unit one of this unit is (exact). */
  factor: Decimal;
}

const d = (v: string | number) => new Decimal(v);
// Conversions run at 60 significant digits: decimal.js's default of 20 would round a long amount.
const Exact = Decimal.clone({ precision: 60, toExpNeg: -100, toExpPos: 100 });

// Base units: kg, MJ, m3, km, m2, h, item, t·km, p·km. Factors are exact by definition
// (1 kWh = 3.6 MJ; 1 Btu (IT) = 1055.05585262 J; 1 US gal = 3.785411784 L; 1 lb = 0.45359237 kg).
const DEFS: [symbol: string, dimension: Dimension, factor: string, aliases: string[]][] = [
  ['g', 'mass', '0.001', ['gram', 'grams']],
  ['kg', 'mass', '1', ['kilogram', 'kilograms', 'kgs']],
  ['t', 'mass', '1000', ['tonne', 'tonnes', 'metric ton', 'mt', 'ton (metric)']],
  ['kt', 'mass', '1000000', ['Gg', 'kilotonne', 'kilotonnes']],
  ['Mt', 'mass', '1000000000', ['megatonne', 'megatonnes']],
  ['lb', 'mass', '0.45359237', ['lbs', 'pound', 'pounds']],
  ['J', 'energy', '0.000001', ['joule']],
  ['kJ', 'energy', '0.001', []],
  ['MJ', 'energy', '1', ['megajoule']],
  ['GJ', 'energy', '1000', ['gigajoule']],
  ['TJ', 'energy', '1000000', ['terajoule']],
  ['Wh', 'energy', '0.0036', []],
  ['kWh', 'energy', '3.6', ['kwh', 'KWH', 'kilowatt hour', 'kilowatt-hour']],
  ['MWh', 'energy', '3600', ['mwh', 'MWH', 'megawatt hour', 'megawatt-hour']],
  ['GWh', 'energy', '3600000', ['gwh', 'GWH']],
  ['therm', 'energy', '105.505585262', ['thm', 'therms']],
  ['MMBtu', 'energy', '1055.05585262', ['mmbtu']],
  ['mL', 'volume', '0.000001', ['ml']],
  ['L', 'volume', '0.001', ['l', 'litre', 'liter', 'litres', 'liters']],
  ['m3', 'volume', '1', ['m³', 'cubic metre', 'cubic meter']],
  ['gal', 'volume', '0.003785411784', ['US gal', 'gallon', 'gallons']],
  ['m', 'length', '0.001', ['metre', 'meter']],
  ['km', 'length', '1', ['kilometre', 'kilometer']],
  ['mi', 'length', '1.609344', ['mile', 'miles']],
  ['m2', 'area', '1', ['m²', 'square metre', 'square meter']],
  ['ha', 'area', '10000', ['hectare', 'hectares']],
  ['h', 'time', '1', ['hour', 'hours', 'hr']],
  ['d', 'time', '24', ['day', 'days']],
  ['a', 'time', '8760', ['year', 'yr']],
  ['item', 'count', '1', ['items', 'p', 'pc', 'pcs', 'piece', 'pieces', 'unit', 'units']],
  ['kg·km', 'transport', '0.001', ['kgkm', 'kg*km', 'kg.km', 'kg km']],
  ['t·km', 'transport', '1', ['tkm', 't*km', 't.km', 't km', 'tonne-km', 'tonne km', 'tonne·km']],
  ['p·km', 'passenger_transport', '1', ['pkm', 'p*km', 'passenger km', 'passenger-km']],
];

// ISO 4217 codes we accept as units; amounts in different currencies never mix.
const CURRENCIES = ['USD', 'EUR', 'CNY', 'GBP', 'JPY', 'KRW', 'INR', 'CHF', 'CAD', 'AUD', 'SGD', 'HKD'];

const BY_SYMBOL = new Map<string, UnitDef>();
for (const [symbol, dimension, factor, aliases] of DEFS) {
  const def: UnitDef = { symbol, dimension, factor: d(factor) };
  for (const name of [symbol, ...aliases]) BY_SYMBOL.set(name, def);
}
for (const c of CURRENCIES) BY_SYMBOL.set(c, { symbol: c, dimension: `currency:${c}`, factor: d(1) });

/** The unit for a symbol or alias (`kWh`, `tkm`, `tonne`), or null when we do not know it. */
export function parseUnit(symbol: string): UnitDef | null {
  const s = symbol.trim();
  return BY_SYMBOL.get(s) ?? BY_SYMBOL.get(s.toLowerCase()) ?? null;
}

/** Every canonical unit symbol, for documentation and pickers. */
export const UNIT_SYMBOLS: readonly string[] = [...DEFS.map(([s]) => s), ...CURRENCIES];

/** The unit, or a 400 naming `field` when it is unknown. */
export function requireUnit(symbol: string, field: string): UnitDef {
  const unit = parseUnit(symbol);
  if (!unit) {
    throw new AppError('validation_failed', `${field}: unknown unit "${symbol}"`, {
      field,
      details: { known: UNIT_SYMBOLS },
    });
  }
  return unit;
}

/**
 * The amount expressed in `to`. Refuses, naming `field`, a unit it does not know or a
 * conversion across dimensions (kWh to t, USD to EUR).
 */
export function convert(amount: Decimal.Value, from: string, to: string, field: string): Decimal {
  const a = requireUnit(from, field);
  const b = requireUnit(to, field);
  if (a.dimension !== b.dimension) {
    throw new AppError(
      'validation_failed',
      `${field}: cannot use ${from} (${a.dimension}) where ${to} (${b.dimension}) is needed`,
      { field, details: { from, to, fromDimension: a.dimension, toDimension: b.dimension } },
    );
  }
  const value = new Exact(amount instanceof Decimal ? amount.toString() : amount);
  return a.factor.equals(b.factor) ? value : value.times(a.factor).dividedBy(b.factor);
}

/** True when a quantity in `a` can be converted to `b`. */
export const sameDimension = (a: string, b: string): boolean => {
  const ua = parseUnit(a);
  const ub = parseUnit(b);
  return ua !== null && ub !== null && ua.dimension === ub.dimension;
};
