import { AppError } from '../../../kernel/errors.js';
import type { CbamDemoOrgs } from '../context.js';
import type { CommunicationFile } from '../model.js';
import type { CbamServices } from '../services.js';

/** An aluminium smelter that sends no data (defaults apply), and a Turkish fertiliser plant likewise. */
const NO_DATA_SMELTER = 'Coastal Aluminium Smelter';

/**
 * The demo importer ('demo-importer'): the demo exporter's signed communication file, when the
 * communication part issued one, and twelve shipments of 2026: hot-rolled steel from the demo
 * installation (its own figures), unwrought aluminium from a smelter without data and urea from
 * Türkiye (both on default values). Seeded once; what is missing is skipped.
 */
export async function seedImporterDemo(services: CbamServices, orgs: CbamDemoOrgs): Promise<void> {
  const { importer, deps } = services;
  const has = await deps.db.query<{ n: number }>(
    'SELECT (SELECT count(*) FROM cbam_supplier_file WHERE org_id = $1)::int + (SELECT count(*) FROM cbam_shipment WHERE org_id = $1)::int AS n',
    [orgs.importer],
  );
  if ((has[0]?.n ?? 0) > 0) return;

  let file: CommunicationFile | null = null;
  try {
    const issued = await services.communication.list('system', orgs.exporter);
    if (issued[0]) file = await services.communication.get('system', issued[0].id);
  } catch {
    file = null; // no communication part data: the steel shipments fall back to defaults
  }
  let installation = 'Demo Steel Works, Tangshan';
  let steelCn = '72085120';
  if (file) {
    try {
      const r = await importer.importSupplierFile(
        'system',
        orgs.importer,
        Buffer.from(JSON.stringify(file)),
        'demo-steel-works.json',
      );
      installation = r.installation;
      steelCn = file.results.goods.find((g) => g.cn.startsWith('7208'))?.cn ?? steelCn;
    } catch (e) {
      // A partial demo (rules data missing) refuses the file: the shipments then use defaults.
      if (!(e instanceof AppError)) throw e;
    }
  }
  const q = (s: string) => (/[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [
    ['DEMO-2026-001', '2026-01-14', steelCn, 'CN', '120', 't', installation],
    ['DEMO-2026-002', '2026-02-03', steelCn, 'CN', '85.5', 't', installation],
    ['DEMO-2026-003', '2026-02-21', '76011000', 'IN', '24000', 'kg', NO_DATA_SMELTER],
    ['DEMO-2026-004', '2026-03-17', '31021010', 'TR', '60', 't', ''],
    ['DEMO-2026-005', '2026-04-08', steelCn, 'CN', '140', 't', installation],
    ['DEMO-2026-006', '2026-05-12', '76011000', 'IN', '18', 't', NO_DATA_SMELTER],
    ['DEMO-2026-007', '2026-06-02', '31021010', 'TR', '45', 't', ''],
    ['DEMO-2026-008', '2026-07-22', steelCn, 'CN', '98.25', 't', installation],
    ['DEMO-2026-009', '2026-08-30', '76011000', 'IN', '22.5', 't', NO_DATA_SMELTER],
    ['DEMO-2026-010', '2026-09-15', steelCn, 'CN', '110', 't', installation],
    ['DEMO-2026-011', '2026-10-27', '31021010', 'TR', '52', 't', ''],
    ['DEMO-2026-012', '2026-11-19', steelCn, 'CN', '75', 't', installation],
  ];
  const csv = [
    'reference,importDate,cn,countryOfOrigin,netMass,unit,installation',
    ...lines.map((l) => l.map(q).join(',')),
  ].join('\n');
  try {
    await importer.importShipments('system', orgs.importer, csv);
  } catch (e) {
    if (!(e instanceof AppError)) throw e; // CBAM scope data missing from a partial demo
  }
}
