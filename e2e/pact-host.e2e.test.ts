/**
 * End-to-end: the PACT host's owner page in a real Chromium against the built server with the
 * demo data (two published footprints). Publishes a demo footprint again to a chosen customer,
 * sees the new version precede the old one, deprecates it, and checks what a customer's PACT
 * client then gets. Run with `npm run build && GREENTRADE_E2E=1 npm run test:e2e`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, E2eApp, shot } from './harness.js';

const app = new E2eApp('pact-host');

describe.skipIf(!process.env['GREENTRADE_E2E'])('PACT publishing in the browser', () => {
  beforeAll(async () => {
    await app.start();
  });
  afterAll(() => app.stop());

  it('publishes a footprint to a chosen customer, shows the agreement, deprecates with a reason', async () => {
    const page = await app.newPage(DESKTOP);
    await app.signIn(page);
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(`${app.base}/exchange/published`);

    const rows = page.getByTestId('pact-publishable-row');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
    const publications = page.getByTestId('pact-publication');
    await expect.poll(() => publications.count()).toBe(2);
    expect(await page.locator('[data-testid="pact-publication"][data-status="Active"]').count()).toBe(2);

    // Publish the steel coil to the demo trade authority: it is published already, so it is shared.
    const steel = rows.filter({ hasText: 'Hot-rolled steel coil' });
    await steel.getByTestId('pact-publish-to').selectOption(['demo-authority']);
    await steel.getByTestId('pact-publish').click();
    await page.getByTestId('pact-host-notice').waitFor();
    expect(await page.getByTestId('pact-host-notice').textContent()).toContain('Hot-rolled steel coil');
    const steelPub = publications.filter({ hasText: 'Hot-rolled steel coil' });
    await expect.poll(() => steelPub.textContent()).toContain('Demo Trade Authority');
    expect(await publications.count()).toBe(2); // no second version of the same footprint
    expect(await steelPub.textContent()).toContain('first version');
    await expect
      .poll(() => page.getByTestId('pact-agreements').textContent())
      .toContain('Demo Trade Authority');
    await shot(page, 'pact-published');

    // Deprecate it by hand, with a reason: the customers see status Deprecated and the comment.
    const id = (await steelPub.getAttribute('data-id'))!;
    page.once('dialog', (d) => void d.accept('Recalculated with the 2023 grid factor'));
    await steelPub.getByTestId('pact-deprecate').click();
    const row = page.locator(`[data-testid="pact-publication"][data-id="${id}"]`);
    await expect.poll(() => row.getAttribute('data-status')).toBe('Deprecated');
    expect(await row.textContent()).toContain('Recalculated with the 2023 grid factor');
    expect(await row.textContent()).toContain('v2.3 version 2');
  });
});
