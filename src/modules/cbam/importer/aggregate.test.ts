import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { aggregate, type ShipmentRow, type SupplierFileVersion } from './aggregate.js';
import { STUB_DE_MINIMIS, stubSnapshot } from './testing.js';
import { declarationXml } from './xml.js';

const ship = (reference: string, netMass: string, over: Partial<ShipmentRow> = {}): ShipmentRow => ({
  reference,
  importDate: '2026-03-01',
  cn: '72085120',
  countryOfOrigin: 'CN',
  sector: 'iron_steel',
  netMass,
  installation: 'Hebei Test Steel Works',
  ...over,
});

const hebei = (version: number, seeDirect: string, seeIndirect: string): SupplierFileVersion => ({
  id: `hebei-v${version}`,
  supplierId: 'hebei',
  version,
  installation: 'Hebei Test Steel Works',
  country: 'CN',
  goods: [{ cn: '72085120', sector: 'iron_steel', seeDirect, seeIndirect, seeTotal: '0', source: 'actual' }],
});

describe('aggregate', () => {
  it('keeps goods of one CN code and country made by different routes in lines of their own', () => {
    // Two smelters in CN state unwrought aluminium (7601 10 00) by different routes; their EU
    // benchmarks differ (primary 1.423, secondary 0.091), so the lines must not be merged.
    const smelter = (id: string, route: string, see: string): SupplierFileVersion => ({
      id,
      supplierId: id,
      version: 1,
      installation: id,
      country: 'CN',
      goods: [
        {
          cn: '76011000',
          sector: 'aluminium',
          seeDirect: see,
          seeIndirect: '0',
          seeTotal: see,
          source: 'actual',
          route,
        },
      ],
    });
    const al = (reference: string, netMass: string, installation: string | null): ShipmentRow => ({
      reference,
      importDate: '2026-05-01',
      cn: '76011000',
      countryOfOrigin: 'CN',
      sector: 'aluminium',
      netMass,
      installation,
    });
    const r = aggregate(
      [
        al('P1', '10', 'Primary Smelter'),
        al('P2', '5', 'Primary Smelter'),
        al('S1', '20', 'Recycler'),
        { ...al('D1', '1', null), countryOfOrigin: 'IN' },
      ],
      [smelter('Primary Smelter', 'primary', '1.6'), smelter('Recycler', 'secondary', '0.3')],
      stubSnapshot(),
      STUB_DE_MINIMIS,
    );
    // primary: (10 + 5) × 1.6 = 24; secondary: 20 × 0.3 = 6; IN default (route unknown): 1 × 1.5 × 1.1 = 1.65
    expect(r.lines.map((l) => [l.country, l.route, l.netMass, l.direct])).toEqual([
      ['CN', 'primary', '15', '24'],
      ['CN', 'secondary', '20', '6'],
      ['IN', null, '1', '1.65'],
    ]);
  });

  it('adds up supplier figures and defaults per CN code and country, counting indirect only where the year does', () => {
    const shipments = [
      ship('S1', '100'),
      // Installation names match case-insensitively.
      ship('S2', '50', { installation: 'HEBEI test steel works' }),
      // No supplier data for this installation → default (IN, 76011000) with the 10% mark-up.
      ship('A1', '20', {
        cn: '76011000',
        countryOfOrigin: 'IN',
        sector: 'aluminium',
        installation: 'Unknown Smelter',
      }),
      ship('F1', '10', { cn: '31021010', countryOfOrigin: 'TR', sector: 'fertilisers', installation: null }),
    ];
    // Version 1 said 2.5; version 2 (the latest) says 1.9: the latest is used.
    const r = aggregate(
      shipments,
      [hebei(1, '2.5', '0.5'), hebei(2, '1.9', '0.4')],
      stubSnapshot(),
      STUB_DE_MINIMIS,
    );
    // Steel: direct = (100 + 50) × 1.9 = 285; indirect not counted for iron_steel in 2026 → 0; total 285.
    // Aluminium: default base 1.5 × 1.1 = 1.65; direct = 20 × 1.65 = 33; indirect not counted → 0.
    // Fertiliser: default 2.0 × 1.1 = 2.2, 0.3 × 1.1 = 0.33; direct = 10 × 2.2 = 22; indirect = 10 × 0.33 = 3.3; total 25.3.
    expect(r.lines).toEqual([
      {
        cn: '31021010',
        country: 'TR',
        sector: 'fertilisers',
        route: null,
        unit: 't',
        netMass: '10',
        direct: '22',
        indirect: '3.3',
        total: '25.3',
        indirectCounted: true,
        defaultShare: '1',
        shipments: 1,
        supplierFiles: [],
      },
      {
        cn: '72085120',
        country: 'CN',
        sector: 'iron_steel',
        route: null,
        unit: 't',
        netMass: '150',
        direct: '285',
        indirect: '0',
        total: '285',
        indirectCounted: false,
        defaultShare: '0',
        shipments: 2,
        supplierFiles: [{ id: 'hebei-v2', version: 2, installation: 'Hebei Test Steel Works' }],
      },
      {
        cn: '76011000',
        country: 'IN',
        sector: 'aluminium',
        route: null,
        unit: 't',
        netMass: '20',
        direct: '33',
        indirect: '0',
        total: '33',
        indirectCounted: false,
        defaultShare: '1',
        shipments: 1,
        supplierFiles: [],
      },
    ]);
    // Totals: mass 100 + 50 + 20 + 10 = 180; direct 285 + 33 + 22 = 340; indirect 3.3; total 343.3.
    expect(r.totals).toEqual({
      netMass: '180',
      electricity: '0',
      direct: '340',
      indirect: '3.3',
      total: '343.3',
    });
    expect(r.shipments.find((s) => s.reference === 'S1')).toMatchObject({
      linked: { supplierFileId: 'hebei-v2', version: 2 },
      source: 'supplier',
      direct: '190', // 100 × 1.9
      indirect: '0',
      total: '190',
    });
    expect(r.shipments.find((s) => s.reference === 'A1')).toMatchObject({
      linked: null,
      source: 'default',
      direct: '33',
    });
    expect(r.deMinimis).toMatchObject({ exempt: false, totalMass: '180', threshold: '50' });
    expect(r.deMinimis.explanation).toBe(
      '180 t of CBAM goods in 2026, over the 50 t threshold of Regulation (EU) 2025/2083; a declaration is due by 30 September 2027',
    );
    expect(r.complete).toBe(true);
  });

  it('uses a default for a CN code the supplier file does not list, and the share of defaults by emissions', () => {
    const shipments = [
      ship('S1', '100'),
      // Same line (72085120, CN), but from an installation without data: default 3.19 × 1.1 = 3.509.
      ship('S2', '10', { installation: 'Other Mill' }),
    ];
    const r = aggregate(shipments, [hebei(1, '1.9', '0.4')], stubSnapshot(), STUB_DE_MINIMIS);
    // direct = 100 × 1.9 + 10 × 3.509 = 190 + 35.09 = 225.09; default share = 35.09 / 225.09 = 0.15589... → 0.1559
    expect(r.lines[0]).toMatchObject({
      direct: '225.09',
      total: '225.09',
      defaultShare: '0.1559',
      shipments: 2,
    });
  });

  it('applies de minimis: exempt at 48.2 t, not at 51 t, never with electricity', () => {
    const exempt = aggregate([ship('S1', '40'), ship('S2', '8.2')], [], stubSnapshot(), STUB_DE_MINIMIS);
    // 40 + 8.2 = 48.2 t ≤ 50 t
    expect(exempt.deMinimis).toMatchObject({ exempt: true, totalMass: '48.2' });
    expect(exempt.deMinimis.explanation).toBe(
      '48.2 t of CBAM goods in 2026, at or under the 50 t threshold of Regulation (EU) 2025/2083; no declaration is due',
    );
    // Exactly at the threshold is still exempt: 50 ≤ 50.
    expect(aggregate([ship('S1', '50')], [], stubSnapshot(), STUB_DE_MINIMIS).deMinimis.exempt).toBe(true);
    // 45 + 6 = 51 t > 50 t
    const due = aggregate([ship('S1', '45'), ship('S2', '6')], [], stubSnapshot(), STUB_DE_MINIMIS);
    expect(due.deMinimis).toMatchObject({ exempt: false, totalMass: '51' });
    // 10 t of steel and 5 MWh of electricity: the threshold does not apply to electricity.
    const elec = aggregate(
      [ship('S1', '10'), ship('E1', '5', { cn: '27160000', sector: 'electricity', installation: null })],
      [],
      stubSnapshot(),
      STUB_DE_MINIMIS,
    );
    expect(elec.deMinimis).toMatchObject({ exempt: false, totalMass: '10' });
    expect(elec.deMinimis.explanation).toContain('electricity imported');
    expect(elec.lines.find((l) => l.cn === '27160000')).toMatchObject({ unit: 'MWh', netMass: '5' });
    // Electricity's MWh are not added to tonnes.
    expect(elec.totals).toMatchObject({ netMass: '10', electricity: '5' });
  });

  it('marks shipments that have neither supplier data nor a default value, and the declaration incomplete', () => {
    const r = aggregate(
      [ship('X1', '5', { cn: '72085120', countryOfOrigin: 'BR', installation: null })],
      [],
      stubSnapshot(),
      STUB_DE_MINIMIS,
    );
    expect(r.shipments[0]).toMatchObject({ source: 'missing', direct: null, total: null });
    expect(r.complete).toBe(false);
    expect(r.warnings[0]).toContain('shipment X1');
    expect(r.lines[0]).toMatchObject({ netMass: '5', total: '0', shipments: 1 });
  });

  it('renders XML that parses back to the same lines and totals', () => {
    const agg = aggregate(
      [
        ship('S1', '100'),
        ship('S2', '50'),
        ship('F1', '10', { cn: '31021010', countryOfOrigin: 'TR', sector: 'fertilisers' }),
      ],
      [hebei(1, '1.9', '0.4')],
      stubSnapshot(),
      STUB_DE_MINIMIS,
    );
    const { shipments: _s, ...rest } = agg;
    const decl = {
      ...rest,
      declarant: { id: 'org-1', slug: 'importer', name: 'Importer & Co <EU>' },
      dueDate: '2027-09-30',
      period: { start: '2026-01-01', end: '2026-12-31' },
    };
    const xml = declarationXml(decl);
    const parsed = new XMLParser({
      ignoreAttributes: false,
      parseTagValue: false,
      isArray: (n) => n === 'GoodsImported',
    }).parse(xml) as {
      CBAMDeclaration: {
        Declarant: { Name: string };
        ReportingPeriod: { DueDate: string };
        DeMinimis: { '@_exempt': string };
        GoodsImported: {
          CNCode: string;
          NetMass: { '#text': string; '@_unit': string };
          EmbeddedEmissions: { Direct: string; Total: string };
        }[];
        Totals: {
          NetMass: { '#text': string };
          EmbeddedEmissions: { Direct: string; Indirect: string; Total: string };
        };
      };
    };
    const d = parsed.CBAMDeclaration;
    expect(d.Declarant.Name).toBe('Importer & Co <EU>');
    expect(d.ReportingPeriod.DueDate).toBe('2027-09-30');
    expect(d.DeMinimis['@_exempt']).toBe('false');
    // Totals: 150 × 1.9 = 285 direct steel; fertiliser 10 × 2.2 = 22 direct, 10 × 0.33 = 3.3 indirect.
    expect(d.Totals.EmbeddedEmissions).toMatchObject({ Direct: '307', Indirect: '3.3', Total: '310.3' });
    expect(d.Totals.EmbeddedEmissions.Total).toBe(decl.totals.total);
    expect(d.Totals.NetMass['#text']).toBe(decl.totals.netMass);
    expect(d.GoodsImported.map((g) => [g.CNCode, g.NetMass['#text'], g.EmbeddedEmissions.Total])).toEqual(
      decl.lines.map((l) => [l.cn, l.netMass, l.total]),
    );
  });
});
