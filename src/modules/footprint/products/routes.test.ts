import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_USERS } from '../../../demo.js';
import { createLogger } from '../../../kernel/log.js';
import { buildApp } from '../../../server/app.js';
import { openTestPlatform } from '../../../testing/db.js';
import { seedDemoProducts } from './demo.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let app: ReturnType<typeof buildApp>;
let exporter: string;
let regulator: string;
const base = 'http://greentrade.test';
const P = '/api/v1/footprint';

beforeAll(async () => {
  platform = await openTestPlatform();
  app = buildApp(platform, createLogger('silent'), { webDir: '/nonexistent' });
  exporter = await login(DEMO_USERS.exporter);
  regulator = await login(DEMO_USERS.regulator);
});
afterAll(async () => platform?.dispose());

async function login(email: string): Promise<string> {
  const res = await app.request(base + '/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

const call = (path: string, cookie: string | null, init: { method?: string; body?: unknown } = {}) =>
  app.request(base + path, {
    method: init.method ?? 'GET',
    headers: {
      ...(cookie ? { cookie } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined
      ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }
      : {}),
  });

// Shipped factors: MEE China grid 2022 (0.5366 kg/kWh), IPCC 2006 natural gas (56.1545 kg/GJ).
const model = {
  name: 'Pump housing',
  declaredUnit: { amount: '1', unit: 'item' },
  year: 2022,
  region: 'CN',
  energy: [
    { name: 'power', carrier: 'electricity', amount: '1000', unit: 'kWh' },
    {
      name: 'gas',
      carrier: 'fuel',
      amount: '10',
      unit: 'GJ',
      factor: { key: 'natural-gas.gj', release: 'ipcc-2006' },
    },
  ],
};

describe('footprint HTTP API', () => {
  it('calculates without saving: 1,000 × 0.5366 + 10 × 56.1545 = 1,098.145', async () => {
    expect((await call(`${P}/calculate`, null, { method: 'POST', body: model })).status).toBe(401);
    const res = await call(`${P}/calculate`, exporter, { method: 'POST', body: model });
    expect(res.status).toBe(200);
    const r = (await res.json()) as { total: string; byInput: { emissions: string }[] };
    expect(r.total).toBe('1098.145');
    expect(r.byInput.map((l) => l.emissions)).toEqual(['536.6', '561.545']);
  });

  it('answers bad input with 400 naming the field', async () => {
    const dimension = await call(`${P}/calculate`, exporter, {
      method: 'POST',
      body: { ...model, energy: [model.energy[0], { ...model.energy[1], unit: 't·km' }] },
    });
    expect(dimension.status).toBe(400);
    expect(((await dimension.json()) as { error: { field: string; message: string } }).error).toMatchObject({
      field: 'energy.1.unit',
      message: 'energy.1.unit: cannot use t·km (transport) where GJ (energy) is needed',
    });
    const negative = await call(`${P}/calculate`, exporter, {
      method: 'POST',
      body: { ...model, energy: [{ ...model.energy[0], amount: '-5' }] },
    });
    expect(negative.status).toBe(400);
    expect(((await negative.json()) as { error: { field: string } }).error.field).toBe('energy.0.amount');
    const missing = await call(`${P}/calculate`, exporter, {
      method: 'POST',
      body: { ...model, energy: [{ ...model.energy[1], factor: { key: 'no-such-fuel' } }] },
    });
    expect(((await missing.json()) as { error: { field: string } }).error.field).toBe('energy.0.factor');
    const huge = await call(`${P}/calculate`, exporter, {
      method: 'POST',
      body: JSON.stringify({ ...model, description: 'x'.repeat(600_000) }),
    });
    expect(huge.status).toBe(413);
  });

  it('saves, records and exports a footprint; another organisation gets 404', async () => {
    const created = await call(`${P}/products`, exporter, { method: 'POST', body: { model } });
    expect(created.status).toBe(201);
    const { product } = (await created.json()) as { product: { id: string; version: number } };
    expect((await call(`${P}/products/${product.id}`, regulator)).status).toBe(404);
    expect((await call(`${P}/products/${product.id}`, null)).status).toBe(401);
    expect((await call(`${P}/products/${product.id}/footprints`, regulator, { method: 'POST' })).status).toBe(
      404,
    );

    const updated = await call(`${P}/products/${product.id}`, exporter, {
      method: 'PUT',
      body: { model: { ...model, declaredUnit: { amount: '2', unit: 'item' } }, expectedVersion: 1 },
    });
    expect(updated.status).toBe(200);
    const recorded = await call(`${P}/products/${product.id}/footprints`, exporter, { method: 'POST' });
    expect(recorded.status).toBe(201);
    const fp = (await recorded.json()) as { id: string; total: string; ledger: { index: number } };
    expect(fp.total).toBe('549.0725'); // 1,098.145 / 2

    const exported = await call(`${P}/footprints/${fp.id}`, exporter);
    expect(exported.status).toBe(200);
    expect(((await exported.json()) as { result: { total: string } }).result.total).toBe('549.0725');
    expect((await call(`${P}/footprints/${fp.id}`, regulator)).status).toBe(404);

    const pdf = await call(`${P}/footprints/${fp.id}/report.pdf`, exporter);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString('latin1'),
    ).toBe('%PDF-');
    expect((await call(`${P}/footprints/${fp.id}/report.pdf`, regulator)).status).toBe(404);

    const again = await call(`${P}/footprints/${fp.id}/recompute`, exporter, { method: 'POST' });
    expect(((await again.json()) as { identical: boolean }).identical).toBe(true);

    const list = (await (await call(`${P}/products`, exporter)).json()) as { products: { id: string }[] };
    expect(list.products.map((p) => p.id)).toContain(product.id);
    const theirs = (await (await call(`${P}/products`, regulator)).json()) as { products: { id: string }[] };
    expect(theirs.products.map((p) => p.id)).not.toContain(product.id);
  });

  it('seeds the demo products once, each with a recorded footprint', async () => {
    await seedDemoProducts(platform.footprint.products);
    await seedDemoProducts(platform.footprint.products);
    const { products } = (await (await call(`${P}/products?org=demo`, exporter)).json()) as {
      products: { name: string; footprints: number }[];
    };
    const demo = products.filter((p) => p.name !== 'Pump housing');
    expect(demo.map((p) => [p.name, p.footprints]).sort()).toEqual([
      ['Hot-rolled steel coil 热轧钢卷', 1],
      ['PV module 550 W 光伏组件', 1],
    ]);
  });
});
