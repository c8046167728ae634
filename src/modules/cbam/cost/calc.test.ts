import { describe, expect, it } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import {
  declarationDue,
  lineCertificates,
  parsePriceCsv,
  projectYear,
  projectedPrice,
  wholeCertificates,
  yearPrice,
} from './calc.js';

const HEADER = 'periodStart,periodEnd,priceEur,kind';
const Q2026 = [
  '2026-01-01,2026-03-31,75.36,quarterly',
  '2026-04-01,2026-06-30,70,quarterly',
  '2026-07-01,2026-09-30,72.50,quarterly',
  '2026-10-01,2026-12-31,80.1,quarterly',
];

/** The error a call throws, for asserting its message and field. */
function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

describe('EU ETS price CSV', () => {
  it('reads quarterly 2026 and weekly 2027 prices, sorted by period', () => {
    const rows = parsePriceCsv(
      [HEADER, '2027-01-04,2027-01-10,81.2,weekly', ...Q2026.slice().reverse(), ''].join('\r\n'),
    );
    expect(rows.map((r) => r.periodStart)).toEqual([
      '2026-01-01',
      '2026-04-01',
      '2026-07-01',
      '2026-10-01',
      '2027-01-04',
    ]);
    expect(rows[2]).toEqual({
      periodStart: '2026-07-01',
      periodEnd: '2026-09-30',
      priceEur: '72.5',
      kind: 'quarterly',
    });
  });

  it('names the line of each error', () => {
    const cases: [string[], number, RegExp][] = [
      [['periodStart,periodEnd,price,kind'], 1, /header/],
      [[HEADER, Q2026[0]!, '2026-04-01,2026-06-31,70,quarterly'], 3, /periodEnd .* not a date/],
      [[HEADER, '2026-01-01,2026-03-31,-5,quarterly'], 2, /positive decimal/],
      [[HEADER, '2026-01-01,2026-03-31,0,quarterly'], 2, /positive decimal/],
      [[HEADER, '2026-01-01,2026-03-31,7e1,quarterly'], 2, /positive decimal/],
      [[HEADER, '2026-01-01,2026-03-31,75'], 2, /4 fields/],
      [[HEADER, '2026-01-01,2026-03-31,75,monthly'], 2, /not quarterly or weekly/],
      [[HEADER, '2025-10-01,2025-12-31,75,quarterly'], 2, /start in 2026/],
      // The year rule: 2026 is quarterly, 2027 on is weekly.
      [[HEADER, Q2026[0]!, '2026-04-06,2026-04-12,70,weekly'], 3, /2026 are quarterly/],
      [[HEADER, '2027-01-01,2027-03-31,80,quarterly'], 2, /from 2027 are weekly/],
      [[HEADER, '2026-01-01,2026-02-28,75,quarterly'], 2, /calendar quarter/],
      [[HEADER, '2027-01-05,2027-01-11,80,weekly'], 2, /Monday to Sunday/],
      [[HEADER, '2026-03-31,2026-01-01,75,quarterly'], 2, /before periodStart/],
      // The same quarter twice: the later line is named, with the line it overlaps.
      [[HEADER, ...Q2026, '2026-04-01,2026-06-30,71,quarterly'], 6, /overlaps line 3/],
      [[HEADER, ''], 2, /no prices/],
    ];
    for (const [lines, line, message] of cases) {
      const e = errorOf(() => parsePriceCsv(lines.join('\n')));
      expect(e.status, lines.join(' | ')).toBe(400);
      expect(e.message).toMatch(new RegExp(`^line ${line}: `));
      expect(e.message).toMatch(message);
      expect(e.field).toBe(`line ${line}`);
    }
  });
});

describe('price of a year', () => {
  it('is the mean of the quarterly prices, to the cent', () => {
    // (75.36 + 70 + 72.50 + 80.10) / 4 = 297.96 / 4 = 74.49
    const p = yearPrice(parsePriceCsv([HEADER, ...Q2026].join('\n')), 2026)!;
    expect(p).toMatchObject({ eurPerCertificate: '74.49', kind: 'quarterly', periods: 4, complete: true });
    // Two quarters only: (75.36 + 70) / 2 = 72.68, flagged incomplete.
    const half = yearPrice(parsePriceCsv([HEADER, ...Q2026.slice(0, 2)].join('\n')), 2026)!;
    expect(half).toMatchObject({ eurPerCertificate: '72.68', periods: 2, complete: false });
    expect(yearPrice(parsePriceCsv([HEADER, ...Q2026].join('\n')), 2027)).toBeNull();
  });
});

describe('certificates of a declaration line', () => {
  it('1,000 t at SEE 1.9 with benchmark 1.37 and share 0.975 (2026)', () => {
    // embedded = 1000 × 1.9 = 1900 t CO2e
    // adjustment = 0.975 × 1.37 × 1000 = 1335.75 t CO2e
    // owed = 1900 − 1335.75 = 564.25 certificates → 565 whole certificates
    const c = lineCertificates({
      embedded: '1900',
      netMass: '1000',
      share: '0.975',
      benchmark: '1.37',
      cbamPrice: '75.36',
    });
    expect(c).toMatchObject({
      embedded: '1900',
      freeAllocationAdjustment: '1335.75',
      carbonPriceDeduction: '0',
      certificates: '564.25',
    });
    expect(wholeCertificates(c.certificates)).toBe('565');
    // an exact whole number is not rounded up further
    expect(wholeCertificates('564')).toBe('564');
  });

  it('deducts a carbon price paid in another currency at the rate given, net of rebates', () => {
    // 100 CNY/t × 0.128 EUR/CNY = 12.80 EUR/t, covering half of 1900 t = 950 t:
    // 12.80 × 950 / 80 EUR per certificate = 152 certificates
    const paid = { price: '100', currency: 'CNY', coveredShare: '0.5' };
    const base = { embedded: '1900', netMass: '1000', share: '0', benchmark: '1.37', cbamPrice: '80' };
    expect(lineCertificates({ ...base, carbonPricePaid: [paid], eurRates: { CNY: '0.128' } })).toMatchObject({
      carbonPriceDeduction: '152',
      certificates: '1748', // 1900 − 0 − 152
    });
    // A 20 CNY rebate: (100 − 20) × 0.128 = 10.24 EUR/t; 10.24 × 950 / 80 = 121.6
    expect(
      lineCertificates({ ...base, carbonPricePaid: [{ ...paid, rebate: '20' }], eurRates: { CNY: '0.128' } })
        .carbonPriceDeduction,
    ).toBe('121.6');
    // No rate: nothing deducted, and said so.
    const noRate = lineCertificates({ ...base, carbonPricePaid: [paid] });
    expect(noRate.carbonPriceDeduction).toBe('0');
    expect(noRate.notes.join(' ')).toMatch(/no EUR exchange rate/);
  });

  it('never owes fewer than zero certificates', () => {
    // adjustment 0.975 × 2.0 × 1000 = 1950 > 1900 embedded → 0
    expect(
      lineCertificates({
        embedded: '1900',
        netMass: '1000',
        share: '0.975',
        benchmark: '2.0',
        cbamPrice: null,
      }).certificates,
    ).toBe('0');
  });
});

describe('projection of a product line', () => {
  const SHARES: [number, string][] = [
    [2026, '0.975'],
    [2027, '0.95'],
    [2028, '0.9'],
    [2029, '0.775'],
    [2030, '0.515'],
    [2031, '0.39'],
    [2032, '0.265'],
    [2033, '0.14'],
    [2034, '0'],
  ];
  const rows = SHARES.map(([year, share]) =>
    projectYear({ year, share, see: '1.9', benchmark: '1.37', priceEur: '80' }, '1000', null),
  );

  it('rises every year as the free-allocation share falls, at a flat price', () => {
    // owed = 1900 − share × 1.37 × 1000:
    // 2026: 1900 − 1335.75 = 564.25 → 565 × 80 = 45,200.00
    // 2027: 1900 − 1301.5  = 598.5  → 599 × 80 = 47,920.00
    // 2028: 1900 − 1233    = 667    → 667 × 80 = 53,360.00
    // 2029: 1900 − 1061.75 = 838.25 → 839 × 80 = 67,120.00
    // 2030: 1900 − 705.55  = 1194.45 → 1195 × 80 = 95,600.00
    // 2031: 1900 − 534.3   = 1365.7 → 1366 × 80 = 109,280.00
    // 2032: 1900 − 363.05  = 1536.95 → 1537 × 80 = 122,960.00
    // 2033: 1900 − 191.8   = 1708.2 → 1709 × 80 = 136,720.00
    // 2034: 1900 − 0       = 1900   → 1900 × 80 = 152,000.00
    expect(rows.map((r) => r.certificates)).toEqual([
      '564.25',
      '598.5',
      '667',
      '838.25',
      '1194.45',
      '1365.7',
      '1536.95',
      '1708.2',
      '1900',
    ]);
    expect(rows.map((r) => r.costEur)).toEqual([
      '45200.00',
      '47920.00',
      '53360.00',
      '67120.00',
      '95600.00',
      '109280.00',
      '122960.00',
      '136720.00',
      '152000.00',
    ]);
    for (let i = 1; i < rows.length; i++)
      expect(Number(rows[i]!.costEur)).toBeGreaterThan(Number(rows[i - 1]!.costEur));
  });

  it('in 2034 owes the embedded emissions less the carbon price deduction', () => {
    // 10 EUR/t paid on 1900 t: 10 × 1900 / 80 = 237.5 certificates; 1900 − 237.5 = 1662.5 → 1663
    // cost 1663 × 80 = 133,040.00
    const r = projectYear(
      { year: 2034, share: '0', see: '1.9', benchmark: '1.37', priceEur: '80' },
      '1000',
      '10',
    );
    expect(r).toMatchObject({
      benchmarkAdjustment: '0',
      carbonPriceDeduction: '237.5',
      certificates: '1662.5',
      wholeCertificates: '1663',
      costEur: '133040.00',
    });
  });

  it('grows the price by a yearly rate', () => {
    // 80 × 1.05^2 = 88.2; 80 × 1.05^8 = 118.196... → 118.20
    expect(projectedPrice('80', '0.05', 2028)).toBe('88.20');
    expect(projectedPrice('80', '0.05', 2034)).toBe('118.20');
    expect(projectedPrice('80', null, 2034)).toBe('80');
  });

  it('dates the declaration of a year', () => {
    expect(declarationDue(2026)).toBe('2027-09-30');
  });
});
