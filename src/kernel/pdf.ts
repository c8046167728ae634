/**
 * A pdfkit document that can draw Chinese. PDF's built-in fonts cannot: the document embeds a
 * CJK font when the machine has one (Debian's fonts-noto-cjk; pdfkit embeds only the glyphs
 * used, so files stay small), else it draws Helvetica and shows characters it cannot draw as "?".
 * Shared by every PDF the product writes (footprint reports, retirement statements).
 */
import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';

/** TTC collections name the face to use (its PostScript name). */
export const CJK_FONTS: readonly { path: string; face?: string }[] = [
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', face: 'NotoSansCJKsc-Regular' },
  { path: '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc', face: 'NotoSerifCJKsc-Regular' },
  { path: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', face: 'WenQuanYiMicroHei' },
  { path: '/usr/share/fonts/truetype/arphic/uming.ttc', face: 'AR PL UMing CN' },
];

export interface PdfOptions {
  /** false writes uncompressed content streams (tests read the text). */
  compress?: boolean;
  /** Font candidates (tests pass [] to force the built-in font). */
  fonts?: readonly { path: string; face?: string }[];
}

export interface Pdf {
  doc: PDFKit.PDFDocument;
  /** The file, once `doc.end()` has been called. */
  done: Promise<Buffer>;
  /** Whether a CJK font is embedded. */
  cjk: boolean;
  /** Text as it can be drawn: unchanged with a CJK font, else non-Latin-1 characters as "?". */
  t(s: string): string;
  /** A bilingual heading: both languages with a CJK font, English alone without. */
  bi(en: string, zh: string): string;
}

export function openPdf(info: PDFKit.DocumentInfo, options: PdfOptions = {}): Pdf {
  const font = (options.fonts ?? CJK_FONTS).find((f) => existsSync(f.path));
  const doc = new PDFDocument({ size: 'A4', margin: 48, compress: options.compress ?? true, info });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  let cjk = false;
  if (font) {
    try {
      doc.registerFont('body', font.path, font.face);
      doc.font('body');
      cjk = true;
    } catch {
      doc.font('Helvetica');
    }
  } else doc.font('Helvetica');
  return {
    doc,
    done,
    cjk,
    // Helvetica draws Latin-1 only: anything else would come out as garbage glyphs.
    t: (s) => (cjk ? s : s.replace(/[^\x20-\x7e\u00a0-\u00ff]/g, '?')),
    bi: (en, zh) => (cjk ? `${en} ${zh}` : en),
  };
}
