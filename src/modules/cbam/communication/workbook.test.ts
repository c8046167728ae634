import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import {
  COMMUNICATION_FORMAT,
  InstallationData,
  type CalculationResult,
  type CommunicationFile,
} from '../model.js';
import {
  blankTemplate,
  embeddedJson,
  loadWorkbook,
  MAX_ROWS_PER_SHEET,
  MAX_XLSX_BYTES,
  readInstallationData,
  SHEETS,
  toXlsx,
} from './workbook.js';

/**
 * A calculation result written by hand for a one-process cement works, so the workbook tests do
 * not depend on the calculation: the kiln burns 10 000 t of coal (25 GJ/t, 95 t CO2/TJ, OxF 100 %)
 * = 10 000 × 25 / 1000 × 95 = 23 750 t CO2, and 100 000 t of raw meal at 0.525 t CO2/t with ConvF
 * 99 % = 51 975 t CO2; 23 750 + 51 975 = 75 725 t CO2 over 100 000 t clinker = 0.75725 t CO2e/t.
 * Electricity: 9 000 MWh × 0.5 t CO2/MWh = 4 500 t CO2 / 100 000 t = 0.045 t CO2e/t.
 */
const cementData = InstallationData.parse({
  installation: {
    name: 'Hand Cement Works',
    operator: 'Hand Cement Co.',
    country: 'TR',
    city: 'Izmir',
    unlocode: 'TRIZM',
    latitude: 38.42,
    longitude: 27.14,
  },
  reportingPeriod: { start: '2026-01-01', end: '2026-12-31' },
  sourceStreams: [
    {
      id: 'coal',
      name: 'Coal',
      method: 'combustion',
      activityData: '10000',
      ncv: '25',
      emissionFactor: '95',
      oxidationFactor: '1',
    },
    {
      id: 'meal',
      name: 'Raw meal',
      method: 'process',
      activityData: '100000',
      emissionFactor: '0.525',
      oxidationFactor: '0.99',
    },
  ],
  energyFlows: [
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
      cnCodes: ['25231000'],
      production: '100000',
      sourceStreams: [
        { id: 'coal', share: '1' },
        { id: 'meal', share: '1' },
      ],
    },
  ],
});

/** Every sheet used: mass balance, heat, waste gas, PPA electricity, own and purchased precursors, carbon price. */
const steelData = InstallationData.parse({
  installation: {
    name: 'Hand Steel Works',
    operator: 'Hand Steel Co. 手工钢铁',
    country: 'CN',
    city: 'Tangshan',
    address: '1 Gangtie Road',
    unlocode: 'CNTGS',
    latitude: 39.63,
    longitude: 118.18,
    contactEmail: 'cbam@steel.example',
  },
  reportingPeriod: { start: '2026-01-01', end: '2026-12-31' },
  sourceStreams: [
    {
      id: 'coke',
      name: 'Coke',
      method: 'combustion',
      activityData: '900000',
      ncv: '28.2',
      emissionFactor: '107',
      biomassFraction: '0.025',
    },
    {
      id: 'slag',
      name: 'Slag out',
      method: 'mass_balance',
      activityData: '-12000.5',
      carbonContent: '0.0038781234567890123',
    },
    { id: 'limestone', name: 'Limestone', method: 'process', activityData: '450000', emissionFactor: '0.44' },
  ],
  energyFlows: [
    { process: 'bf', kind: 'heat', direction: 'exported', quantity: '120.5', emissionFactor: '62.5' },
    { process: 'bf', kind: 'waste_gas', direction: 'exported', quantity: '900', emissionFactor: '12.50' },
    {
      process: 'bof',
      kind: 'electricity',
      direction: 'consumed',
      quantity: '250000',
      emissionFactor: '0.02',
      electricitySource: 'ppa',
    },
  ],
  processes: [
    {
      id: 'bf',
      name: 'Blast furnace',
      goodsCategory: 'pig_iron',
      route: 'blast_furnace',
      cnCodes: ['72011011', '72011019'],
      production: '2000000',
      sourceStreams: [
        { id: 'coke', share: '0.95' },
        { id: 'slag', share: '1' },
        { id: 'limestone', share: '0.5' },
      ],
    },
    {
      id: 'bof',
      name: 'Basic oxygen furnace',
      goodsCategory: 'crude_steel',
      route: 'bof',
      cnCodes: ['72061000'],
      production: '2200000',
      otherDirectEmissions: '107184',
      sourceStreams: [{ id: 'coke', share: '0.05' }],
      precursors: [
        { from: 'process:bf', mass: '2000000' },
        { from: 'purchased:femn', mass: '15000' },
      ],
    },
  ],
  purchasedPrecursors: [
    { id: 'femn', name: 'Ferro-manganese', cn: '72021120', country: 'CN', installation: 'unknown supplier' },
    {
      id: 'pig',
      name: 'Bought pig iron',
      cn: '72011011',
      country: 'IN',
      seeDirect: '1.9',
      seeIndirect: '0.11',
    },
  ],
  carbonPricePaid: [
    {
      goodsCategory: 'crude_steel',
      instrument: 'China national ETS',
      price: '90',
      currency: 'CNY',
      coveredShare: '0.05',
      rebate: '1.5',
    },
  ],
});

const cementResults: CalculationResult = {
  installation: { name: 'Hand Cement Works', country: 'TR' },
  reportingPeriod: { start: '2026-01-01', end: '2026-12-31' },
  sourceStreams: [
    { id: 'coal', emissions: '23750' },
    { id: 'meal', emissions: '51975' },
  ],
  totalDirectEmissions: '75725',
  processes: [
    {
      process: 'kiln',
      goodsCategory: 'cement_clinker',
      route: null,
      production: '100000',
      directEmissions: '75725',
      attributedDirect: '75725',
      attributedIndirect: '4500',
      precursorsDirect: '0',
      precursorsIndirect: '0',
      seeDirect: '0.75725',
      seeIndirect: '0.045',
      seeTotal: '0.80225',
      defaults: [],
      warnings: [],
    },
  ],
  goods: [
    {
      cn: '25231000',
      process: 'kiln',
      goodsCategory: 'cement_clinker',
      route: null,
      sector: 'cement',
      seeDirect: '0.75725',
      seeIndirect: '0.045',
      seeTotal: '0.80225',
      source: 'actual',
      electricity: { factor: '0.5', source: 'grid' },
    },
  ],
  warnings: [],
};

const fileOf = (data: InstallationData, results: CalculationResult): CommunicationFile => ({
  format: COMMUNICATION_FORMAT,
  id: '00000000-0000-4000-8000-000000000001',
  issuedAt: '2027-02-01T10:00:00.000Z',
  issuer: { org: 'hand', name: 'Hand Cement Co.' },
  data,
  results,
  proof: {
    jws: 'eyJhbGciOiJFZERTQSJ9..c2ln',
    publicKey: { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' },
    sha256: 'a'.repeat(64),
    ledger: { origin: 'greentrade.test/ledger', index: 7, leafHash: 'b'.repeat(64) },
  },
});

async function problemOf(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('communication workbook', () => {
  it('round trip: data → toXlsx → read gives back the same InstallationData and the embedded JSON', async () => {
    for (const data of [cementData, steelData]) {
      const file = fileOf(data, cementResults);
      const bytes = await toXlsx(file);
      const wb = await loadWorkbook(bytes);
      expect(readInstallationData(wb)).toEqual(data);
      expect(embeddedJson(wb)).toEqual(JSON.parse(JSON.stringify(file)));
      expect(wb.getWorksheet(SHEETS.data)!.state).toBe('veryHidden');
    }
  });

  it('lays the sheets out like the Commission template, with units in the headers', async () => {
    const wb = await loadWorkbook(await toXlsx(fileOf(cementData, cementResults)));
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      'A_InstData',
      'B_EmInst',
      'C_Emissions&Energy',
      'D_Processes',
      'E_PurchPrec',
      'Summary_Processes',
      'Summary_Products',
      'Summary_Communication',
      'GT_Data',
    ]);
    const em = wb.getWorksheet('B_EmInst')!;
    expect(em.getCell('E4').value).toBe('Net calorific value (NCV) [GJ/t]');
    // OxF 100 % for coal (combustion), ConvF 99 % for the raw meal (process), as the template shows them.
    expect(em.getCell('H5').value).toBe(100);
    expect(em.getCell('I6').value).toBe(99);
    const products = wb.getWorksheet('Summary_Products')!;
    expect(products.getCell('D5').value).toBe('25231000');
    expect(products.getCell('F4').value).toBe('SEE (direct) [t CO2e/t]');
    expect(products.getCell('F5').value).toBe(0.75725);
    expect(products.getCell('J5').value).toBe('no');
    expect(products.getCell('K5').value).toBe('Grid');
    // Total emissions: 75 725 direct + 4 500 indirect = 80 225 t CO2e.
    expect(wb.getWorksheet('C_Emissions&Energy')!.getCell('C7').value).toBe(80225);
  });

  it('reads a template filled in by hand, cell by cell', async () => {
    const wb = await loadWorkbook(await blankTemplate());
    expect(wb.getWorksheet(SHEETS.data)).toBeUndefined();
    const a = wb.getWorksheet('A_InstData')!;
    a.getCell('B5').value = new Date(Date.UTC(2026, 0, 1)); // a date cell, as Excel stores one
    a.getCell('B6').value = '2026-12-31';
    a.getCell('B9').value = 'Hand Cement Works';
    a.getCell('B10').value = 'Hand Cement Co.';
    a.getCell('B13').value = 'tr';
    a.getCell('B15').value = 38.42;
    a.getCell('B16').value = '27,14';
    const b = wb.getWorksheet('B_EmInst')!;
    b.getRow(5).values = ['coal', 'Combustion', 'Coal', 10000, 25, 95, null, 100];
    b.getRow(6).values = [
      'meal',
      'Process emissions',
      'Raw meal',
      '100 000',
      null,
      '0.525',
      null,
      null,
      '99%',
    ];
    const c = wb.getWorksheet('C_Emissions&Energy')!;
    c.getRow(11).values = [1, 'kiln', 'Electricity', 'Consumed', 9000, null, 'Grid'];
    c.getCell('A12').value = 2; // a running number alone is not a row
    const d = wb.getWorksheet('D_Processes')!;
    d.getRow(5).values = ['kiln', 'Clinker kiln', 'cement_clinker', null, '2523 10 00', 100000];
    const streamsAt = findRow(d, '2. Source streams');
    d.getRow(streamsAt + 2).values = ['kiln', 'coal', 100];
    d.getRow(streamsAt + 3).values = ['kiln', 'meal', 100];

    const data = readInstallationData(wb);
    expect(data).toEqual({
      ...cementData,
      installation: {
        name: 'Hand Cement Works',
        operator: 'Hand Cement Co.',
        country: 'TR',
        latitude: 38.42,
        longitude: 27.14,
      },
      sourceStreams: [
        {
          id: 'coal',
          name: 'Coal',
          method: 'combustion',
          activityData: '10000',
          ncv: '25',
          emissionFactor: '95',
          oxidationFactor: '1',
        },
        {
          id: 'meal',
          name: 'Raw meal',
          method: 'process',
          activityData: '100000',
          emissionFactor: '0.525',
          oxidationFactor: '0.99',
        },
      ],
    });
  });

  it('names the sheet, cell and field of bad input', async () => {
    const file = fileOf(cementData, cementResults);
    const edit = async (fn: (wb: ExcelJS.Workbook) => void) => {
      const wb = await loadWorkbook(await toXlsx(file));
      fn(wb);
      return problemOf(Promise.resolve().then(() => readInstallationData(wb)));
    };
    let e = await edit((wb) => (wb.getWorksheet('B_EmInst')!.getCell('E5').value = 'twenty-five'));
    expect(e.message).toBe('B_EmInst!E5 (NCV): not a number ("twenty-five")');
    expect(e.field).toBe('B_EmInst!E5');

    e = await edit((wb) => (wb.getWorksheet('B_EmInst')!.getCell('B6').value = 'Fermentation'));
    expect(e.message).toMatch(
      /^B_EmInst!B6 \(Method\): "Fermentation" is not one of combustion, process, mass_balance/,
    );

    e = await edit((wb) => (wb.getWorksheet('D_Processes')!.getCell('E5').value = '2523'));
    expect(e.message).toBe('D_Processes!E5 (CN codes): 0: an 8-digit CN code');

    e = await edit((wb) => (wb.getWorksheet('A_InstData')!.getCell('B13').value = 'Turkey'));
    expect(e.message).toMatch(/^A_InstData!B13 \(Country\): an ISO 3166-1 alpha-2 country code/);

    e = await edit((wb) => (wb.getWorksheet('A_InstData')!.getCell('B6').value = '31/12/2026'));
    expect(e.message).toBe('A_InstData!B6 (End): a date YYYY-MM-DD, got "31/12/2026"');

    e = await edit((wb) => (wb.getWorksheet('B_EmInst')!.getCell('H5').value = 150));
    expect(e.message).toBe('B_EmInst!H5 (OxF): a percentage from 0 to 100, got 150');

    e = await edit((wb) => (wb.getWorksheet('C_Emissions&Energy')!.getCell('B11').value = 'oven'));
    expect(e.message).toBe('C_Emissions&Energy!B11 (Production process): no production process oven');

    e = await edit((wb) => {
      const d = wb.getWorksheet('D_Processes')!;
      d.getCell(findRow(d, '2. Source streams') + 2, 2).value = 'gas';
    });
    expect(e.message).toMatch(/^D_Processes!B\d+ \(Source stream\): no source stream gas in B_EmInst$/);

    e = await edit((wb) => wb.getWorksheet('D_Processes')!.spliceRows(5, 1));
    expect(e.message).toMatch(
      /^2 problems: D_Processes!A8 \(Production process\): no process kiln in section 1 \(source streams\)/,
    );
  });

  it('refuses a workbook over 10 MiB, over 5,000 rows in a sheet, or without the sheets', async () => {
    let e = await problemOf(loadWorkbook(Buffer.alloc(MAX_XLSX_BYTES + 1)));
    expect(e.code).toBe('payload_too_large');

    const wb = await loadWorkbook(await toXlsx(fileOf(cementData, cementResults)));
    wb.getWorksheet('B_EmInst')!.getCell(MAX_ROWS_PER_SHEET + 1, 1).value = 'x';
    e = await problemOf(Promise.resolve().then(() => readInstallationData(wb)));
    expect(e.code).toBe('payload_too_large');
    expect(e.message).toBe('B_EmInst: 5001 rows, over the limit of 5000');

    const other = new ExcelJS.Workbook();
    other.addWorksheet('Sheet1');
    const bytes = Buffer.from(await other.xlsx.writeBuffer());
    e = await problemOf(loadWorkbook(bytes).then((w) => readInstallationData(w)));
    expect(e.message).toMatch(/^the workbook has no sheet "A_InstData"/);

    e = await problemOf(loadWorkbook(Buffer.from('not a zip')));
    expect(e.code).toBe('bad_request');
  });
});

function findRow(ws: ExcelJS.Worksheet, text: string): number {
  for (let r = 1; r <= ws.rowCount; r++) if (String(ws.getCell(r, 1).value ?? '').startsWith(text)) return r;
  throw new Error(`no row ${text}`);
}
