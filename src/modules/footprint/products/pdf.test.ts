import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calculate } from './calculate.js';
import { parseProductModel } from './model.js';
import { CJK_FONTS, renderReport, type ReportInput } from './pdf.js';
import { testFactor } from './testing.js';

/** The text pdfkit drew with a built-in font, from an uncompressed file: the hex strings of each TJ. */
function builtInText(pdf: Buffer): string {
  const src = pdf.toString('latin1');
  return [...src.matchAll(/\[([^\]]*)\] TJ/g)]
    .map((m) =>
      [...m[1]!.matchAll(/<([0-9a-fA-F]*)>/g)]
        .map((h) => Buffer.from(h[1]!, 'hex').toString('latin1'))
        .join(''),
    )
    .join('\n');
}

const report = (name: string): ReportInput => {
  const result = calculate(
    parseProductModel({
      name,
      declaredUnit: { amount: '1', unit: 't' },
      year: 2022,
      region: 'CN',
      materials: [{ name: 'steel', amount: '2', unit: 't', factor: { key: 'steel' } }],
      energy: [{ name: 'power', carrier: 'electricity', amount: '1000', unit: 'kWh' }],
    }),
    {
      lines: { 'materials.0': testFactor('steel', '1850', 't') },
      electricity: { 'energy.0': { grid: testFactor('grid', '0.5366', 'kWh'), residualMix: null } },
    },
  );
  return {
    id: '00000000-0000-4000-8000-000000000001',
    productId: '00000000-0000-4000-8000-000000000002',
    productVersion: 1,
    resultSha256: 'ab'.repeat(32),
    ledger: { index: 7, leafHash: 'cd'.repeat(32), entryPath: '/ledger/entries/7' },
    createdAt: '2026-11-25T12:00:00.000Z',
    createdBy: 'test',
    result,
  };
};

describe('PDF report', () => {
  it('holds the product, the total (3,700 + 536.6 = 4,236.6) and the ledger entry', async () => {
    const pdf = await renderReport(report('Test coil'), { compress: false, fonts: [] });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = builtInText(pdf);
    expect(text).toContain('Test coil');
    expect(text).toContain('4,236.6 kg CO2e / 1 t');
    expect(text).toContain('536.6');
    expect(text).toContain('/api/v1/ledger/entries/7/proof');
  });

  it('embeds a CJK font for Chinese names when one is installed', async () => {
    const pdf = await renderReport(report('热轧钢卷 coil'), { compress: false });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const installed = CJK_FONTS.some((f) => existsSync(f.path));
    if (installed) expect(pdf.toString('latin1')).toMatch(/\/FontName \/[A-Z]{6}\+Noto/);
    else expect(pdf.toString('latin1')).toContain('Helvetica');
  });
});
