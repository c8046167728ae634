/**
 * The PACT client against a second GreenTrade server: a supplier (demo data, on PGlite) and a
 * buyer (PGlite, or the run's PostgreSQL database when DATABASE_URL is set), both the built
 * server as real processes. The buyer connects with credentials made on the supplier, pulls,
 * uses a pulled footprint in a product model, sees the supplier's newer version and recalculates;
 * then the supplier stops and the buyer's pull fails fast with a visible status while its other
 * routes still answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { CHROMIUM, DEMO_EMAIL, DEMO_PASSWORD, ServerProcess, shot } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- documents from the wire, which the assertions check
type J = any;

// The supplier always on its own embedded database: two servers must not share one.
const supplier = new ServerProcess('pact-supplier', { DATABASE_URL: '' });
const buyer = new ServerProcess('pact-buyer');

interface Session {
  base: string;
  cookie: string;
}
async function signIn(base: string): Promise<Session> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email: DEMO_EMAIL, password: DEMO_PASSWORD }),
  });
  expect(res.status).toBe(200);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { base, cookie };
}
async function api<T = J>(
  s: Session,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T; ms: number }> {
  const started = Date.now();
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
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, ms: Date.now() - started };
}

let creds: { client_id: string; client_secret: string };
let sup: Session;
let buy: Session;

beforeAll(async () => {
  await supplier.start();
  await supplier.stop();
  creds = JSON.parse(
    await supplier.cli(['pact', 'client', 'create', '--org', 'demo', '--json']),
  ) as typeof creds;
  await Promise.all([supplier.start(), buyer.start()]);
  [sup, buy] = await Promise.all([signIn(supplier.base), signIn(buyer.base)]);
}, 400_000);

afterAll(async () => {
  await Promise.all([supplier.dispose(), buyer.dispose()]);
});

describe('the PACT client against a second GreenTrade server', () => {
  let connectionId = '';
  let linkedPfId = '';
  let productId = '';
  let steelProductOnSupplier = '';

  it('connects with credentials made on the supplier; the secret is never returned', async () => {
    const r = await api(buy, 'POST', '/exchange/connections', {
      org: 'demo',
      name: 'Demo steel supplier',
      baseUrl: `${supplier.base}/pact`,
      clientId: creds.client_id,
      clientSecret: creds.client_secret,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(JSON.stringify(r.body)).not.toContain(creds.client_secret);
    expect(r.body.connection).toMatchObject({ status: 'new', footprints: 0 });
    connectionId = r.body.connection.id;
    const bad = await api(buy, 'POST', '/exchange/connections', {
      org: 'demo',
      name: 'bad',
      baseUrl: 'ftp://x',
      clientId: 'a',
      clientSecret: 'b',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('baseUrl');
  });

  it('pulls every footprint the supplier shares, with a visible status', async () => {
    const r = await api(buy, 'POST', `/exchange/connections/${connectionId}/pull`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.ok, r.body.error).toBe(true);
    expect(r.body.rejected).toEqual([]);
    expect(r.body.pulled).toBeGreaterThanOrEqual(2);
    expect(r.body.connection).toMatchObject({ status: 'ok', failingSince: null });
    expect(r.body.connection.lastPulledAt).not.toBeNull();
    const pulled = await api(buy, 'GET', `/exchange/pulled?connectionId=${connectionId}`);
    expect(pulled.body.footprints.length).toBe(r.body.pulled);
    const one = pulled.body.footprints[0].pfId;
    const got = await api(buy, 'POST', `/exchange/connections/${connectionId}/pull/${one}`);
    expect(got.status, JSON.stringify(got.body)).toBe(200);
    expect(got.body.footprint.pfId).toBe(one);
    const none = await api(
      buy,
      'POST',
      `/exchange/connections/${connectionId}/pull/3a6c14a7-4deb-498a-b5ea-16ce2535b576`,
    );
    expect(none.status).toBe(404);
  });

  it('uses a pulled footprint as primary data in a product model', async () => {
    const pulled = (await api(buy, 'GET', '/exchange/pulled')).body.footprints as J[];
    const steel = pulled.find((f) => f.declaredUnit === 'kilogram');
    expect(steel, JSON.stringify(pulled.map((f) => [f.productName, f.declaredUnit]))).toBeTruthy();
    linkedPfId = steel.pfId;
    const created = await api(buy, 'POST', '/footprint/products', {
      org: 'demo',
      model: {
        name: 'E2E bracket from supplier steel',
        declaredUnit: { amount: '1', unit: 'item' },
        year: 2024,
        region: 'CN',
        materials: [
          {
            name: 'Steel',
            amount: '10',
            unit: 'kg',
            supplierFootprint: { pcfExcludingBiogenic: '1', declaredUnit: { amount: '1', unit: 'kg' } },
          },
        ],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    productId = created.body.product.id;
    const link = await api(buy, 'POST', '/exchange/links', {
      productId,
      materialIndex: 0,
      connectionId,
      pfId: linkedPfId,
    });
    expect(link.status, JSON.stringify(link.body)).toBe(200);
    const product = (await api(buy, 'GET', `/footprint/products/${productId}`)).body.product;
    expect(product.model.materials[0].supplierFootprint).toMatchObject({
      pcfExcludingBiogenic: steel.pcfExcludingBiogenic,
      source: { footprintId: linkedPfId },
    });
    expect((await api(buy, 'GET', '/exchange/updates')).body.updates).toEqual([]);
  });

  it('asks the supplier for a footprint it has not shared', async () => {
    const r = await api(buy, 'POST', `/exchange/connections/${connectionId}/requests`, {
      productIds: ['urn:pact:product:e2e-not-yet-shared'],
      comment: 'E2E',
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ status: 'sent', error: null });
  });

  it('detects the newer version the supplier publishes and recalculates the product', async () => {
    // On the supplier: record a new footprint of the product behind the linked one, and publish it.
    const pubs = (await api(sup, 'GET', '/exchange/publications')).body.publications as J[];
    const linked = pubs.find((p) => p.id === linkedPfId);
    expect(linked, 'the linked footprint is a publication of the supplier').toBeTruthy();
    steelProductOnSupplier = linked.productId;
    const product = (await api(sup, 'GET', `/footprint/products/${steelProductOnSupplier}`)).body.product;
    const model = structuredClone(product.model);
    model.description = 'E2E: a newer footprint';
    const first = model.materials[0] ?? model.energy[0];
    first.amount = String(Number(first.amount) * 0.9);
    expect((await api(sup, 'PUT', `/footprint/products/${steelProductOnSupplier}`, { model })).status).toBe(
      200,
    );
    const recorded = await api(sup, 'POST', `/footprint/products/${steelProductOnSupplier}/footprints`);
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
    const published = await api(sup, 'POST', '/exchange/publications', { footprintId: recorded.body.id });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    const newer = published.body.publication;
    expect(newer.precedingPfIds).toContain(linkedPfId);

    // On the buyer: pull, see the update, apply it.
    expect((await api(buy, 'POST', `/exchange/connections/${connectionId}/pull`)).body.ok).toBe(true);
    const updates = (await api(buy, 'GET', '/exchange/updates')).body.updates as J[];
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({
      productId,
      materialIndex: 0,
      linked: { pfId: linkedPfId },
      newer: { pfId: newer.id },
    });
    const before = (await api(buy, 'GET', `/footprint/products/${productId}`)).body.product;
    const applied = await api(buy, 'POST', '/exchange/updates/apply', { productId, materialIndex: 0 });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    expect(applied.body.pfId).toBe(newer.id);
    const after = (await api(buy, 'GET', `/footprint/products/${productId}`)).body.product;
    expect(after.history.length).toBe(before.history.length + 1);
    expect(after.model.materials[0].supplierFootprint.source.footprintId).toBe(newer.id);
    // 10 kg of steel at the newer footprint's figure per kg.
    const perKg = Number(updates[0].newer.pcfExcludingBiogenic) / Number(updates[0].newer.declaredAmount);
    expect(Number(applied.body.total)).toBeCloseTo(10 * perKg, 6);
    expect((await api(buy, 'GET', '/exchange/updates')).body.updates).toEqual([]);
  });

  it('pulls from the same host over PACT v2.3 as well', async () => {
    const made = await api(buy, 'POST', '/exchange/connections', {
      org: 'demo',
      name: 'Demo steel supplier (v2)',
      baseUrl: `${supplier.base}/pact`,
      clientId: creds.client_id,
      clientSecret: creds.client_secret,
      specVersion: 2,
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const r = await api(buy, 'POST', `/exchange/connections/${made.body.connection.id}/pull`);
    expect(r.body.ok, r.body.error).toBe(true);
    expect(r.body.rejected).toEqual([]);
    expect(r.body.pulled).toBeGreaterThanOrEqual(1);
    const pulled = (await api(buy, 'GET', `/exchange/pulled?connectionId=${made.body.connection.id}`)).body
      .footprints as J[];
    for (const f of pulled) expect(f.specVersion).toMatch(/^2\./);
    for (const f of pulled) expect(typeof f.version).toBe('number');
  });

  it('fails fast with a visible status when the supplier is down; the rest still answers', async () => {
    await supplier.stop();
    const r = await api(buy, 'POST', `/exchange/connections/${connectionId}/pull`);
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(false);
    expect(r.ms, 'a refused connection is retried with back-off, not waited on').toBeLessThan(15_000);
    expect(r.body.connection).toMatchObject({ status: 'failing' });
    expect(r.body.connection.failingSince).not.toBeNull();
    expect(r.body.connection.lastError).toMatch(/attempts/);
    const [products, list] = await Promise.all([
      api(buy, 'GET', '/footprint/products'),
      api(buy, 'GET', '/exchange/connections'),
    ]);
    expect(products.status).toBe(200);
    expect(list.body.connections.find((c: J) => c.id === connectionId)).toMatchObject({
      status: 'failing',
    });
    // What was pulled before stays usable.
    expect((await api(buy, 'GET', '/exchange/pulled')).body.footprints.length).toBeGreaterThanOrEqual(3);
  });

  it('shows the connection, its failure and the pulled footprints on the web page (en, zh-CN)', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
    try {
      for (const [locale, failing, title] of [
        ['en-US', 'failing', 'Supplier connections (PACT)'],
        ['zh-CN', '失败', '供应商连接（PACT）'],
      ] as const) {
        const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${buyer.base}/login`);
        await page.getByTestId('login-email').fill(DEMO_EMAIL);
        await page.getByTestId('login-password').fill(DEMO_PASSWORD);
        await page.getByTestId('login-submit').click();
        await page.waitForURL((u) => !u.pathname.startsWith('/login'));
        await page.goto(`${buyer.base}/exchange/connections`);
        await expect.poll(() => page.locator('h1').first().textContent()).toBe(title);
        const row = page.getByTestId('pact-connection').first();
        await row.waitFor();
        expect(await row.getAttribute('data-status')).toBe('failing');
        expect(await row.textContent()).toContain(failing);
        expect(await page.getByTestId('pact-last-error').first().textContent()).toMatch(/attempts/);
        expect(await page.getByTestId('pact-pulled').locator('tbody tr').count()).toBeGreaterThanOrEqual(3);
        await shot(page, `pact-connections-${locale}`);
        expect(errors).toEqual([]);
        await context.close();
      }
    } finally {
      await browser.close();
    }
  });

  it('shows the same through the CLI', async () => {
    await buyer.stop();
    const conns = JSON.parse(await buyer.cli(['pact', 'connections', '--org', 'demo', '--json'])) as J[];
    expect(conns.find((c) => c.id === connectionId)).toMatchObject({ status: 'failing' });
    expect(JSON.stringify(conns)).not.toContain(creds.client_secret);
    const pulled = JSON.parse(
      await buyer.cli(['pact', 'pulled', '--connection', connectionId, '--json']),
    ) as J[];
    expect(pulled.map((p) => p.pfId)).toContain(linkedPfId);
    const made = JSON.parse(
      await buyer.cli([
        'pact',
        'connect',
        '--org',
        'demo',
        '--name',
        'CLI supplier',
        '--url',
        `${supplier.base}/pact`,
        '--client-id',
        creds.client_id,
        '--client-secret',
        creds.client_secret,
        '--json',
      ]),
    ) as J;
    expect(made).toMatchObject({ name: 'CLI supplier', status: 'new' });
    expect(JSON.stringify(made)).not.toContain(creds.client_secret);
    // The supplier is down: the pull exits 1 and says why.
    await expect(buyer.cli(['pact', 'pull', made.id])).rejects.toThrow(
      /exited with 1[\s\S]*pull failed: .*attempts/,
    );
  });
});
