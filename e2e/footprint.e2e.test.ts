/**
 * End-to-end: the product-footprint editor in a real Chromium against the built server with the
 * demo data and the shipped factor releases. Run with `npm run build && npm run test:e2e`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, E2eApp, shot } from './harness.js';

const app = new E2eApp('footprint');

describe.skipIf(!process.env['GREENTRADE_E2E'])('product footprints in the browser', () => {
  beforeAll(async () => {
    await app.start();
  });
  afterAll(() => app.stop());

  it('recalculates live as the model is typed, saves, records, and serves the PDF', async () => {
    const page = await app.newPage(DESKTOP);
    await app.signIn(page);
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(`${app.base}/footprint/products/new`);

    await page.getByTestId('model-name').fill('E2E bracket');
    await page.getByTestId('model-year').fill('2022');
    await page.getByTestId('model-region').fill('CN');
    await page.getByTestId('declared-amount').fill('1');

    await page.getByTestId('add-materials').click();
    await page.getByTestId('materials-0-name').fill('Natural gas feedstock');
    await page.getByTestId('materials-0-amount').fill('2');
    await page.getByTestId('materials-0-unit').selectOption('t');
    await page.getByTestId('materials-0-factor-key').fill('natural-gas.t');
    await page.getByTestId('materials-0-factor-release').fill('ipcc-2006');
    const total = page.getByTestId('live-total');
    // IPCC 2006 natural gas per tonne: 2 t × 2,695.416 = 5,390.832
    await expect.poll(() => total.getAttribute('data-value'), { timeout: 15_000 }).toBe('5390.832');

    await page.getByTestId('add-energy').click();
    await page.getByTestId('energy-0-name').fill('Grid power');
    await page.getByTestId('energy-0-amount').fill('1000');
    // + MEE China grid 2022: 1,000 kWh × 0.5366 = 536.6 → 5,927.432
    await expect.poll(() => total.getAttribute('data-value'), { timeout: 15_000 }).toBe('5927.432');
    expect(await total.textContent()).toBe('5,927.432');
    await expect.poll(() => page.getByTestId('result-chart').locator('svg').count()).toBeGreaterThan(0);

    // a unit of the wrong dimension is named
    await page.getByTestId('materials-0-unit').selectOption('kWh');
    const alert = page.getByTestId('live-result').getByTestId('error-alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain(
      'materials.0.unit: cannot use kWh (energy) where t (mass) is needed',
    );
    await page.getByTestId('materials-0-unit').selectOption('t');
    await expect.poll(() => total.getAttribute('data-value'), { timeout: 15_000 }).toBe('5927.432');
    await shot(page, 'footprint-editor');

    await page.getByTestId('save-product').click();
    await page.waitForURL(/\/footprint\/products\/[0-9a-f-]{36}$/);
    const record = page.getByTestId('record-footprint');
    await expect.poll(() => record.isEnabled()).toBe(true);
    await record.click();
    const pdfLink = page.getByTestId('footprint-pdf').first();
    await pdfLink.waitFor();
    expect(await page.getByTestId('footprint-history').textContent()).toContain('5,927.432');

    const href = await pdfLink.getAttribute('href');
    const res = await page.context().request.get(`${app.base}${href}`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toBe('application/pdf');
    expect((await res.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const json = await page
      .context()
      .request.get(`${app.base}${await page.getByTestId('footprint-json').first().getAttribute('href')}`);
    expect(((await json.json()) as { result: { total: string } }).result.total).toBe('5927.432');

    // the list shows it
    await page.goto(`${app.base}/footprint/products`);
    await page.getByTestId('products-table').waitFor();
    expect(await page.getByTestId('products-table').textContent()).toContain('E2E bracket');
    expect(app.pageErrors.get(page)).toEqual([]);
  });

  it('speaks Chinese', async () => {
    const page = await app.newPage({ ...DESKTOP, locale: 'zh-CN' });
    await app.signIn(page);
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(`${app.base}/footprint/products/new`);
    await page.getByTestId('model-name').fill('光伏组件');
    await page.getByTestId('add-energy').click();
    await page.getByTestId('energy-0-name').fill('电');
    await page.getByTestId('energy-0-amount').fill('10');
    await page.getByTestId('live-total').waitFor();
    const aside = (await page.getByTestId('live-result').textContent()) ?? '';
    expect(aside).toContain('碳足迹（实时）');
    expect(aside).toContain('按阶段');
    expect(await page.locator('h1').textContent()).toBe('新建产品模型');
    await shot(page, 'footprint-editor-zh');
    expect(app.pageErrors.get(page)).toEqual([]);
  });
});
