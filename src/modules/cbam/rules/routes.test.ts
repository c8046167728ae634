import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../kernel/log.js';
import { buildApp } from '../../../server/app.js';
import { openTestPlatform } from '../../../testing/db.js';
import { identityAdmin } from '../../identity/index.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let app: ReturnType<typeof buildApp>;
let cookie = '';
const base = 'http://greentrade.test';
const P = '/api/v1/cbam';

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  app = buildApp(platform, createLogger('silent'), { webDir: '/nonexistent' });
  const org = await identityAdmin.ensureOrg(platform.db, 'cbam-rules-http', 'CBAM rules importer');
  const email = 'reader@cbam-rules.test';
  const password = 'cbam-rules-http-test';
  await identityAdmin.createUser(platform.db, {
    email,
    name: 'reader',
    password,
    orgId: org,
    roles: ['member'],
  });
  const res = await app.request(base + '/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(res.status).toBe(200);
  cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
});
afterAll(async () => platform?.dispose());

const get = (path: string, signedIn = true) =>
  app.request(base + path, { headers: signedIn ? { cookie } : {} });
const post = (path: string, body: unknown, signedIn = true) =>
  app.request(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signedIn ? { cookie } : {}) },
    body: JSON.stringify(body),
  });

describe('CBAM rules over HTTP', () => {
  it('refuses every route without a session or token (401)', async () => {
    for (const path of [
      `${P}/scope/72085120`,
      `${P}/rules/categories`,
      `${P}/rules/defaults`,
      `${P}/rules/de-minimis`,
      `${P}/rules/free-allocation`,
      `${P}/rules/factors`,
    ])
      expect((await get(path, false)).status, path).toBe(401);
    expect((await post(`${P}/scope`, { codes: ['72085120'] }, false)).status).toBe(401);
  });

  it('answers the scope of a CN code', async () => {
    const res = await get(`${P}/scope/7208%2051%2020`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      cn: '72085120',
      inScope: true,
      sector: 'iron_steel',
      reason: 'CN 7208 51 20 is under Annex I entry 7208 (iron and steel)',
      goodsCategory: 'iron_steel_products',
    });
    const out = await (await get(`${P}/scope/85414300`)).json();
    expect(out).toMatchObject({ inScope: false, sector: null });
  });

  it('answers 400 naming cn for an unknown or malformed code', async () => {
    const res = await get(`${P}/scope/99999999`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; field: string; message: string } };
    expect(body.error.field).toBe('cn');
    expect(body.error.message).toContain('9999 99 99');
    const bad = await get(`${P}/scope/72O85120`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('cn');
  });

  it('checks a batch of codes, and names a bad one by position', async () => {
    const res = await post(`${P}/scope`, { codes: ['72085120', '3105 60 00', '2716', '854143'] });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as {
      results: { cn: string; inScope: boolean; sector: string | null }[];
    };
    expect(results.map((r) => [r.cn, r.inScope, r.sector])).toEqual([
      ['72085120', true, 'iron_steel'],
      ['31056000', false, null],
      ['2716', true, 'electricity'],
      ['854143', false, null],
    ]);
    const bad = await post(`${P}/scope`, { codes: ['72085120', '123'] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('codes.1');
    // Over 10,000 codes is refused before any work.
    const tooMany = await post(`${P}/scope`, { codes: Array.from({ length: 10_001 }, () => '72085120') });
    expect(tooMany.status).toBe(400);
  });

  it('serves categories, defaults, de-minimis, free allocation and factors', async () => {
    const cats = (await (await get(`${P}/rules/categories?year=2026`)).json()) as {
      categories: { code: string; countsIndirect: boolean }[];
    };
    expect(cats.categories.find((c) => c.code === 'cement_clinker')?.countsIndirect).toBe(true);
    expect(cats.categories.find((c) => c.code === 'crude_steel')?.countsIndirect).toBe(false);

    const d = (await (await get(`${P}/rules/defaults?year=2027&country=TR&cn=72085120`)).json()) as {
      defaults: { direct: string; markup: string }[];
    };
    // Türkiye, 7208: 2.43 × 1.20 = 2.916.
    expect(d.defaults).toHaveLength(1);
    expect(d.defaults[0]).toMatchObject({ direct: '2.916', markup: '0.2' });

    const dm = await (await get(`${P}/rules/de-minimis?year=2026`)).json();
    expect(dm).toMatchObject({ year: 2026, thresholdTonnes: '50' });

    const fa = (await (await get(`${P}/rules/free-allocation`)).json()) as {
      series: { year: number; share: string }[];
    };
    expect(fa.series.map((s) => s.share)).toEqual([
      '0.975',
      '0.95',
      '0.9',
      '0.775',
      '0.515',
      '0.39',
      '0.265',
      '0.14',
      '0',
    ]);

    const f = (await (await get(`${P}/rules/factors?year=2025`)).json()) as {
      gridFactors: { country: string; factor: string }[];
      benchmarks: { category: string; value: string }[];
    };
    expect(f.gridFactors.find((g) => g.country === 'TR')?.factor).toBe('0.4697');
    expect(f.benchmarks.find((b) => b.category === 'cement_clinker')?.value).toBe('0.693');

    expect((await get(`${P}/rules/categories?year=1999`)).status).toBe(400);
  });
});
