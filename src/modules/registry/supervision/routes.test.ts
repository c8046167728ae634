import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_USERS } from '../../../demo.js';
import { isDeclared } from '../../../kernel/http.js';
import { createLogger } from '../../../kernel/log.js';
import { buildApp } from '../../../server/app.js';
import { openTestPlatform } from '../../../testing/db.js';
import { seedFixture, type Fixture } from './testing.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let app: ReturnType<typeof buildApp>;
let fx: Fixture;
const cookies: Record<string, string> = {};
const base = 'http://greentrade.test';

beforeAll(async () => {
  platform = await openTestPlatform();
  app = buildApp(platform, createLogger('silent'), { webDir: '/nonexistent' });
  fx = await seedFixture(platform);
  for (const who of ['exporter', 'regulator', 'operator'] as const)
    cookies[who] = await login(DEMO_USERS[who]);
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

const call = (path: string, who: string | null, method = 'GET', body?: unknown) =>
  app.request(base + path, {
    method,
    headers: {
      ...(who ? { cookie: cookies[who]! } : {}),
      ...(body === undefined
        ? {}
        : { 'content-type': 'application/json', 'idempotency-key': 'regulator-try-1' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('public explorer over HTTP', () => {
  it('answers without sign-in', async () => {
    const s = await call('/api/v1/registry/explorer/summary', null);
    expect(s.status).toBe(200);
    const p = await call(`/api/v1/registry/explorer/projects?q=${fx.projectCode}`, null);
    expect(((await p.json()) as { projects: { code: string }[] }).projects.map((x) => x.code)).toEqual([
      fx.projectCode,
    ]);
    const r = await call(
      `/api/v1/registry/explorer/retirements?project=${fx.projectCode}&kind=retirement`,
      null,
    );
    const body = (await r.json()) as { total: number; retirements: { id: string }[] };
    expect([body.total, body.retirements[0]?.id]).toEqual([1, fx.tx.retirement]);
    const one = await call(`/api/v1/registry/explorer/retirements/${fx.tx.retirement}`, null);
    expect(one.status).toBe(200);
    expect(((await one.json()) as { proof: { index: number } | null }).proof).not.toBeNull();
  });

  it('names the field of a bad filter', async () => {
    const res = await call('/api/v1/registry/explorer/issuances?vintage=1800', null);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('vintage');
  });

  it('serves the retirement statement as a PDF to anyone', async () => {
    const res = await call(`/api/v1/registry/retirements/${fx.tx.retirement}/statement.pdf`, null);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect((await call(`/api/v1/registry/retirements/${fx.tx.transfer}/statement.pdf`, null)).status).toBe(
      404,
    );
  });
});

describe('regulator routes', () => {
  it('let the regulator and the operator in, a member gets 403, nobody 401', async () => {
    for (const who of ['regulator', 'operator']) {
      const res = await call('/api/v1/registry/regulator/overview?limit=5', who);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { transactions: unknown[] }).transactions).toHaveLength(5);
    }
    expect((await call('/api/v1/registry/regulator/overview', 'exporter')).status).toBe(403);
    expect((await call('/api/v1/registry/regulator/overview', null)).status).toBe(401);
    expect((await call('/api/v1/registry/regulator/export?what=holdings', 'exporter')).status).toBe(403);
    expect((await call('/api/v1/registry/regulator/invariants', 'exporter')).status).toBe(403);
  });

  it('exports CSV and XLSX as attachments', async () => {
    const csv = await call('/api/v1/registry/regulator/export?what=projects&format=csv', 'regulator');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(
      /^attachment; filename="registry-projects-.*\.csv"$/,
    );
    expect(await csv.text()).toContain(fx.draftCode); // the regulator sees drafts too
    const xlsx = await call('/api/v1/registry/regulator/export?what=transactions&format=xlsx', 'regulator');
    expect(
      Buffer.from(await xlsx.arrayBuffer())
        .subarray(0, 2)
        .toString('latin1'),
    ).toBe('PK');
    const bad = await call('/api/v1/registry/regulator/export?what=balances', 'regulator');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('what');
  });

  it('reports the invariants', async () => {
    const res = await call('/api/v1/registry/regulator/invariants', 'regulator');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
  });

  it('never lets the regulator write: every registry write route it tries answers 403', async () => {
    const writes = [
      [
        '/api/v1/registry/transfers',
        { from: fx.accountNumbers.seller, to: fx.accountNumbers.buyer, quantity: '1' },
      ],
      ['/api/v1/registry/retirements', { account: fx.accountNumbers.buyer, quantity: '1' }],
      [
        '/api/v1/registry/projects',
        {
          org: 'demo-authority',
          name: '监管机构不能写 A regulator cannot write',
          methodology: 'ACM0002',
          hostCountry: 'CN',
          sector: 'energy',
          creditingPeriods: [{ starts: '2025-01-01', ends: '2034-12-31' }],
        },
      ],
      ['/api/v1/registry/accounts', { kind: 'holding', name: 'x' }],
      ['/api/v1/registry/cancellations', { from: fx.accountNumbers.seller, units: { quantity: '1' } }],
    ] as const;
    const tried: string[] = [];
    for (const [path, body] of writes) {
      if (!isDeclared('POST', path)) continue; // that part of the registry is not built in this tree
      const res = await call(path, 'regulator', 'POST', body);
      expect(`${path} ${res.status}`).toBe(`${path} 403`);
      tried.push(path);
    }
    // The unit engine's write routes are always there.
    expect(tried).toEqual(
      expect.arrayContaining(['/api/v1/registry/transfers', '/api/v1/registry/retirements']),
    );
    // The regulator's own routes are all GETs.
    for (const path of ['overview', 'export', 'invariants'])
      expect(isDeclared('POST', `/api/v1/registry/regulator/${path}`)).toBe(false);
  });
});
