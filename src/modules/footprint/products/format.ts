import { Decimal } from 'decimal.js';

/** A decimal for reading: at most `dp` places, thousands separated; the JSON keeps every digit. */
export function fmt(v: string | null | undefined, dp = 3): string {
  if (v === null || v === undefined) return '–';
  const [int, frac] = new Decimal(v).toDecimalPlaces(dp).toFixed().split('.');
  return int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (frac ? `.${frac}` : '');
}
