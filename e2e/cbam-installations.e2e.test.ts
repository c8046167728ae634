/**
 * End-to-end: the exporter's CBAM installations page in a real Chromium against the built server
 * with the demo data. The demo steel works is listed and its calculation shown per good (defaults
 * marked); an installation is created from pasted JSON and its figures match the hand calculation
 * below; bad JSON is refused with the field named; the communication file is issued and offered as
 * XLSX and JSON.
 * Run with `npm run build && npx vitest run --config vitest.e2e.config.ts e2e/cbam-installations`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DESKTOP, E2eApp, shot, text } from './harness.js';

const app = new E2eApp('cbam-installations');

beforeAll(async () => app.start(), 180_000);
afterAll(async () => app.stop());

// Clinker: other direct emissions 45 000 t CO2e over 50 000 t = 0.9 t/t; PPA electricity 5 000 MWh
// × 0.1 t CO2/MWh = 500 t over 50 000 t = 0.01 t/t; cement counts both: 0.91, all actual data.
const KILN = {
  installation: { name: 'E2E Kiln Works', operator: 'Kiln Ltd', country: 'VN' },
  reportingPeriod: { start: '2026-01-01', end: '2026-12-31' },
  energyFlows: [
    {
      process: 'kiln',
      kind: 'electricity',
      direction: 'consumed',
      quantity: '5000',
      electricitySource: 'ppa',
      emissionFactor: '0.1',
    },
  ],
  processes: [
    {
      id: 'kiln',
      name: 'Kiln',
      goodsCategory: 'cement_clinker',
      cnCodes: ['25231000'],
      production: '50000',
      otherDirectEmissions: '45000',
    },
  ],
};

describe('CBAM installations page', () => {
  it('shows the demo works, creates an installation from JSON, refuses bad data, issues the file', async () => {
    const page = await app.newPage(DESKTOP);
    await app.signIn(page, DEMO_PASSWORD, 'exporter@demo.greentrade.local');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(`${app.base}/cbam/installations`);
    await page.getByTestId('installations-table').waitFor();
    await page.getByTestId('installation-link').filter({ hasText: 'Demo Steel Works, Tangshan' }).click();
    await page.getByTestId('installation-goods').waitFor();
    // Pig iron: 4 160 160 t CO2 over 2 000 000 t = 2.08008, actual; hot-rolled rests on the
    // ferro-manganese default (through the crude steel), so it carries the default badge.
    const pig = page.locator('[data-testid="good-row"][data-cn="72011011"]');
    expect(await text(pig.getByTestId('see-total'))).toBe('2.08008');
    expect(await pig.getByTestId('source-badge').getAttribute('data-source')).toBe('actual');
    const hr = page.locator('[data-testid="good-row"][data-cn="72081000"]');
    expect(await hr.getByTestId('source-badge').getAttribute('data-source')).toBe('default');
    expect(await page.getByTestId('process-defaults').count()).toBeGreaterThan(0);
    await shot(page, 'cbam-installation-demo');

    // Issue the communication file and fetch both downloads.
    await page.getByTestId('issue-communication').click();
    const links = page.getByTestId('communication-links');
    await links.waitFor();
    const xlsx = await page.getByTestId('download-xlsx').getAttribute('href');
    const json = await page.getByTestId('download-json').getAttribute('href');
    expect(xlsx).toMatch(/^\/api\/v1\/cbam\/communications\/.+\.xlsx$/);
    const wb = await page.request.get(`${app.base}${xlsx}`);
    expect(wb.status()).toBe(200);
    // An XLSX is a zip: it starts with "PK".
    expect((await wb.body()).subarray(0, 2).toString()).toBe('PK');
    const file = await page.request.get(`${app.base}${json}`);
    expect(file.status()).toBe(200);

    // Create from pasted JSON: the new installation opens with its figures.
    await page.goto(`${app.base}/cbam/installations`);
    await page.getByTestId('installation-create-json').fill(JSON.stringify(KILN));
    await page.getByTestId('installation-create-submit').click();
    await page.waitForURL(/\/cbam\/installations\/[0-9a-f-]{36}$/);
    await page.getByTestId('installation-name').filter({ hasText: 'E2E Kiln Works' }).waitFor();
    const clinker = page.locator('[data-testid="good-row"][data-cn="25231000"]');
    await clinker.waitFor();
    expect(await text(clinker.getByTestId('see-total'))).toBe('0.91');
    expect(await clinker.getByTestId('source-badge').getAttribute('data-source')).toBe('actual');

    // A new version with a guarantee of origin is refused, naming the flow.
    const bad = structuredClone(KILN);
    bad.energyFlows[0]!.electricitySource = 'guarantee_of_origin';
    await page.getByTestId('installation-update-json').fill(JSON.stringify(bad));
    await page.getByTestId('installation-update-submit').click();
    const alert = page.getByTestId('installation-update-card').getByTestId('error-alert');
    await alert.waitFor();
    expect(await text(alert)).toContain('energyFlows.0.electricitySource');
    await shot(page, 'cbam-installation-refused');
    expect(app.pageErrors.get(page)).toEqual([]);
  }, 120_000);
});
