/**
 * End-to-end: the built server (dist/src/cli/main.js) with the demo data, the built web app it
 * serves (dist/web), and a real Chromium. Run with `npm run build && npm run test:e2e`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER_ENTRY = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const DEMO_EMAIL = 'exporter@demo.greentrade.local';
/** Maintains the shipped reference lists in the demo data. */
const DEMO_MAINTAINER = 'regulator@demo.greentrade.local';
const DEMO_PASSWORD = 'greentrade-demo';
/** Set to test a server that is already running (e.g. the Vite dev server) instead of starting one. */
const EXTERNAL = process.env['GREENTRADE_E2E_URL'];
/** Set to a folder to keep screenshots of the code page (English, Chinese, phone). */
const SHOTS = process.env['GREENTRADE_E2E_SCREENSHOTS'];
const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 }, locale: 'en-US' };
const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  locale: 'en-US',
  isMobile: true,
  hasTouch: true,
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

let server: ChildProcess | undefined;
let dataDir: string | undefined;
let browser: Browser | undefined;
let base = '';
const serverLog: string[] = [];
const logTail = () => serverLog.slice(-60).join('');

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (server?.exitCode !== null && server?.exitCode !== undefined) {
      throw new Error(`the server exited with ${server.exitCode} before it was healthy:\n${logTail()}`);
    }
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the server was not healthy after ${timeoutMs} ms (${last}):\n${logTail()}`);
}

async function newPage(options: BrowserContextOptions): Promise<Page> {
  if (!browser) throw new Error('no browser');
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => serverLog.push(`[browser pageerror] ${e.message}\n`));
  return page;
}

async function signIn(page: Page, password = DEMO_PASSWORD, email = DEMO_EMAIL): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

async function text(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

interface CodeJson {
  section: { id: string; name: string; nameZh: string | null };
}

describe.skipIf(!process.env['GREENTRADE_E2E'])('classification in the browser', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
    if (EXTERNAL) {
      base = EXTERNAL.replace(/\/$/, '');
      await waitForHealth(`${base}/healthz`, 10_000);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      return;
    }
    if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run npm run build first`);
    if (!existsSync(join(ROOT, 'dist', 'web', 'index.html')))
      throw new Error('dist/web is missing: run npm run build:web first');

    dataDir = await mkdtemp(join(tmpdir(), 'greentrade-e2e-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: process.env['HOME'] ?? dataDir,
      TMPDIR: tmpdir(),
      PORT: String(port),
      GREENTRADE_DATA_DIR: dataDir,
      GREENTRADE_DEMO: '1',
      LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
    };
    if (process.env['DATABASE_URL']) env['DATABASE_URL'] = process.env['DATABASE_URL'];
    server = spawn(process.execPath, [SERVER_ENTRY, 'serve'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (d: Buffer) => serverLog.push(d.toString()));
    server.stderr?.on('data', (d: Buffer) => serverLog.push(d.toString()));
    await waitForHealth(`${base}/healthz`, 150_000);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (server && server.exitCode === null) {
      const exited = new Promise<void>((resolve) => server?.once('exit', () => resolve()));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('finds 854143, shows its list memberships, and switches to Chinese for good', async () => {
    const page = await newPage(DESKTOP);
    try {
      // Not signed in: the app sends us to the login page.
      await page.goto(`${base}/`);
      await page.waitForURL(/\/login$/);
      expect(await page.getAttribute('html', 'lang')).toBe('en');

      await signIn(page);
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
    const page = await newPage(DESKTOP);
    try {
      await signIn(page, 'not-the-password');
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
    const page = await newPage(DESKTOP);
    try {
      await signIn(page);
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
    const page = await newPage(PHONE);
    try {
      await signIn(page);
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
    const page = await newPage(DESKTOP);
    try {
      await signIn(page);
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
    const page = await newPage(DESKTOP);
    const maintainer = await newPage(DESKTOP);
    try {
      await signIn(page);
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

      await signIn(maintainer, DEMO_PASSWORD, DEMO_MAINTAINER);
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
