// The importer over a real database and the real rules, installations and communication parts:
// supplier files (unsigned, signed, tampered, signed by another key), shipments, the declaration
// over HTTP and the CLI, and one organisation never seeing another's data.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import ExcelJS from 'exceljs';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../kernel/log.js';
import { buildApp } from '../../../server/app.js';
import { openTestPlatform } from '../../../testing/db.js';
import { identityAdmin } from '../../identity/index.js';
import { seedInstallationDemo } from '../installations/index.js';
import type { CommunicationFile } from '../model.js';
import { importerCommands } from './cli.js';
import { commFile } from './testing.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let app: ReturnType<typeof buildApp>;
const orgs: Record<string, string> = {};
const cookies: Record<string, string> = {};
const base = 'http://greentrade.test';
const P = '/api/v1/cbam';
const PASSWORD = 'cbam-importer-test';
const HEADER = 'reference,importDate,cn,countryOfOrigin,netMass,unit,installation';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  app = buildApp(platform, createLogger('silent'), { webDir: '/nonexistent' });
  for (const slug of ['imp-a', 'imp-b', 'exp-x', 'exp-y'])
    orgs[slug] = await identityAdmin.ensureOrg(platform.db, slug, `Org ${slug}`);
  for (const [name, slug, role] of [
    ['a', 'imp-a', 'admin'],
    ['b', 'imp-b', 'member'],
  ] as const) {
    const email = `${name}@cbam-importer.test`;
    await identityAdmin.createUser(platform.db, {
      email,
      name,
      password: PASSWORD,
      orgId: orgs[slug]!,
      roles: [role],
    });
    const res = await app.request(base + '/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    cookies[name] = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  }
}, 300_000);
afterAll(async () => platform?.dispose());

const call = (
  path: string,
  who: string,
  init: { method?: string; body?: string | Buffer; type?: string } = {},
) =>
  app.request(base + path, {
    method: init.method ?? 'GET',
    headers: { cookie: cookies[who]!, ...(init.type ? { 'content-type': init.type } : {}) },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
const count = async (table: string) =>
  (await platform.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

/**
 * A signed file issued by an exporter organisation through the installations and communication
 * parts, for the installations part's demo steel works (the same installation for every exporter).
 */
async function issued(exporter: string): Promise<CommunicationFile> {
  await seedInstallationDemo(platform.cbam, { exporter: orgs['exp-x']!, importer: orgs['imp-a']! });
  const [demo] = await platform.cbam.installations.list('system', orgs['exp-x']!);
  let id = demo!.id;
  if (exporter !== 'exp-x') {
    const { data } = await platform.cbam.installations.get('system', id);
    id = (await platform.cbam.installations.save('system', orgs[exporter]!, data)).id;
  }
  return platform.cbam.communication.issue('system', id);
}

describe('the importer over HTTP', () => {
  let fileA: string;

  it('imports an unsigned supplier file with a warning, and every import as a new version', async () => {
    const body = JSON.stringify(commFile());
    const first = await call(`${P}/supplier-files?filename=hebei.json`, 'a', {
      method: 'POST',
      body,
      type: 'application/json',
    });
    expect(first.status).toBe(201);
    const r1 = (await first.json()) as {
      id: string;
      version: number;
      installation: string;
      warnings: string[];
    };
    expect(r1).toMatchObject({ version: 1, installation: 'Hebei Test Steel Works' });
    expect(r1.warnings[0]).toMatch(/^unsigned/);
    fileA = r1.id;
    const second = await call(`${P}/supplier-files?org=imp-a`, 'a', {
      method: 'POST',
      body,
      type: 'application/json',
    });
    expect(((await second.json()) as { version: number }).version).toBe(2);
    const list = (await (await call(`${P}/supplier-files`, 'a')).json()) as {
      items: {
        id: string;
        version: number;
        latest: boolean;
        signed: boolean;
        goods: { cn: string; seeDirect: string }[];
      }[];
    };
    expect(list.items.map((i) => [i.version, i.latest, i.signed])).toEqual([
      [2, true, false],
      [1, false, false],
    ]);
    expect(list.items[0]!.goods[0]).toMatchObject({ cn: '72085120', seeDirect: '1.9', seeIndirect: '0.4' });
    const one = await call(`${P}/supplier-files/${fileA}`, 'a');
    expect(((await one.json()) as { file: { format: string } }).file.format).toBe(
      'greentrade.cbam.communication/1',
    );
  });

  it('refuses a file that fails validation, naming the field, and writes nothing', async () => {
    const before = await count('cbam_supplier_file');
    const bad = commFile({ goods: [{ cn: '72085120', seeDirect: '250', seeIndirect: '0' }] });
    const res = await call(`${P}/supplier-files`, 'a', {
      method: 'POST',
      body: JSON.stringify(bad),
      type: 'application/json',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe(
      'results.goods.0.seeDirect',
    );
    const wrongType = await call(`${P}/supplier-files`, 'a', {
      method: 'POST',
      body: 'x',
      type: 'text/plain',
    });
    expect(wrongType.status).toBe(400);
    expect(await count('cbam_supplier_file')).toBe(before);
  });

  it('imports shipments, links them, and declares with hand-calculated figures; XML totals equal the JSON', async () => {
    const csv = [
      HEADER,
      'A-1,2026-02-10,72085120,CN,100,t,Hebei Test Steel Works',
      'A-2,2026-05-10,72085120,CN,50000,kg,hebei test steel works',
      'A-3,2026-08-10,72085120,CN,30,t,Other Mill',
    ].join('\n');
    const res = await call(`${P}/shipments`, 'a', { method: 'POST', body: csv, type: 'text/csv' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ imported: 3 });
    const ships = (await (await call(`${P}/shipments?year=2026`, 'a')).json()) as {
      items: {
        reference: string;
        netMass: string;
        linked: { version: number } | null;
        source: string;
        direct: string;
      }[];
    };
    expect(
      ships.items.map((s) => [s.reference, s.netMass, s.linked?.version ?? null, s.source, s.direct]),
    ).toEqual([
      ['A-1', '100', 2, 'supplier', '190'], // 100 × 1.9
      ['A-2', '50', 2, 'supplier', '95'], // 50 000 kg = 50 t; 50 × 1.9
      // Commission default for CN 7208 from China: 3.19 (Implementing Regulation (EU) 2025/2621),
      // with the 10% mark-up of 2026: 3.19 × 1.1 = 3.509; 30 × 3.509 = 105.27
      ['A-3', '30', null, 'default', '105.27'],
    ]);
    const decl = (await (await call(`${P}/declarations/2026`, 'a')).json()) as {
      dueDate: string;
      declarant: { slug: string };
      deMinimis: { exempt: boolean; totalMass: string };
      lines: {
        cn: string;
        country: string;
        netMass: string;
        direct: string;
        indirect: string;
        total: string;
        defaultShare: string;
        shipments: number;
        supplierFiles: { version: number }[];
      }[];
      totals: { netMass: string; direct: string; indirect: string; total: string };
    };
    expect(decl.declarant.slug).toBe('imp-a');
    expect(decl.dueDate).toBe('2027-09-30');
    // direct = 150 × 1.9 + 30 × 3.509 = 285 + 105.27 = 390.27; indirect not counted for iron and
    // steel in 2026 → 0; default share = 105.27 / 390.27 = 0.26973...
    expect(decl.lines).toEqual([
      expect.objectContaining({
        cn: '72085120',
        country: 'CN',
        netMass: '180',
        direct: '390.27',
        indirect: '0',
        total: '390.27',
        defaultShare: '0.2697',
        shipments: 3,
        supplierFiles: [expect.objectContaining({ version: 2 })],
      }),
    ]);
    expect(decl.totals).toMatchObject({ netMass: '180', direct: '390.27', indirect: '0', total: '390.27' });
    expect(decl.deMinimis).toMatchObject({ exempt: false, totalMass: '180' });
    const xmlRes = await call(`${P}/declarations/2026/xml`, 'a');
    expect(xmlRes.headers.get('content-type')).toContain('application/xml');
    const x = new XMLParser({ parseTagValue: false, ignoreAttributes: true }).parse(await xmlRes.text()) as {
      CBAMDeclaration: {
        Totals: { NetMass: string; EmbeddedEmissions: { Direct: string; Indirect: string; Total: string } };
      };
    };
    expect(x.CBAMDeclaration.Totals.NetMass).toBe(decl.totals.netMass);
    expect(x.CBAMDeclaration.Totals.EmbeddedEmissions).toEqual({
      Direct: decl.totals.direct,
      Indirect: decl.totals.indirect,
      Total: decl.totals.total,
    });
    // The quarterly report of Q2 holds only A-2: 50 × 1.9 = 95.
    const q2 = (await (await call(`${P}/reports/2026/2`, 'a')).json()) as {
      period: { end: string };
      totals: { total: string };
    };
    expect(q2).toMatchObject({ period: { end: '2026-06-30' }, totals: { total: '95' } });
  });

  it('refuses a bad CSV naming the line, and writes none of it', async () => {
    const before = await count('cbam_shipment');
    const csv = [
      HEADER,
      'A-10,2026-03-01,72085120,CN,10,t,',
      'A-11,2026-03-01,72085120,CN,10,m3,',
      'A-12,2026-03-01,84713000,CN,1,t,',
    ].join('\n');
    const res = await call(`${P}/shipments`, 'a', { method: 'POST', body: csv, type: 'text/csv' });
    expect(res.status).toBe(400);
    const e = (
      (await res.json()) as { error: { message: string; field: string; errors: { line: number }[] } }
    ).error;
    expect(e.message).toBe("line 3, unit: 'm3' is not a mass (and 1 more)");
    expect(e.field).toBe('lines.3.unit');
    expect(e.errors.map((x) => x.line)).toEqual([3, 4]);
    // A reference imported before is a duplicate too.
    const dup = await call(`${P}/shipments`, 'a', {
      method: 'POST',
      body: `${HEADER}\nA-1,2026-03-01,72085120,CN,10,t,`,
      type: 'text/csv',
    });
    expect(((await dup.json()) as { error: { message: string } }).error.message).toBe(
      "line 2, reference: 'A-1' was imported before",
    );
    // An unknown CN code.
    const unknown = await call(`${P}/shipments`, 'a', {
      method: 'POST',
      body: `${HEADER}\nA-20,2026-03-01,99999999,CN,10,t,`,
      type: 'text/csv',
    });
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe(
      "line 2, cn: '99999999' is not a known CN code",
    );
    expect(await count('cbam_shipment')).toBe(before);
  });

  it("keeps one organisation's data from another (404), and de minimis for a small importer", async () => {
    expect((await call(`${P}/supplier-files?org=imp-a`, 'b')).status).toBe(404);
    expect((await call(`${P}/supplier-files/${fileA}`, 'b')).status).toBe(404);
    expect((await call(`${P}/declarations/2026?org=${orgs['imp-a']}`, 'b')).status).toBe(404);
    expect(((await (await call(`${P}/supplier-files`, 'b')).json()) as { items: unknown[] }).items).toEqual(
      [],
    );
    // imp-b uses the same references as imp-a: references are unique per importer only.
    const csv = [HEADER, 'A-1,2026-04-01,72085120,CN,40,t,', 'A-2,2026-04-02,72085120,CN,8000,kg,'].join(
      '\n',
    );
    expect((await call(`${P}/shipments`, 'b', { method: 'POST', body: csv, type: 'text/csv' })).status).toBe(
      201,
    );
    // 40 + 8 = 48 t ≤ 50 t, no electricity or hydrogen: exempt.
    const small = (await (await call(`${P}/declarations/2026`, 'b')).json()) as {
      deMinimis: { exempt: boolean; totalMass: string; explanation: string };
    };
    expect(small.deMinimis).toMatchObject({ exempt: true, totalMass: '48' });
    expect(small.deMinimis.explanation).toMatch(
      /^48 t of CBAM goods in 2026, at or under the 50 t threshold of Regulation \(EU\) 2025\/2083.*; no declaration is due$/,
    );
    await call(`${P}/shipments`, 'b', {
      method: 'POST',
      body: `${HEADER}\nB-3,2026-06-01,72085120,CN,3,t,`,
      type: 'text/csv',
    });
    // 48 + 3 = 51 t > 50 t: a declaration is due.
    const due = (await (await call(`${P}/declarations/2026`, 'b')).json()) as {
      deMinimis: { exempt: boolean; totalMass: string };
    };
    expect(due.deMinimis).toMatchObject({ exempt: false, totalMass: '51' });
    // imp-a's declaration did not change: still 180 t.
    expect(
      ((await (await call(`${P}/declarations/2026`, 'a')).json()) as { totals: { netMass: string } }).totals
        .netMass,
    ).toBe('180');
  });
});

describe('signed supplier files', () => {
  it('accepts a signed file, refuses a tampered one writing nothing, and pins the supplier to its key', async () => {
    const x = await issued('exp-x');
    const ok = await platform.cbam.importer.importSupplierFile(
      'system',
      'imp-a',
      Buffer.from(JSON.stringify(x)),
      'x.json',
    );
    expect(ok).toMatchObject({ version: 1, installation: x.data.installation.name, warnings: [] });
    const row = (
      await platform.db.query<{ key_thumbprint: string }>(
        'SELECT key_thumbprint FROM cbam_supplier WHERE id = $1',
        [ok.supplier],
      )
    )[0]!;
    expect(row.key_thumbprint).toBeTruthy();

    const before = await count('cbam_supplier_file');
    const tampered = structuredClone(x);
    tampered.results.goods[0]!.seeDirect = '0.5';
    await expect(
      platform.cbam.importer.importSupplierFile(
        'system',
        'imp-a',
        Buffer.from(JSON.stringify(tampered)),
        't.json',
      ),
    ).rejects.toMatchObject({
      status: 400,
      field: 'proof',
      message: expect.stringMatching(/^proof: the signature does not verify/),
    });
    expect(await count('cbam_supplier_file')).toBe(before);

    // The same installation (name, country, operator), issued by another organisation: another key.
    const y = await issued('exp-y');
    const err = await platform.cbam.importer
      .importSupplierFile('system', 'imp-a', Buffer.from(JSON.stringify(y)), 'y.json')
      .catch(
        (e: unknown) =>
          e as { status: number; message: string; details: { pinned: string; presented: string } },
      );
    expect(err).toMatchObject({ status: 409 });
    const e = err as { message: string; details: { pinned: string; presented: string } };
    expect(e.details.pinned).toBe(row.key_thumbprint);
    expect(e.details.presented).not.toBe(row.key_thumbprint);
    expect(e.message).toContain(e.details.pinned);
    expect(e.message).toContain(e.details.presented);
    expect(await count('cbam_supplier_file')).toBe(before);

    // The XLSX the communication part makes of the signed file imports as the next version.
    const xlsx = await platform.cbam.communication.toXlsx(x);
    const res = await call(`${P}/supplier-files?filename=x.xlsx`, 'a', {
      method: 'POST',
      body: xlsx,
      type: XLSX,
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { version: number }).version).toBe(2);

    // The same workbook without the sheet holding the signed file, as a template filled in by
    // hand would be: its data is read from the cells and the figures per good calculated here;
    // they must equal those the exporter's server calculated when it issued the signed file.
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
    wb.removeWorksheet(wb.getWorksheet('GT_Data')!.id);
    const handFilled = Buffer.from(await wb.xlsx.writeBuffer());
    const accepted = await call(`${P}/supplier-files?filename=hand.xlsx`, 'a', {
      method: 'POST',
      body: handFilled,
      type: XLSX,
    });
    expect(accepted.status).toBe(201);
    const hand = (await accepted.json()) as { id: string; version: number; warnings: string[] };
    expect(hand.version).toBe(3);
    expect(hand.warnings.some((w) => w.startsWith('unsigned'))).toBe(true);
    const detail = (await (await call(`${P}/supplier-files/${hand.id}`, 'a')).json()) as {
      signed: boolean;
      goods: { cn: string; seeDirect: string; seeIndirect: string }[];
    };
    expect(detail.signed).toBe(false);
    const byCn = (g: { cn: string; seeDirect: string; seeIndirect: string }[]) =>
      Object.fromEntries(g.map((x) => [x.cn, [x.seeDirect, x.seeIndirect]]));
    expect(byCn(detail.goods)).toEqual(byCn(x.results.goods));
  });
});

describe('greentrade cbam (importer)', () => {
  async function run(...args: string[]): Promise<string> {
    const program = new Command('cbam').exitOverride();
    for (const c of importerCommands(async () => ({ cbam: platform.cbam, close: async () => {} })))
      program.addCommand(c);
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out += String(s);
      return true;
    });
    try {
      await program.parseAsync(['node', 'cbam', ...args]);
    } finally {
      spy.mockRestore();
    }
    return out;
  }

  it('imports a supplier file and shipments, and declares with --xml and --json', async () => {
    const org = await identityAdmin.ensureOrg(platform.db, 'imp-cli', 'CLI importer');
    expect(org).toBeTruthy();
    const dir = mkdtempSync(join(tmpdir(), 'cbam-importer-'));
    const file = join(dir, 'supplier.json');
    writeFileSync(
      file,
      JSON.stringify(
        commFile({
          name: 'Izmir Fertiliser Plant',
          country: 'TR',
          goods: [{ cn: '31021010', seeDirect: '2', seeIndirect: '0.5', sector: 'fertilisers' }],
        }),
      ),
    );
    const imported = JSON.parse(await run('import', file, '--org', 'imp-cli', '--json')) as {
      imported: { version: number }[];
    };
    expect(imported.imported[0]!.version).toBe(1);
    const csv = join(dir, 'shipments.csv');
    writeFileSync(
      csv,
      [
        HEADER,
        'C-1,2026-01-05,31021010,TR,40,t,Izmir Fertiliser Plant',
        'C-2,2026-01-06,31021010,TR,20,t,izmir fertiliser plant',
      ].join('\n'),
    );
    expect(await run('shipments', 'import', csv, '--org', 'imp-cli')).toBe('2 shipments imported\n');
    const xml = join(dir, 'declaration.xml');
    const d = JSON.parse(
      await run('declare', '--year', '2026', '--org', 'imp-cli', '--xml', xml, '--json'),
    ) as {
      totals: { direct: string; indirect: string; total: string };
    };
    // Fertilisers count indirect emissions in 2026: direct = 60 × 2 = 120; indirect = 60 × 0.5 = 30; total 150.
    expect(d.totals).toMatchObject({ direct: '120', indirect: '30', total: '150' });
    expect(readFileSync(xml, 'utf8')).toContain('<Total>150</Total>');
    await expect(run('shipments', 'import', join(dir, 'missing.csv'), '--org', 'imp-cli')).rejects.toThrow(
      /cannot read/,
    );
  });
});
