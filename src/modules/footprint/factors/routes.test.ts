import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_USERS } from '../../../demo.js';
import { createLogger } from '../../../kernel/log.js';
import { buildApp } from '../../../server/app.js';
import { openTestPlatform } from '../../../testing/db.js';
import { FACTOR_CSV_COLUMNS, type Factor, type Release } from './model.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let app: ReturnType<typeof buildApp>;
const base = 'http://greentrade.test';
const P = '/api/v1/footprint/factors';
const cookies: Record<string, string> = {};

const call = (path: string, init: RequestInit = {}, who?: keyof typeof DEMO_USERS) =>
  app.request(base + path, {
    ...init,
    headers: {
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(who ? { cookie: cookies[who]! } : {}),
    },
  });
const post = (path: string, body: unknown, who?: keyof typeof DEMO_USERS) =>
  call(path, { method: 'POST', body: JSON.stringify(body) }, who);

const csv = (...rows: string[][]) =>
  [FACTOR_CSV_COLUMNS.join(','), ...rows.map((r) => [...r, ...Array(25 - r.length).fill('')].join(','))].join(
    '\n',
  );
const good = csv(['demo/pv-glass', 'Solar glass', 'material.glass.solar', 't', '1200', 'CN', '2023']);
const importBody = (over: Record<string, unknown> = {}) => ({
  org: 'demo',
  slug: 'demo-exporter-factors',
  version: '1',
  name: 'Our measured factors',
  format: 'csv',
  content: good,
  ...over,
});

beforeAll(async () => {
  platform = await openTestPlatform();
  app = buildApp(platform, createLogger('silent'), { webDir: '/nonexistent' });
  for (const who of ['exporter', 'analyst', 'regulator'] as const) {
    const res = await post('/api/v1/auth/login', { email: DEMO_USERS[who], password: DEMO_PASSWORD });
    expect(res.status).toBe(200);
    cookies[who] = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  }
});
afterAll(async () => platform?.dispose());

describe('factor library over HTTP', () => {
  it('searches without signing in, and shows one factor', async () => {
    const res = await call(`${P}?q=natural%20gas&unit=GJ`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { total: number; results: Factor[] };
    expect(body.results[0]!.key).toBe('natural-gas.gj');
    expect(body.results[0]!.value).toBe('56.1545');
    const one = await call(`${P}/${body.results[0]!.id}`);
    expect(one.status).toBe(200);
    expect(((await one.json()) as { factor: Factor }).factor.gases.co2).toBe('56.1');
    expect((await call(`${P}/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await call(`${P}?year=1800`)).status).toBe(400);
  });

  it('refuses an anonymous import (401), another organisation’s (403), a regulator-only caller (403)', async () => {
    expect((await post(`${P}/releases`, importBody())).status).toBe(401);
    const other = await post(`${P}/releases`, importBody({ org: 'demo-authority' }), 'exporter');
    expect(other.status).toBe(403);
    expect((await post(`${P}/releases`, importBody(), 'regulator')).status).toBe(403);
    expect((await post(`${P}/releases`, importBody({ publish: true }), 'analyst')).status).toBe(403);
  });

  it('answers 400 naming the line and column of a bad row, and writes nothing', async () => {
    const bad = csv(
      ['ok', 'Fine', 'material.x', 't', '1', 'CN', '2023'],
      ['bad', 'Bad', 'material.y', 'furlong', '1', 'CN', '2023'],
    );
    const res = await post(`${P}/releases`, importBody({ content: bad }), 'exporter');
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { field: string; message: string; problems: { line: number; field: string }[] };
    };
    expect(body.error.field).toBe('content.line.3.unit');
    expect(body.error.message).toContain('line 3 unit');
    expect(body.error.problems).toEqual([expect.objectContaining({ line: 3, field: 'unit' })]);
    const list = (await (await call(`${P}/releases`, {}, 'exporter')).json()) as { releases: Release[] };
    expect(list.releases.map((r) => r.slug)).not.toContain('demo-exporter-factors');
  });

  it('imports a draft (201), hides it from others (404), publishes it (200), refuses a second publish (409)', async () => {
    const res = await post(`${P}/releases`, importBody(), 'analyst');
    expect(res.status).toBe(201);
    const { release } = (await res.json()) as { release: Release };
    expect(release.status).toBe('draft');
    expect((await call(`${P}/releases/${release.id}`)).status).toBe(404);
    expect((await call(`${P}/releases/${release.id}`, {}, 'regulator')).status).toBe(404);
    expect((await call(`${P}/releases/${release.id}`, {}, 'analyst')).status).toBe(200);
    expect((await post(`${P}/releases/${release.id}/publish`, {}, 'analyst')).status).toBe(403);
    const pub = await post(`${P}/releases/${release.id}/publish`, {}, 'exporter');
    expect(pub.status).toBe(200);
    expect(((await pub.json()) as { release: Release }).release.ledger).not.toBeNull();
    expect((await post(`${P}/releases/${release.id}/publish`, {}, 'exporter')).status).toBe(409);
    const anon = (await (await call(`${P}?q=solar%20glass`)).json()) as { total: number };
    expect(anon.total).toBe(0);
    const mine = (await (await call(`${P}?q=solar%20glass`, {}, 'analyst')).json()) as { total: number };
    expect(mine.total).toBe(1);
  });

  it('lists the shipped releases for anyone', async () => {
    const res = await call(`${P}/releases`);
    const { releases } = (await res.json()) as { releases: Release[] };
    expect(releases.map((r) => r.slug)).toEqual(
      expect.arrayContaining(['ipcc-2006', 'ember-grid', 'cn-mee-grid']),
    );
    expect(releases.every((r) => r.owner === null && r.status === 'published')).toBe(true);
  });
});
