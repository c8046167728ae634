// The communication file as an XLSX workbook laid out like the Commission's "CBAM communication
// template for installations" (sheet names and field names from its English version of
// 2024-12-13; see docs/cbam-communication.md for the cell-by-cell layout and where ours differs).
// Input sheets (A_InstData, B_EmInst, C_Emissions&Energy, D_Processes, E_PurchPrec) hold what the
// installation reports and are read back; the Summary_* sheets are the calculation, for people;
// the very hidden GT_Data sheet holds the signed JSON, so a workbook we issued can be verified.
import { Decimal } from 'decimal.js';
import ExcelJS from 'exceljs';
import { AppError } from '../../../kernel/errors.js';
import {
  InstallationData,
  type CommunicationFile,
  type EnergyFlow,
  type InstallationDataInput,
  type SourceStream,
} from '../model.js';
import { SheetReader, decimalCell, describe, percentCell, type CellProblem } from './cells.js';

export const MAX_XLSX_BYTES = 10 * 1024 * 1024;
export const MAX_ROWS_PER_SHEET = 5000;
/** Empty rows the blank template offers per table for hand filling. */
const BLANK_ROWS = 20;

export const SHEETS = {
  inst: 'A_InstData',
  em: 'B_EmInst',
  energy: 'C_Emissions&Energy',
  proc: 'D_Processes',
  prec: 'E_PurchPrec',
  sumProc: 'Summary_Processes',
  sumProd: 'Summary_Products',
  sumComm: 'Summary_Communication',
  data: 'GT_Data',
} as const;

// A_InstData: label in column A, value in column B (the template: label E, value I).
export const INST = {
  periodTitle: 4,
  start: 5,
  end: 6,
  aboutTitle: 8,
  name: 9,
  operator: 10,
  address: 11,
  city: 12,
  country: 13,
  unlocode: 14,
  latitude: 15,
  longitude: 16,
  email: 17,
  goodsTitle: 19,
} as const;
const INST_LABELS: [number, string][] = [
  [INST.start, 'Start:'],
  [INST.end, 'End:'],
  [INST.name, 'Name of the installation (English name):'],
  [INST.operator, 'Operator:'],
  [INST.address, 'Street, Number:'],
  [INST.city, 'City:'],
  [INST.country, 'Country (ISO 3166 code):'],
  [INST.unlocode, 'UNLOCODE:'],
  [INST.latitude, 'Coordinates of the main emission source (latitude):'],
  [INST.longitude, 'Coordinates of the main emission source (longitude):'],
  [INST.email, 'Email:'],
];
export const CARBON_PRICE_TITLE = '6. Carbon price due in the country of origin';
const CARBON_PRICE_HEADERS = [
  'Aggregated goods category',
  'Type of instrument (carbon pricing)',
  'Carbon price (CP) due [currency per t CO2e]',
  'Currency',
  'Share of total embedded emissions covered by the carbon price [0–1]',
  'Amount of rebate [currency per t CO2e]',
];

/** Header row and first data row of the single-table sheets. */
export const HEADER_ROW = 4;
export const FIRST_ROW = 5;

export const EM_COLUMNS = [
  'ID',
  'Method',
  'Source stream name',
  'Activity data (AD) [t]',
  'Net calorific value (NCV) [GJ/t]',
  'Emission factor (EF) [t CO2/TJ (combustion) or t CO2/t (process)]',
  'Carbon content [t C/t]',
  'Oxidation factor (OxF) [%]',
  'Conversion factor (ConvF) [%]',
  'Biomass content (BioC) [%]',
  'Emissions (calculated) [t CO2]',
];
const EM_LABEL = [
  'ID',
  'Method',
  'Source stream name',
  'AD',
  'NCV',
  'EF',
  'Carbon content',
  'OxF',
  'ConvF',
  'BioC',
];

export const ENERGY_TITLE_ROW = 9;
export const ENERGY_HEADER_ROW = 10;
export const ENERGY_FIRST_ROW = 11;
const ENERGY_COLUMNS = [
  '#',
  'Production process',
  'Type (measurable heat, waste gases, electricity)',
  'Direction (imported, exported, consumed)',
  'Quantity [TJ (heat, waste gases) or MWh (electricity)]',
  'Emission factor [t CO2/TJ (heat, waste gases) or t CO2/MWh (electricity)]',
  'Source of the emission factor (grid, PPA, direct connection, guarantee of origin)',
];
const ENERGY_LABEL = [
  '#',
  'Production process',
  'Type',
  'Direction',
  'Quantity',
  'Emission factor',
  'Source',
];

export const PROC_TITLES = {
  processes: '1. Production processes',
  streams: '2. Source streams attributed to the production processes',
  precursors: '3. Precursors consumed in the production processes',
};
const PROC_COLUMNS = [
  'ID',
  'Name',
  'Aggregated goods category',
  'Production route',
  'CN codes (comma-separated)',
  'Activity level: total production [t (MWh for electricity)]',
  'Other directly attributable emissions (DirEm*) [t CO2e]',
  'Attributed direct emissions (calculated) [t CO2e]',
  'Attributed indirect emissions (calculated) [t CO2e]',
  'Embedded direct emissions of precursors (calculated) [t CO2e]',
  'Embedded indirect emissions of precursors (calculated) [t CO2e]',
  'SEE (direct) (calculated) [t CO2e/t]',
  'SEE (indirect) (calculated) [t CO2e/t]',
  'SEE (total) (calculated) [t CO2e/t]',
];
const PROC_LABEL = [
  'ID',
  'Name',
  'Aggregated goods category',
  'Production route',
  'CN codes',
  'Activity level',
  'DirEm*',
];
const STREAM_COLUMNS = ['Production process', 'Source stream', "Share of the source stream's emissions [%]"];
const PREC_USE_COLUMNS = [
  'Production process',
  'Precursor (process:ID or purchased:ID)',
  'Mass consumed [t]',
];

const PURCH_COLUMNS = [
  'ID',
  'Name',
  'CN code',
  'Country code',
  'Installation',
  'SEE (direct) [t CO2e/t]',
  'SEE (indirect) [t CO2e/t]',
  'Default value (SEE left empty: Commission default)',
];
const PURCH_LABEL = [
  'ID',
  'Name',
  'CN code',
  'Country code',
  'Installation',
  'SEE (direct)',
  'SEE (indirect)',
];

const METHOD_LABEL: Record<SourceStream['method'], string> = {
  combustion: 'Combustion',
  process: 'Process emissions',
  mass_balance: 'Mass balance',
};
const METHODS: Record<string, SourceStream['method']> = {
  combustion: 'combustion',
  process: 'process',
  'process emissions': 'process',
  'mass balance': 'mass_balance',
};
const KIND_LABEL: Record<EnergyFlow['kind'], string> = {
  heat: 'Measurable heat',
  waste_gas: 'Waste gases',
  electricity: 'Electricity',
};
const KINDS: Record<string, EnergyFlow['kind']> = {
  heat: 'heat',
  'measurable heat': 'heat',
  'waste gas': 'waste_gas',
  'waste gases': 'waste_gas',
  electricity: 'electricity',
};
const DIRECTIONS: Record<string, EnergyFlow['direction']> = {
  imported: 'imported',
  import: 'imported',
  exported: 'exported',
  export: 'exported',
  consumed: 'consumed',
  consumption: 'consumed',
};
type ElectricitySource = NonNullable<EnergyFlow['electricitySource']>;
const SOURCE_LABEL: Record<ElectricitySource, string> = {
  grid: 'Grid',
  ppa: 'PPA',
  direct_connection: 'Direct connection',
  guarantee_of_origin: 'Guarantee of origin',
};
const SOURCES: Record<string, ElectricitySource> = {
  grid: 'grid',
  ppa: 'ppa',
  'power purchase agreement': 'ppa',
  'direct connection': 'direct_connection',
  'direct technical connection': 'direct_connection',
  'guarantee of origin': 'guarantee_of_origin',
  'guarantees of origin': 'guarantee_of_origin',
};

// ---------------------------------------------------------------------------------------------
// Writing

const bold = { bold: true } as const;
const titleFont = { bold: true, size: 14 } as const;
const inputFill: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFF2CC' } };

function header(ws: ExcelJS.Worksheet, row: number, names: string[]): void {
  const r = ws.getRow(row);
  names.forEach((n, i) => {
    const c = r.getCell(i + 1);
    c.value = n;
    c.font = bold;
    c.alignment = { wrapText: true, vertical: 'top' };
  });
}

function title(ws: ExcelJS.Worksheet, text: string, note?: string): void {
  ws.getCell('A1').value = text;
  ws.getCell('A1').font = titleFont;
  if (note) ws.getCell('A2').value = note;
}

function put(ws: ExcelJS.Worksheet, row: number, values: (string | number | null | undefined)[]): void {
  const r = ws.getRow(row);
  values.forEach((v, i) => {
    if (v !== null && v !== undefined) r.getCell(i + 1).value = v;
  });
}

function list(ws: ExcelJS.Worksheet, col: number, from: number, to: number, values: string[]): void {
  const formulae = [`"${values.join(',')}"`];
  for (let r = from; r <= to; r++)
    ws.getCell(r, col).dataValidation = { type: 'list', allowBlank: true, formulae };
}

function widths(ws: ExcelJS.Worksheet, w: number[]): void {
  w.forEach((width, i) => (ws.getColumn(i + 1).width = width));
}

function fillInputs(ws: ExcelJS.Worksheet, rows: [number, number], cols: [number, number]): void {
  for (let r = rows[0]; r <= rows[1]; r++)
    for (let c = cols[0]; c <= cols[1]; c++) ws.getCell(r, c).fill = inputFill;
}

const sum = (xs: string[]): string => xs.reduce((a, x) => a.plus(x), new Decimal(0)).toFixed();

/** The input sheets for installation data (or an empty template when `data` is null). */
function writeInputSheets(
  wb: ExcelJS.Workbook,
  data: InstallationData | null,
  file: CommunicationFile | null,
): void {
  const results = file?.results ?? null;
  const blank = data === null;

  // A_InstData -----------------------------------------------------------------------------
  const a = wb.addWorksheet(SHEETS.inst);
  title(
    a,
    'A. Installation data',
    'Sheet "A_InstData" - General information, production processes and purchased precursors',
  );
  widths(a, [52, 40, 16, 16, 16, 16, 16, 16]);
  a.getCell(INST.periodTitle, 1).value = '1. Reporting period';
  a.getCell(INST.periodTitle, 1).font = bold;
  a.getCell(INST.aboutTitle, 1).value = '2. About the installation';
  a.getCell(INST.aboutTitle, 1).font = bold;
  for (const [row, label] of INST_LABELS) a.getCell(row, 1).value = label;
  fillInputs(a, [INST.start, INST.end], [2, 2]);
  fillInputs(a, [INST.name, INST.email], [2, 2]);
  if (data) {
    const i = data.installation;
    const values: [number, string | number | undefined][] = [
      [INST.start, data.reportingPeriod.start],
      [INST.end, data.reportingPeriod.end],
      [INST.name, i.name],
      [INST.operator, i.operator],
      [INST.address, i.address],
      [INST.city, i.city],
      [INST.country, i.country],
      [INST.unlocode, i.unlocode],
      [INST.latitude, i.latitude],
      [INST.longitude, i.longitude],
      [INST.email, i.contactEmail],
    ];
    for (const [row, v] of values) if (v !== undefined) a.getCell(row, 2).value = v;
  }
  a.getCell(INST.goodsTitle, 1).value =
    '4. Aggregated goods categories and production routes (from sheet D_Processes)';
  a.getCell(INST.goodsTitle, 1).font = bold;
  header(a, INST.goodsTitle + 1, [
    'ID',
    'Aggregated goods category',
    'Route 1',
    'Route 2',
    'Route 3',
    'Route 4',
    'Route 5',
    'Route 6',
  ]);
  const categories = new Map<string, string[]>();
  for (const p of data?.processes ?? []) {
    const routes = categories.get(p.goodsCategory) ?? [];
    if (p.route && !routes.includes(p.route)) routes.push(p.route);
    categories.set(p.goodsCategory, routes);
  }
  let row = INST.goodsTitle + 2;
  let g = 1;
  for (const [category, routes] of categories) put(a, row++, [`G${g++}`, category, ...routes.slice(0, 6)]);
  row = Math.max(row, INST.goodsTitle + 2 + (blank ? 10 : 0)) + 1;
  a.getCell(row, 1).value = CARBON_PRICE_TITLE;
  a.getCell(row, 1).font = bold;
  header(a, row + 1, CARBON_PRICE_HEADERS);
  row += 2;
  const cpFirst = row;
  for (const cp of data?.carbonPricePaid ?? [])
    put(a, row++, [
      cp.goodsCategory,
      cp.instrument,
      decimalCell(cp.price),
      cp.currency,
      decimalCell(cp.coveredShare),
      decimalCell(cp.rebate),
    ]);
  if (blank) fillInputs(a, [cpFirst, cpFirst + 9], [1, 6]);

  // B_EmInst -------------------------------------------------------------------------------
  const b = wb.addWorksheet(SHEETS.em);
  title(
    b,
    'B. Emissions of the installation: source streams',
    'Sheet "B_EmInst" - Calculation-based approaches: source streams (one row each)',
  );
  widths(b, [12, 18, 30, 16, 16, 22, 14, 14, 14, 14, 18]);
  header(b, HEADER_ROW, EM_COLUMNS);
  row = FIRST_ROW;
  const emissionsOf = new Map((results?.sourceStreams ?? []).map((s) => [s.id, s.emissions]));
  for (const s of data?.sourceStreams ?? []) {
    const of = s.oxidationFactor;
    put(b, row++, [
      s.id,
      METHOD_LABEL[s.method],
      s.name,
      decimalCell(s.activityData),
      decimalCell(s.ncv),
      decimalCell(s.emissionFactor),
      decimalCell(s.carbonContent),
      s.method === 'process' ? null : percentCell(of),
      s.method === 'process' ? percentCell(of) : null,
      percentCell(s.biomassFraction),
      decimalCell(emissionsOf.get(s.id)),
    ]);
  }
  if (blank) {
    fillInputs(b, [FIRST_ROW, FIRST_ROW + BLANK_ROWS - 1], [1, 10]);
    list(b, 2, FIRST_ROW, FIRST_ROW + BLANK_ROWS - 1, Object.values(METHOD_LABEL));
  }

  // C_Emissions&Energy ---------------------------------------------------------------------
  const c = wb.addWorksheet(SHEETS.energy);
  title(
    c,
    'C. Emissions and energy balance',
    'Sheet "C_Emissions&Energy" - Installation-level GHG emissions and energy flows',
  );
  widths(c, [48, 22, 22, 22, 22, 26, 30]);
  c.getCell(3, 1).value = '1. Greenhouse gas emissions balance (calculated)';
  c.getCell(3, 1).font = bold;
  header(c, 4, ['Installation level data', 'Unit', 'Value']);
  if (results) {
    const indirect = sum(results.processes.map((p) => p.attributedIndirect));
    put(c, 5, ['Total direct emissions', 't CO2e', decimalCell(results.totalDirectEmissions)]);
    put(c, 6, ['Total indirect emissions (attributed to CBAM processes)', 't CO2e', decimalCell(indirect)]);
    put(c, 7, ['Total emissions', 't CO2e', decimalCell(sum([results.totalDirectEmissions, indirect]))]);
  } else {
    put(c, 5, ['Total direct emissions', 't CO2e']);
    put(c, 6, ['Total indirect emissions (attributed to CBAM processes)', 't CO2e']);
    put(c, 7, ['Total emissions', 't CO2e']);
  }
  c.getCell(ENERGY_TITLE_ROW, 1).value = '2. Measurable heat, waste gases and electricity';
  c.getCell(ENERGY_TITLE_ROW, 1).font = bold;
  header(c, ENERGY_HEADER_ROW, ENERGY_COLUMNS);
  row = ENERGY_FIRST_ROW;
  let n = 1;
  for (const f of data?.energyFlows ?? [])
    put(c, row++, [
      n++,
      f.process,
      KIND_LABEL[f.kind],
      f.direction[0]!.toUpperCase() + f.direction.slice(1),
      decimalCell(f.quantity),
      decimalCell(f.emissionFactor),
      f.electricitySource ? SOURCE_LABEL[f.electricitySource] : null,
    ]);
  if (blank) {
    const last = ENERGY_FIRST_ROW + BLANK_ROWS - 1;
    fillInputs(c, [ENERGY_FIRST_ROW, last], [2, 7]);
    list(c, 3, ENERGY_FIRST_ROW, last, Object.values(KIND_LABEL));
    list(c, 4, ENERGY_FIRST_ROW, last, ['Imported', 'Exported', 'Consumed']);
    list(c, 7, ENERGY_FIRST_ROW, last, Object.values(SOURCE_LABEL));
  }

  // D_Processes ----------------------------------------------------------------------------
  const d = wb.addWorksheet(SHEETS.proc);
  title(
    d,
    'D. Production processes',
    'Sheet "D_Processes" - Production level and attributed emissions for the SEE calculation',
  );
  widths(d, [28, 30, 24, 16, 24, 18, 18, 18, 18, 18, 18, 16, 16, 16]);
  d.getCell(3, 1).value = PROC_TITLES.processes;
  d.getCell(3, 1).font = bold;
  header(d, HEADER_ROW, PROC_COLUMNS);
  row = FIRST_ROW;
  const resultOf = new Map((results?.processes ?? []).map((p) => [p.process, p]));
  for (const p of data?.processes ?? []) {
    const r = resultOf.get(p.id);
    put(d, row++, [
      p.id,
      p.name,
      p.goodsCategory,
      p.route,
      p.cnCodes.join(', '),
      decimalCell(p.production),
      decimalCell(p.otherDirectEmissions),
      decimalCell(r?.attributedDirect),
      decimalCell(r?.attributedIndirect),
      decimalCell(r?.precursorsDirect),
      decimalCell(r?.precursorsIndirect),
      decimalCell(r?.seeDirect),
      decimalCell(r?.seeIndirect),
      decimalCell(r?.seeTotal),
    ]);
  }
  if (blank) {
    fillInputs(d, [FIRST_ROW, FIRST_ROW + 9], [1, 7]);
    row = FIRST_ROW + 10;
  }
  row += 1;
  d.getCell(row, 1).value = PROC_TITLES.streams;
  d.getCell(row, 1).font = bold;
  header(d, row + 1, STREAM_COLUMNS);
  row += 2;
  for (const p of data?.processes ?? [])
    for (const s of p.sourceStreams) put(d, row++, [p.id, s.id, percentCell(s.share)]);
  if (blank) {
    fillInputs(d, [row, row + BLANK_ROWS - 1], [1, 3]);
    row += BLANK_ROWS;
  }
  row += 1;
  d.getCell(row, 1).value = PROC_TITLES.precursors;
  d.getCell(row, 1).font = bold;
  header(d, row + 1, PREC_USE_COLUMNS);
  row += 2;
  for (const p of data?.processes ?? [])
    for (const u of p.precursors) put(d, row++, [p.id, u.from, decimalCell(u.mass)]);
  if (blank) fillInputs(d, [row, row + BLANK_ROWS - 1], [1, 3]);

  // E_PurchPrec ----------------------------------------------------------------------------
  const e = wb.addWorksheet(SHEETS.prec);
  title(e, 'E. Purchased precursors', 'Sheet "E_PurchPrec" - Purchased precursors for the SEE calculation');
  widths(e, [14, 30, 14, 12, 30, 16, 16, 22]);
  header(e, HEADER_ROW, PURCH_COLUMNS);
  row = FIRST_ROW;
  for (const p of data?.purchasedPrecursors ?? [])
    put(e, row++, [
      p.id,
      p.name,
      p.cn,
      p.country,
      p.installation,
      decimalCell(p.seeDirect),
      decimalCell(p.seeIndirect),
      p.seeDirect === undefined || p.seeIndirect === undefined ? 'yes' : 'no',
    ]);
  if (blank) fillInputs(e, [FIRST_ROW, FIRST_ROW + BLANK_ROWS - 1], [1, 7]);
}

/** The calculation for people: per process, per product, and what the importer needs in one place. */
function writeSummaries(wb: ExcelJS.Workbook, file: CommunicationFile | null): void {
  const results = file?.results;
  const data = file?.data;

  const sp = wb.addWorksheet(SHEETS.sumProc);
  title(sp, 'Summary of production processes');
  widths(sp, [20, 24, 14, 16, 16, 16, 16, 16, 16, 14, 14, 14, 40, 40]);
  header(sp, HEADER_ROW, [
    'Production process',
    'Aggregated goods category',
    'Route',
    'Activity level [t]',
    'Direct emissions [t CO2e]',
    'Attributed direct emissions [t CO2e]',
    'Attributed indirect emissions [t CO2e]',
    'Precursors, direct [t CO2e]',
    'Precursors, indirect [t CO2e]',
    'SEE (direct) [t CO2e/t]',
    'SEE (indirect) [t CO2e/t]',
    'SEE (total) [t CO2e/t]',
    'Default values used',
    'Warnings',
  ]);
  let row = FIRST_ROW;
  for (const p of results?.processes ?? [])
    put(sp, row++, [
      p.process,
      p.goodsCategory,
      p.route,
      decimalCell(p.production),
      decimalCell(p.directEmissions),
      decimalCell(p.attributedDirect),
      decimalCell(p.attributedIndirect),
      decimalCell(p.precursorsDirect),
      decimalCell(p.precursorsIndirect),
      decimalCell(p.seeDirect),
      decimalCell(p.seeIndirect),
      decimalCell(p.seeTotal),
      p.defaults.join('; '),
      p.warnings.join('; '),
    ]);

  const products = [
    'Production process from which the products arise',
    'Type of aggregated good or precursor',
    'Route',
    'CN Codes',
    'Sector',
    'SEE (direct) [t CO2e/t]',
    'SEE (indirect) [t CO2e/t]',
    'SEE (total) [t CO2e/t]',
    'Unit',
    'Default value used',
    'Source for electricity EF',
    'Electricity EF [t CO2/MWh]',
  ];
  const productRow = (g: CommunicationFile['results']['goods'][number]) => [
    g.process,
    g.goodsCategory,
    g.route,
    g.cn,
    g.sector,
    decimalCell(g.seeDirect),
    decimalCell(g.seeIndirect),
    decimalCell(g.seeTotal),
    't CO2e/t',
    g.source === 'default' ? 'yes' : 'no',
    g.electricity ? SOURCE_LABEL[g.electricity.source] : null,
    decimalCell(g.electricity?.factor),
  ];
  const spr = wb.addWorksheet(SHEETS.sumProd);
  title(spr, 'Summary of products');
  widths(spr, [24, 24, 14, 12, 12, 16, 16, 16, 10, 12, 18, 16]);
  header(spr, HEADER_ROW, products);
  row = FIRST_ROW;
  for (const g of results?.goods ?? []) put(spr, row++, productRow(g));

  const sc = wb.addWorksheet(SHEETS.sumComm);
  title(
    sc,
    'Communication with reporting declarants',
    'What the EU importer (reporting declarant) needs, in one place',
  );
  widths(sc, [44, 44, 14, 12, 12, 16, 16, 16, 10, 12, 18, 16]);
  sc.getCell(3, 1).value = '1. Installation details';
  sc.getCell(3, 1).font = bold;
  const i = data?.installation;
  const details: [string, string | number | undefined][] = [
    ['Name of the installation (English name):', i?.name],
    ['Operator:', i?.operator],
    ['Street, Number:', i?.address],
    ['City:', i?.city],
    ['Country:', i?.country],
    ['UNLOCODE:', i?.unlocode],
    ['Coordinates of the main emission source (latitude):', i?.latitude],
    ['Coordinates of the main emission source (longitude):', i?.longitude],
    ['Reporting period start:', data?.reportingPeriod.start],
    ['Reporting period end:', data?.reportingPeriod.end],
    ['Issued by:', file ? `${file.issuer.name} (${file.issuer.org})` : undefined],
    ['File id:', file?.id],
    ['Issued at:', file?.issuedAt],
    ['SHA-256 of the file:', file?.proof?.sha256],
    [
      'Ledger entry:',
      file?.proof?.ledger ? `${file.proof.ledger.origin} #${file.proof.ledger.index}` : undefined,
    ],
  ];
  row = 4;
  for (const [label, v] of details) put(sc, row++, [label, v ?? null]);
  row += 1;
  sc.getCell(row, 1).value = '2. Summary of products';
  sc.getCell(row, 1).font = bold;
  header(sc, row + 1, products);
  row += 2;
  for (const g of results?.goods ?? []) put(sc, row++, productRow(g));
  row += 1;
  sc.getCell(row, 1).value = '3. Carbon price due in the country of origin';
  sc.getCell(row, 1).font = bold;
  header(sc, row + 1, CARBON_PRICE_HEADERS);
  row += 2;
  for (const cp of data?.carbonPricePaid ?? [])
    put(sc, row++, [
      cp.goodsCategory,
      cp.instrument,
      decimalCell(cp.price),
      cp.currency,
      decimalCell(cp.coveredShare),
      decimalCell(cp.rebate),
    ]);
}

/** Cell text is limited to 32,767 characters; the JSON goes in chunks down column A. */
const CHUNK = 30_000;

export async function toXlsx(file: CommunicationFile): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'GreenTrade';
  wb.created = new Date(file.issuedAt);
  writeInputSheets(wb, file.data, file);
  writeSummaries(wb, file);
  const hidden = wb.addWorksheet(SHEETS.data, { state: 'veryHidden' });
  hidden.getCell('A1').value = `${file.format} (the signed file as JSON; do not edit)`;
  const json = JSON.stringify(file);
  for (let k = 0; k * CHUNK < json.length; k++)
    hidden.getCell(k + 2, 1).value = json.slice(k * CHUNK, (k + 1) * CHUNK);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** An empty workbook in the same layout, for filling in by hand. */
export async function blankTemplate(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'GreenTrade';
  writeInputSheets(wb, null, null);
  writeSummaries(wb, null);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

// ---------------------------------------------------------------------------------------------
// Reading

type Where = Map<string, string>;

/** Rows from `from` to `to` that have anything in columns 1..`cols`. */
function filledRows(r: SheetReader, from: number, to: number, cols: number): number[] {
  const rows: number[] = [];
  for (let row = from; row <= to; row++)
    for (let col = 1; col <= cols; col++)
      if (r.text(row, col) !== undefined) {
        rows.push(row);
        break;
      }
  return rows;
}

function sheet(wb: ExcelJS.Workbook, name: string): ExcelJS.Worksheet {
  const ws = wb.getWorksheet(name);
  if (!ws)
    throw new AppError(
      'validation_failed',
      `the workbook has no sheet "${name}": is it laid out like the CBAM communication template?`,
      {
        field: name,
      },
    );
  if (ws.rowCount > MAX_ROWS_PER_SHEET)
    throw new AppError(
      'payload_too_large',
      `${name}: ${ws.rowCount} rows, over the limit of ${MAX_ROWS_PER_SHEET}`,
      {
        field: name,
      },
    );
  return ws;
}

/** Keeps only the keys whose value is defined (optional fields absent, as the schema gives them). */
function defined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function readInstallation(
  wb: ExcelJS.Workbook,
  problems: CellProblem[],
  where: Where,
): Partial<InstallationDataInput> {
  const r = new SheetReader(sheet(wb, SHEETS.inst), problems);
  const cell = (row: number, label: string, path: string) => {
    where.set(path, `${r.ref(row, 2)} (${label})`);
  };
  const fields: [number, string, string][] = [
    [INST.start, 'Start', 'reportingPeriod.start'],
    [INST.end, 'End', 'reportingPeriod.end'],
    [INST.name, 'Name of the installation', 'installation.name'],
    [INST.operator, 'Operator', 'installation.operator'],
    [INST.address, 'Street, Number', 'installation.address'],
    [INST.city, 'City', 'installation.city'],
    [INST.country, 'Country', 'installation.country'],
    [INST.unlocode, 'UNLOCODE', 'installation.unlocode'],
    [INST.latitude, 'Latitude', 'installation.latitude'],
    [INST.longitude, 'Longitude', 'installation.longitude'],
    [INST.email, 'Email', 'installation.contactEmail'],
  ];
  for (const [row, label, path] of fields) cell(row, label, path);
  where.set('reportingPeriod', `${r.ref(INST.start, 2)} (Start)`);
  where.set('installation', `${r.ref(INST.name, 2)} (Name of the installation)`);
  const installation = defined({
    name: r.text(INST.name, 2),
    operator: r.text(INST.operator, 2),
    country: r.text(INST.country, 2)?.toUpperCase(),
    city: r.text(INST.city, 2),
    address: r.text(INST.address, 2),
    unlocode: r.text(INST.unlocode, 2),
    latitude: r.number(INST.latitude, 2, 'Latitude'),
    longitude: r.number(INST.longitude, 2, 'Longitude'),
    contactEmail: r.text(INST.email, 2),
  });
  const reportingPeriod = {
    start: r.date(INST.start, 2, 'Start'),
    end: r.date(INST.end, 2, 'End'),
  };
  const carbonPricePaid: Record<string, unknown>[] = [];
  const anchor = r.findRow(1, CARBON_PRICE_TITLE.slice(0, 14));
  if (anchor !== null) {
    const labels = [
      'Aggregated goods category',
      'Type of instrument',
      'Carbon price',
      'Currency',
      'Share covered',
      'Rebate',
    ];
    for (const row of filledRows(r, anchor + 2, r.ws.rowCount, 6)) {
      const k = carbonPricePaid.length;
      labels.forEach((l, i) =>
        where.set(
          `carbonPricePaid.${k}.${['goodsCategory', 'instrument', 'price', 'currency', 'coveredShare', 'rebate'][i]}`,
          `${r.ref(row, i + 1)} (${l})`,
        ),
      );
      where.set(`carbonPricePaid.${k}`, `${r.ref(row, 1)} (${labels[0]})`);
      carbonPricePaid.push(
        defined({
          goodsCategory: r.text(row, 1),
          instrument: r.text(row, 2),
          price: r.decimal(row, 3, labels[2]!),
          currency: r.text(row, 4)?.toUpperCase(),
          coveredShare: r.decimal(row, 5, labels[4]!),
          rebate: r.decimal(row, 6, labels[5]!),
        }),
      );
    }
  }
  return {
    installation: installation as InstallationDataInput['installation'],
    reportingPeriod: reportingPeriod as InstallationDataInput['reportingPeriod'],
    carbonPricePaid: carbonPricePaid as InstallationDataInput['carbonPricePaid'],
  };
}

function readSourceStreams(
  wb: ExcelJS.Workbook,
  problems: CellProblem[],
  where: Where,
): Record<string, unknown>[] {
  const r = new SheetReader(sheet(wb, SHEETS.em), problems);
  const out: Record<string, unknown>[] = [];
  for (const row of filledRows(r, FIRST_ROW, r.ws.rowCount, 10)) {
    const k = out.length;
    const keys = ['id', 'method', 'name', 'activityData', 'ncv', 'emissionFactor', 'carbonContent'];
    keys.forEach((key, i) => where.set(`sourceStreams.${k}.${key}`, `${r.ref(row, i + 1)} (${EM_LABEL[i]})`));
    where.set(`sourceStreams.${k}`, `${r.ref(row, 1)} (ID)`);
    where.set(`sourceStreams.${k}.biomassFraction`, `${r.ref(row, 10)} (BioC)`);
    const method = r.choice(row, 2, 'Method', METHODS);
    if (r.text(row, 2) === undefined) r.missing(row, 2, 'Method');
    const ofCol = method === 'process' ? 9 : 8;
    where.set(`sourceStreams.${k}.oxidationFactor`, `${r.ref(row, ofCol)} (${EM_LABEL[ofCol - 1]})`);
    const otherOf = method === 'process' ? 8 : 9;
    if (method !== undefined && r.text(row, otherOf) !== undefined)
      problems.push({
        cell: r.ref(row, otherOf),
        label: EM_LABEL[otherOf - 1]!,
        message:
          method === 'process'
            ? 'an oxidation factor applies to combustion; a process source stream takes a conversion factor (ConvF)'
            : 'a conversion factor applies to process emissions; use the oxidation factor (OxF)',
      });
    out.push(
      defined({
        id: r.text(row, 1),
        name: r.text(row, 3),
        method,
        activityData: r.decimal(row, 4, 'AD', { signed: true }),
        ncv: r.decimal(row, 5, 'NCV'),
        emissionFactor: r.decimal(row, 6, 'EF'),
        carbonContent: r.decimal(row, 7, 'Carbon content'),
        oxidationFactor: r.percent(row, ofCol, EM_LABEL[ofCol - 1]!),
        biomassFraction: r.percent(row, 10, 'BioC'),
      }),
    );
  }
  return out;
}

function readEnergyFlows(
  wb: ExcelJS.Workbook,
  problems: CellProblem[],
  where: Where,
): Record<string, unknown>[] {
  const r = new SheetReader(sheet(wb, SHEETS.energy), problems);
  const out: Record<string, unknown>[] = [];
  const anchor = r.findRow(1, '2. Measurable heat') ?? ENERGY_TITLE_ROW;
  for (const row of filledRows(r, anchor + 2, r.ws.rowCount, 7)) {
    if ([2, 3, 4, 5, 6, 7].every((c) => r.text(row, c) === undefined)) continue; // only the running number
    const k = out.length;
    ['', 'process', 'kind', 'direction', 'quantity', 'emissionFactor', 'electricitySource'].forEach(
      (key, i) => {
        if (key) where.set(`energyFlows.${k}.${key}`, `${r.ref(row, i + 1)} (${ENERGY_LABEL[i]})`);
      },
    );
    where.set(`energyFlows.${k}`, `${r.ref(row, 2)} (Production process)`);
    out.push(
      defined({
        process: r.text(row, 2),
        kind: r.choice(row, 3, 'Type', KINDS),
        direction: r.choice(row, 4, 'Direction', DIRECTIONS),
        quantity: r.decimal(row, 5, 'Quantity'),
        emissionFactor: r.decimal(row, 6, 'Emission factor'),
        electricitySource: r.choice(row, 7, 'Source', SOURCES),
      }),
    );
  }
  return out;
}

function readProcesses(
  wb: ExcelJS.Workbook,
  problems: CellProblem[],
  where: Where,
): Record<string, unknown>[] {
  const r = new SheetReader(sheet(wb, SHEETS.proc), problems);
  const streamsAt = r.findRow(1, PROC_TITLES.streams.slice(0, 12));
  const precursorsAt = r.findRow(1, PROC_TITLES.precursors.slice(0, 12));
  if (streamsAt === null || precursorsAt === null)
    throw new AppError(
      'validation_failed',
      `${SHEETS.proc}: the sections "${PROC_TITLES.streams}" and "${PROC_TITLES.precursors}" are missing from column A`,
      { field: SHEETS.proc },
    );
  const out: (Record<string, unknown> & { sourceStreams: unknown[]; precursors: unknown[] })[] = [];
  const index = new Map<string, number>();
  where.set('processes', `${r.ref(FIRST_ROW, 1)} (ID)`);
  for (const row of filledRows(r, FIRST_ROW, streamsAt - 1, 7)) {
    const k = out.length;
    ['id', 'name', 'goodsCategory', 'route', 'cnCodes', 'production', 'otherDirectEmissions'].forEach(
      (key, i) => where.set(`processes.${k}.${key}`, `${r.ref(row, i + 1)} (${PROC_LABEL[i]})`),
    );
    where.set(`processes.${k}`, `${r.ref(row, 1)} (ID)`);
    const id = r.text(row, 1);
    if (id === undefined) r.missing(row, 1, 'ID');
    else if (index.has(id))
      problems.push({ cell: r.ref(row, 1), label: 'ID', message: `process ${id} is listed twice` });
    else index.set(id, k);
    const cn = r.text(row, 5);
    out.push(
      defined({
        id,
        name: r.text(row, 2),
        goodsCategory: r.text(row, 3),
        route: r.text(row, 4),
        cnCodes:
          cn === undefined
            ? []
            : cn
                .split(/[,;\n]+/)
                .map((x) => x.trim())
                .filter((x) => x !== ''),
        production: r.decimal(row, 6, 'Activity level'),
        otherDirectEmissions: r.decimal(row, 7, 'DirEm*'),
        sourceStreams: [] as unknown[],
        precursors: [] as unknown[],
      }),
    );
  }
  const owner = (row: number, section: string): (typeof out)[number] | undefined => {
    const id = r.text(row, 1);
    if (id === undefined) return void r.missing(row, 1, 'Production process');
    const k = index.get(id);
    if (k === undefined)
      return void problems.push({
        cell: r.ref(row, 1),
        label: 'Production process',
        message: `no process ${id} in section 1 (${section})`,
      });
    return out[k];
  };
  for (const row of filledRows(r, streamsAt + 2, precursorsAt - 1, 3)) {
    const p = owner(row, 'source streams');
    if (!p) continue;
    const k = out.indexOf(p);
    const j = p.sourceStreams.length;
    where.set(`processes.${k}.sourceStreams.${j}.id`, `${r.ref(row, 2)} (Source stream)`);
    where.set(`processes.${k}.sourceStreams.${j}.share`, `${r.ref(row, 3)} (Share)`);
    const share = r.percent(row, 3, 'Share');
    if (share === undefined && r.text(row, 3) === undefined) r.missing(row, 3, 'Share');
    p.sourceStreams.push(defined({ id: r.text(row, 2), share }));
  }
  for (const row of filledRows(r, precursorsAt + 2, r.ws.rowCount, 3)) {
    const p = owner(row, 'precursors');
    if (!p) continue;
    const k = out.indexOf(p);
    const j = p.precursors.length;
    where.set(`processes.${k}.precursors.${j}.from`, `${r.ref(row, 2)} (Precursor)`);
    where.set(`processes.${k}.precursors.${j}.mass`, `${r.ref(row, 3)} (Mass consumed)`);
    p.precursors.push(defined({ from: r.text(row, 2), mass: r.decimal(row, 3, 'Mass consumed') }));
  }
  return out;
}

function readPurchased(
  wb: ExcelJS.Workbook,
  problems: CellProblem[],
  where: Where,
): Record<string, unknown>[] {
  const r = new SheetReader(sheet(wb, SHEETS.prec), problems);
  const out: Record<string, unknown>[] = [];
  for (const row of filledRows(r, FIRST_ROW, r.ws.rowCount, 7)) {
    const k = out.length;
    ['id', 'name', 'cn', 'country', 'installation', 'seeDirect', 'seeIndirect'].forEach((key, i) =>
      where.set(`purchasedPrecursors.${k}.${key}`, `${r.ref(row, i + 1)} (${PURCH_LABEL[i]})`),
    );
    where.set(`purchasedPrecursors.${k}`, `${r.ref(row, 1)} (ID)`);
    out.push(
      defined({
        id: r.text(row, 1),
        name: r.text(row, 2),
        cn: r.text(row, 3),
        country: r.text(row, 4)?.toUpperCase(),
        installation: r.text(row, 5),
        seeDirect: r.decimal(row, 6, 'SEE (direct)'),
        seeIndirect: r.decimal(row, 7, 'SEE (indirect)'),
      }),
    );
  }
  return out;
}

/** References between rows: a share of a source stream that exists, a precursor that exists, a flow of a process. */
function checkReferences(data: InstallationData, where: Where): string[] {
  const problems: string[] = [];
  const streams = new Set(data.sourceStreams.map((s) => s.id));
  const processes = new Set(data.processes.map((p) => p.id));
  const purchased = new Set(data.purchasedPrecursors.map((p) => p.id));
  const at = (path: string) => where.get(path) ?? path;
  data.processes.forEach((p, k) => {
    p.sourceStreams.forEach((s, j) => {
      if (!streams.has(s.id))
        problems.push(
          `${at(`processes.${k}.sourceStreams.${j}.id`)}: no source stream ${s.id} in ${SHEETS.em}`,
        );
    });
    p.precursors.forEach((u, j) => {
      const [kind, id] = [u.from.slice(0, u.from.indexOf(':')), u.from.slice(u.from.indexOf(':') + 1)];
      const known = kind === 'process' ? processes.has(id) : purchased.has(id);
      if (!known)
        problems.push(
          `${at(`processes.${k}.precursors.${j}.from`)}: no ${kind === 'process' ? 'production process' : 'purchased precursor'} ${id}`,
        );
    });
  });
  data.energyFlows.forEach((f, k) => {
    if (!processes.has(f.process))
      problems.push(`${at(`energyFlows.${k}.process`)}: no production process ${f.process}`);
  });
  return problems;
}

function fail(messages: string[]): never {
  throw new AppError(
    'validation_failed',
    messages.length === 1
      ? messages[0]!
      : `${messages.length} problems: ${messages.slice(0, 5).join('; ')}${messages.length > 5 ? '; ...' : ''}`,
    {
      field: messages[0]!.split(' ')[0]!.replace(/:$/, ''),
      details: { problems: messages.slice(0, 100) },
    },
  );
}

/** Loads a workbook, refusing what is over the limits before parsing it. */
export async function loadWorkbook(bytes: Buffer): Promise<ExcelJS.Workbook> {
  if (bytes.length > MAX_XLSX_BYTES)
    throw new AppError(
      'payload_too_large',
      `the workbook is ${bytes.length} bytes, over the limit of ${MAX_XLSX_BYTES} (10 MiB)`,
    );
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    throw new AppError('bad_request', 'not an XLSX workbook (the file could not be opened as one)');
  }
  return wb;
}

/** The JSON we stored in the hidden sheet, or null when there is no such sheet (a template filled in by hand). */
export function embeddedJson(wb: ExcelJS.Workbook): unknown {
  const ws = wb.getWorksheet(SHEETS.data);
  if (!ws) return null;
  let json = '';
  for (let row = 2; row <= ws.rowCount; row++) {
    const v = ws.getCell(row, 1).value;
    if (typeof v !== 'string') break;
    json += v;
  }
  try {
    return JSON.parse(json) as unknown;
  } catch {
    throw new AppError(
      'validation_failed',
      `${SHEETS.data}!A2: the embedded JSON of the signed file is damaged`,
      {
        field: `${SHEETS.data}!A2`,
      },
    );
  }
}

/** The installation data of the visible sheets, validated; problems name sheet, cell and field. */
export function readInstallationData(wb: ExcelJS.Workbook): InstallationData {
  const problems: CellProblem[] = [];
  const where: Where = new Map();
  const head = readInstallation(wb, problems, where);
  const input = {
    ...head,
    sourceStreams: readSourceStreams(wb, problems, where),
    energyFlows: readEnergyFlows(wb, problems, where),
    processes: readProcesses(wb, problems, where),
    purchasedPrecursors: readPurchased(wb, problems, where),
  };
  if (problems.length > 0) fail(problems.map(describe));
  const parsed = InstallationData.safeParse(input);
  if (!parsed.success) {
    const messages = parsed.error.issues.map((issue) => {
      const path = issue.path.map(String);
      for (let n = path.length; n > 0; n--) {
        const at = where.get(path.slice(0, n).join('.'));
        if (at) return `${at}: ${n < path.length ? path.slice(n).join('.') + ': ' : ''}${issue.message}`;
      }
      return `${path.join('.') || 'workbook'}: ${issue.message}`;
    });
    fail(messages);
  }
  const references = checkReferences(parsed.data, where);
  if (references.length > 0) fail(references);
  return parsed.data;
}
