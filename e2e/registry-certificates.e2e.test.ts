/**
 * End-to-end: green-electricity certificates in a real Chromium against the built server with the
 * demo data (the exporter's 5 MW rooftop PV plant in Jiangsu, GEC for January to March 2026).
 * The registry operator issues April 2026; the exporter cancels part of it for its own
 * consumption and transfers some, and sees each block's state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, E2eApp, PHONE, shot } from './harness.js';

const app = new E2eApp('registry-certificates');
const OPERATOR = 'operator@demo.greentrade.local';

describe.skipIf(!process.env['GREENTRADE_E2E'])('green-electricity certificates in the browser', () => {
  beforeAll(async () => {
    await app.start();
  });
  afterAll(() => app.stop());

  it('issues, cancels and transfers certificates, and shows their state', async () => {
    const op = await app.newPage(DESKTOP);
    await app.signIn(op, undefined, OPERATOR);
    await op.waitForURL((u) => !u.pathname.startsWith('/login'));
    await op.goto(`${app.base}/registry/certificates/issue`);
    await expect
      .poll(() => op.getByTestId('cert-device-select').locator('option').count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    await op.getByTestId('cert-scheme').selectOption('GEC');
    await op.getByTestId('cert-month').fill('2026-04');
    // April has 30 days: a 5 MW plant makes at most 5 × 720 = 3,600 MWh; 3,601 is refused.
    await op.getByTestId('cert-issue-quantity').fill('3601');
    await op.getByTestId('cert-issue-submit').click();
    await op.getByTestId('error-alert').waitFor();
    expect(await op.getByTestId('error-alert').textContent()).toContain('quantity');
    await op.getByTestId('cert-issue-quantity').fill('300');
    await op.getByTestId('cert-issue-submit').click();
    await op.getByTestId('cert-notice').waitFor();
    expect(await op.getByTestId('cert-notice').textContent()).toMatch(/GTR-GEC-CN-CN\d{6}-202604-\d+-\d+/);
    await shot(op, 'certificates-issue');
    expect(app.pageErrors.get(op)).toEqual([]);

    const page = await app.newPage(DESKTOP);
    await app.signIn(page);
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(`${app.base}/registry/certificates`);
    const april = page.locator('[data-testid="cert-block"][data-serial*="-202604-"]');
    await expect.poll(() => april.count(), { timeout: 15_000 }).toBe(1);
    expect(await april.getAttribute('data-state')).toBe('active');

    // Cancel 10 MWh for the exporter's own 2026 consumption.
    await april.getByTestId('cert-select').click();
    await page.getByTestId('cert-mode-cancel').check();
    await page.getByTestId('cert-quantity').fill('10');
    await page.getByTestId('cert-submit').click();
    await page.getByTestId('cert-notice').waitFor();
    const cancelled = page.locator(
      '[data-testid="cert-block"][data-serial*="-202604-"][data-state="cancelled"]',
    );
    await expect.poll(() => cancelled.count(), { timeout: 15_000 }).toBe(1);
    expect(await cancelled.textContent()).toContain('10 MWh');
    const active = page.locator('[data-testid="cert-block"][data-serial*="-202604-"][data-state="active"]');
    expect(await active.textContent()).toContain('290 MWh');

    // Transfer 5 MWh to the demo verifier: they leave the exporter's holdings.
    await active.getByTestId('cert-select').click();
    await page.getByTestId('cert-mode-transfer').check();
    await page.getByTestId('cert-quantity').fill('5');
    await page.getByTestId('cert-to').fill('demo-verifier');
    await page.getByTestId('cert-submit').click();
    await expect
      .poll(() => page.getByTestId('cert-notice').textContent(), { timeout: 15_000 })
      .toContain('Transferred');
    await expect.poll(() => active.textContent(), { timeout: 15_000 }).toContain('285 MWh');
    await shot(page, 'certificates-holdings');

    // The cancellations: the demo's 120 MWh of January (120,000 kWh) and today's 10 MWh.
    await page.goto(`${app.base}/registry/certificates/cancellations`);
    const rows = page.getByTestId('cert-cancellation');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
    expect(await page.getByTestId('cert-cancellations').textContent()).toContain('120000');
    expect(app.pageErrors.get(page)).toEqual([]);
  });

  it('is usable on a phone, in Chinese', async () => {
    const page = await app.newPage({ ...PHONE, locale: 'zh-CN' });
    await app.signIn(page);
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(`${app.base}/registry/certificates`);
    await expect.poll(() => page.getByTestId('cert-block').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
    expect(await page.locator('h1').textContent()).toContain('绿色电力证书');
    await shot(page, 'certificates-phone');
    expect(app.pageErrors.get(page)).toEqual([]);
  });
});
