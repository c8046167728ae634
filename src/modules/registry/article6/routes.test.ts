import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_USERS } from '../../../demo.js';
import { createLogger } from '../../../kernel/log.js';
import { buildApp } from '../../../server/app.js';
import { openTestPlatform } from '../../../testing/db.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let app: ReturnType<typeof buildApp>;
let operator: string;
let exporter: string;
let regulator: string;
const base = 'http://greentrade.test';
const P = '/api/v1/registry/article6';
const YEAR = new Date().getUTCFullYear();

beforeAll(async () => {
  platform = await openTestPlatform();
  app = buildApp(platform, createLogger('silent'), { webDir: '/nonexistent' });
  operator = await login(DEMO_USERS.operator);
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

const call = (
  path: string,
  cookie: string | null,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) =>
  app.request(base + path, {
    method: init.method ?? 'GET',
    headers: {
      ...(cookie ? { cookie } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });

interface Letter {
  code: string;
  projects: { code: string }[];
  units: { authorized: string; firstTransferred: string };
}

describe('Article 6 HTTP API on the demo data', () => {
  it('shows the demo approach and letter publicly, with 1,000 ITMOs', async () => {
    const approaches = (await (await call(`${P}/approaches`, null)).json()) as {
      approaches: { code: string }[];
    };
    expect(approaches.approaches.map((a) => a.code)).toContain('CA9001');
    const res = await call(`${P}/authorizations/CN-LOA-DEMO-001`, null);
    expect(res.status).toBe(200);
    const { authorization } = (await res.json()) as { authorization: Letter };
    expect(authorization.units).toEqual({ authorized: '1000', firstTransferred: '0' });
    expect((await call(`${P}/authorizations/CN-LOA-DEMO-001/units`, null)).status).toBe(401);
  });

  it('refuses writes by the wrong role and bad input naming the field', async () => {
    const body = { code: 'CA0002', name: 'x', parties: ['CN', 'JP'] };
    expect((await call(`${P}/approaches`, null, { method: 'POST', body })).status).toBe(401);
    expect((await call(`${P}/approaches`, exporter, { method: 'POST', body })).status).toBe(403);
    expect((await call(`${P}/approaches`, regulator, { method: 'POST', body })).status).toBe(403);
    const bad = await call(`${P}/authorizations/CN-LOA-DEMO-001/units`, operator, {
      method: 'POST',
      body: { ranges: [{ start: '10', end: '-5' }] },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('ranges.0.end');
    const unknown = await call(`${P}/authorizations/NO-SUCH/units`, operator, {
      method: 'POST',
      body: { ranges: [{ start: '1', end: '5' }] },
    });
    expect(unknown.status).toBe(404);
    expect((await call(`${P}/aef?party=CN&year=${YEAR}`, exporter)).status).toBe(403);
    expect((await call(`${P}/corresponding-adjustments`, exporter)).status).toBe(403);
  });

  it('lets the holder use ITMOs towards the NDC of Singapore, once per Idempotency-Key', async () => {
    const units = (await (await call(`${P}/authorizations/CN-LOA-DEMO-001/units`, exporter)).json()) as {
      units: { start: string; account: string | null }[];
    };
    const first = units.units[0]!;
    expect(first.account).not.toBeNull();
    const start = BigInt(first.start);
    const body = {
      use: 'ndc',
      party: 'SG',
      fromAccount: first.account,
      ranges: [{ start: start.toString(), end: (start + 9n).toString() }],
      year: YEAR,
      ndcPeriod: '2021-2030',
    };
    const headers = { 'idempotency-key': 'route-use-1' };
    const a = await call(`${P}/uses`, exporter, { method: 'POST', body, headers });
    expect(a.status).toBe(201);
    const b = await call(`${P}/uses`, exporter, { method: 'POST', body, headers });
    const [ra, rb] = [
      (await a.json()) as { transactionId: string; quantity: string },
      (await b.json()) as {
        transactionId: string;
        replayed: boolean;
      },
    ];
    expect([ra.quantity, rb.transactionId, rb.replayed]).toEqual(['10', ra.transactionId, true]);

    // The use was the first transfer of those 10: the host's adjustment is pending.
    const ca = (await (
      await call(`${P}/corresponding-adjustments?party=CN&year=${YEAR}`, regulator)
    ).json()) as {
      summary: { pending: string }[];
      notStarted: { quantity: string }[];
    };
    expect(ca.summary.map((s) => s.pending)).toEqual(['10']);
    expect(ca.notStarted.map((s) => s.quantity)).toEqual(['990']);
  });

  it('serves the AEF report as XLSX and JSON', async () => {
    const res = await call(`${P}/aef?party=CN&year=${YEAR}&format=xlsx`, operator);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    const t3 = wb.getWorksheet('Table 3 Actions')!;
    // Authorisation of 1,000 at seeding; first transfer of 10 by their use towards Singapore's NDC.
    expect(
      [3, 4].map((r) => [
        t3.getRow(r).getCell(2).value,
        t3.getRow(r).getCell(3).value,
        t3.getRow(r).getCell(16).value,
      ]),
    ).toEqual([
      ['Authorization', null, 1000],
      ['First transfer', 'Use or cancellation', 10],
    ]);
    const json = (await (await call(`${P}/aef?party=SG&year=${YEAR}&format=json`, regulator)).json()) as {
      actions: Record<string, unknown>[];
    };
    expect(json.actions.map((a) => [a['Action type'], a['Quantity (t CO2 eq)']])).toEqual([['Use', 10]]);
    const bad = await call(`${P}/aef?party=XX&year=${YEAR}`, operator);
    expect(bad.status).toBe(400);
  });
});
