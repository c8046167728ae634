/**
 * Cross-registry transfer between two real GreenTrade servers: GTR (the sender) and SGR (the
 * receiver), each the built server as its own process, with its own registry code, data directory
 * (embedded database), signing keys and GREENTRADE_PUBLIC_URL. They are connected as peers through
 * the API, then: an export is acknowledged (mirror holdings at SGR, exported at GTR); the receiver
 * is killed with SIGKILL while an export is under way and another export is asked while it is
 * down (the units stay pending_export, locked); the receiver restarts on the same data; the
 * sender is stopped and `greentrade registry reconcile` finishes the pending exports. Units are
 * counted by state on both sides against numbers worked out here, `ledger verify` passes on both,
 * and the page is checked in Chromium.
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, DEMO_PASSWORD, PHONE, DESKTOP, ServerProcess, shot } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- documents from the wire, which the assertions check
type J = any;

const OPERATOR = 'operator@demo.greentrade.local';
const EXPORTER = 'exporter@demo.greentrade.local';

interface Session {
  base: string;
  cookie: string;
}
async function signIn(base: string, email: string): Promise<Session> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  expect(res.status).toBe(200);
  return { base, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]! };
}
async function api(
  s: Session,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: J }> {
  const res = await fetch(`${s.base}/api/v1${path}`, {
    method,
    headers: {
      cookie: s.cookie,
      origin: s.base,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Units per state in one registry (operator's summary: sums over the unit blocks). */
async function units(s: Session): Promise<Record<string, bigint>> {
  const r = await api(s, 'GET', '/registry/interop/summary');
  expect(r.status).toBe(200);
  return Object.fromEntries(
    Object.entries(r.body.units as Record<string, string>).map(([k, v]) => [k, BigInt(v)]),
  );
}
const n = (m: Record<string, bigint>, state: string) => m[state] ?? 0n;
const total = (m: Record<string, bigint>) => Object.values(m).reduce((a, b) => a + b, 0n);

/**
 * One registry server: its own registry code and data directory on the embedded database (also on
 * a PostgreSQL run), a port kept across restarts (its peer keeps its address), the reconcile timer
 * out of the way (this test reconciles on demand; the server still does it at start).
 */
const registry = (code: string) =>
  new ServerProcess(code, {
    DATABASE_URL: '',
    GREENTRADE_REGISTRY_CODE: code,
    GREENTRADE_INTEROP_RECONCILE_SECONDS: '3600',
  });
const gtr = registry('GTR');
const sgr = registry('SGR');
let gOp: Session;
let gEx: Session;
let sOp: Session;
/** The exporter's holding account at GTR and an issuance it holds units of; the receiving account at SGR. */
let fromAccount = '';
let issuanceId = '';
let toAccount = '';
let gtrBefore: Record<string, bigint>;
let sgrBefore: Record<string, bigint>;

beforeAll(async () => {
  await Promise.all([gtr.start(), sgr.start()]);
  [gOp, gEx, sOp] = await Promise.all([
    signIn(gtr.base, OPERATOR),
    signIn(gtr.base, EXPORTER),
    signIn(sgr.base, OPERATOR),
  ]);
}, 300_000);

afterAll(async () => {
  await Promise.all([gtr.dispose(), sgr.dispose()]);
});

describe('two registries, two processes', () => {
  it('connects the two registries as peers (keys and credentials exchanged through the API)', async () => {
    const gKey = (await api(gOp, 'GET', '/registry/interop/public-key')).body;
    const sKey = (await api(sOp, 'GET', '/registry/interop/public-key')).body;
    expect(gKey.registry).toBe('GTR');
    expect(sKey.registry).toBe('SGR');
    expect(gKey.publicUrl).toBe(gtr.base);
    expect(gKey.publicKey).not.toBe(sKey.publicKey);
    const atSgr = await api(sOp, 'POST', '/registry/interop/peers', {
      code: 'GTR',
      name: 'GreenTrade 中国',
      baseUrl: gtr.base,
      publicKey: gKey.publicKey,
    });
    expect(atSgr.status).toBe(201);
    const atGtr = await api(gOp, 'POST', '/registry/interop/peers', {
      code: 'SGR',
      name: 'GreenTrade Singapore',
      baseUrl: sgr.base,
      publicKey: sKey.publicKey,
      clientId: atSgr.body.inbound.clientId,
      clientSecret: atSgr.body.inbound.clientSecret,
    });
    expect(atGtr.status).toBe(201);
    const back = await api(sOp, 'PUT', '/registry/interop/peers/GTR', {
      clientId: atGtr.body.inbound.clientId,
      clientSecret: atGtr.body.inbound.clientSecret,
    });
    expect(back.status).toBe(200);
    expect(back.body.credentials).toBe(true);
    const peers = await api(gOp, 'GET', '/registry/interop/peers');
    expect(JSON.stringify(peers.body)).not.toContain(atSgr.body.inbound.clientSecret);

    const accounts = (await api(gEx, 'GET', '/registry/accounts')).body.accounts as J[];
    const holding = accounts.find((a) => a.kind === 'holding' && !a.national)!;
    fromAccount = holding.number;
    const holdings = (await api(gEx, 'GET', `/registry/accounts/${fromAccount}`)).body.holdings as J[];
    const h = holdings.find((x) => BigInt(x.byState['held'] ?? '0') >= 1000n);
    expect(h, 'the demo exporter holds at least 1,000 units of one issuance').toBeDefined();
    issuanceId = h.issuanceId;
    const sAccounts = (await api(sOp, 'GET', '/registry/accounts')).body.accounts as J[];
    toAccount = sAccounts.find((a) => a.kind === 'holding' && !a.national && a.org.slug === 'demo')!.number;
    expect(toAccount).toMatch(/^SGR-100-/);
    gtrBefore = await units(gOp);
    sgrBefore = await units(sOp);
  });

  it('exports 100 units: acknowledged by SGR, mirror holdings there, exported here', async () => {
    const r = await api(gEx, 'POST', '/registry/interop/exports', {
      peer: 'SGR',
      toAccount,
      fromAccount,
      issuanceId,
      quantity: '100',
    });
    expect(r.status).toBe(201);
    expect(r.body.state).toBe('exported');
    expect(r.body.mirrors[0].serial).toMatch(/^SGR-/);
    const g = await units(gOp);
    const s = await units(sOp);
    expect(n(g, 'held')).toBe(n(gtrBefore, 'held') - 100n);
    expect(n(g, 'exported')).toBe(n(gtrBefore, 'exported') + 100n);
    expect(n(s, 'held')).toBe(n(sgrBefore, 'held') + 100n);
  });

  it('SIGKILL of the receiver during an export, and an export while it is down: units stay pending_export', async () => {
    // 250 units, with the receiver killed while the request is under way.
    const during = api(gEx, 'POST', '/registry/interop/exports', {
      peer: 'SGR',
      toAccount,
      fromAccount,
      issuanceId,
      quantity: '250',
    });
    await new Promise((r) => setTimeout(r, 15));
    await sgr.kill();
    const a = await during;
    expect(a.status).toBe(201);
    // Either SGR committed before it died (its answer lost or not) or it did not: both are resolved below.
    expect(['pending', 'exported']).toContain(a.body.state);
    // 300 more while SGR is down: refused connection, the units are locked.
    const b = await api(gEx, 'POST', '/registry/interop/exports', {
      peer: 'SGR',
      toAccount,
      fromAccount,
      issuanceId,
      quantity: '300',
    });
    expect(b.status).toBe(201);
    expect(b.body.state).toBe('pending');
    expect(b.body.lastError).toBeTruthy();
    const g = await units(gOp);
    const pendingExpected = 300n + (a.body.state === 'pending' ? 250n : 0n);
    expect(n(g, 'pending_export')).toBe(pendingExpected);
    // 100 + 250 + 300 left the held state; nothing was created or lost at GTR.
    expect(n(g, 'held')).toBe(n(gtrBefore, 'held') - 650n);
    expect(total(g)).toBe(total(gtrBefore));
    // The holder cannot use locked units: a second export of everything held fails for what is not held.
    const pending = await api(gEx, 'GET', '/registry/interop/exports?state=pending');
    expect(pending.body.exports.length).toBe(a.body.state === 'pending' ? 2 : 1);
  });

  it('restarts the receiver, stops the sender, and `greentrade registry reconcile` finishes every export', async () => {
    await sgr.start();
    await gtr.stop();
    const r = await gtr.exec(['registry', 'reconcile', '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as J;
    expect(report.pending).toBe(0);
    expect(report.exported).toBeGreaterThanOrEqual(1);
    const list = JSON.parse(await gtr.cli(['registry', 'exports', 'list', '--json'])) as J[];
    expect(list.map((e) => e.state).sort()).toEqual(['exported', 'exported', 'exported']);
    await gtr.start();
    [gOp, gEx] = await Promise.all([signIn(gtr.base, OPERATOR), signIn(gtr.base, EXPORTER)]);
    sOp = await signIn(sgr.base, OPERATOR);
  }, 600_000);

  it('every unit in exactly one registry: 650 exported at GTR, 650 mirrored at SGR, none pending', async () => {
    const g = await units(gOp);
    const s = await units(sOp);
    // 100 + 250 + 300 = 650 units left GTR, each now a mirror at SGR.
    expect(n(g, 'pending_export')).toBe(0n);
    expect(n(g, 'exported')).toBe(n(gtrBefore, 'exported') + 650n);
    expect(n(g, 'held')).toBe(n(gtrBefore, 'held') - 650n);
    expect(total(g)).toBe(total(gtrBefore));
    expect(n(s, 'held')).toBe(n(sgrBefore, 'held') + 650n);
    expect(total(s)).toBe(total(sgrBefore) + 650n);
    const imports = (await api(sOp, 'GET', '/registry/interop/imports')).body.imports as J[];
    expect(imports.filter((i) => i.state === 'accepted').reduce((a, i) => a + BigInt(i.quantity), 0n)).toBe(
      650n,
    );
    expect(imports.filter((i) => i.fromRegistry === 'GTR')).toHaveLength(3);
  });

  it('shows peers, exports and incoming transfers on the page (desktop and phone, English and Chinese)', async () => {
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu'],
      });
      for (const [opts, lang] of [
        [DESKTOP, 'en-US'],
        [PHONE, 'zh-CN'],
      ] as const) {
        const context = await browser.newContext({ ...opts, locale: lang });
        const page = await context.newPage();
        page.setDefaultTimeout(15_000);
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${gtr.base}/login`);
        await page.getByTestId('login-email').fill(OPERATOR);
        await page.getByTestId('login-password').fill(DEMO_PASSWORD);
        await page.getByTestId('login-submit').click();
        await page.waitForURL((u) => !u.pathname.startsWith('/login'));
        await page.goto(`${gtr.base}/registry/interop`);
        await expect.poll(() => page.getByTestId('interop-code').textContent()).toBe('GTR');
        await page.getByTestId('interop-peer-SGR').waitFor();
        await expect.poll(() => page.getByTestId('interop-export-row').count()).toBe(3);
        expect(await page.locator('[data-testid="interop-export-row"][data-state="exported"]').count()).toBe(
          3,
        );
        await page.getByTestId('interop-howto').waitFor();
        await shot(page, `registry-interop-gtr-${lang}`);
        expect(errors).toEqual([]);
        await context.close();
      }
      // The receiver's page lists the three incoming transfers.
      const context = await browser.newContext(DESKTOP);
      const page = await context.newPage();
      await page.goto(`${sgr.base}/login`);
      await page.getByTestId('login-email').fill(OPERATOR);
      await page.getByTestId('login-password').fill(DEMO_PASSWORD);
      await page.getByTestId('login-submit').click();
      await page.waitForURL((u) => !u.pathname.startsWith('/login'));
      await page.goto(`${sgr.base}/registry/interop`);
      await expect.poll(() => page.getByTestId('interop-import-row').count()).toBe(3);
      await shot(page, 'registry-interop-sgr');
      await context.close();
    } finally {
      await browser?.close();
    }
  }, 180_000);

  it('`ledger verify` passes on both registries', async () => {
    await Promise.all([gtr.stop(), sgr.stop()]);
    for (const s of [gtr, sgr]) {
      const r = await s.exec(['ledger', 'verify', '--json']);
      expect(r.code, `${s.name}: ${r.err}${r.out}`).toBe(0);
      expect(JSON.parse(r.out).ok).toBe(true);
    }
  }, 300_000);
});
