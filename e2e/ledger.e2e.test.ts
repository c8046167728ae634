/**
 * End-to-end: the ledger pages in a real Chromium against the built server with the demo data
 * (entry 0 a public notarisation, entries 1 and 2 public demo shipments, a checkpoint of size 3).
 * Run with `npm run build && npm run test:e2e`.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Locator, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, E2eApp, PHONE, shot, text } from './harness.js';

/** The (fictitious) document whose SHA-256 the demo data anchors as entry 0. */
const DEMO_DOCUMENT = 'GreenTrade demo: PV module test report 2026-001';

const app = new E2eApp('ledger');
let base = '';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** One hex digit changed: still well-formed hex, but another hash. */
const flipDigit = (hex: string, at = 10) =>
  hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);

/** Serves entry 1's proof as the server sent it, with `tamper` applied to its JSON. */
async function tamperProof(page: Page, tamper: (proof: ProofJson) => void): Promise<void> {
  await page.unroute('**/api/v1/ledger/entries/1/proof*');
  await page.route('**/api/v1/ledger/entries/1/proof*', async (route: Route) => {
    const response = await route.fetch();
    const proof = (await response.json()) as ProofJson;
    tamper(proof);
    await route.fulfill({ response, json: proof });
  });
}

interface ProofJson {
  leafHash: string;
  path: string[];
}

/** Opens the page of entry `index` and clicks "verify in this browser"; returns the result box. */
async function openAndVerify(page: Page, index: number, reload = false): Promise<Locator> {
  if (reload) await page.reload();
  else await page.goto(`${base}/ledger/entries/${index}`);
  await page.getByTestId('proof').waitFor();
  const button = page.getByTestId('verify-button');
  await expect.poll(() => button.isEnabled()).toBe(true); // once the public key is in
  await button.click();
  const result = page.getByTestId('verify-result');
  await result.waitFor();
  return result;
}

describe.skipIf(!process.env['GREENTRADE_E2E'])('the ledger in the browser', () => {
  beforeAll(async () => {
    await app.start();
    base = app.base;
  });

  afterAll(() => app.stop());

  it('verifies demo entry 1 in the browser, without signing in, and catches a tampered proof', async () => {
    const page = await app.newPage(DESKTOP);
    try {
      let result = await openAndVerify(page, 1);
      expect(new URL(page.url()).pathname).toBe('/ledger/entries/1'); // public: no detour to /login
      expect(await text(page.getByTestId('entry-title'))).toBe('Ledger entry #1');
      expect(await text(page.getByTestId('entry-fields'))).toMatch(/demo\.shipment.*DEMO-2026-0001/);
      expect(await text(page.getByTestId('entry-body'))).toContain('"hsCode": "854143"');
      expect(await page.getByTestId('audit-path').locator('li').count()).toBeGreaterThan(0);
      expect(await result.getAttribute('data-ok')).toBe('true');
      expect(await text(result)).toMatch(/Verified: entry #1 is in the ledger of \d+ entries/);
      await shot(page, 'ledger-entry-desktop');

      // One hex digit of the audit path changed on the way: the path no longer leads to the root.
      await tamperProof(page, (p) => {
        p.path[0] = flipDigit(p.path[0]!);
      });
      result = await openAndVerify(page, 1, true);
      expect(await result.getAttribute('data-ok')).toBe('false');
      expect(await text(result)).toMatch(/Not verified: the path does not lead to the root hash/);

      // One hex digit of the leaf hash changed: the entry text no longer hashes to it.
      await tamperProof(page, (p) => {
        p.leafHash = flipDigit(p.leafHash);
      });
      result = await openAndVerify(page, 1, true);
      expect(await result.getAttribute('data-ok')).toBe('false');
      expect(await text(result)).toMatch(/Not verified: the entry hashes to [0-9a-f]{64}, not to leafHash/);

      // In Chinese: the button, and the result as it stands.
      await page.getByTestId('lang-switch').selectOption('zh-CN');
      await expect.poll(() => page.getAttribute('html', 'lang')).toBe('zh-CN');
      await page.getByRole('button', { name: '在本浏览器中验证' }).waitFor();
      expect(await text(result)).toMatch(/未通过验证：/);

      // The real proof again, still in Chinese (the choice is remembered across the reload).
      await page.unroute('**/api/v1/ledger/entries/1/proof*');
      result = await openAndVerify(page, 1, true);
      expect(await result.getAttribute('data-ok')).toBe('true');
      expect(await text(result)).toMatch(/已验证：第 1 号条目/);
      expect(await text(page.getByTestId('entry-title'))).toBe('账本条目 #1');
      expect(app.pageErrors.get(page)).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it('checks a document in the browser on /ledger, opens entries by number, and says when one is missing', async () => {
    const page = await app.newPage(DESKTOP);
    const sent: string[] = [];
    page.on('request', (r) => sent.push(`${r.method()} ${r.url()} ${r.postData() ?? ''}`));
    try {
      await page.goto(`${base}/ledger`);
      expect(Number(await text(page.getByTestId('latest-size')))).toBeGreaterThanOrEqual(3);
      expect(await text(page.getByTestId('latest-root'))).toMatch(/^[0-9a-f]{64}$/);
      await page.getByTestId('recent-checkpoints').waitFor();
      expect(await text(page.getByTestId('doc-privacy'))).toMatch(/never leaves/);

      // A document nobody anchored: its hash is computed here and looked up; it is not sent.
      const secret = `GreenTrade e2e: not anchored ${randomUUID()}`;
      const file = page.getByTestId('doc-file');
      await file.setInputFiles({ name: 'report.txt', mimeType: 'text/plain', buffer: Buffer.from(secret) });
      const result = page.getByTestId('doc-result');
      await result.waitFor();
      expect(await text(page.getByTestId('doc-sha256'))).toBe(sha256(secret));
      expect(await result.getAttribute('data-anchored')).toBe('false');
      expect(await text(result)).toMatch(/Not anchored/);
      expect(sent.some((s) => s.includes(`/api/v1/ledger/notarizations/${sha256(secret)}`))).toBe(true);
      expect(sent.some((s) => s.includes(secret))).toBe(false);
      // Not signed in: no anchoring, but the way to it.
      expect(await page.getByTestId('doc-anchor').count()).toBe(0);
      await page.getByTestId('doc-sign-in').waitFor();

      // The demo document is anchored, as entry 0.
      await file.setInputFiles({
        name: 'test-report.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from(DEMO_DOCUMENT),
      });
      await expect.poll(() => result.getAttribute('data-anchored')).toBe('true');
      expect(await text(result)).toMatch(/^Anchored/);
      await result.getByRole('link', { name: /Entry #0/ }).waitFor();

      // An entry by its number.
      await page.getByTestId('entry-number').fill('2');
      await page.getByTestId('entry-open').click();
      await page.waitForURL(/\/ledger\/entries\/2$/);
      expect(await text(page.getByTestId('entry-fields'))).toContain('DEMO-2026-0002');

      // No such entry.
      await page.goto(`${base}/ledger/entries/999999`);
      const missing = page.getByTestId('entry-not-found');
      await missing.waitFor();
      expect(await text(missing)).toMatch(/Entry not found.*no entry #999999/);
      expect(app.pageErrors.get(page)).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it('fits a phone: the entry page and the ledger page do not scroll sideways', async () => {
    const page = await app.newPage(PHONE);
    try {
      const result = await openAndVerify(page, 1);
      expect(await result.getAttribute('data-ok')).toBe('true');
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await shot(page, 'ledger-entry-phone');

      await page.goto(`${base}/ledger`);
      await page.getByTestId('recent-checkpoints').waitFor();
      await page.getByTestId('latest-root').waitFor();
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      expect(app.pageErrors.get(page)).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  // Last: it appends an entry (and a checkpoint) to the ledger.
  it('anchors a document when signed in, and the new entry verifies', async () => {
    const page = await app.newPage(DESKTOP);
    try {
      await app.signIn(page);
      await page.waitForURL(/\/classification$/);
      await page.getByTestId('main-nav').getByRole('link', { name: 'Overview' }).click();
      await page.waitForURL(/\/ledger$/);

      const doc = `GreenTrade e2e: anchored ${randomUUID()}`;
      await page
        .getByTestId('doc-file')
        .setInputFiles({ name: 'certificate.txt', mimeType: 'text/plain', buffer: Buffer.from(doc) });
      const result = page.getByTestId('doc-result');
      await expect.poll(() => result.getAttribute('data-anchored')).toBe('false');
      await page.getByTestId('doc-anchor').click();
      await expect.poll(() => result.getAttribute('data-anchored')).toBe('true');

      await result.getByTestId('doc-anchor-entry').first().click();
      await page.waitForURL(/\/ledger\/entries\/\d+$/);
      expect(await text(page.getByTestId('entry-fields'))).toContain(sha256(doc));
      const verified = await openAndVerify(page, Number(page.url().split('/').pop()), true);
      expect(await verified.getAttribute('data-ok')).toBe('true');
      expect(app.pageErrors.get(page)).toEqual([]);
    } finally {
      await page.context().close();
    }
  });
});
