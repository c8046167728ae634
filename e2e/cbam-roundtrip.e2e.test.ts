/**
 * CBAM round trip through the built server, HTTP only: the exporter (org `demo`) reports an
 * installation making cement clinker (a simple good) and cement (a complex good with clinker as
 * its precursor), gets its calculation, and issues the signed communication file (JSON and XLSX);
 * the EU importer (org `demo-importer`) uploads the workbook, uploads its shipments and gets the
 * annual declaration as JSON and XML. Every figure is checked against the hand calculation below;
 * a file with one specific embedded emission changed is refused and changes nothing.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, ServerProcess } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- documents from the wire, which the assertions check
type J = any;

const EXPORTER = 'exporter@demo.greentrade.local';
const IMPORTER = 'importer@demo.greentrade.local';
/**
 * The year declared: 2027, a year the demo importer has no shipments in, so that the declaration
 * holds this test's shipments only (the first test checks it). Cement counts indirect emissions
 * from 2026 on, and the threshold is 50 t (data/cbam/coverage.csv, de-minimis.csv).
 */
const YEAR = 2027;

/**
 * The installation, with round numbers so that the arithmetic below can be followed by hand.
 * Electricity comes through a power purchase agreement with its own factor (0.5 t CO2/MWh), so
 * no grid default enters the figures.
 */
const installation = {
  installation: {
    name: 'Round Trip Cement Works',
    operator: 'Demo Exporter Co., Ltd.',
    country: 'CN',
    city: 'Tangshan',
    unlocode: 'CNTGS',
    contactEmail: 'exporter@demo.greentrade.local',
  },
  reportingPeriod: { start: '2025-01-01', end: '2025-12-31' },
  sourceStreams: [
    // Process emissions of the raw meal: 1500 t × 0.35 t CO2/t × 1 = 525 t CO2.
    {
      id: 'raw-meal',
      name: 'Raw meal (limestone)',
      method: 'process',
      activityData: '1500',
      emissionFactor: '0.35',
    },
    // Coal: 100 t × 25 GJ/t = 2500 GJ = 2.5 TJ; × 95 t CO2/TJ × 1 = 237.5 t CO2.
    {
      id: 'coal',
      name: 'Bituminous coal',
      method: 'combustion',
      activityData: '100',
      ncv: '25',
      emissionFactor: '95',
      oxidationFactor: '1',
    },
    // Natural gas for the mill's drier: 20 t × 50 GJ/t = 1000 GJ = 1 TJ; × 56 t CO2/TJ = 56 t CO2.
    {
      id: 'gas',
      name: 'Natural gas',
      method: 'combustion',
      activityData: '20',
      ncv: '50',
      emissionFactor: '56',
    },
  ],
  energyFlows: [
    {
      process: 'kiln',
      kind: 'electricity',
      direction: 'consumed',
      quantity: '100',
      emissionFactor: '0.5',
      electricitySource: 'ppa',
    },
    {
      process: 'mill',
      kind: 'electricity',
      direction: 'consumed',
      quantity: '40',
      emissionFactor: '0.5',
      electricitySource: 'ppa',
    },
  ],
  processes: [
    {
      id: 'kiln',
      name: 'Clinker kiln',
      goodsCategory: 'cement_clinker',
      cnCodes: ['25231000'],
      production: '1000',
      sourceStreams: [
        { id: 'raw-meal', share: '1' },
        { id: 'coal', share: '1' },
      ],
    },
    {
      id: 'mill',
      name: 'Cement mill',
      goodsCategory: 'cement',
      cnCodes: ['25232900'],
      production: '1000',
      sourceStreams: [{ id: 'gas', share: '1' }],
      // 800 t of the 1000 t of clinker go into the cement; 200 t are sold as clinker.
      precursors: [{ from: 'process:kiln', mass: '800' }],
    },
  ],
};

/**
 * The hand calculation (Implementing Regulation (EU) 2023/1773, Annex III: SEE = AttrEm / AL for
 * a simple good, (AttrEm + Σ M_i × SEE_i) / AL for a complex good):
 * - clinker, direct: (525 + 237.5) t / 1000 t = 0.7625 t CO2e/t;
 *   indirect: 100 MWh × 0.5 t/MWh = 50 t; / 1000 t = 0.05 t CO2e/t.
 * - cement, direct: (56 + 800 × 0.7625) / 1000 = (56 + 610) / 1000 = 0.666 t CO2e/t;
 *   indirect: (40 × 0.5 + 800 × 0.05) / 1000 = (20 + 40) / 1000 = 0.06 t CO2e/t.
 */
const SEE = {
  clinker: { direct: '0.7625', indirect: '0.05' },
  cement: { direct: '0.666', indirect: '0.06' },
};

/**
 * The importer's shipments in the year declared, all from the installation above, country of origin CN:
 * - C-001 clinker 100 t: direct 100 × 0.7625 = 76.25 t; indirect 100 × 0.05 = 5 t.
 * - C-002 cement 300 t: direct 300 × 0.666 = 199.8 t; indirect 300 × 0.06 = 18 t.
 * - C-003 cement 200 t: direct 200 × 0.666 = 133.2 t; indirect 200 × 0.06 = 12 t.
 * Per CN code and country: 25231000/CN 100 t, 76.25 + 5 = 81.25 t;
 * 25232900/CN 500 t, direct 199.8 + 133.2 = 333 t, indirect 18 + 12 = 30 t, total 363 t.
 * Whole declaration: 600 t (over the 50 t threshold), direct 76.25 + 333 = 409.25 t,
 * indirect 5 + 30 = 35 t (cement counts indirect emissions in the definitive period), total 444.25 t.
 */
const EXPECTED = {
  rows: [
    { cn: '25231000', country: 'CN', mass: '100', direct: '76.25', indirect: '5', total: '81.25' },
    { cn: '25232900', country: 'CN', mass: '500', direct: '333', indirect: '30', total: '363' },
  ],
  mass: '600',
  direct: '409.25',
  indirect: '35',
  total: '444.25',
};

const server = new ServerProcess('cbam-roundtrip');

interface Session {
  cookie: string;
}
async function signIn(email: string): Promise<Session> {
  const res = await fetch(`${server.base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.base },
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  expect(res.status).toBe(200);
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]! };
}
async function call(
  s: Session,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; text: string; bytes: Buffer; body: J; type: string }> {
  const raw =
    body === undefined
      ? undefined
      : typeof body === 'string' || Buffer.isBuffer(body)
        ? body
        : JSON.stringify(body);
  const res = await fetch(`${server.base}/api/v1${path}`, {
    method,
    headers: {
      cookie: s.cookie,
      origin: server.base,
      ...(raw === undefined ? {} : { 'content-type': contentType }),
    },
    ...(raw === undefined ? {} : { body: raw }),
    signal: AbortSignal.timeout(60_000),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  const text = bytes.toString('utf8');
  let parsed: J = null;
  if (type.includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, text, bytes, body: parsed, type };
}

const dec = (v: unknown) => new Decimal(String(v));

let exporter: Session;
let importer: Session;

beforeAll(async () => {
  await server.start();
  [exporter, importer] = await Promise.all([signIn(EXPORTER), signIn(IMPORTER)]);
}, 300_000);

afterAll(async () => {
  await server.dispose();
});

/** The communication file an answer carries (`{file}` or the file itself). */
const fileOf = (b: J): J => (b && b.format ? b : (b?.file ?? b?.communication ?? b));

/** A declaration line by CN code and country. */
const lineOf = (d: J, cn: string, country: string): J =>
  (d.lines as J[]).find((l) => l.cn === cn && l.country === country);

/** What the importer holds: its supplier file versions and its declaration of the year. */
async function importerState(): Promise<{ files: string[]; declaration: string }> {
  const files = await call(importer, 'GET', '/cbam/supplier-files?org=demo-importer');
  expect(files.status).toBe(200);
  const declaration = await call(importer, 'GET', `/cbam/declarations/${YEAR}?org=demo-importer`);
  expect(declaration.status).toBe(200);
  return {
    files: (files.body.items as J[]).map((f) => `${f.id} v${f.version}`).sort(),
    declaration: JSON.stringify({ lines: declaration.body.lines, totals: declaration.body.totals }),
  };
}

let installationId = '';
let file: J;
let xlsx: Buffer;

describe('CBAM: exporter file → importer → declaration', () => {
  it('the importer has nothing for the year yet (so the totals below are ours alone)', async () => {
    const d = await call(importer, 'GET', `/cbam/declarations/${YEAR}?org=demo-importer`);
    expect(d.status).toBe(200);
    expect(d.body.lines).toEqual([]);
  });

  it('the exporter saves its installation and gets the hand-calculated SEE', async () => {
    const saved = await call(exporter, 'POST', '/cbam/installations?org=demo', installation);
    expect(saved.status, saved.text).toBe(201);
    installationId = saved.body.installation.id;
    expect(saved.body.installation.orgSlug).toBe('demo');
    const calc = await call(exporter, 'GET', `/cbam/installations/${installationId}/calculation`);
    expect(calc.status, calc.text).toBe(200);
    const c = calc.body.calculation;
    // Source streams: 525, 237.5 and 56 t CO2 (see the installation above); 818.5 in all.
    const streams = Object.fromEntries((c.sourceStreams as J[]).map((s) => [s.id, s.emissions]));
    expect(dec(streams['raw-meal']).eq(525)).toBe(true);
    expect(dec(streams['coal']).eq('237.5')).toBe(true);
    expect(dec(streams['gas']).eq(56)).toBe(true);
    expect(dec(c.totalDirectEmissions).eq('818.5')).toBe(true);
    const good = (cn: string) => (c.goods as J[]).find((g) => g.cn === cn);
    for (const [cn, see] of [
      ['25231000', SEE.clinker],
      ['25232900', SEE.cement],
    ] as const) {
      const g = good(cn);
      expect(g, cn).toBeDefined();
      expect(dec(g.seeDirect).eq(see.direct), `${cn} direct ${g.seeDirect}`).toBe(true);
      expect(dec(g.seeIndirect).eq(see.indirect), `${cn} indirect ${g.seeIndirect}`).toBe(true);
      expect(g.source).toBe('actual');
      expect(g.electricity).toEqual({ factor: '0.5', source: 'ppa' });
    }
    // The importer cannot see the exporter's installation.
    const foreign = await call(importer, 'GET', `/cbam/installations/${installationId}`);
    expect(foreign.status).toBe(404);
  });

  it('the exporter issues the signed communication file, as JSON and as XLSX', async () => {
    const issued = await call(exporter, 'POST', `/cbam/installations/${installationId}/communication`);
    expect(issued.status, issued.text).toBe(201);
    const id = fileOf(issued.body).id as string;
    const json = await call(exporter, 'GET', `/cbam/communications/${id}`);
    expect(json.status, json.text).toBe(200);
    file = fileOf(json.body);
    expect(file.format).toBe('greentrade.cbam.communication/1');
    expect(file.id).toBe(id);
    expect(file.proof.jws).toMatch(/^[\w-]+\.\.[\w-]+$/);
    expect(file.proof.ledger).not.toBeNull();
    expect(file.data.installation.name).toBe(installation.installation.name);
    const cement = (file.results.goods as J[]).find((g) => g.cn === '25232900');
    expect(dec(cement.seeDirect).eq(SEE.cement.direct)).toBe(true);
    const book = await call(exporter, 'GET', `/cbam/communications/${id}.xlsx`);
    expect(book.status).toBe(200);
    expect(book.type).toContain('spreadsheetml');
    expect(book.bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    xlsx = book.bytes;
    // Another organisation's file is not the importer's to fetch from the exporter's side.
    expect((await call(importer, 'GET', `/cbam/communications/${id}`)).status).toBe(404);
  });

  it('the importer uploads the workbook: validated, signature checked, version 1', async () => {
    const up = await call(
      importer,
      'POST',
      `/cbam/supplier-files?org=demo-importer&filename=round-trip.xlsx`,
      xlsx,
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(up.status, up.text).toBe(201);
    expect(up.body.installation).toBe(installation.installation.name);
    expect(up.body.version).toBe(1);
    expect(up.body.warnings).toEqual([]);
    const list = await call(importer, 'GET', '/cbam/supplier-files?org=demo-importer');
    const mine = (list.body.items as J[]).filter((f) => f.installation === installation.installation.name);
    expect(mine).toHaveLength(1);
    expect(mine[0].signed).toBe(true);
    const goods = Object.fromEntries((mine[0].goods as J[]).map((g) => [g.cn, g]));
    expect(dec(goods['25231000'].seeDirect).eq(SEE.clinker.direct)).toBe(true);
    expect(dec(goods['25232900'].seeIndirect).eq(SEE.cement.indirect)).toBe(true);
  });

  it('the importer uploads its shipments and gets the declaration: totals as calculated by hand', async () => {
    const csv = [
      'reference,importDate,cn,countryOfOrigin,netMass,unit,installation',
      `RT-${YEAR}-001,${YEAR}-02-10,25231000,CN,100,t,${installation.installation.name}`,
      `RT-${YEAR}-002,${YEAR}-05-20,2523 29 00,CN,300,t,${installation.installation.name}`,
      // 200 t given in kilograms: converted to 200 t.
      `RT-${YEAR}-003,${YEAR}-11-03,25232900,CN,200000,kg,${installation.installation.name.toUpperCase()}`,
    ].join('\n');
    const up = await call(importer, 'POST', '/cbam/shipments?org=demo-importer', csv, 'text/csv');
    expect(up.status, up.text).toBe(201);
    expect(up.body.imported).toBe(3);

    const d = await call(importer, 'GET', `/cbam/declarations/${YEAR}?org=demo-importer`);
    expect(d.status, d.text).toBe(200);
    const decl = d.body;
    expect(decl.year).toBe(YEAR);
    expect(decl.declarant.slug).toBe('demo-importer');
    expect(decl.dueDate).toBe(`${YEAR + 1}-09-30`);
    expect(decl.lines).toHaveLength(EXPECTED.rows.length);
    for (const row of EXPECTED.rows) {
      const l = lineOf(decl, row.cn, row.country);
      expect(l, `${row.cn} ${row.country}`).toBeDefined();
      expect(l.sector).toBe('cement');
      expect(dec(l.netMass).eq(row.mass), `${row.cn} mass ${l.netMass}`).toBe(true);
      expect(dec(l.direct).eq(row.direct), `${row.cn} direct ${l.direct}`).toBe(true);
      expect(dec(l.indirect).eq(row.indirect), `${row.cn} indirect ${l.indirect}`).toBe(true);
      expect(dec(l.total).eq(row.total), `${row.cn} total ${l.total}`).toBe(true);
      expect(l.indirectCounted).toBe(true);
      expect(dec(l.defaultShare).isZero()).toBe(true);
    }
    expect(dec(decl.totals.netMass).eq(EXPECTED.mass)).toBe(true);
    expect(dec(decl.totals.direct).eq(EXPECTED.direct), `direct ${decl.totals.direct}`).toBe(true);
    expect(dec(decl.totals.indirect).eq(EXPECTED.indirect), `indirect ${decl.totals.indirect}`).toBe(true);
    expect(dec(decl.totals.total).eq(EXPECTED.total), `total ${decl.totals.total}`).toBe(true);
    // 600 t is over the 50 t threshold: the declaration is due.
    expect(decl.deMinimis.exempt).toBe(false);
    expect(dec(decl.deMinimis.totalMass).eq(EXPECTED.mass)).toBe(true);
    expect(decl.complete).toBe(true);

    // The exporter cannot read the importer's declaration.
    expect((await call(exporter, 'GET', `/cbam/declarations/${YEAR}?org=demo-importer`)).status).toBe(404);
  });

  it('the declaration XML parses to the same totals', async () => {
    const r = await call(importer, 'GET', `/cbam/declarations/${YEAR}/xml?org=demo-importer`);
    expect(r.status, r.text).toBe(200);
    expect(r.type).toContain('xml');
    const parser = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      parseTagValue: false,
      parseAttributeValue: false,
      isArray: (name) => ['GoodsImported', 'Installation'].includes(name),
    });
    const doc = parser.parse(r.text);
    const root = doc.CBAMDeclaration;
    expect(root, r.text.slice(0, 300)).toBeDefined();
    expect(root['@xmlns']).toBe('urn:greentrade:cbam:declaration:1');
    expect(root.ReportingPeriod.Year).toBe(String(YEAR));
    const value = (x: J) => dec(typeof x === 'object' ? x['#text'] : x);
    const goods = root.GoodsImported as J[];
    expect(goods).toHaveLength(EXPECTED.rows.length);
    for (const row of EXPECTED.rows) {
      const g = goods.find((x) => x.CNCode === row.cn && x.CountryOfOrigin === row.country);
      expect(g, row.cn).toBeDefined();
      expect(value(g.NetMass).eq(row.mass)).toBe(true);
      expect(value(g.EmbeddedEmissions.Direct).eq(row.direct)).toBe(true);
      expect(value(g.EmbeddedEmissions.Indirect).eq(row.indirect)).toBe(true);
      expect(value(g.EmbeddedEmissions.Total).eq(row.total)).toBe(true);
      expect(g.SupplierInstallations.Installation[0]['#text']).toBe(installation.installation.name);
    }
    expect(value(root.Totals.NetMass).eq(EXPECTED.mass)).toBe(true);
    expect(value(root.Totals.EmbeddedEmissions.Direct).eq(EXPECTED.direct)).toBe(true);
    expect(value(root.Totals.EmbeddedEmissions.Indirect).eq(EXPECTED.indirect)).toBe(true);
    expect(value(root.Totals.EmbeddedEmissions.Total).eq(EXPECTED.total)).toBe(true);
  });

  it('a file with one SEE changed is refused (4xx) and changes nothing', async () => {
    const before = await importerState();
    const tampered = structuredClone(file);
    const cement = (tampered.results.goods as J[]).find((g) => g.cn === '25232900');
    // 0.666 → 0.466: the kind of edit that would lower the importer's bill.
    cement.seeDirect = '0.466';
    cement.seeTotal = '0.526';
    const up = await call(
      importer,
      'POST',
      '/cbam/supplier-files?org=demo-importer&filename=tampered.json',
      JSON.stringify(tampered),
    );
    expect(up.status, up.text).toBeGreaterThanOrEqual(400);
    expect(up.status).toBeLessThan(500);
    expect(up.body.error.field).toBe('proof');
    expect(await importerState()).toEqual(before);
    // The untouched JSON goes in as version 2 of the same supplier, with the same figures.
    const ok = await call(
      importer,
      'POST',
      '/cbam/supplier-files?org=demo-importer&filename=round-trip.json',
      JSON.stringify(file),
    );
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.version).toBe(2);
    const after = await importerState();
    expect(after.files).toHaveLength(before.files.length + 1);
    expect(after.declaration.replace(/"version":\d+/g, '').replace(/"id":"[^"]+"/g, '')).toBe(
      before.declaration.replace(/"version":\d+/g, '').replace(/"id":"[^"]+"/g, ''),
    );
  });
});

/**
 * The same chain through the CLI, on the server's database with the server stopped (PGlite holds
 * its data directory while it runs): another installation with the same figures under another
 * name, its file exported as XLSX and JSON, imported by the importer, shipments, the declaration
 * of another year (2028, which nothing else touches) as JSON and XML. A tampered file exits non-zero.
 */
describe('CBAM: the same chain through `greentrade cbam`', () => {
  const CLI_YEAR = 2028;
  const name = 'CLI Cement Works';
  let dir = '';

  beforeAll(async () => {
    await server.stop();
    dir = await mkdtemp(join(tmpdir(), 'gt-cbam-cli-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('installation save → export → import → shipments import → declare', async () => {
    const data = { ...installation, installation: { ...installation.installation, name } };
    await writeFile(join(dir, 'installation.json'), JSON.stringify(data));
    const saved = JSON.parse(
      await server.cli([
        'cbam',
        'installation',
        'save',
        join(dir, 'installation.json'),
        '--org',
        'demo',
        '--json',
      ]),
    );
    const id = saved.installation.id as string;
    const calc = JSON.parse(
      await server.cli(['cbam', 'installation', 'calc', join(dir, 'installation.json'), '--json']),
    );
    const cement = (calc.goods as J[]).find((g) => g.cn === '25232900');
    expect(dec(cement.seeDirect).eq(SEE.cement.direct)).toBe(true);
    expect(dec(cement.seeIndirect).eq(SEE.cement.indirect)).toBe(true);

    const exported = JSON.parse(
      await server.cli(['cbam', 'export', id, '--out', join(dir, 'file.xlsx'), '--json']),
    );
    expect(exported.goods).toBe(2);
    await server.cli(['cbam', 'export', id, '--out', join(dir, 'file.json'), '--json']);
    const json = JSON.parse(await readFile(join(dir, 'file.json'), 'utf8'));

    // Tampered: refused with a non-zero exit, nothing imported.
    const tampered = structuredClone(json);
    (tampered.results.goods as J[]).find((g) => g.cn === '25231000').seeDirect = '0.5';
    await writeFile(join(dir, 'tampered.json'), JSON.stringify(tampered));
    const refused = await server.exec([
      'cbam',
      'import',
      join(dir, 'tampered.json'),
      '--org',
      'demo-importer',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.err + refused.out).toMatch(/proof|signature|hash/i);

    const imported = JSON.parse(
      await server.cli(['cbam', 'import', join(dir, 'file.xlsx'), '--org', 'demo-importer', '--json']),
    );
    expect(imported.imported).toHaveLength(1);
    expect(imported.imported[0].installation).toBe(name);
    expect(imported.imported[0].version).toBe(1);

    // The same hand calculation as above, for 100 t of clinker and 500 t of cement.
    await writeFile(
      join(dir, 'shipments.csv'),
      [
        'reference,importDate,cn,countryOfOrigin,netMass,unit,installation',
        `CLI-${CLI_YEAR}-1,${CLI_YEAR}-03-01,25231000,CN,100,t,${name}`,
        `CLI-${CLI_YEAR}-2,${CLI_YEAR}-04-01,25232900,CN,500,t,${name}`,
      ].join('\n') + '\n',
    );
    const ship = JSON.parse(
      await server.cli([
        'cbam',
        'shipments',
        'import',
        join(dir, 'shipments.csv'),
        '--org',
        'demo-importer',
        '--json',
      ]),
    );
    expect(ship.imported).toBe(2);

    const xmlPath = join(dir, 'declaration.xml');
    const decl = JSON.parse(
      await server.cli([
        'cbam',
        'declare',
        '--year',
        String(CLI_YEAR),
        '--org',
        'demo-importer',
        '--xml',
        xmlPath,
        '--json',
      ]),
    );
    expect(decl.lines).toHaveLength(2);
    for (const row of EXPECTED.rows) {
      const l = lineOf(decl, row.cn, row.country);
      expect(dec(l.netMass).eq(row.mass)).toBe(true);
      expect(dec(l.total).eq(row.total), `${row.cn} total ${l.total}`).toBe(true);
    }
    expect(dec(decl.totals.direct).eq(EXPECTED.direct)).toBe(true);
    expect(dec(decl.totals.indirect).eq(EXPECTED.indirect)).toBe(true);
    expect(dec(decl.totals.total).eq(EXPECTED.total)).toBe(true);
    const xml = new XMLParser({
      parseTagValue: false,
      ignoreAttributes: false,
      attributeNamePrefix: '@',
    }).parse(await readFile(xmlPath, 'utf8'));
    const totals = xml.CBAMDeclaration.Totals.EmbeddedEmissions;
    expect(dec(totals.Total).eq(EXPECTED.total)).toBe(true);
  }, 600_000);
});
