// The declaration as XML in our documented structure (docs/cbam-declaration.md). The EU CBAM
// registry's schema is not available to us; its mapping will be a second renderer of the same
// Declaration object.
import { create } from 'xmlbuilder2';
import type { Aggregation } from './aggregate.js';

export const DECLARATION_XML_NS = 'urn:greentrade:cbam:declaration:1';

export interface Declaration extends Omit<Aggregation, 'shipments'> {
  declarant: { id: string; slug: string; name: string };
  dueDate: string;
  period: { start: string; end: string };
}

export function declarationXml(d: Declaration): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(DECLARATION_XML_NS, 'CBAMDeclaration', {
    version: '1',
  });
  const declarant = root.ele('Declarant');
  declarant.ele('Id').txt(d.declarant.id);
  declarant.ele('Identifier').txt(d.declarant.slug);
  declarant.ele('Name').txt(d.declarant.name);
  const period = root.ele('ReportingPeriod');
  period.ele('Year').txt(String(d.year));
  period.ele('Start').txt(d.period.start);
  period.ele('End').txt(d.period.end);
  period.ele('DueDate').txt(d.dueDate);
  const dm = root.ele('DeMinimis', { exempt: String(d.deMinimis.exempt) });
  dm.ele('TotalNetMass', { unit: 't' }).txt(d.deMinimis.totalMass);
  if (d.deMinimis.threshold !== null) dm.ele('Threshold', { unit: 't' }).txt(d.deMinimis.threshold);
  dm.ele('Source').txt(d.deMinimis.source);
  dm.ele('Explanation').txt(d.deMinimis.explanation);
  d.lines.forEach((l, i) => {
    const g = root.ele('GoodsImported', { line: String(i + 1) });
    g.ele('CNCode').txt(l.cn);
    g.ele('CountryOfOrigin').txt(l.country);
    g.ele('Sector').txt(l.sector);
    if (l.route !== null) g.ele('ProductionRoute').txt(l.route);
    g.ele('NetMass', { unit: l.unit }).txt(l.netMass);
    const e = g.ele('EmbeddedEmissions', { unit: 'tCO2e' });
    e.ele('Direct').txt(l.direct);
    e.ele('Indirect', { counted: String(l.indirectCounted) }).txt(l.indirect);
    e.ele('Total').txt(l.total);
    g.ele('DefaultShare').txt(l.defaultShare);
    g.ele('Shipments').txt(String(l.shipments));
    const s = g.ele('SupplierInstallations');
    for (const f of l.supplierFiles)
      s.ele('Installation', { supplierFileId: f.id, version: String(f.version) }).txt(f.installation);
  });
  const t = root.ele('Totals');
  t.ele('NetMass', { unit: 't' }).txt(d.totals.netMass);
  t.ele('Electricity', { unit: 'MWh' }).txt(d.totals.electricity);
  const te = t.ele('EmbeddedEmissions', { unit: 'tCO2e' });
  te.ele('Direct').txt(d.totals.direct);
  te.ele('Indirect').txt(d.totals.indirect);
  te.ele('Total').txt(d.totals.total);
  return root.end({ prettyPrint: true });
}
