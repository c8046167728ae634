import { describe, expect, it } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import { FACTOR_CSV_COLUMNS } from './model.js';
import { parseFactorCsv, parseFactorJson, type ImportProblem } from './parse.js';

const HEADER = FACTOR_CSV_COLUMNS.join(',');
/** A CSV line from the columns given (others empty), in the schema's order. */
const row = (v: Partial<Record<(typeof FACTOR_CSV_COLUMNS)[number], string>>) =>
  FACTOR_CSV_COLUMNS.map((c) => {
    const x = v[c] ?? '';
    return /[",]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x;
  }).join(',');
const ok = {
  key: 'k1',
  name: 'Thing',
  activity: 'fuel.thing',
  unit: 'kWh',
  value: '0.5',
  region: 'CN',
  year: '2022',
};

function problemsOf(fn: () => unknown): ImportProblem[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return ((e as AppError).details?.['problems'] as ImportProblem[]) ?? [];
  }
  throw new Error('expected the import to be refused');
}

describe('factor CSV', () => {
  it('reads quoted fields with commas, normalises units and decimals, splits tags', () => {
    const csv = [
      HEADER,
      row({ ...ok, name: 'Gas, "natural"', unit: 'kwh', value: '0.50', tags: 'a; b ;;c' }),
      row({ ...ok, key: 'k2', unit: 'tonne', value: '1e3', region: 'CN-NCPG', year: '2021' }),
    ].join('\n');
    const { factors, checksum } = parseFactorCsv(csv);
    expect(factors.map((f) => [f.key, f.name, f.unit, f.value, f.region, f.tags])).toEqual([
      ['k1', 'Gas, "natural"', 'kWh', '0.5', 'CN', ['a', 'b', 'c']],
      ['k2', 'Thing', 't', '1000', 'CN-NCPG', []],
    ]);
    expect(checksum).toMatch(/^[0-9a-f]{64}$/);
    // Same content in another order and spelling: same checksum.
    const again = [
      HEADER,
      row({ ...ok, key: 'k2', unit: 't', value: '1000', region: 'CN-NCPG', year: '2021' }),
      row({ ...ok, name: 'Gas, "natural"', value: '0.5', tags: 'a;b;c' }),
    ].join('\r\n');
    expect(parseFactorCsv(again).checksum).toBe(checksum);
  });

  it('names each bad line and column: unit, decimal, duplicate key, gases without a GWP set, inconsistent value', () => {
    const csv = [
      HEADER,
      row({ ...ok, key: 'a', unit: 'kwhh' }), // line 2
      row({ ...ok, key: 'b', value: '1,5' }), // line 3 (quoted: one field)
      row({ ...ok, key: 'a' }), // line 4 duplicate of line 2
      row({ ...ok, key: 'c', co2: '0.5' }), // line 5: gases need gwp_set
      // line 6: 56.1 + 0.001·28 + 0.0001·265 = 56.1545, not 60
      row({
        ...ok,
        key: 'd',
        unit: 'GJ',
        value: '60',
        gwp_set: 'AR5',
        co2: '56.1',
        ch4: '0.001',
        n2o: '0.0001',
      }),
      row({ ...ok, key: 'e', year: '1989', region: 'China', dq_temporal: '4' }), // line 7
    ].join('\n');
    const problems = problemsOf(() => parseFactorCsv(csv));
    expect(problems.map((p) => `${p.line}:${p.field}`)).toEqual([
      '2:unit',
      '3:value',
      '4:key',
      '5:gwp_set',
      '6:value',
      '7:region',
      '7:year',
      '7:dq_temporal',
    ]);
    expect(problems[0]!.message).toContain('kwhh');
    expect(problems[2]!.message).toContain('first on line 2');
  });

  it('accepts the value when the gases add up with the stated GWP set (natural gas, IPCC 2006, AR5)', () => {
    // Independent arithmetic: 56.1 kg CO2 + 0.001 kg CH4 × 28 + 0.0001 kg N2O × 265 per GJ.
    const expected = 56.1 + 0.001 * 28 + 0.0001 * 265; // 56.1545
    const csv = [
      HEADER,
      row({
        ...ok,
        unit: 'GJ',
        value: String(expected),
        gwp_set: 'AR5',
        co2: '56.1',
        ch4: '0.001',
        n2o: '0.0001',
      }),
    ].join('\n');
    expect(parseFactorCsv(csv).factors[0]!.value).toBe('56.1545');
    // The same gases under AR4 (CH4 25, N2O 298) give 56.1548: still within 0.5%, so accepted;
    // but AR4 N2O × 1000 more would not be.
    const off = [
      HEADER,
      row({ ...ok, unit: 'GJ', value: '56.1545', gwp_set: 'AR4', co2: '56.1', ch4: '0.001', n2o: '0.1' }),
    ].join('\n');
    expect(problemsOf(() => parseFactorCsv(off)).map((p) => p.field)).toEqual(['value']);
  });

  it('checks the PACT split against the value, and that a removal is not positive', () => {
    const csv = [
      HEADER,
      row({ ...ok, key: 'a', value: '10', fossil: '4', biogenic: '6' }),
      row({ ...ok, key: 'b', value: '10', fossil: '4', biogenic: '5' }),
      row({ ...ok, key: 'c', value: '10', biogenic_removal: '2' }),
    ].join('\n');
    expect(problemsOf(() => parseFactorCsv(csv)).map((p) => `${p.line}:${p.field}`)).toEqual([
      '3:value',
      '4:biogenic_removal',
    ]);
  });

  it('refuses a header that lacks a column or has an unknown one, naming them', () => {
    const header = FACTOR_CSV_COLUMNS.filter((c) => c !== 'region').join(',') + ',colour';
    const problems = problemsOf(() => parseFactorCsv(header + '\n'));
    expect(problems).toEqual([
      { line: 1, field: 'region', message: 'missing column' },
      { line: 1, field: 'colour', message: 'unknown column' },
    ]);
  });

  it('refuses a row with a missing field, naming the line', () => {
    const csv = [HEADER, row(ok), row({ ...ok, key: 'k2' }).replace(/,$/, '')].join('\n');
    expect(() => parseFactorCsv(csv)).toThrow(/line 3/);
  });

  it('stops collecting after 50 problems', () => {
    const lines = [
      HEADER,
      ...Array.from({ length: 80 }, (_, i) => row({ ...ok, key: `k${i}`, unit: 'furlong' })),
    ];
    const problems = problemsOf(() => parseFactorCsv(lines.join('\n')));
    expect(problems).toHaveLength(50);
  });
});

describe('factor JSON', () => {
  it('takes an array of objects with the CSV keys, numbers or strings', () => {
    const { factors } = parseFactorJson(
      JSON.stringify([
        { ...ok, value: 0.1, year: 2022, tags: ['x', 'y'], dq_reliability: 2 },
        { ...ok, key: 'k2', unit: 'L', value: '2.5', ch4: null },
      ]),
    );
    expect(factors.map((f) => [f.key, f.value, f.year, f.tags, f.dq[4]])).toEqual([
      ['k1', '0.1', 2022, ['x', 'y'], 2],
      ['k2', '2.5', 2022, [], null],
    ]);
  });

  it('names the item and field of each problem', () => {
    const problems = problemsOf(() =>
      parseFactorJson(
        JSON.stringify([ok, { ...ok, key: 'k2', colour: 'red' }, { ...ok, key: 'k3', unit: 'parsec' }]),
      ),
    );
    expect(problems.map((p) => `${p.line}:${p.field}`)).toEqual(['2:colour']);
    const second = problemsOf(() =>
      parseFactorJson(JSON.stringify([ok, { ...ok, key: 'k3', unit: 'parsec' }])),
    );
    expect(second.map((p) => `${p.line}:${p.field}`)).toEqual(['2:unit']);
    expect(() => parseFactorJson('{"key":1}')).toThrow(/array/);
  });
});
