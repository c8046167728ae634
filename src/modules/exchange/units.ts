import { Decimal } from 'decimal.js';
import { convert, parseUnit } from '../../kernel/units.js';

/**
 * GreenTrade declared units (free text such as `t`, `kWh`, `item`) as PACT's declared units.
 * A GreenTrade result is per ONE `unit` (`perUnit: "1 t"`); PACT's declared unit is
 * `declaredUnitAmount` × `declaredUnitOfMeasurement`, and the emissions are per that. So `1 t`
 * becomes 1000 kilogram and the emissions stay as they are: no value is rescaled.
 * `massKg` is the product mass of that declared unit when the unit itself is a mass;
 * `massless` marks energy and logistics units, for which PACT says the mass SHALL be 0.
 */
export interface PactUnit {
  unit:
    | 'liter'
    | 'kilogram'
    | 'cubic meter'
    | 'kilowatt hour'
    | 'megajoule'
    | 'ton kilometer'
    | 'square meter'
    | 'piece'
    | 'hour';
  amount: Decimal;
  massKg: Decimal | null;
  massless: boolean;
}

// The GreenTrade units PACT can express, by their canonical symbol in src/kernel/units.ts (which
// resolves aliases: `tonne`, `litre`, `pcs`...): PACT's unit, the kernel unit it is, and its kind.
const PACT_UNITS: Record<string, [PactUnit['unit'], string, 'mass' | 'massless' | 'other']> = {
  kg: ['kilogram', 'kg', 'mass'],
  t: ['kilogram', 'kg', 'mass'],
  g: ['kilogram', 'kg', 'mass'],
  L: ['liter', 'L', 'other'],
  m3: ['cubic meter', 'm3', 'other'],
  m2: ['square meter', 'm2', 'other'],
  kWh: ['kilowatt hour', 'kWh', 'massless'],
  MWh: ['kilowatt hour', 'kWh', 'massless'],
  MJ: ['megajoule', 'MJ', 'massless'],
  GJ: ['megajoule', 'MJ', 'massless'],
  't·km': ['ton kilometer', 't·km', 'massless'],
  item: ['piece', 'item', 'other'],
  h: ['hour', 'h', 'massless'],
};

/** The PACT declared unit for one GreenTrade `unit`, or null when PACT has none for it. */
export function pactUnit(unit: string): PactUnit | null {
  const known = parseUnit(unit);
  const row = known ? PACT_UNITS[known.symbol] : undefined;
  if (!known || !row) return null;
  const amount = new Decimal(convert(1, known.symbol, row[1], 'declaredUnit.unit').toString());
  return { unit: row[0], amount, massKg: row[2] === 'mass' ? amount : null, massless: row[2] === 'massless' };
}

/** Decimal as PACT writes it: plain notation, no exponent, no trailing zeros. */
export const dec = (d: Decimal | string): string => {
  const v = new Decimal(d);
  return (v.isZero() ? new Decimal(0) : v).toFixed();
};
