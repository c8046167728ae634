/**
 * End-to-end: the CBAM cost page in a real Chromium against the built server with the demo data
 * (the demo importer's price series: Q1 2026 published, Q2–Q4 illustrative). Shows the owed
 * summary with the year's price, refuses a price CSV with a bad line (naming it), imports a good
 * one, and projects a product line to 2034 with the chart. Run with
 * `npm run build && npm run test:e2e -- e2e/cbam-cost.e2e.test.ts`.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DESKTOP, E2eApp, shot, text } from './harness.js';

const app = new E2eApp('cbam-cost');
const IMPORTER = 'importer@demo.greentrade.local';

describe.skipIf(!process.env['GREENTRADE_E2E'])('CBAM cost in the browser', () => {
  beforeAll(async () => {
    await app.start();
  });
  afterAll(() => app.stop());

  it('shows the owed summary, imports prices, and projects to 2034 with a chart', async () => {
    const page = await app.newPage(DESKTOP);
    await app.signIn(page, DEMO_PASSWORD, IMPORTER);
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(`${app.base}/cbam/cost`);

    // The demo series: (75.36 + 72.00 + 74.00 + 76.00) / 4 = 297.36 / 4 = 74.34 EUR.
    const totals = page.getByTestId('cost-totals');
    await totals.waitFor();
    expect(await text(totals)).toContain('EUR 74.34');
    expect(await text(page.getByTestId('cost-owed'))).toContain('2027-09-30');
    expect(await page.getByTestId('cost-prices-table').locator('tbody tr').count()).toBe(4);

    // A weekly price in 2026 breaks the year rule: refused, line 3 named, nothing imported.
    const dir = mkdtempSync(join(tmpdir(), 'cbam-cost-e2e-'));
    const bad = join(dir, 'bad.csv');
    writeFileSync(
      bad,
      'periodStart,periodEnd,priceEur,kind\n2026-01-01,2026-03-31,75.36,quarterly\n2026-04-06,2026-04-12,70,weekly\n',
    );
    await page.getByTestId('cost-prices-file').setInputFiles(bad);
    const prices = page.getByTestId('cost-prices');
    await prices.getByTestId('error-alert').waitFor();
    expect(await text(prices.getByTestId('error-alert'))).toContain('line 3');
    const good = join(dir, 'good.csv');
    writeFileSync(good, 'periodStart,periodEnd,priceEur,kind\n2027-01-04,2027-01-10,81.20,weekly\n');
    await page.getByTestId('cost-prices-file').setInputFiles(good);
    await page.getByTestId('cost-prices-imported').waitFor();
    await expect.poll(() => page.getByTestId('cost-prices-table').locator('tbody tr').count()).toBe(5);

    // The projection form's defaults: 1,000 t primary aluminium at 1.9, EUR 80 flat.
    // 2026: 1900 − 0.975 × 1.423 × 1000 = 512.575 → 513 × 80 = 41040.00; 2034: 1900 × 80 = 152000.00
    await page.getByTestId('projection-submit').click();
    const table = page.getByTestId('projection-table');
    await table.waitFor();
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(9);
    expect(await text(rows.nth(0))).toContain('41040.00');
    expect(await text(rows.nth(8))).toContain('152000.00');
    await page.getByTestId('cost-chart').locator('svg').waitFor();
    await shot(page, 'cbam-cost');
  });
});
