/**
 * End-to-end: the emission-factor library page in a real Chromium against the built server with
 * its shipped releases. Run with `npm run build && npx vitest run --config vitest.e2e.config.ts e2e/factors.e2e.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, E2eApp, PHONE, shot, text } from './harness.js';

const app = new E2eApp('factors');
let base = '';

describe.skipIf(!process.env['GREENTRADE_E2E'])('the factor library in the browser', () => {
  beforeAll(async () => {
    await app.start();
    base = app.base;
  });

  afterAll(() => app.stop());

  it('finds the IPCC natural gas factor with its value and detail, then shows it in Chinese', async () => {
    const page = await app.newPage(DESKTOP);
    try {
      await app.signIn(page);
      await page.waitForURL(/\/classification$/);
      await page.goto(`${base}/footprint/factors`);
      expect(await text(page.locator('h1'))).toBe('Emission factors');

      await page.getByTestId('factor-search').fill('natural gas');
      await page.getByTestId('factor-filter-activity').fill('fuel.');
      await page.getByTestId('factor-search-submit').click();
      const row = page.locator('[data-testid="factor-row"][data-key="natural-gas.gj"]');
      await row.waitFor();
      // 56.1 kg CO2 + 0.001 kg CH4 × 28 + 0.0001 kg N2O × 265 per GJ (IPCC 2006, AR5).
      expect(await text(row.getByTestId('factor-value'))).toBe('56.1545');
      expect(await text(row)).toMatch(
        /Natural gas, stationary combustion.*fuel\.natural-gas.*per GJ.*GLO.*2006.*ipcc-2006@2006/,
      );
      expect(new URL(page.url()).searchParams.get('q')).toBe('natural gas');

      await row.getByTestId('factor-open').click();
      const detail = page.getByTestId('factor-detail');
      await detail.waitFor();
      expect(await text(detail.getByTestId('factor-detail-value'))).toMatch(/56\.1545 kg CO2e\/GJ.*GWP AR5/);
      expect(await text(detail.getByTestId('factor-gases'))).toMatch(
        /CO2\s*56\.1 kg\/GJ.*CH4\s*0\.001 kg\/GJ.*N2O\s*0\.0001 kg\/GJ/,
      );
      expect(await text(detail.getByTestId('factor-source'))).toContain('Table 1.4');
      expect(await text(detail.getByTestId('factor-quality'))).toMatch(/Geographical\s*3 – poor/);

      // The shipped releases are listed, public.
      const releases = page.getByTestId('factor-releases');
      expect(await releases.locator('[data-slug="cn-mee-grid"]').count()).toBe(1);
      expect(await text(releases.locator('[data-slug="ipcc-2006"]'))).toMatch(
        /ipcc-2006@2006.*Public data.*30/,
      );
      await shot(page, 'factors-desktop');

      // Chinese: labels follow, values stay.
      await page.getByTestId('lang-switch').selectOption('zh-CN');
      await expect.poll(() => text(page.locator('h1'))).toBe('排放因子');
      expect(await text(page.getByTestId('factor-results').locator('thead'))).toMatch(
        /名称.*活动.*千克二氧化碳当量\/单位.*单位.*地区.*年份.*发布版本/,
      );
      expect(await text(row.getByTestId('factor-value'))).toBe('56.1545');
      expect(await text(detail.getByTestId('factor-detail-value'))).toMatch(/56\.1545 千克二氧化碳当量\/GJ/);
      expect(await text(detail.getByTestId('factor-quality'))).toMatch(/地理代表性\s*3 – 差/);
      expect(await text(releases.locator('[data-slug="ipcc-2006"]'))).toContain('公共数据');
      await shot(page, 'factors-zh');
      expect(app.pageErrors.get(page)).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it('filters by region and year on a phone: China 2022 grid is 0.5366', async () => {
    const page = await app.newPage(PHONE);
    try {
      await app.signIn(page);
      await page.waitForURL(/\/classification$/);
      await page.goto(`${base}/footprint/factors?activity=electricity.grid&region=CN&year=2022`);
      const row = page.locator('[data-testid="factor-row"][data-key="cn-national-average.2022"]');
      await row.waitFor();
      expect(await text(row.getByTestId('factor-value'))).toBe('0.5366');
      expect(await page.getByTestId('factor-row').count()).toBe(1);
      expect(await page.getByTestId('factor-filter-region').inputValue()).toBe('CN');
      await shot(page, 'factors-phone');
      expect(app.pageErrors.get(page)).toEqual([]);
    } finally {
      await page.context().close();
    }
  });
});
