/**
 * End-to-end: the registry's project pages in Chromium against the built server with the demo
 * data. The exporter creates and submits a project, the demo verifier validates it, and the
 * registry operator finds it in the approval queue and registers it (three demo users, three
 * browser contexts). Run with `npm run build && GREENTRADE_E2E=1 npx vitest run --config vitest.e2e.config.ts e2e/registry-projects.e2e.test.ts`.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, E2eApp, PHONE, shot } from './harness.js';

const app = new E2eApp('registry-projects');
const errors: string[] = [];

async function signedIn(email: string, phone = false): Promise<Page> {
  const page = await app.newPage(phone ? PHONE : DESKTOP);
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[134]/.test(m.text())) errors.push(m.text());
  });
  await app.signIn(page, undefined, email);
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return page;
}

describe.skipIf(!process.env['GREENTRADE_E2E'])('registry projects in the browser', () => {
  beforeAll(async () => {
    await app.start();
  });
  afterAll(() => app.stop());

  it('a proponent submits, the verifier validates, the operator registers from the queue', async () => {
    const name = `Ningxia Zhongwei 20 MW Agrivoltaic ${Date.now() % 100000}`;
    const exporter = await signedIn('exporter@demo.greentrade.local');
    await exporter.goto(`${app.base}/registry/projects`);
    // The demo's registered Qinghai project is listed.
    await expect
      .poll(() => exporter.getByTestId('projects-table').textContent(), { timeout: 15_000 })
      .toContain('Golmud');
    await exporter.getByTestId('project-new').click();
    await exporter.getByTestId('project-form-name').fill(name);
    await exporter.getByTestId('project-form-sector').fill('agrivoltaic');
    await exporter.getByTestId('project-form-latitude').fill('37.5');
    await exporter.getByTestId('project-form-longitude').fill('105.2');
    await exporter.getByTestId('project-create').click();
    const row = exporter.locator('[data-testid^="project-row-"]', { hasText: name });
    await row.waitFor();
    await row.getByRole('link').click();
    await exporter.getByTestId('project-detail').waitFor();
    expect(await exporter.getByTestId('project-status').getAttribute('data-status')).toBe('draft');
    // The proponent may submit; it may not register or validate.
    expect(await exporter.getByTestId('project-register').count()).toBe(0);
    expect(await exporter.getByTestId('project-validate').count()).toBe(0);
    await exporter.getByTestId('project-submit').click();
    await expect
      .poll(() => exporter.getByTestId('project-status').getAttribute('data-status'))
      .toBe('submitted');
    const code = (await exporter.locator('h2 .code').first().textContent())!.trim();
    expect(code).toMatch(/^P\d{4}$/);

    // The verifier (on a phone) validates it.
    const verifier = await signedIn('verifier@demo.greentrade.local', true);
    await verifier.goto(`${app.base}/registry/projects/${code}`);
    await verifier.getByTestId('project-validate').click();
    await expect
      .poll(() => verifier.getByTestId('project-status').getAttribute('data-status'))
      .toBe('validated');
    await shot(verifier, 'registry-project-phone');

    // The operator sees it in the queue (with the demo's submitted Dunhuang project) and registers it.
    const operator = await signedIn('operator@demo.greentrade.local');
    await operator.goto(`${app.base}/registry/projects/queue`);
    await operator.getByTestId('queue-registrations').waitFor();
    await expect.poll(() => operator.getByTestId('queue-registrations').textContent()).toContain('Dunhuang');
    const item = operator.getByTestId(`queue-project-${code}`);
    await item.waitFor();
    expect(await item.textContent()).toContain(name);
    await shot(operator, 'registry-projects-queue');
    await item.getByRole('link').click();
    await operator.getByTestId('project-register').click();
    await expect
      .poll(() => operator.getByTestId('project-status').getAttribute('data-status'))
      .toBe('registered');
    expect(await operator.getByTestId('project-history').textContent()).toContain('Registered');

    // Back in the queue it is gone.
    await operator.goto(`${app.base}/registry/projects/queue`);
    await operator.getByTestId('queue-registrations').waitFor();
    expect(await operator.getByTestId(`queue-project-${code}`).count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
