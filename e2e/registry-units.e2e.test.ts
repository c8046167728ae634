/**
 * End-to-end: the registry's accounts page in a real Chromium against the built server with the
 * demo data (the demo exporter's holding account holds units issued by the projects part's demo).
 * Opens a second holding account, transfers units to it, retires units for a beneficiary with a
 * claim period, finds the statement link and the retirement in the list, and looks up the history
 * of a retired serial. Run with `npm run build && npm run test:e2e -- e2e/registry-units.e2e.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, E2eApp, PHONE, shot, text } from './harness.js';

const app = new E2eApp('registry-units');

describe.skipIf(!process.env['GREENTRADE_E2E'])('registry accounts in the browser', () => {
  beforeAll(async () => {
    await app.start();
  });
  afterAll(() => app.stop());

  it('shows holdings, transfers, retires with a statement link, and lists the history of a serial', async () => {
    const page = await app.newPage(DESKTOP);
    await app.signIn(page);
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));

    // A second holding account of the exporter's, opened through the API with the page's session.
    const opened = await page.request.post(`${app.base}/api/v1/registry/accounts`, {
      data: { kind: 'holding', name: '第二持有账户 Second holding' },
      headers: { origin: app.base },
    });
    expect(opened.status()).toBe(201);
    const second = ((await opened.json()) as { account: { number: string } }).account.number;

    await page.goto(`${app.base}/registry/accounts`);
    await page.getByTestId('registry-accounts').waitFor();
    expect(await text(page.getByTestId('registry-accounts'))).toContain(second);
    const held = page.locator('[data-testid="holding-block"][data-state="held"]');
    await expect.poll(() => held.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await shot(page, 'registry-accounts');

    // Transfer 5 units of the first issuance to the second account.
    const form = page.getByTestId('transfer-form');
    await form.getByTestId('transfer-to').fill(second);
    const issuance = form.getByTestId('transfer-issuance');
    const firstIssuance = await issuance.locator('option').nth(1).getAttribute('value');
    await issuance.selectOption(firstIssuance!);
    await form.getByTestId('transfer-quantity').fill('5');
    await form.getByTestId('transfer-submit').click();
    await form.getByTestId('move-result').waitFor();
    expect(await text(form.getByTestId('move-result'))).toContain(`to ${second}`);
    expect(await text(form.getByTestId('move-result'))).toMatch(/^5 units moved/);

    // A bad quantity: the field is named, nothing moves.
    await form.getByTestId('transfer-quantity').fill('1.5');
    await form.getByTestId('transfer-submit').click();
    await form.getByTestId('error-alert').waitFor();
    expect(await text(form.getByTestId('error-alert'))).toContain('units.quantity');

    // Retire 3 units for a beneficiary and a claim period: the statement and verification links.
    const retire = page.getByTestId('retire-form');
    await retire.getByTestId('retire-issuance').selectOption(firstIssuance!);
    await retire.getByTestId('retire-quantity').fill('3');
    await retire.getByTestId('retire-beneficiary').fill('上海绿色航运 Shanghai Green Shipping');
    await retire.getByTestId('retire-purpose').fill('Offset of 2025 container shipping');
    await retire.getByTestId('retire-start').fill('2025-01-01');
    await retire.getByTestId('retire-end').fill('2025-12-31');
    await retire.getByTestId('retire-submit').click();
    await retire.getByTestId('retire-result').waitFor();
    const href = await retire.getByTestId('statement-link').getAttribute('href');
    expect(href).toMatch(/^\/api\/v1\/registry\/retirements\/[0-9a-f-]{36}\/statement\.pdf$/);
    const retiredSerial = (await text(retire.getByTestId('move-result').locator('.mono').first())).trim();
    expect(retiredSerial).toMatch(/^GTR-[A-Z]{2}-[A-Z0-9]+-.+-\d{4}-\d+-\d+$/);
    await expect.poll(() => text(page.getByTestId('retirements'))).toContain('Shanghai Green Shipping');
    await shot(page, 'registry-retired');

    // The history of the retired units: issued, ..., retired (oldest first).
    await page.getByTestId('history-serial').fill(retiredSerial);
    await page.getByTestId('history-submit').click();
    const rows = page.getByTestId('history-row');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(2);
    const kinds = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    expect(kinds[0]).toBe('issuance');
    expect(kinds[kinds.length - 1]).toBe('retirement');
    expect(app.pageErrors.get(page)).toEqual([]);
  });

  it('is usable at phone width, in Chinese', async () => {
    const page = await app.newPage({ ...PHONE, locale: 'zh-CN' });
    await app.signIn(page);
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(`${app.base}/registry/accounts`);
    await page.getByTestId('registry-accounts').waitFor();
    await page.getByTestId('transfer-form').waitFor();
    expect(await text(page.locator('h1'))).toContain('账户与持有');
    // Nothing wider than the screen.
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(1);
    await shot(page, 'registry-accounts-phone');
    expect(app.pageErrors.get(page)).toEqual([]);
  });
});
