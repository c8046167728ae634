/**
 * End-to-end: the built server (dist/src/cli/main.js) with the demo data, the built web app it
 * serves (dist/web), and a real Chromium. Run with `npm run build && npm run test:e2e`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MAINTAINER, DEMO_PASSWORD, DESKTOP, E2eApp, PHONE, shot, text } from './harness.js';

const app = new E2eApp('classification');
let base = '';

interface CodeJson {
  section: { id: string; name: string; nameZh: string | null };
}

describe.skipIf(!process.env['GREENTRADE_E2E'])('classification in the browser', () => {
  beforeAll(async () => {
    await app.start();
    base = app.base;
  });

  afterAll(() => app.stop());

  it('finds 854143, shows its list memberships, and switches to Chinese for good', async () => {
    const page = await app.newPage(DESKTOP);
    try {
      // Not signed in: the app sends us to the login page.
      await page.goto(`${base}/`);
      await page.waitForURL(/\/login$/);
      expect(await page.getAttribute('html', 'lang')).toBe('en');

      await app.signIn(page);
      await page.waitForURL(/\/classification$/);

      await page.getByTestId('search-input').fill('854143');
      await page.getByTestId('search-input').press('Enter');
      const result = page.getByTestId('search-result').filter({ hasText: '854143' }).first();
      await result.waitFor();
      expect(await text(result)).toMatch(/854143.*\S/);
      await result.click();
      await page.waitForURL(/\/classification\/codes\/854143$/);

      const table = page.getByTestId('memberships');
      await table.waitFor();
      const rows = table.getByTestId('membership-row');

      // APEC 2012 lists HS 2012 854140, which HS 2022 split 1:n: 854143 is only partly on it.
      expect(await rows.filter({ hasText: /APEC/ }).count()).toBe(1);
      // Rows are found again by list slug: their names change with the language.
      const row = async (name: RegExp) =>
        table.locator(`tr[data-list="${await rows.filter({ hasText: name }).getAttribute('data-list')}"]`);
      const apec = await row(/APEC/);
      const apecStatus = apec.getByTestId('membership-status');
      expect(await apecStatus.getAttribute('data-status')).toBe('partial');
      expect(await text(apecStatus)).toBe('Partial');
      expect(await text(apec)).toMatch(/via HS 2012 854140 \(1:n\)/);

      // China's "new three" names PV modules (854143) in HS 2022 itself.
      expect(await rows.filter({ hasText: /new three/i }).count()).toBe(1);
      const newThree = await row(/new three/i);
      const newThreeStatus = newThree.getByTestId('membership-status');
      expect(await newThreeStatus.getAttribute('data-status')).toBe('full');
      expect(await text(newThreeStatus)).toBe('Full');

      const section = page.getByTestId('section');
      const code = (await (
        await page.request.get(`${base}/api/v1/classification/codes/854143`)
      ).json()) as CodeJson;
      expect(await text(section)).toContain(code.section.name);
      await shot(page, 'code-en');

      // Switch to Chinese: labels, statuses and the section name change, <html lang> follows.
      await page.getByTestId('lang-switch').selectOption('zh-CN');
      await expect.poll(() => page.getAttribute('html', 'lang')).toBe('zh-CN');
      await page.getByRole('heading', { name: '绿色产品清单归属' }).waitFor();
      expect(await text(apecStatus)).toBe('部分');
      expect(await text(newThreeStatus)).toBe('完全');
      expect(await text(table.locator('thead'))).toContain('状态');
      if (code.section.nameZh) expect(await text(section)).toContain(code.section.nameZh);
      expect(await text(page.getByTestId('main-nav'))).toContain('商品分类');
      expect(await page.evaluate('localStorage.getItem("greentrade.lang")')).toBe('zh-CN');
      await shot(page, 'code-zh');

      // The choice is remembered.
      await page.reload();
      await page.getByRole('heading', { name: '绿色产品清单归属' }).waitFor();
      expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
      expect(await text(page.getByTestId('main-nav'))).toContain('编码查询');
    } finally {
      await page.context().close();
    }
  });

  it('says so when the password is wrong', async () => {
    const page = await app.newPage(DESKTOP);
    try {
      await app.signIn(page, 'not-the-password');
      const alert = page.getByTestId('error-alert');
      await alert.waitFor();
      expect(await text(alert)).toMatch(/Sign-in failed/);
      expect(new URL(page.url()).pathname).toBe('/login');
      expect(await page.getByTestId('main-nav').count()).toBe(0);
    } finally {
      await page.context().close();
    }
  });

  it('shows the API error and the nearest codes for an unknown code', async () => {
    const page = await app.newPage(DESKTOP);
    try {
      await app.signIn(page);
      await page.waitForURL(/\/classification$/);
      await page.goto(`${base}/classification/codes/854199`);
      const alert = page.getByTestId('error-alert');
      await alert.waitFor();
      expect(await alert.getAttribute('data-error-code')).toBe('not_found');
      expect(await text(alert)).toMatch(/\S/);
    } finally {
      await page.context().close();
    }
  });

  it('reaches every page from the collapsed navigation on a phone', async () => {
    const page = await app.newPage(PHONE);
    try {
      await app.signIn(page);
      await page.waitForURL(/\/classification$/);
      const toggle = page.getByTestId('nav-toggle');
      const listsLink = page.getByTestId('main-nav').getByRole('link', { name: 'Lists' });
      expect(await toggle.isVisible()).toBe(true);
      expect(await listsLink.isVisible()).toBe(false);

      await toggle.click();
      await listsLink.waitFor({ state: 'visible' });
      await listsLink.click();
      await page.waitForURL(/\/classification\/lists$/);
      await page.getByTestId('lists').waitFor();
      await listsLink.waitFor({ state: 'hidden' }); // the drawer closes after navigating
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

      await page.goto(`${base}/classification/codes/854143`);
      await page.getByTestId('memberships').waitFor();
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await shot(page, 'code-phone');

      await toggle.click();
      await page.getByTestId('main-nav').getByRole('link', { name: 'Proposals' }).click();
      await page.waitForURL(/\/classification\/proposals$/);
    } finally {
      await page.context().close();
    }
  });

  it('signs out', async () => {
    const page = await app.newPage(DESKTOP);
    try {
      await app.signIn(page);
      await page.waitForURL(/\/classification$/);
      await page.getByTestId('user-menu').click();
      await page.getByTestId('logout').click();
      await page.waitForURL(/\/login$/);
      await page.goto(`${base}/classification/lists`);
      await page.waitForURL(/\/login$/);
    } finally {
      await page.context().close();
    }
  });
  // Last: it makes a new version of the APEC list.
  it('takes a proposal through review: refused to a non-maintainer, approved by a maintainer', async () => {
    const page = await app.newPage(DESKTOP);
    const maintainer = await app.newPage(DESKTOP);
    try {
      await app.signIn(page);
      await page.waitForURL(/\/classification$/);
      await page.goto(`${base}/classification/lists`);
      await page.getByTestId('list-row').filter({ hasText: /APEC/ }).getByRole('link').first().click();
      await page.waitForURL(/\/classification\/lists\/[a-z0-9-]+$/);
      const listUrl = page.url();
      await page.getByTestId('versions').waitFor();
      await page.getByRole('link', { name: 'New proposal' }).click();

      await page.getByTestId('proposal-title').fill('Add lithium-ion accumulators');
      await page.getByTestId('proposal-reason').fill('Storage makes renewable power dispatchable.');
      await page.getByTestId('change-code').fill('850760');
      await page.getByTestId('change-reason').fill('Grid-scale storage');
      await page.getByTestId('proposal-submit').click();
      await page.waitForURL(/\/classification\/proposals\/[^/]+$/);
      const reviewUrl = page.url();
      const changes = page.getByTestId('proposal-changes').getByTestId('diff-row');
      await changes.first().waitFor();
      expect(await changes.count()).toBe(1);
      expect(await changes.first().getAttribute('data-kind')).toBe('added');
      expect(await page.getByTestId('proposal-status').getAttribute('data-status')).toBe('submitted');

      // The proposer does not maintain the list: the server's refusal is shown.
      await page.getByTestId('approve').click();
      const refusal = page.getByTestId('error-alert');
      await refusal.waitFor();
      expect(await refusal.getAttribute('data-error-code')).toBe('forbidden');

      await app.signIn(maintainer, DEMO_PASSWORD, DEMO_MAINTAINER);
      await maintainer.waitForURL(/\/classification$/);
      await maintainer.goto(reviewUrl);
      await maintainer.getByTestId('review-comment-input').fill('Agreed.');
      await maintainer.getByTestId('approve').click();
      await expect
        .poll(() => maintainer.getByTestId('proposal-status').getAttribute('data-status'))
        .toBe('approved');
      expect(await text(maintainer.getByTestId('review-comment'))).toBe('Agreed.');

      // The list has a new version; the diff against the previous one shows the addition.
      await maintainer.goto(listUrl);
      const added = maintainer.getByTestId('diff').getByTestId('diff-row').filter({ hasText: '850760' });
      await added.waitFor();
      expect(await added.getAttribute('data-kind')).toBe('added');
    } finally {
      await page.context().close();
      await maintainer.context().close();
    }
  });
});
