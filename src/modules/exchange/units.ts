import { Decimal } from 'decimal.js';

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

const TABLE: Record<string, [PactUnit['unit'], string, 'mass' | 'massless' | 'other']> = {
  kg: ['kilogram', '1', 'mass'],
  t: ['kilogram', '1000', 'mass'],
  tonne: ['kilogram', '1000', 'mass'],
  g: ['kilogram', '0.001', 'mass'],
  l: ['liter', '1', 'other'],
  liter: ['liter', '1', 'other'],
  litre: ['liter', '1', 'other'],
  m3: ['cubic meter', '1', 'other'],
  'm³': ['cubic meter', '1', 'other'],
  m2: ['square meter', '1', 'other'],
  'm²': ['square meter', '1', 'other'],
  kwh: ['kilowatt hour', '1', 'massless'],
  mwh: ['kilowatt hour', '1000', 'massless'],
  mj: ['megajoule', '1', 'massless'],
  gj: ['megajoule', '1000', 'massless'],
  tkm: ['ton kilometer', '1', 'massless'],
  't·km': ['ton kilometer', '1', 'massless'],
  't.km': ['ton kilometer', '1', 'massless'],
  item: ['piece', '1', 'other'],
  items: ['piece', '1', 'other'],
  piece: ['piece', '1', 'other'],
  pcs: ['piece', '1', 'other'],
  unit: ['piece', '1', 'other'],
  h: ['hour', '1', 'massless'],
  hour: ['hour', '1', 'massless'],
};

/** The PACT declared unit for one GreenTrade `unit`, or null when PACT has none for it. */
export function pactUnit(unit: string): PactUnit | null {
  const row = TABLE[unit.trim().toLowerCase()];
  if (!row) return null;
  const amount = new Decimal(row[1]);
  return { unit: row[0], amount, massKg: row[2] === 'mass' ? amount : null, massless: row[2] === 'massless' };
}

/** Decimal as PACT writes it: plain notation, no exponent, no trailing zeros. */
export const dec = (d: Decimal | string): string => {
  const v = new Decimal(d);
  return (v.isZero() ? new Decimal(0) : v).toFixed();
};
