import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../../kernel/access.js';
import { createLogger } from '../../../kernel/log.js';
import { buildApp } from '../../../server/app.js';
import { openTestPlatform } from '../../../testing/db.js';
import { identityAdmin } from '../../identity/index.js';
import { installation } from './testing.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let app: ReturnType<typeof buildApp>;
const cookies: Record<string, string> = {};
const base = 'http://greentrade.test';
const P = '/api/v1/cbam/installations';
const PASSWORD = 'cbam-installations-test';

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  app = buildApp(platform, createLogger('silent'), { webDir: '/nonexistent' });
  const exporter = await identityAdmin.ensureOrg(platform.db, 'kiln-exporter', 'Kiln Exporter');
  const other = await identityAdmin.ensureOrg(platform.db, 'other-exporter', 'Other Exporter');
  const users: [string, string, Role][] = [
    ['alice', exporter, 'member'],
    ['bob', other, 'admin'],
  ];
  for (const [name, orgId, role] of users) {
    const email = `${name}@cbam-installations.test`;
    await identityAdmin.createUser(platform.db, { email, name, password: PASSWORD, orgId, roles: [role] });
    const res = await app.request(base + '/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    cookies[name] = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  }
});
afterAll(async () => platform?.dispose());

const call = (
  path: string,
  who: string | null,
  init: { method?: string; body?: unknown; raw?: string } = {},
) =>
  app.request(base + path, {
    method: init.method ?? 'GET',
    headers: {
      ...(who ? { cookie: cookies[who]! } : {}),
      ...(init.body !== undefined || init.raw !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    ...(init.raw !== undefined ? { body: init.raw } : {}),
  });

// Clinker: other direct emissions 45 000 t CO2e over 50 000 t = 0.9 t/t; PPA electricity 5 000 MWh
// × 0.1 t/MWh = 500 t over 50 000 t = 0.01; cement counts both: 0.91.
const kiln = (production = '50000') =>
  installation({
    installation: { name: 'Kiln Works', operator: 'Kiln Operator', country: 'VN' },
    energyFlows: [
      {
        process: 'kiln',
        kind: 'electricity',
        direction: 'consumed',
        quantity: '5000',
        electricitySource: 'ppa',
        emissionFactor: '0.1',
      },
    ],
    processes: [
      {
        id: 'kiln',
        name: 'Kiln',
        goodsCategory: 'cement_clinker',
        cnCodes: ['25231000'],
        production,
        otherDirectEmissions: '45000',
      },
    ],
  });

describe('CBAM installations over HTTP', () => {
  it('creates, versions, reads and calculates for the owning organisation only', async () => {
    const res = await call(P, 'alice', { method: 'POST', body: kiln() });
    expect(res.status).toBe(201);
    const { installation: created } = (await res.json()) as { installation: { id: string; version: number } };
    expect(created.version).toBe(1);

    // Version 2: production 45 000 t → 45 000 / 45 000 = 1 direct, 500 / 45 000 = 0.011111… indirect.
    const put = await call(`${P}/${created.id}`, 'alice', { method: 'PUT', body: kiln('45000') });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { installation: { version: number } }).installation.version).toBe(2);

    const list = (await (await call(P, 'alice')).json()) as {
      installations: { id: string; version: number }[];
    };
    expect(list.installations.map((i) => [i.id, i.version])).toEqual([[created.id, 2]]);

    const v1 = (await (await call(`${P}/${created.id}?version=1`, 'alice')).json()) as {
      installation: { version: number; data: { processes: { production: string }[] }; versions: unknown[] };
    };
    expect(v1.installation.version).toBe(1);
    expect(v1.installation.data.processes[0]!.production).toBe('50000');
    expect(v1.installation.versions).toHaveLength(2);

    const calc = await call(`${P}/${created.id}/calculation?version=1`, 'alice');
    expect(calc.status).toBe(200);
    const { calculation } = (await calc.json()) as {
      calculation: {
        goods: { cn: string; seeDirect: string; seeIndirect: string; seeTotal: string; source: string }[];
      };
    };
    expect(calculation.goods).toEqual([
      expect.objectContaining({
        cn: '25231000',
        seeDirect: '0.9',
        seeIndirect: '0.01',
        seeTotal: '0.91',
        source: 'actual',
      }),
    ]);
    const latest = (await (await call(`${P}/${created.id}/calculation`, 'alice')).json()) as {
      calculation: { goods: { seeTotal: string }[] };
    };
    // 1 + 0.011111 (500 / 45 000 = 0.0111111… rounded to 6 places) = 1.011111.
    expect(latest.calculation.goods[0]!.seeTotal).toBe('1.011111');

    // Another organisation: unknown, whatever it tries.
    for (const path of [`${P}/${created.id}`, `${P}/${created.id}/calculation`])
      expect((await call(path, 'bob')).status).toBe(404);
    expect((await call(`${P}/${created.id}`, 'bob', { method: 'PUT', body: kiln() })).status).toBe(404);
    expect((await call(`${P}?org=kiln-exporter`, 'bob')).status).toBe(404);
    expect((await call(`${P}?org=kiln-exporter`, 'bob', { method: 'POST', body: kiln() })).status).toBe(404);
    const bobs = (await (await call(P, 'bob')).json()) as { installations: unknown[] };
    expect(bobs.installations).toEqual([]);
    expect((await call(P, null)).status).toBe(401);
  });

  it('answers bad input with 400 naming the field, and refuses bodies over 1 MiB', async () => {
    const bad = kiln();
    bad.energyFlows![0]!.electricitySource = 'guarantee_of_origin';
    const res = await call(P, 'alice', { method: 'POST', body: bad });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { field: string; message: string } };
    expect(body.error.field).toBe('energyFlows.0.electricitySource');
    expect(body.error.message).toContain('guarantees of origin are not accepted');

    const noPeriod = kiln() as Record<string, unknown>;
    delete noPeriod['reportingPeriod'];
    const r2 = await call(P, 'alice', { method: 'POST', body: noPeriod });
    expect(r2.status).toBe(400);
    expect(((await r2.json()) as { error: { field: string } }).error.field).toBe('reportingPeriod');

    const huge = JSON.stringify({ ...kiln(), padding: 'x'.repeat(1 << 20) });
    expect((await call(P, 'alice', { method: 'POST', raw: huge })).status).toBe(413);
    expect((await call(`${P}/not-a-uuid`, 'alice')).status).toBe(404);
  });
});
