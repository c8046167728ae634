/**
 * End-to-end: the registry's public explorer and the regulator's supervision view in a real
 * Chromium against the built server with the demo data. The test first retires a few of the demo
 * exporter's units through the API (beneficiary with a Chinese name), then an anonymous visitor
 * finds that retirement, checks its ledger proof in the browser and opens its statement; the
 * regulator downloads an export.
 */
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EMAIL, DEMO_MAINTAINER, DEMO_PASSWORD, DESKTOP, E2eApp, PHONE, shot, text } from './harness.js';

const app = new E2eApp('regsup');
let base = '';
let retirementId = '';
const BENEFICIARY = '上海示范制造有限公司 Shanghai Demo Manufacturing';

async function login(email: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

describe.skipIf(!process.env['GREENTRADE_E2E'])(
  'the registry explorer and supervision in the browser',
  () => {
    beforeAll(async () => {
      await app.start();
      base = app.base;
      // A retirement to look at: 25 of the demo exporter's units.
      const cookie = await login(DEMO_EMAIL);
      const get = async (path: string) =>
        (await (await fetch(`${base}${path}`, { headers: { cookie } })).json()) as Record<string, unknown>;
      const accounts = (await get('/api/v1/registry/accounts')) as {
        accounts: { number: string; kind: string; org: { slug: string } }[];
      };
      const holding = accounts.accounts.find((a) => a.kind === 'holding' && a.org.slug === 'demo')!;
      const view = (await get(`/api/v1/registry/accounts/${holding.number}`)) as {
        holdings: { issuanceId: string; byState: Record<string, string> }[];
      };
      const issuance = view.holdings.find((h) => BigInt(h.byState['held'] ?? '0') >= 25n)!;
      const res = await fetch(`${base}/api/v1/registry/retirements`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: JSON.stringify({
          from: holding.number,
          units: { issuanceId: issuance.issuanceId, quantity: '25' },
          beneficiary: BENEFICIARY,
          purpose: 'Offsetting 2025 product emissions',
          claimPeriod: { start: '2025-01-01', end: '2025-12-31' },
        }),
      });
      const body = (await res.json()) as { retirementId: string };
      expect(res.status, JSON.stringify(body)).toBe(201);
      retirementId = body.retirementId;
    });

    afterAll(() => app.stop());

    it('lets an anonymous visitor browse, find the retirement, verify its proof and get its statement', async () => {
      const page = await app.newPage(DESKTOP);
      try {
        await page.goto(`${base}/registry/explorer`);
        await page.getByTestId('explorer-summary').waitFor();
        expect(new URL(page.url()).pathname).toBe('/registry/explorer'); // public: no detour to /login
        expect(await page.getByTestId('explorer-tab-supervision').count()).toBe(0);
        expect(await text(page.getByTestId('vintage-totals'))).toMatch(/2024/);

        await page.getByTestId('explorer-tab-projects').click();
        await page.getByTestId('projects-table').waitFor();
        expect(await page.getByTestId('projects-table').locator('tbody tr').count()).toBeGreaterThan(0);

        await page.getByTestId('explorer-tab-retirements').click();
        await page.getByTestId('filter-beneficiary').fill('上海示范');
        await page.getByTestId('filter-apply').click();
        await expect.poll(() => page.getByTestId('retirements-table').locator('tbody tr').count()).toBe(1);
        expect(await text(page.getByTestId('retirements-table'))).toContain(BENEFICIARY);
        // No holdings anywhere on the public pages.
        expect(await page.content()).not.toMatch(/balance|holding account/i);
        await page.getByTestId('retirement-link').click();

        await page.getByTestId('explorer-retirement').waitFor();
        expect(new URL(page.url()).pathname).toBe(`/registry/explorer/retirements/${retirementId}`);
        const fields = await text(page.getByTestId('retirement-fields'));
        expect(fields).toContain(BENEFICIARY);
        expect(fields).toContain('2025-01-01 – 2025-12-31');
        expect(await text(page.getByTestId('retirement-ranges'))).toMatch(/GTR-/);
        await page.getByTestId('verify-button').click();
        const result = page.getByTestId('verify-result');
        await result.waitFor();
        expect(await result.getAttribute('data-ok')).toBe('true');
        expect(await text(result)).toMatch(/Verified: entry #\d+ is in the signed tree of \d+ entries/);
        await shot(page, 'registry-retirement-desktop');

        const href = await page.getByTestId('statement-link').getAttribute('href');
        expect(href).toBe(`/api/v1/registry/retirements/${retirementId}/statement.pdf`);
        const pdf = await page.request.get(`${base}${href}`);
        expect(pdf.status()).toBe(200);
        expect(pdf.headers()['content-type']).toBe('application/pdf');
        expect((await pdf.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
        expect(app.pageErrors.get(page)).toEqual([]);
      } finally {
        await page.context().close();
      }
    });

    it('fits a phone, in Chinese', async () => {
      const page = await app.newPage({ ...PHONE, locale: 'zh-CN' });
      try {
        await page.goto(`${base}/registry/explorer/retirements/${retirementId}`);
        await page.getByTestId('explorer-retirement').waitFor();
        expect(await text(page.getByTestId('verify-card'))).toContain('验证账本证明');
        const overflow = Number(
          await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
        );
        expect(overflow).toBeLessThanOrEqual(1);
        await shot(page, 'registry-retirement-phone-zh');
        expect(app.pageErrors.get(page)).toEqual([]);
      } finally {
        await page.context().close();
      }
    });

    it('shows the regulator the supervision view and lets it download an export', async () => {
      const page = await app.newPage({ ...DESKTOP, acceptDownloads: true });
      try {
        await app.signIn(page, DEMO_PASSWORD, DEMO_MAINTAINER);
        await page.waitForURL((u) => !u.pathname.startsWith('/login'));
        await page.goto(`${base}/registry/explorer`);
        await page.getByTestId('explorer-tab-supervision').click();
        const inv = page.getByTestId('invariants-result');
        await inv.waitFor();
        expect(await inv.getAttribute('data-ok')).toBe('true');
        await page.getByTestId('supervision-accounts').waitFor();
        expect(await text(page.getByTestId('supervision-accounts'))).toMatch(/held/);
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByTestId('export-holdings-csv').click(),
        ]);
        expect(download.suggestedFilename()).toMatch(/^registry-holdings-\d{4}-\d{2}-\d{2}\.csv$/);
        const csv = await readFile((await download.path())!, 'utf8');
        expect(csv.replace(/^\ufeff/, '').split('\n')[0]).toBe(
          'account,org,state,serial,serial_start,serial_end,quantity,project,host_country,vintage,unit_type,authorization,first_transferred',
        );
        expect(csv).toMatch(/,retired,/); // the retirement made above
        await shot(page, 'registry-supervision');
        expect(app.pageErrors.get(page)).toEqual([]);
      } finally {
        await page.context().close();
      }
    });

    it('keeps the supervision view from a member', async () => {
      const page = await app.newPage(DESKTOP);
      try {
        await app.signIn(page);
        await page.waitForURL((u) => !u.pathname.startsWith('/login'));
        await page.goto(`${base}/registry/explorer/supervision`);
        await page.getByTestId('supervision-denied').waitFor();
        expect(await page.getByTestId('explorer-tab-supervision').count()).toBe(0);
        const res = await page.request.get(`${base}/api/v1/registry/regulator/overview`);
        expect(res.status()).toBe(403);
      } finally {
        await page.context().close();
      }
    });
  },
);
