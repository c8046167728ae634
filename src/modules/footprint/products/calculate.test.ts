import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import { calculate, type ResolvedFactors } from './calculate.js';
import { parseProductModel, type ProductModelInput } from './model.js';
import type { FootprintResult } from './result.js';
import { testFactor } from './testing.js';

// Every expected figure below is worked out by hand in the comment beside it.
const steel = testFactor('steel', '1850', 't'); // 1.85 kg CO2e per kg
const grid = testFactor('grid-cn', '0.5366', 'kWh');

const base = (over: Partial<ProductModelInput> = {}): ProductModelInput => ({
  name: 'Bracket',
  declaredUnit: { amount: '1', unit: 'item' },
  year: 2022,
  region: 'CN',
  materials: [{ name: 'steel sheet', amount: '2', unit: 't', factor: { key: 'steel' } }],
  energy: [{ name: 'power', carrier: 'electricity', amount: '1000', unit: 'kWh' }],
  ...over,
});
const resolved = (over: Partial<ResolvedFactors> = {}): ResolvedFactors => ({
  lines: { 'materials.0': steel },
  electricity: { 'energy.1': { grid, residualMix: null }, 'energy.0': { grid, residualMix: null } },
  ...over,
});
const run = (m: ProductModelInput, f: ResolvedFactors = resolved()) => calculate(parseProductModel(m), f);
// Exact sums for the checks (decimal.js's default 20 digits would round them).
const Exact = Decimal.clone({ precision: 100, toExpNeg: -100, toExpPos: 100 });
const sum = (xs: string[]) => xs.reduce((a, b) => a.plus(b), new Exact(0)).toString();

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

function expectBreakdownsSum(r: FootprintResult) {
  expect(sum(r.byStage.map((s) => s.emissions))).toBe(r.total);
  expect(sum(r.byInput.map((s) => s.emissions))).toBe(r.total);
  expect(sum(r.byGas.map((s) => s.emissions))).toBe(r.total);
}

describe('calculate', () => {
  it('sums materials and electricity per declared unit, every breakdown to the total', () => {
    const r = run(base());
    // 2 t × 1,850 kg/t = 3,700; 1,000 kWh × 0.5366 = 536.6; total 4,236.6
    expect(r.byInput.map((l) => l.emissions)).toEqual(['3700', '536.6']);
    expect(r.total).toBe('4236.6');
    expect(r.pcfIncludingBiogenic).toBe('4236.6');
    expect(r.fossil).toBe('4236.6');
    expect(r.byStage).toEqual([
      { stage: 'raw-materials', emissions: '3700', sharePercent: '87.3342' },
      { stage: 'production-energy', emissions: '536.6', sharePercent: '12.6658' },
    ]);
    expect(r.byGas).toEqual([{ gas: 'unsplit', emissions: '4236.6', sharePercent: '100' }]);
    expectBreakdownsSum(r);
    expect(r.factorsUsed.map((f) => [f.key, f.value, f.usedBy])).toEqual([
      ['steel', '1850', ['materials.0']],
      ['grid-cn', '0.5366', ['energy.0 (location-based)']],
    ]);
  });

  it('divides by the declared unit amount', () => {
    // The inputs make 2 items: 4,236.6 / 2 = 2,118.3 per item
    const r = run(base({ declaredUnit: { amount: '2', unit: 'item' } }));
    expect(r.total).toBe('2118.3');
    expect(r.perUnit).toBe('1 item');
    // 3 items: 1,412.2 exactly; and a 1/3 that does not end: breakdowns still sum exactly
    const third = run(base({ declaredUnit: { amount: '3', unit: 'item' } }));
    expect(third.total).toBe('1412.2');
    const odd = run(
      base({
        declaredUnit: { amount: '3', unit: 'item' },
        energy: [{ name: 'p', carrier: 'electricity', amount: '1', unit: 'kWh' }],
      }),
    );
    // 3,700/3 = 1,233.333333333333 (12 places); 0.5366/3 = 0.178866666667
    expect(odd.byInput.map((l) => l.emissions)).toEqual(['1233.333333333333', '0.178866666667']);
    expect(odd.total).toBe('1233.5122');
    expectBreakdownsSum(odd);
  });

  it('converts units to the factor unit (kg of a per-t factor, MWh of a per-kWh grid)', () => {
    const r = run(
      base({
        materials: [{ name: 'steel', amount: '500', unit: 'kg', factor: { key: 'steel' } }],
        energy: [{ name: 'power', carrier: 'electricity', amount: '2', unit: 'MWh' }],
      }),
    );
    // 0.5 t × 1,850 = 925; 2,000 kWh × 0.5366 = 1,073.2
    expect(r.byInput.map((l) => [l.convertedAmount, l.convertedUnit, l.emissions])).toEqual([
      ['0.5', 't', '925'],
      ['2000', 'kWh', '1073.2'],
    ]);
  });

  it('names the line whose unit has the wrong dimension', () => {
    const e = errorOf(() =>
      run(
        base({
          materials: [
            steelLine(),
            { name: 'x', amount: '1', unit: 'kg', factor: { key: 'steel' } },
            { name: 'y', amount: '5', unit: 'kWh', factor: { key: 'steel' } },
          ],
        }),
        resolved({ lines: { 'materials.0': steel, 'materials.1': steel, 'materials.2': steel } }),
      ),
    );
    expect(e.message).toBe('materials.2.unit: cannot use kWh (energy) where t (mass) is needed');
    expect(e.field).toBe('materials.2.unit');
    expect(
      errorOf(() =>
        run(base({ materials: [{ name: 'x', amount: '1', unit: 'bushel', factor: { key: 'steel' } }] })),
      ).field,
    ).toBe('materials.0.unit');
  });

  it('names the line whose factor is missing', () => {
    const e = errorOf(() => run(base({ materials: [steelLine(), steelLine()] })));
    expect(e.field).toBe('materials.1.factor');
    expect(e.status).toBe(400);
  });

  it('refuses negative amounts, naming the item, and over 5% of exemptions', () => {
    const e = errorOf(() =>
      parseProductModel(base({ materials: [steelLine(), { ...steelLine(), amount: '-3' }] })),
    );
    expect(e.message).toBe('materials.1.amount: must not be negative');
    expect(e.field).toBe('materials.1.amount');
    const x = errorOf(() =>
      parseProductModel(
        base({
          exemptions: [
            { description: 'packaging', sharePercent: '3' },
            { description: 'office', sharePercent: '2.5' },
          ],
        }),
      ),
    );
    expect(x.field).toBe('exemptions');
    expect(x.message).toContain('5.5%');
    const ok = run(
      base({
        exemptions: [
          { description: 'packaging', sharePercent: '3' },
          { description: 'office', sharePercent: 2 },
        ],
      }),
    );
    expect(ok.exemptions.totalPercent).toBe('5');
    expect(errorOf(() => parseProductModel({ ...base(), region: 'China' })).field).toBe('region');
    expect(
      errorOf(() =>
        parseProductModel(base({ energy: [{ name: 'gas', carrier: 'fuel', amount: '1', unit: 'GJ' }] })),
      ).field,
    ).toBe('energy.0.factor');
  });

  it('separates fossil, dLUC, biogenic emissions and removals', () => {
    // per kg: value 1.6 = fossil 1.5 + dLUC 0.1; biogenic 0.3 and removal 0.8 outside it
    const wood = testFactor('wood', '1.6', 'kg', {
      split: { fossil: '1.5', biogenic: '0.3', biogenicRemoval: '-0.8', luc: '0.1', aircraft: null },
    });
    const r = run(
      base({ materials: [{ name: 'wood', amount: '10', unit: 'kg', factor: { key: 'wood' } }], energy: [] }),
      {
        lines: { 'materials.0': wood },
        electricity: {},
      },
    );
    // 10 kg: excl 16, fossil 15, dLUC 1, biogenic 3, removals 8; incl = 16 + 3 − 8 = 11
    expect([
      r.total,
      r.fossil,
      r.luc,
      r.biogenicEmissions,
      r.biogenicRemovals,
      r.pcfIncludingBiogenic,
    ]).toEqual(['16', '15', '1', '3', '8', '11']);
  });

  it('splits by gas from per-gas factor values and process emissions at the model GWPs', () => {
    // per unit: 0.5 kg CO2 + 0.01 kg CH4 × 29.8 + 0.001 kg N2O × 273 = 0.5 + 0.298 + 0.273 = 1.071
    const fuel = testFactor('diesel', '1.071', 'L', {
      gases: { co2: '0.5', ch4: '0.01', n2o: '0.001', otherGhg: null },
    });
    const r = run(
      base({
        materials: [],
        energy: [{ name: 'diesel', carrier: 'fuel', amount: '100', unit: 'L', factor: { key: 'diesel' } }],
        processEmissions: [
          { name: 'digester', gas: 'CH4', amount: '2', biogenic: true }, // 2 × 27.0 = 54, counts
          { name: 'kiln', gas: 'CO2', amount: '100', measured: true }, // 100 fossil CO2
          { name: 'biomass', gas: 'CO2', amount: '40', biogenic: true }, // biogenic: beside the total
          { name: 'SF6 leak', gas: 'other', amount: '10' },
        ],
      }),
      { lines: { 'energy.0': fuel }, electricity: {} },
    );
    // 107.1 + 54 + 100 + 10 = 271.1
    expect(r.total).toBe('271.1');
    expect(r.byGas).toEqual([
      { gas: 'CO2', emissions: '150', sharePercent: '55.3301' }, // 50 + 100 = 150; 150 / 271.1 = 55.33014 %
      { gas: 'CH4', emissions: '83.8', sharePercent: '30.9111' }, // 29.8 + 54
      { gas: 'N2O', emissions: '27.3', sharePercent: '10.0701' },
      { gas: 'other', emissions: '10', sharePercent: '3.6887' },
    ]);
    expect(r.biogenicEmissions).toBe('40');
    expect(r.pcfIncludingBiogenic).toBe('311.1');
    // biogenic CH4 is not fossil: 271.1 − 54
    expect(r.fossil).toBe('217.1');
    expectBreakdownsSum(r);
    // AR5 for the process gases: 2 × 28 = 56 instead of 54, and the sets seen are mixed
    const ar5 = calculate(
      parseProductModel({
        ...base({
          materials: [],
          energy: [{ name: 'd', carrier: 'fuel', amount: '100', unit: 'L', factor: { key: 'diesel' } }],
        }),
        gwpSet: 'AR5',
        processEmissions: [{ name: 'digester', gas: 'CH4', amount: '2', biogenic: true }],
      }),
      { lines: { 'energy.0': fuel }, electricity: {} },
    );
    expect(ar5.total).toBe('163.1');
    expect(ar5.characterisation).toEqual({ gwpSets: ['AR5', 'AR6'], mixed: true, processGwpSet: 'AR5' });
    expect(ar5.warnings.join()).toContain('mixed');
  });

  it('counts electricity market-based in the total and location-based beside it', () => {
    const m = base({
      materials: [],
      energy: [
        {
          name: 'power',
          carrier: 'electricity',
          amount: '1000',
          unit: 'kWh',
          instruments: [{ type: 'GEC', id: 'GEC-2022-0001', amount: '0.5', unit: 'MWh' }],
        },
      ],
    });
    // location: 1,000 × 0.5366 = 536.6; market: 500 kWh at 0 + 500 × 0.5366 (no residual mix) = 268.3
    const r = run(m, { lines: {}, electricity: { 'energy.0': { grid, residualMix: null } } });
    expect(r.total).toBe('268.3');
    expect(r.totalLocationBased).toBe('536.6');
    expect([r.electricity.locationBased, r.electricity.marketBased]).toEqual(['536.6', '268.3']);
    expect(r.electricity.lines[0]!.coveredKWh).toBe('500');
    expect(r.electricity.lines[0]!.flags).toEqual(['no residual mix published for CN: grid factor used']);
    // with a residual mix of 0.6: 500 × 0.6 = 300
    const residual = testFactor('residual-cn', '0.6', 'kWh');
    const withMix = run(m, { lines: {}, electricity: { 'energy.0': { grid, residualMix: residual } } });
    expect([withMix.total, withMix.totalLocationBased]).toEqual(['300', '536.6']);
    expect(withMix.electricity.lines[0]!.flags).toEqual([]);
    // a PPA from a gas plant at 0.4 kg/kWh for 200 kWh: 80 + 800 × 0.6 = 560
    const ppa = run(
      {
        ...m,
        energy: [
          {
            ...m.energy![0]!,
            instruments: [{ type: 'PPA', id: 'PPA-1', amount: '200', unit: 'kWh', factor: '0.4' }],
          },
        ],
      },
      { lines: {}, electricity: { 'energy.0': { grid, residualMix: residual } } },
    );
    expect(ppa.total).toBe('560');
    // instruments cannot cover more than was used
    const over = errorOf(() =>
      run(
        {
          ...m,
          energy: [{ ...m.energy![0]!, instruments: [{ type: 'GO', id: 'GO-1', amount: '2', unit: 'MWh' }] }],
        },
        resolved(),
      ),
    );
    expect(over.field).toBe('energy.0.instruments');
  });

  it('excludes use and end-of-life cradle-to-gate, includes them cradle-to-grave', () => {
    const landfill = testFactor('landfill', '20', 't');
    const m = base({
      endOfLife: [{ name: 'landfill', amount: '2', unit: 't', factor: { key: 'landfill' } }],
      transport: [
        {
          name: 'to customer',
          mode: 'road',
          mass: '2',
          massUnit: 't',
          distance: '100',
          factor: { key: 'truck' },
          leg: 'distribution',
        },
      ],
    });
    const truck = testFactor('truck', '0.1', 't·km');
    const f = resolved({ lines: { 'materials.0': steel, 'endOfLife.0': landfill, 'transport.0': truck } });
    const gate = run(m, f);
    expect(gate.total).toBe('4236.6');
    expect(gate.excluded.map((x) => x.path)).toEqual(['transport.0', 'endOfLife.0']);
    // + 2 t × 20 = 40 end of life, + 2 t × 100 km × 0.1 = 20 distribution
    const grave = run({ ...m, boundary: 'cradle-to-grave' }, f);
    expect(grave.total).toBe('4296.6');
    expect(grave.byStage.find((s) => s.stage === 'end-of-life')!.emissions).toBe('40');
    expect(grave.byStage.find((s) => s.stage === 'distribution')!.emissions).toBe('20');
    expect(grave.excluded).toEqual([]);
    expectBreakdownsSum(grave);
  });

  it('reports air legs as aircraft emissions', () => {
    const air = testFactor('air', '1.2', 't·km');
    // 0.5 t × 2,000 km = 1,000 t·km × 1.2 = 1,200; and 300 t·km given directly × 1.2 = 360
    const r = run(
      base({
        materials: [],
        energy: [],
        transport: [
          {
            name: 'air freight',
            mode: 'air',
            mass: '500',
            massUnit: 'kg',
            distance: '2000',
            factor: { key: 'air' },
          },
          { name: 'more air', mode: 'air', amount: '300', unit: 'tkm', factor: { key: 'air' } },
        ],
      }),
      { lines: { 'transport.0': air, 'transport.1': air }, electricity: {} },
    );
    expect([r.total, r.aircraft]).toEqual(['1560', '1560']);
  });

  it('gives the primary data share and data quality weighted by emissions', () => {
    const q = (technological: number | null) => ({
      technological,
      temporal: 2,
      geographical: null,
      completeness: null,
      reliability: null,
    });
    const a = testFactor('a', '300', 'kg', { quality: q(1) });
    const b = testFactor('b', '100', 'kg', { quality: q(3) });
    const c = testFactor('c', '100', 'kg');
    const r = run(
      base({
        energy: [],
        materials: [
          { name: 'a', amount: '1', unit: 'kg', factor: { key: 'a' } },
          { name: 'b', amount: '1', unit: 'kg', factor: { key: 'b' } },
          { name: 'c', amount: '1', unit: 'kg', factor: { key: 'c' } },
          {
            name: 'cells',
            amount: '20',
            unit: 'item',
            supplierFootprint: {
              pcfExcludingBiogenic: '25',
              declaredUnit: { amount: '10', unit: 'item' },
              source: { supplier: 'Cell Co', footprintId: 'urn:pact:1', version: '2' },
            },
          },
        ],
      }),
      { lines: { 'materials.0': a, 'materials.1': b, 'materials.2': c }, electricity: {} },
    );
    // 300 + 100 + 100 + (20 / 10) × 25 = 550; primary 50 / 550 = 9.0909 %
    expect(r.total).toBe('550');
    expect(r.primaryDataShare).toBe('9.0909');
    // technological: (300×1 + 100×3) / 400 = 1.5, over 400 of 550 = 72.7273 %
    expect(r.dataQuality.technological).toEqual({ rating: '1.5', coveragePercent: '72.7273' });
    expect(r.dataQuality.temporal).toEqual({ rating: '2', coveragePercent: '72.7273' });
    expect(r.dataQuality.geographical).toEqual({ rating: null, coveragePercent: '0' });
  });

  it('gives the same JSON for the same model and factors', () => {
    expect(JSON.stringify(run(base()))).toBe(JSON.stringify(run(base())));
  });
});

function steelLine() {
  return { name: 'steel', amount: '1', unit: 't', factor: { key: 'steel' } };
}

describe('calculate, for any model', () => {
  const decimal = fc
    .tuple(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 6 }))
    .map(([n, places]) => new Decimal(n).dividedBy(new Decimal(10).pow(places)).toFixed());
  it('sums every breakdown exactly to the total, per any declared amount', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(decimal, decimal, fc.constantFrom('kg', 't', 'g')), {
          minLength: 1,
          maxLength: 12,
        }),
        decimal.filter((d) => new Decimal(d).greaterThan(0)),
        decimal,
        (lines, declared, kWh) => {
          const lineFactors: ResolvedFactors['lines'] = {};
          const materials = lines.map(([amount, value, unit], i) => {
            lineFactors[`materials.${i}`] = testFactor(`m${i}`, value, 'kg', {
              gases: { co2: new Decimal(value).dividedBy(2).toFixed(), ch4: null, n2o: null, otherGhg: null },
            });
            return { name: `m${i}`, amount, unit, factor: { key: `m${i}` } };
          });
          const r = run(
            base({
              declaredUnit: { amount: declared, unit: 'item' },
              materials,
              energy: [{ name: 'power', carrier: 'electricity', amount: kWh, unit: 'kWh' }],
            }),
            { lines: lineFactors, electricity: { 'energy.0': { grid, residualMix: null } } },
          );
          expectBreakdownsSum(r);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('calculate, precision', () => {
  it('keeps long amounts whole and writes plain decimals', () => {
    // 123,456,789,012.123456789 kg = 123,456,789.012123456789 t (21 digits: more than decimal.js's default 20)
    const r = run(
      base({
        energy: [],
        materials: [{ name: 'bulk', amount: '123456789012.123456789', unit: 'kg', factor: { key: 'steel' } }],
      }),
      resolved({ lines: { 'materials.0': testFactor('steel', '0.00000001', 't') } }),
    );
    expect(r.byInput[0]!.convertedAmount).toBe('123456789.012123456789');
    // × 0.00000001 = 1.23456789012123456789, kept to 12 places
    expect(r.total).toBe('1.234567890121');
    const tiny = run(
      base({ energy: [], materials: [{ name: 'x', amount: '1', unit: 'g', factor: { key: 'steel' } }] }),
      resolved({ lines: { 'materials.0': testFactor('steel', '0.00001', 't') } }),
    );
    // 0.000001 t × 0.00001 = 0.00000000001
    expect(tiny.total).toBe('0.00000000001');
  });
});
