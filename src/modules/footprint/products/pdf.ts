/**
 * The footprint as a PDF report (pdfkit). PDF's built-in fonts cannot draw Chinese, so the
 * report embeds a CJK font when the machine has one (Debian's fonts-noto-cjk; pdfkit embeds only
 * the glyphs used, so the file stays small) and then heads each section in both languages. Without
 * one it falls back to Helvetica, English only, and shows characters it cannot draw as "?".
 */
import { openPdf, type PdfOptions } from '../../../kernel/pdf.js';
import { fmt } from './format.js';
import type { FootprintResult } from './result.js';

export { CJK_FONTS } from '../../../kernel/pdf.js';

export interface ReportInput {
  id: string;
  productId: string;
  productVersion: number;
  resultSha256: string;
  ledger: { index: number; leafHash: string; entryPath: string };
  createdAt: string;
  createdBy: string;
  result: FootprintResult;
}

export type ReportOptions = PdfOptions;

export function renderReport(fp: ReportInput, options: ReportOptions = {}): Promise<Buffer> {
  const { doc, done, t, bi } = openPdf(
    { Title: `Product carbon footprint: ${fp.result.product.name}`, Creator: 'GreenTrade' },
    options,
  );

  const r = fp.result;
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const bottom = () => doc.page.height - doc.page.margins.bottom;

  const heading = (en: string, zh: string) => {
    if (doc.y > bottom() - 60) doc.addPage();
    doc
      .moveDown(0.6)
      .fontSize(12)
      .fillColor('#14532d')
      .text(t(bi(en, zh)), left, doc.y, { width });
    doc.fillColor('black').fontSize(9).moveDown(0.2);
  };
  /** A table row: cells at fixed column fractions; numbers right-aligned. */
  const row = (
    cells: string[],
    cols: number[],
    opts: { bold?: boolean; align?: ('left' | 'right')[] } = {},
  ) => {
    const heights = cells.map((c, i) => doc.heightOfString(t(c), { width: cols[i]! * width - 4 }));
    const h = Math.max(...heights, 10);
    if (doc.y + h > bottom()) doc.addPage();
    const y = doc.y;
    let x = left;
    cells.forEach((c, i) => {
      doc.fillColor(opts.bold ? '#374151' : 'black').text(t(c), x, y, {
        width: cols[i]! * width - 4,
        align: opts.align?.[i] ?? (i === 0 ? 'left' : 'right'),
      });
      x += cols[i]! * width;
    });
    doc.y = y + h + 2;
    doc.x = left;
  };
  const kv = (k: string, v: string) => row([k, v], [0.4, 0.6], { align: ['left', 'left'] });

  doc.fontSize(18).text(t(bi('Product carbon footprint', '产品碳足迹')), { width });
  doc.fontSize(14).text(t(r.product.name), { width }).moveDown(0.4);
  doc.fontSize(9);
  kv(bi('Declared unit', '声明单位'), r.perUnit);
  kv(
    bi('Inputs describe', '输入对应产量'),
    `${r.product.declaredUnit.amount} ${r.product.declaredUnit.unit}`,
  );
  kv(bi('System boundary', '系统边界'), r.product.boundary);
  kv(bi('Region, reference year', '地区、参考年'), `${r.product.region}, ${r.product.year}`);
  kv(bi('Method', '方法'), r.method.standards.join('; '));
  kv(bi('Footprint', '足迹编号'), `${fp.id} (product ${fp.productId}, version ${fp.productVersion})`);
  kv(bi('Recorded', '记录时间'), `${fp.createdAt} by ${fp.createdBy}`);

  heading('Totals', '总量');
  const unit = `kg CO2e / ${r.perUnit}`;
  const tot: [string, string | null][] = [
    [
      bi('PCF excluding biogenic (total, market-based)', '不含生物源碳足迹（总量，基于市场）'),
      r.pcfExcludingBiogenic,
    ],
    [bi('PCF including biogenic', '含生物源碳足迹'), r.pcfIncludingBiogenic],
    [bi('Total, location-based electricity', '总量（电力基于位置）'), r.totalLocationBased],
    [bi('of which fossil', '其中化石'), r.fossil],
    [bi('of which land-use change', '其中土地利用变化'), r.luc],
    [bi('of which aircraft', '其中航空'), r.aircraft],
    [bi('Biogenic emissions', '生物源排放'), r.biogenicEmissions],
    [bi('Biogenic removals', '生物源移除'), r.biogenicRemovals],
  ];
  for (const [k, v] of tot) row([k, `${fmt(v)} ${unit}`], [0.6, 0.4]);

  heading('By life-cycle stage', '按生命周期阶段');
  row(['Stage', unit, '%'], [0.5, 0.3, 0.2], { bold: true });
  for (const s of r.byStage) row([s.stage, fmt(s.emissions), fmt(s.sharePercent, 1)], [0.5, 0.3, 0.2]);

  heading('By input', '按输入');
  const ic = [0.3, 0.22, 0.2, 0.16, 0.12];
  row(['Input', 'Amount', 'Factor', unit, '%'], ic, { bold: true });
  for (const l of r.byInput)
    row(
      [
        `${l.path} ${l.name}`,
        `${fmt(l.amount)} ${l.unit}`,
        l.basis === 'supplier'
          ? 'supplier PCF (primary)'
          : l.basis === 'process'
            ? 'measured/estimated'
            : (l.factorKey ?? ''),
        fmt(l.emissions),
        fmt(l.sharePercent, 1),
      ],
      ic,
    );

  heading('By gas', '按温室气体');
  row(['Gas', unit, '%'], [0.5, 0.3, 0.2], { bold: true });
  for (const g of r.byGas)
    row(
      [g.gas === 'unsplit' ? 'CO2e (not split by gas)' : g.gas, fmt(g.emissions), fmt(g.sharePercent, 1)],
      [0.5, 0.3, 0.2],
    );

  if (r.electricity.lines.length > 0) {
    heading('Electricity: location- and market-based', '电力：基于位置与基于市场');
    const ec = [0.28, 0.14, 0.2, 0.19, 0.19];
    row(['Line', 'kWh', 'Grid factor', 'Location-based', 'Market-based'], ec, { bold: true });
    for (const e of r.electricity.lines)
      row(
        [
          `${e.path} ${e.name}`,
          fmt(e.kWh),
          `${e.gridFactor.key} ${e.gridFactor.value}/${e.gridFactor.unit}`,
          fmt(e.locationBased),
          fmt(e.marketBased),
        ],
        ec,
      );
    for (const e of r.electricity.lines) {
      for (const i of e.instruments)
        kv(`${e.path} ${i.type} ${i.id}`, `${fmt(i.kWh)} kWh at ${i.factor} kg CO2e/kWh`);
      for (const f of e.flags) kv(e.path, f);
    }
  }

  heading('Data quality and primary data', '数据质量与一手数据');
  kv(
    bi('Primary data share', '一手数据占比'),
    r.primaryDataShare === null ? '–' : `${fmt(r.primaryDataShare, 1)} %`,
  );
  row(['PACT indicator (1 good – 3 poor)', 'Rating', 'Coverage %'], [0.5, 0.25, 0.25], { bold: true });
  for (const k of ['technological', 'temporal', 'geographical', 'completeness', 'reliability'] as const) {
    const v = r.dataQuality[k];
    row([k, fmt(v.rating, 2), fmt(v.coveragePercent, 1)], [0.5, 0.25, 0.25]);
  }

  heading('Exemptions and exclusions', '豁免与排除');
  kv(bi('Exempted, total', '豁免合计'), `${fmt(r.exemptions.totalPercent, 2)} %`);
  for (const e of r.exemptions.items) kv(e.description, `${fmt(e.sharePercent, 2)} %`);
  for (const x of r.excluded) kv(`${x.path} ${x.name}`, x.reason);

  heading('Characterisation factors and emission factors used', '特征化因子与所用排放因子');
  kv(
    'GWP sets',
    `${r.characterisation.gwpSets.join(', ') || '–'} (process gases: ${r.characterisation.processGwpSet})`,
  );
  const fc = [0.34, 0.2, 0.16, 0.3];
  row(['Factor (release@version/key)', 'Value', 'Region, year', 'Source'], fc, { bold: true });
  for (const f of r.factorsUsed)
    row(
      [
        `${f.release}@${f.releaseVersion}/${f.key}`,
        `${f.value} kg CO2e/${f.unit}`,
        `${f.region}, ${f.year}`,
        `${f.source} (${f.licence})`,
      ],
      fc,
      { align: ['left', 'right', 'right', 'left'] },
    );
  for (const w of r.warnings) kv(bi('Warning', '提示'), w);
  for (const n of r.method.notes) doc.text(t(n), left, doc.y, { width }).moveDown(0.2);

  heading('Verification', '验证');
  kv(bi('Ledger entry', '账本条目'), `${fp.ledger.index} (leaf hash ${fp.ledger.leafHash})`);
  kv(bi('Result SHA-256', '结果哈希'), fp.resultSha256);
  doc.text(
    t(
      `Check it: GET /api/v1/ledger/entries/${fp.ledger.index}/proof proves the entry is in the signed log (web: ${fp.ledger.entryPath}); ` +
        `the entry's resultSha256 is the SHA-256 of the RFC 8785 canonical JSON of the result (GET /api/v1/footprint/footprints/${fp.id}).`,
    ),
    left,
    doc.y,
    { width },
  );
  doc.end();
  return done;
}
