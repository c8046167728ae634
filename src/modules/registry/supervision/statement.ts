/**
 * The retirement statement (pdfkit): who the units were retired for, why, for which period,
 * which serials of which project and vintage, and the ledger entry that records it with the
 * signed checkpoint that holds it. A link and a QR code lead to the explorer's page for the
 * retirement, where anyone can check the inclusion proof in a browser.
 *
 * PDF's built-in fonts cannot draw Chinese: the statement embeds a CJK font when the machine has
 * one (the same candidates as the footprint report), else it draws Helvetica and shows characters
 * it cannot draw as "?".
 */
import QRCode from 'qrcode';
import { openPdf, type PdfOptions } from '../../../kernel/pdf.js';
import type { ExplorerRetirementDetail } from './model.js';

export { CJK_FONTS } from '../../../kernel/pdf.js';
export type StatementOptions = PdfOptions;

const thousands = (n: string) => n.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

export async function renderStatement(
  r: ExplorerRetirementDetail,
  options: StatementOptions = {},
): Promise<Buffer> {
  const qr = await QRCode.toBuffer(r.verificationUrl, { type: 'png', margin: 1, width: 240 });
  const { doc, done, t, bi } = openPdf(
    {
      Title: `Retirement statement ${r.id}`,
      Subject: r.verificationUrl,
      Creator: `GreenTrade registry ${r.registry}`,
    },
    options,
  );

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
  const row = (cells: string[], cols: number[], bold = false) => {
    const heights = cells.map((c, i) => doc.heightOfString(t(c), { width: cols[i]! * width - 4 }));
    const h = Math.max(...heights, 10);
    if (doc.y + h > bottom()) doc.addPage();
    const y = doc.y;
    let x = left;
    cells.forEach((c, i) => {
      doc.fillColor(bold ? '#374151' : 'black').text(t(c), x, y, { width: cols[i]! * width - 4 });
      x += cols[i]! * width;
    });
    doc.y = y + h + 3;
    doc.x = left;
  };
  const kv = (k: string, v: string) => row([k, v], [0.3, 0.7]);

  const kindEn = r.kind === 'retirement' ? 'Retirement statement' : 'Cancellation statement';
  const kindZh = r.kind === 'retirement' ? '注销声明' : '取消声明';
  doc.fontSize(18).text(t(bi(kindEn, kindZh)), left, doc.y, { width: width - 130 });
  doc
    .fontSize(10)
    .fillColor('#374151')
    .text(t(`GreenTrade registry ${r.registry}`), { width: width - 130 });
  doc.fillColor('black');
  // The QR code at the top right: it holds the verification link.
  doc.image(qr, left + width - 110, 40, { width: 110 });
  doc.y = Math.max(doc.y, 160);
  doc.fontSize(9);

  kv(bi('Statement', '声明编号'), r.id);
  kv(bi('Beneficiary', '受益方'), r.beneficiary ?? '–');
  kv(bi('Purpose', '用途'), r.purpose ?? '–');
  kv(
    bi('Claim period', '声明期间'),
    r.claimPeriod ? `${r.claimPeriod.from ?? '…'} – ${r.claimPeriod.to ?? '…'}` : '–',
  );
  kv(bi('Quantity', '数量'), `${thousands(r.quantity)} units (t CO2e)`);
  kv(bi('Date', '日期'), r.createdAt);

  heading('Units', '减排量');
  const cols = [0.42, 0.28, 0.1, 0.2];
  row(['Serial', bi('Project', '项目'), bi('Vintage', '年份'), bi('Quantity', '数量')], cols, true);
  for (const g of r.ranges)
    row(
      [
        g.serial,
        `${g.projectCode} ${g.projectName} (${g.hostCountry})`,
        String(g.vintage),
        thousands(g.quantity),
      ],
      cols,
    );

  heading('Ledger record', '账本记录');
  if (r.ledger) {
    kv(bi('Ledger entry', '账本条目'), String(r.ledger.index));
    kv(bi('Leaf hash', '叶哈希'), r.ledger.leafHash);
  } else kv(bi('Ledger entry', '账本条目'), '–');
  const cp = r.proof?.checkpoint;
  if (r.proof && cp) {
    kv(bi('In checkpoint', '所在检查点'), `${cp.origin}, tree size ${cp.treeSize}, signed ${cp.timestamp}`);
    kv(bi('Root hash', '根哈希'), cp.rootHash);
    kv(bi('Signing key', '签名公钥'), cp.publicKey);
  }

  heading('Verify', '验证');
  doc.text(
    t(
      `Open ${r.verificationUrl} (or scan the QR code) to see this ${r.kind} in the public explorer and check, in your browser, ` +
        `that ledger entry ${r.ledger?.index ?? '?'} is in the signed log. The proof is also at /api/v1/ledger/entries/${r.ledger?.index ?? '?'}/proof.`,
    ),
    left,
    doc.y,
    { width, link: r.verificationUrl },
  );
  doc.moveDown(0.4).fillColor('#1d4ed8').text(r.verificationUrl, left, doc.y, {
    width,
    link: r.verificationUrl,
    underline: true,
  });
  doc.fillColor('black');
  doc.end();
  return done;
}
