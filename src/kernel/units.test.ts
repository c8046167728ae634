import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { convert, parseUnit, sameDimension } from './units.js';

describe('units', () => {
  it('converts within a dimension by the definitions (hand-checked)', () => {
    // 1 MWh = 1000 kWh; 1 kWh = 3.6 MJ, so 2.5 GJ = 2500 MJ / 3.6 = 694.444... kWh
    expect(convert('1', 'MWh', 'kWh', 'x').toString()).toBe('1000');
    expect(convert('2.5', 'GJ', 'kWh', 'x').toFixed(6)).toBe('694.444444');
    // 1 lb = 0.45359237 kg exactly
    expect(convert('100', 'lb', 'kg', 'x').toString()).toBe('45.359237');
    // 12 t transported 250 km = 3000 t·km = 3,000,000 kg·km
    expect(convert('3000', 'tkm', 'kg·km', 'x').toString()).toBe('3000000');
    expect(convert('3.785411784', 'L', 'gal', 'x').toString()).toBe('1');
  });

  it('knows aliases and refuses what it does not know', () => {
    expect(parseUnit('tonnes')?.symbol).toBe('t');
    expect(parseUnit('KWH')?.symbol).toBe('kWh');
    expect(parseUnit('furlong')).toBeNull();
    expect(sameDimension('kWh', 'GJ')).toBe(true);
    expect(sameDimension('kWh', 't')).toBe(false);
  });

  it('refuses a conversion across dimensions, naming the field', () => {
    const attempt = () => convert('1', 'kWh', 't', 'inputs.2.unit');
    expect(attempt).toThrow(AppError);
    expect(attempt).toThrow(/inputs\.2\.unit: cannot use kWh \(energy\) where t \(mass\)/);
    expect(() => convert('1', 'USD', 'EUR', 'spend')).toThrow(/currency:USD/);
    expect(() => convert('1', 'bushel', 'kg', 'amount')).toThrow(/amount: unknown unit "bushel"/);
  });
});
