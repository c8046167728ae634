/**
 * End-to-end: the Article 6 page in a real Chromium against the built server with the demo data
 * (an illustrative China–Singapore approach, letter CN-LOA-DEMO-001 and 1,000 ITMOs). The
 * registry operator records a new letter of authorisation (the signed letter's SHA-256 computed in
 * the browser) and downloads the AEF report, which must be a real XLSX workbook.
 */
import { readFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, E2eApp, PHONE, shot } from './harness.js';

const app = new E2eApp('registry-article6');
const OPERATOR = 'operator@demo.greentrade.local';

describe.skipIf(!process.env['GREENTRADE_E2E'])('Article 6 in the browser', () => {
  beforeAll(async () => {
    await app.start();
  });
  afterAll(() => app.stop());

  it('the operator issues a letter of authorisation and downloads the AEF workbook', async () => {
    const page = await app.newPage({ ...DESKTOP, acceptDownloads: true });
    await app.signIn(page, undefined, OPERATOR);
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(`${app.base}/registry/article6`);

    const letters = page.getByTestId('article6-letter');
    await expect.poll(() => letters.count(), { timeout: 20_000 }).toBe(1);
    expect(await letters.first().getAttribute('data-code')).toBe('CN-LOA-DEMO-001');
    const demo = (await (
      await page.request.get(`${app.base}/api/v1/registry/article6/authorizations/CN-LOA-DEMO-001`)
    ).json()) as { authorization: { projects: { code: string }[]; units: { authorized: string } } };
    expect(demo.authorization.units.authorized).toBe('1000');
    const project = demo.authorization.projects[0]!.code;

    const form = page.getByTestId('article6-new-letter');
    await form.getByTestId('a6-code').fill('CN-LOA-E2E-001');
    await form.getByTestId('a6-acquiring').fill('SG');
    await form.getByTestId('a6-projects').fill(project);
    await form.getByTestId('a6-document').setInputFiles({
      name: 'letter-e2e.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4 demo letter of authorisation for the e2e test'),
    });
    await expect.poll(() => form.textContent()).toContain('SHA-256');
    await form.getByTestId('a6-issue').click();
    await page.getByTestId('article6-notice').waitFor();
    expect(await page.getByTestId('article6-notice').textContent()).toContain('CN-LOA-E2E-001');
    await expect.poll(() => letters.count()).toBe(2);
    await shot(page, 'article6-letters');

    // The ITMO ranges of the demo letter: 1,000 units, not yet first transferred.
    await letters.filter({ hasText: 'CN-LOA-DEMO-001' }).getByRole('button').click();
    const unit = page.getByTestId('article6-unit');
    await expect.poll(() => unit.count()).toBe(1);
    expect(await unit.first().textContent()).toContain('Not Started');

    const year = String(new Date().getUTCFullYear());
    await page.getByTestId('aef-party').fill('CN');
    await page.getByTestId('aef-year').fill(year);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('aef-download').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`AEF-CN-${year}.xlsx`);
    const path = await download.path();
    const bytes = await readFile(path);
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK'); // a ZIP container, as XLSX is
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      'Table 1 Submission',
      'Table 2 Authorizations',
      'Table 3 Actions',
      'Table 4 Holdings',
      'Table 5 Auth. entities',
    ]);
    const t2 = wb.getWorksheet('Table 2 Authorizations')!;
    expect([t2.getCell('A3').value, t2.getCell('A4').value]).toEqual(['CN-LOA-DEMO-001', 'CN-LOA-E2E-001']);
    const t3 = wb.getWorksheet('Table 3 Actions')!;
    expect([t3.getCell('B3').value, t3.getCell('P3').value]).toEqual(['Authorization', 1000]);
    expect(app.pageErrors.get(page)).toEqual([]);
  });

  it('fits a phone screen', async () => {
    const page = await app.newPage(PHONE);
    await app.signIn(page, undefined, OPERATOR);
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(`${app.base}/registry/article6`);
    await page.getByTestId('article6-letters').waitFor({ timeout: 20_000 });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shot(page, 'article6-phone');
    expect(app.pageErrors.get(page)).toEqual([]);
  });
});
