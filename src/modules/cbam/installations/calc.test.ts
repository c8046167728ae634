import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import { InstallationData, type InstallationDataInput } from '../model.js';
import { calculate } from './calc.js';
import { handRules, installation } from './testing.js';

const parse = (d: InstallationDataInput) => InstallationData.parse(d);
const calc = (d: InstallationDataInput, r = handRules()) => calculate(parse(d), r);

/** The AppError a calculation throws, for assertions on its field and message. */
function refusal(d: InstallationDataInput, r = handRules()): AppError {
  try {
    calc(d, r);
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected the calculation to refuse the data');
}

describe('worked example 1: a simple good (cement clinker)', () => {
  const data = installation({
    sourceStreams: [
      // Coal burnt in the kiln: 10 000 t × 25 GJ/t = 250 000 GJ = 250 TJ;
      // 250 TJ × 94.6 t CO2/TJ = 23 650 t; × oxidation factor 0.98 = 23 177 t CO2.
      {
        id: 'coal',
        name: 'Bituminous coal',
        method: 'combustion',
        activityData: '10000',
        ncv: '25',
        emissionFactor: '94.6',
        oxidationFactor: '0.98',
      },
      // Limestone calcined: 150 000 t × 0.44 t CO2/t × conversion factor 1 = 66 000 t CO2.
      {
        id: 'limestone',
        name: 'Limestone',
        method: 'process',
        activityData: '150000',
        emissionFactor: '0.44',
      },
    ],
    energyFlows: [
      // Grid electricity: 9 000 MWh × 0.5366 t CO2/MWh (CN grid, hand rules) = 4 829.4 t CO2.
      {
        process: 'kiln',
        kind: 'electricity',
        direction: 'consumed',
        quantity: '9000',
        electricitySource: 'grid',
      },
    ],
    processes: [
      {
        id: 'kiln',
        name: 'Clinker kiln',
        goodsCategory: 'cement_clinker',
        cnCodes: ['2523 10 00'],
        production: '100000',
        sourceStreams: [
          { id: 'coal', share: 1 },
          { id: 'limestone', share: 1 },
        ],
      },
    ],
  });

  it('gives direct 0.89177, indirect 0.048294 and, for cement, a total of both', () => {
    const r = calc(data, handRules({ ranges: { 'cement_clinker:': { min: '0.70', max: '1.10' } } }));
    expect(r.sourceStreams).toEqual([
      { id: 'coal', emissions: '23177' },
      { id: 'limestone', emissions: '66000' },
    ]);
    // 23 177 + 66 000 = 89 177 t CO2.
    expect(r.totalDirectEmissions).toBe('89177');
    const p = r.processes[0]!;
    expect(p.directEmissions).toBe('89177');
    expect(p.attributedDirect).toBe('89177');
    expect(p.attributedIndirect).toBe('4829.4');
    // 89 177 / 100 000 t = 0.89177; 4 829.4 / 100 000 = 0.048294; cement counts both: 0.940064.
    expect(p.seeDirect).toBe('0.89177');
    expect(p.seeIndirect).toBe('0.048294');
    expect(p.seeTotal).toBe('0.940064');
    expect(p.defaults).toEqual([expect.stringContaining('grid electricity factor CN: 0.5366')]);
    expect(p.warnings).toEqual([]);
    // The CN code comes out without its spaces; the grid factor is a default and counts for cement.
    expect(r.goods).toEqual([
      {
        cn: '25231000',
        process: 'kiln',
        goodsCategory: 'cement_clinker',
        route: null,
        sector: 'cement',
        seeDirect: '0.89177',
        seeIndirect: '0.048294',
        seeTotal: '0.940064',
        source: 'default',
        electricity: { factor: '0.5366', source: 'grid' },
      },
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('takes the biomass fraction out of a stream', () => {
    const d = structuredClone(data);
    // A fifth of the coal stream replaced by biomass: 23 177 × (1 − 0.2) = 18 541.6 t CO2.
    d.sourceStreams![0]!.biomassFraction = '0.2';
    const r = calc(d);
    expect(r.sourceStreams[0]!.emissions).toBe('18541.6');
    // (18 541.6 + 66 000) / 100 000 = 0.845416.
    expect(r.processes[0]!.seeDirect).toBe('0.845416');
  });

  it('warns when the direct figure is outside the typical range', () => {
    const r = calc(data, handRules({ ranges: { 'cement_clinker:': { min: '0.95', max: '1.10' } } }));
    expect(r.processes[0]!.warnings).toEqual([
      expect.stringContaining('0.89177 t CO2e/t is outside the typical range 0.95–1.10'),
    ]);
    expect(r.warnings).toEqual([expect.stringMatching(/^process "kiln": direct SEE 0\.89177/)]);
  });
});

describe('worked example 2: a complex good (hot-rolled steel) with precursors', () => {
  // Crude steel (BOF) uses two precursors: purchased pig iron with actual data and purchased
  // ferro-manganese without (Commission default). Hot rolling uses the installation's own crude steel.
  const data = (femnActual = false) =>
    installation({
      sourceStreams: [
        // Natural gas: 2 000 t × 48 GJ/t = 96 000 GJ = 96 TJ; × 56.1 t CO2/TJ = 5 385.6 t CO2.
        {
          id: 'gas',
          name: 'Natural gas',
          method: 'combustion',
          activityData: '2000',
          ncv: '48',
          emissionFactor: '56.1',
        },
        // Mass balance: coal injected 1 000 t × 0.75 t C/t × 44/12 = 750 × 44/12 = 2 750 t CO2;
        {
          id: 'coal',
          name: 'Injection coal',
          method: 'mass_balance',
          activityData: '1000',
          carbonContent: '0.75',
        },
        // slag leaving: −500 t × 0.012 t C/t × 44/12 = −6 × 44/12 = −22 t CO2.
        {
          id: 'slag',
          name: 'BOF slag',
          method: 'mass_balance',
          activityData: '-500',
          carbonContent: '0.012',
        },
      ],
      energyFlows: [
        // Crude steel: 50 000 MWh × 0.5366 = 26 830 t CO2; hot rolling 20 000 MWh × 0.5366 = 10 732 t CO2.
        { process: 'bof', kind: 'electricity', direction: 'consumed', quantity: '50000' },
        {
          process: 'hsm',
          kind: 'electricity',
          direction: 'consumed',
          quantity: '20000',
          electricitySource: 'grid',
        },
      ],
      purchasedPrecursors: [
        {
          id: 'pig',
          name: 'Pig iron',
          cn: '72011011',
          country: 'CN',
          seeDirect: '1.9',
          seeIndirect: '0.1',
        },
        {
          id: 'femn',
          name: 'Ferro-manganese',
          cn: '72021120',
          country: 'ZA',
          ...(femnActual ? { seeDirect: '1.54', seeIndirect: '2.2' } : {}),
        },
      ],
      processes: [
        {
          id: 'hsm',
          name: 'Hot strip mill',
          goodsCategory: 'iron_steel_products',
          cnCodes: ['72081000', '72082500'],
          production: '95000',
          // 5 385.6 × 0.75 = 4 039.2 t CO2.
          sourceStreams: [{ id: 'gas', share: '0.75' }],
          precursors: [{ from: 'process:bof', mass: '97000' }],
        },
        {
          id: 'bof',
          name: 'Basic oxygen furnace',
          goodsCategory: 'crude_steel',
          route: 'bof',
          cnCodes: ['72071116'],
          production: '100000',
          // 5 385.6 × 0.25 + 2 750 − 22 = 1 346.4 + 2 728 = 4 074.4 t CO2.
          sourceStreams: [
            { id: 'gas', share: '0.25' },
            { id: 'coal', share: 1 },
            { id: 'slag', share: 1 },
          ],
          precursors: [
            { from: 'purchased:pig', mass: '90000' },
            { from: 'purchased:femn', mass: '1000' },
          ],
        },
      ],
    });
  // Ferro-manganese default (hand rules): base direct 1.4 and indirect 2.0, with the 2026 mark-up of
  // 10%: 1.4 × 1.1 = 1.54 and 2.0 × 1.1 = 2.2 t CO2e/t.
  const rules = handRules({
    defaults: { 'ZA:72021120': { direct: '1.54', indirect: '2.2', markup: '0.1' } },
  });

  it('adds the precursors: crude steel 1.766144 direct, hot-rolled 1.845844 direct', () => {
    const r = calc(data(), rules);
    // Streams: 5 385.6 + 2 750 − 22 = 8 113.6 t CO2 in total.
    expect(r.sourceStreams.map((s) => s.emissions)).toEqual(['5385.6', '2750', '-22']);
    expect(r.totalDirectEmissions).toBe('8113.6');
    const [hsm, bof] = r.processes;
    // Crude steel: precursors direct 90 000 × 1.9 + 1 000 × 1.54 = 171 000 + 1 540 = 172 540;
    // indirect 90 000 × 0.1 + 1 000 × 2.2 = 9 000 + 2 200 = 11 200.
    // SEE direct (4 074.4 + 172 540) / 100 000 = 176 614.4 / 100 000 = 1.766144;
    // SEE indirect (26 830 + 11 200) / 100 000 = 38 030 / 100 000 = 0.3803; steel counts direct only.
    expect(bof).toMatchObject({
      directEmissions: '4074.4',
      attributedDirect: '4074.4',
      attributedIndirect: '26830',
      precursorsDirect: '172540',
      precursorsIndirect: '11200',
      seeDirect: '1.766144',
      seeIndirect: '0.3803',
      seeTotal: '1.766144',
    });
    expect(bof!.defaults).toHaveLength(2);
    expect(bof!.defaults.join('\n')).toMatch(/femn.*direct 1\.54, indirect 2\.2/);
    // Hot rolling: precursor 97 000 t × 1.766144 = 171 315.968 direct, 97 000 × 0.3803 = 36 889.1 indirect.
    // SEE direct (4 039.2 + 171 315.968) / 95 000 = 175 355.168 / 95 000 = 1.8458438736… → 1.845844;
    // SEE indirect (10 732 + 36 889.1) / 95 000 = 47 621.1 / 95 000 = 0.5012747368… → 0.501275.
    expect(hsm).toMatchObject({
      directEmissions: '4039.2',
      attributedIndirect: '10732',
      precursorsDirect: '171315.968',
      precursorsIndirect: '36889.1',
      seeDirect: '1.845844',
      seeIndirect: '0.501275',
      seeTotal: '1.845844',
    });
    expect(hsm!.defaults.some((d) => d.startsWith('via process bof: purchased precursor femn'))).toBe(true);
    // Goods in the order of the processes, one per CN code; a direct default makes them 'default'.
    expect(r.goods.map((g) => [g.cn, g.process, g.sector, g.seeTotal, g.source])).toEqual([
      ['72081000', 'hsm', 'iron_steel', '1.845844', 'default'],
      ['72082500', 'hsm', 'iron_steel', '1.845844', 'default'],
      ['72071116', 'bof', 'iron_steel', '1.766144', 'default'],
    ]);
  });

  it('with actual ferro-manganese data the figures stay and the goods are actual (grid factor affects only the uncounted indirect part)', () => {
    const r = calc(data(true), rules);
    expect(r.processes[1]!.seeDirect).toBe('1.766144');
    expect(r.processes[0]!.seeDirect).toBe('1.845844');
    expect(r.goods.every((g) => g.source === 'actual')).toBe(true);
    // The grid factor is still listed as a default behind the indirect figure.
    expect(r.processes[1]!.defaults).toEqual([expect.stringContaining('grid electricity factor CN')]);
  });

  it('refuses a purchased precursor with neither data nor a default', () => {
    const e = refusal(data(), handRules());
    expect(e.field).toBe('purchasedPrecursors.1.seeDirect');
    expect(e.message).toMatch(/no actual value and no Commission default for CN 72021120 from ZA/);
  });
});

describe('worked example 3: heat, waste gas and electricity exported', () => {
  const data = installation({
    sourceStreams: [
      // Natural gas: 1 000 t × 48 GJ/t = 48 TJ; × 56.1 t CO2/TJ = 2 692.8 t CO2.
      {
        id: 'gas',
        name: 'Natural gas',
        method: 'combustion',
        activityData: '1000',
        ncv: '48',
        emissionFactor: '56.1',
      },
    ],
    energyFlows: [
      // Ammonia exports 10 TJ of steam made at 62.5 t CO2/TJ: − 625 t; and 1 000 MWh of its own
      // electricity at 0.4 t CO2/MWh: − 400 t.
      { process: 'nh3', kind: 'heat', direction: 'exported', quantity: '10', emissionFactor: '62.5' },
      { process: 'nh3', kind: 'electricity', direction: 'exported', quantity: '1000', emissionFactor: '0.4' },
      // Nitric acid imports that steam: + 625 t; and 2 TJ of waste gas with a correction of 20 t CO2/TJ: + 40 t.
      { process: 'hno3', kind: 'heat', direction: 'imported', quantity: '10', emissionFactor: '62.5' },
      { process: 'hno3', kind: 'waste_gas', direction: 'imported', quantity: '2', emissionFactor: '20' },
    ],
    processes: [
      {
        id: 'nh3',
        name: 'Ammonia plant',
        goodsCategory: 'ammonia',
        route: 'steam_reforming',
        cnCodes: ['28141000'],
        production: '10000',
        sourceStreams: [{ id: 'gas', share: 1 }],
      },
      {
        id: 'hno3',
        name: 'Nitric acid plant',
        goodsCategory: 'nitric_acid',
        cnCodes: ['28080000'],
        production: '5000',
      },
    ],
  });

  it('deducts what is exported and adds what is imported', () => {
    const r = calc(data);
    const [nh3, hno3] = r.processes;
    // Ammonia: AttrEm_dir = 2 692.8 − 625 − 400 = 1 667.8 t; / 10 000 t = 0.16678.
    expect(nh3).toMatchObject({
      directEmissions: '2692.8',
      attributedDirect: '1667.8',
      seeDirect: '0.16678',
      seeIndirect: '0',
      seeTotal: '0.16678',
    });
    // Nitric acid: AttrEm_dir = 0 + 625 + 40 = 665 t; / 5 000 t = 0.133.
    expect(hno3).toMatchObject({ directEmissions: '0', attributedDirect: '665', seeDirect: '0.133' });
    expect(r.goods.map((g) => [g.cn, g.source, g.electricity])).toEqual([
      ['28141000', 'actual', null],
      ['28080000', 'actual', null],
    ]);
  });

  it('warns when more is exported than emitted', () => {
    const d = structuredClone(data);
    // 10 TJ × 300 t CO2/TJ = 3 000 t > 2 692.8 t: 2 692.8 − 3 000 − 400 = −707.2 t.
    d.energyFlows![0]!.emissionFactor = '300';
    const r = calc(d);
    expect(r.processes[0]!.attributedDirect).toBe('-707.2');
    expect(r.processes[0]!.warnings).toEqual([expect.stringContaining('negative')]);
  });
});

describe('worked example 4: electricity from a PPA against the grid', () => {
  const withElectricity = (flow: Record<string, string>, category = 'cement') =>
    installation({
      energyFlows: [
        { process: 'mill', kind: 'electricity', direction: 'consumed', quantity: '10000', ...flow } as never,
      ],
      processes: [
        {
          id: 'mill',
          name: 'Cement mill',
          goodsCategory: category,
          cnCodes: ['25232900'],
          production: '50000',
          // 20 000 t CO2e / 50 000 t = 0.4 direct.
          otherDirectEmissions: '20000',
        },
      ],
    });

  it('grid: 10 000 MWh × 0.5366 = 5 366 t; / 50 000 t = 0.10732; total 0.4 + 0.10732 = 0.50732, a default', () => {
    const r = calc(withElectricity({ electricitySource: 'grid' }));
    expect(r.processes[0]).toMatchObject({ seeDirect: '0.4', seeIndirect: '0.10732', seeTotal: '0.50732' });
    expect(r.goods[0]).toMatchObject({
      source: 'default',
      electricity: { factor: '0.5366', source: 'grid' },
    });
  });

  it('PPA: 10 000 MWh × 0.05 = 500 t; / 50 000 t = 0.01; total 0.41, actual', () => {
    const r = calc(withElectricity({ electricitySource: 'ppa', emissionFactor: '0.05' }));
    expect(r.processes[0]).toMatchObject({ seeIndirect: '0.01', seeTotal: '0.41', defaults: [] });
    expect(r.goods[0]).toMatchObject({ source: 'actual', electricity: { factor: '0.05', source: 'ppa' } });
  });

  it('direct connection: 10 000 MWh × 0.8 = 8 000 t; / 50 000 t = 0.16; total 0.56', () => {
    const r = calc(withElectricity({ electricitySource: 'direct_connection', emissionFactor: '0.8' }));
    expect(r.processes[0]).toMatchObject({ seeIndirect: '0.16', seeTotal: '0.56' });
  });

  it('a factor given with grid electricity is not used, and says so', () => {
    const r = calc(withElectricity({ electricitySource: 'grid', emissionFactor: '0.01' }));
    expect(r.processes[0]!.seeIndirect).toBe('0.10732');
    expect(r.processes[0]!.warnings).toEqual([expect.stringContaining('not used')]);
  });

  it('steel reports the indirect figure but does not count it: total = direct 0.4', () => {
    const r = calc(withElectricity({ electricitySource: 'grid' }, 'iron_steel_products'));
    expect(r.processes[0]).toMatchObject({ seeIndirect: '0.10732', seeTotal: '0.4' });
    // The grid default entered only the uncounted indirect figure.
    expect(r.goods[0]!.source).toBe('actual');
  });

  it('indirect counts for steel when the year’s rules say so (a data change, not a code change)', () => {
    const r = calc(
      withElectricity({ electricitySource: 'grid' }, 'iron_steel_products'),
      handRules({ indirect: ['cement', 'fertilisers', 'iron_steel'] }),
    );
    expect(r.processes[0]!.seeTotal).toBe('0.50732');
  });

  it('refuses guarantees of origin, naming the flow', () => {
    const e = refusal(withElectricity({ electricitySource: 'guarantee_of_origin', emissionFactor: '0' }));
    expect(e.field).toBe('energyFlows.0.electricitySource');
    expect(e.message).toContain(
      'guarantees of origin are not accepted; use the grid factor, or a PPA / direct connection with its own factor',
    );
  });

  it('refuses a PPA without its factor, and a country without a grid factor', () => {
    expect(refusal(withElectricity({ electricitySource: 'ppa' })).field).toBe('energyFlows.0.emissionFactor');
    const e = refusal(withElectricity({}), handRules({ grid: {} }));
    expect(e.field).toBe('energyFlows.0.electricitySource');
    expect(e.message).toMatch(/no grid emission factor for CN/);
  });
});

describe('bad input', () => {
  const proc = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    name: id,
    goodsCategory: 'crude_steel',
    cnCodes: ['72071116'],
    production: '100',
    otherDirectEmissions: '10',
    ...extra,
  });

  it('refuses a precursor loop, naming the cycle', () => {
    const e = refusal(
      installation({
        processes: [
          proc('a', { precursors: [{ from: 'process:b', mass: '1' }] }),
          proc('b', { precursors: [{ from: 'process:c', mass: '1' }] }),
          proc('c', { precursors: [{ from: 'process:a', mass: '1' }] }),
        ],
      }),
    );
    expect(e.message).toContain('precursor loop: a → b → c → a');
    expect(e.field).toBe('processes.0.precursors');
    const self = refusal(
      installation({ processes: [proc('a', { precursors: [{ from: 'process:a', mass: '1' }] })] }),
    );
    expect(self.message).toContain('a → a');
  });

  it('refuses unknown references', () => {
    expect(
      refusal(installation({ processes: [proc('a', { precursors: [{ from: 'process:zz', mass: '1' }] })] }))
        .field,
    ).toBe('processes.0.precursors.0.from');
    expect(
      refusal(installation({ processes: [proc('a', { precursors: [{ from: 'purchased:zz', mass: '1' }] })] }))
        .field,
    ).toBe('processes.0.precursors.0.from');
    expect(
      refusal(installation({ processes: [proc('a', { sourceStreams: [{ id: 'zz', share: 1 }] })] })).field,
    ).toBe('processes.0.sourceStreams.0.id');
    expect(
      refusal(
        installation({
          energyFlows: [{ process: 'zz', kind: 'electricity', direction: 'consumed', quantity: '1' }],
          processes: [proc('a')],
        }),
      ).field,
    ).toBe('energyFlows.0.process');
    expect(refusal(installation({ processes: [proc('a', { goodsCategory: 'steel_wool' })] })).field).toBe(
      'processes.0.goodsCategory',
    );
  });

  it('refuses a missing net calorific value, naming the stream field', () => {
    const e = refusal(
      installation({
        sourceStreams: [
          { id: 'coal', name: 'Coal', method: 'combustion', activityData: '10', emissionFactor: '94.6' },
        ],
        processes: [proc('a', { sourceStreams: [{ id: 'coal', share: 1 }] })],
      }),
    );
    expect(e.field).toBe('sourceStreams.0.ncv');
    expect(e.message).toContain('net calorific value');
    const mb = refusal(
      installation({
        sourceStreams: [{ id: 'c', name: 'C', method: 'mass_balance', activityData: '10' }],
        processes: [proc('a')],
      }),
    );
    expect(mb.field).toBe('sourceStreams.0.carbonContent');
    const neg = refusal(
      installation({
        sourceStreams: [{ id: 'c', name: 'C', method: 'process', activityData: '-10', emissionFactor: '1' }],
        processes: [proc('a')],
      }),
    );
    expect(neg.field).toBe('sourceStreams.0.activityData');
  });

  it('refuses a process with production but no emissions data, and production 0', () => {
    const e = refusal(
      installation({ processes: [proc('a'), proc('b', { otherDirectEmissions: undefined })] }),
    );
    expect(e.field).toBe('processes.1');
    expect(e.message).toContain('process "b" reports production but no emissions data');
    expect(refusal(installation({ processes: [proc('a', { production: '0' })] })).field).toBe(
      'processes.0.production',
    );
  });

  it('refuses shares of a stream over 1, naming the stream', () => {
    const e = refusal(
      installation({
        sourceStreams: [
          { id: 'gas', name: 'Gas', method: 'process', activityData: '10', emissionFactor: '1' },
        ],
        processes: [
          proc('a', { sourceStreams: [{ id: 'gas', share: '0.7' }] }),
          proc('b', { sourceStreams: [{ id: 'gas', share: '0.5' }] }),
        ],
      }),
    );
    expect(e.field).toBe('sourceStreams.0');
    expect(e.message).toContain('source stream "gas"');
    expect(e.message).toContain('1.2');
  });

  it('refuses duplicate ids and heat "consumed"', () => {
    expect(refusal(installation({ processes: [proc('a'), proc('a')] })).field).toBe('processes.1.id');
    expect(
      refusal(
        installation({
          energyFlows: [
            { process: 'a', kind: 'heat', direction: 'consumed', quantity: '1', emissionFactor: '1' },
          ],
          processes: [proc('a')],
        }),
      ).field,
    ).toBe('energyFlows.0.direction');
  });
});

// Random installations: a chain of processes (each may use earlier ones as precursors), streams of
// the three methods with non-negative data, imported heat, grid or PPA electricity, purchased
// precursors with actual data. Nothing exported, so every attributed figure is non-negative.
const decimal = (max: number) => fc.integer({ min: 0, max: max * 1000 }).map((n) => (n / 1000).toFixed(3));
const positive = (max: number) => fc.integer({ min: 1, max: max * 1000 }).map((n) => (n / 1000).toFixed(3));
const share = fc.integer({ min: 0, max: 100 }).map((n) => (n / 100).toFixed(2));

const arbInstallation = fc
  .record({
    streams: fc.array(
      fc.record({
        method: fc.constantFrom('combustion' as const, 'process' as const, 'mass_balance' as const),
        ad: decimal(10000),
        ncv: positive(50),
        ef: positive(100),
        c: positive(1),
        bio: share,
      }),
      { minLength: 1, maxLength: 3 },
    ),
    processes: fc.array(
      fc.record({
        production: positive(100000),
        other: fc.option(decimal(1000), { nil: undefined }),
        electricity: fc.option(
          fc.record({ mwh: decimal(50000), ppa: fc.option(positive(1), { nil: undefined }) }),
          {
            nil: undefined,
          },
        ),
        heat: fc.option(decimal(100), { nil: undefined }),
        precursorMass: decimal(1000),
        purchasedMass: fc.option(decimal(1000), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    purchasedSee: fc.tuple(decimal(5), decimal(1)),
  })
  .map(({ streams, processes, purchasedSee }) => {
    const d: InstallationDataInput = installation({
      sourceStreams: streams.map((s, i) => ({
        id: `s${i}`,
        name: `stream ${i}`,
        method: s.method,
        activityData: s.ad,
        ...(s.method === 'combustion'
          ? { ncv: s.ncv, emissionFactor: s.ef }
          : s.method === 'process'
            ? { emissionFactor: s.ef }
            : { carbonContent: s.c }),
        biomassFraction: s.bio,
      })),
      purchasedPrecursors: [
        {
          id: 'p',
          name: 'bought',
          cn: '72011011',
          country: 'CN',
          seeDirect: purchasedSee[0],
          seeIndirect: purchasedSee[1],
        },
      ],
      energyFlows: processes.flatMap((p, i) => [
        ...(p.electricity
          ? [
              {
                process: `p${i}`,
                kind: 'electricity' as const,
                direction: 'consumed' as const,
                quantity: p.electricity.mwh,
                ...(p.electricity.ppa
                  ? { electricitySource: 'ppa' as const, emissionFactor: p.electricity.ppa }
                  : {}),
              },
            ]
          : []),
        ...(p.heat
          ? [
              {
                process: `p${i}`,
                kind: 'heat' as const,
                direction: 'imported' as const,
                quantity: p.heat,
                emissionFactor: '56.1',
              },
            ]
          : []),
      ]),
      processes: processes.map((p, i) => ({
        id: `p${i}`,
        name: `process ${i}`,
        goodsCategory: i % 2 === 0 ? 'cement' : 'crude_steel',
        cnCodes: ['25232900'],
        production: p.production,
        // Every stream split evenly over the processes (an even share keeps each stream's sum at 1 at most).
        sourceStreams: streams.map((_, k) => ({
          id: `s${k}`,
          share: (Math.floor(100 / processes.length) / 100).toFixed(2),
        })),
        // Always some direct data, so no process is refused for having none.
        otherDirectEmissions: p.other ?? '1',
        precursors: [
          ...(i > 0 ? [{ from: `process:p${i - 1}`, mass: p.precursorMass }] : []),
          ...(p.purchasedMass ? [{ from: 'purchased:p', mass: p.purchasedMass }] : []),
        ],
      })),
    });
    return d;
  });

/** Multiplies every extensive quantity (activity data, emissions, energy, masses, production) by k. */
function scaled(d: InstallationDataInput, k: number): InstallationDataInput {
  // Exact decimal multiplication, so that binary floats cannot blur the comparison.
  const m = (v: unknown) => new Decimal(String(v)).times(k).toString();
  const c = structuredClone(d);
  for (const s of c.sourceStreams ?? []) s.activityData = m(s.activityData);
  for (const f of c.energyFlows ?? []) f.quantity = m(f.quantity);
  for (const p of c.processes) {
    p.production = m(p.production);
    if (p.otherDirectEmissions !== undefined) p.otherDirectEmissions = m(p.otherDirectEmissions);
    for (const u of p.precursors ?? []) u.mass = m(u.mass);
  }
  return c;
}

describe('properties', () => {
  it('scaling all activity data and production by k leaves every SEE unchanged', () => {
    fc.assert(
      fc.property(arbInstallation, fc.integer({ min: 2, max: 1000 }), (d, k) => {
        const a = calc(d);
        const b = calc(scaled(d, k));
        expect(b.processes.map((p) => [p.seeDirect, p.seeIndirect, p.seeTotal])).toEqual(
          a.processes.map((p) => [p.seeDirect, p.seeIndirect, p.seeTotal]),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('SEE is non-negative for non-negative inputs', () => {
    fc.assert(
      fc.property(arbInstallation, (d) => {
        for (const p of calc(d).processes)
          for (const v of [p.seeDirect, p.seeIndirect, p.seeTotal]) expect(v.startsWith('-')).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('the scaling helper multiplies decimal strings exactly', () => {
    const d = scaled(
      installation({
        processes: [
          { id: 'a', name: 'a', goodsCategory: 'cement', cnCodes: ['25232900'], production: '0.125' },
        ],
      }),
      8,
    );
    expect(d.processes[0]!.production).toBe('1');
  });
});
