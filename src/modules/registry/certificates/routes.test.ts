import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRouter } from '../../../kernel/http.js';
import { createLogger } from '../../../kernel/log.js';
import { buildApp } from '../../../server/app.js';
import { openTestPlatform } from '../../../testing/db.js';
import { identityAdmin } from '../../identity/index.js';
import { certificatesCommands } from './cli.js';
import { certificatesRoutes } from './routes.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let app: ReturnType<typeof buildApp>;
let owner: string;
let operator: string;
let regulator: string;
const base = 'http://greentrade.test';
const P = '/api/v1/registry/certificates';
const PASSWORD = 'route-test-password';

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  app = buildApp(platform, createLogger('silent'), { webDir: '/nonexistent' });
  const db = platform.db;
  const plant = await identityAdmin.ensureOrg(db, 'rt-plant', 'Plant');
  await identityAdmin.ensureOrg(db, 'rt-buyer', 'Buyer');
  const ops = await identityAdmin.ensureOrg(db, 'rt-ops', 'Ops');
  const mk = async (email: string, orgId: string, role: 'admin' | 'registry_operator' | 'regulator') => {
    await identityAdmin.createUser(db, { email, name: email, password: PASSWORD, orgId, roles: [role] });
    return login(email);
  };
  owner = await mk('owner@rt.test', plant, 'admin');
  operator = await mk('operator@rt.test', ops, 'registry_operator');
  regulator = await mk('regulator@rt.test', ops, 'regulator');
});
afterAll(async () => platform?.dispose());

async function login(email: string): Promise<string> {
  const res = await app.request(base + '/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

const call = (
  path: string,
  cookie: string | null,
  init: { method?: string; body?: unknown; key?: string } = {},
) =>
  app.request(base + path, {
    method: init.method ?? 'GET',
    headers: {
      ...(cookie ? { cookie } : {}),
      ...(init.key ? { 'idempotency-key': init.key } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined
      ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }
      : {}),
  });

describe('certificate routes', () => {
  it('registers, approves, issues (idempotently), transfers and cancels over HTTP', async () => {
    const reg = await call(`${P}/devices`, owner, {
      method: 'POST',
      body: {
        name: 'Rooftop PV',
        energySource: 'solar',
        capacityMW: '2.5',
        country: 'CN',
        gridZone: 'CN-East',
        commissioned: '2025-05-01',
      },
    });
    expect(reg.status).toBe(201);
    const { device } = (await reg.json()) as { device: { id: string; code: string } };
    expect(
      (await call(`${P}/devices/${device.id}/decision`, owner, { method: 'POST', body: { approve: true } }))
        .status,
    ).toBe(403);
    expect(
      (
        await call(`${P}/devices/${device.code}/decision`, operator, {
          method: 'POST',
          body: { approve: true },
        })
      ).status,
    ).toBe(200);

    // March 2026: 31 days × 24 h × 2.5 MW = 1,860 MWh at most.
    const body = {
      scheme: 'GEC',
      device: device.code,
      periodStart: '2026-03-01T00:00:00+08:00',
      periodEnd: '2026-04-01T00:00:00+08:00',
      quantity: '1200',
    };
    const over = await call(`${P}/issuances`, operator, {
      method: 'POST',
      body: { ...body, quantity: '1861' },
    });
    expect(over.status).toBe(400);
    expect(((await over.json()) as { error: { field: string } }).error.field).toBe('quantity');
    const frac = await call(`${P}/issuances`, operator, {
      method: 'POST',
      body: { ...body, quantity: '2.5' },
    });
    expect(frac.status).toBe(400);
    expect(((await frac.json()) as { error: { field: string } }).error.field).toBe('quantity');
    expect((await call(`${P}/issuances`, owner, { method: 'POST', body })).status).toBe(403);

    const first = await call(`${P}/issuances`, operator, { method: 'POST', body, key: 'issue-mar' });
    expect(first.status).toBe(201);
    const a = (await first.json()) as {
      issuance: { id: string };
      block: { id: string; serial: string };
      replayed: boolean;
    };
    expect(a.replayed).toBe(false);
    const again = (await (
      await call(`${P}/issuances`, operator, { method: 'POST', body, key: 'issue-mar' })
    ).json()) as typeof a;
    expect(again.replayed).toBe(true);
    expect(again.issuance.id).toBe(a.issuance.id);
    // Without the key, the same request is a second issuance of the same period: refused.
    const dup = await call(`${P}/issuances`, operator, { method: 'POST', body });
    expect(dup.status).toBe(409);
    expect(((await dup.json()) as { error: { field: string } }).error.field).toBe('periodStart');

    const t = await call(`${P}/transfers`, owner, {
      method: 'POST',
      body: { block: a.block.serial, quantity: '200', to: 'rt-buyer' },
    });
    expect(t.status).toBe(201);
    const c = await call(`${P}/cancellations`, owner, {
      method: 'POST',
      body: {
        block: a.block.id,
        quantity: '300',
        consumptionStart: '2026-01-01',
        consumptionEnd: '2026-12-31',
        purpose: 'RE100',
      },
    });
    expect(c.status).toBe(201);
    const holdings = (await (await call(`${P}/holdings`, owner)).json()) as {
      blocks: { quantity: string; state: string }[];
    };
    // 1,200 issued − 200 transferred = 1,000 held: 300 cancelled + 700 active.
    expect(holdings.blocks.map((b) => `${b.state}:${b.quantity}`).sort()).toEqual([
      'active:700',
      'cancelled:300',
    ]);
    // The regulator reads everything and writes nothing.
    const all = (await (await call(`${P}/holdings`, regulator)).json()) as {
      blocks: { holder: { slug: string } }[];
    };
    expect(all.blocks.filter((b) => b.holder.slug.startsWith('rt-'))).toHaveLength(3);
    expect((await call(`${P}/issuances`, regulator, { method: 'POST', body })).status).toBe(403);
    expect((await call(`${P}/expire`, owner, { method: 'POST', body: {} })).status).toBe(403);
    const run = await call(`${P}/expire`, operator, {
      method: 'POST',
      body: { asOf: '2026-12-01T00:00:00Z' },
    });
    expect(run.status).toBe(200);
    expect((await call(`${P}/schemes`, null)).status).toBe(401);
  });

  it('describes every route in the OpenAPI document', () => {
    const router = createRouter();
    certificatesRoutes(router, platform.registry);
    const doc = router.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'test', version: '1' } });
    for (const p of ['devices', 'issuances', 'transfers', 'cancellations', 'claims', 'holdings', 'expire'])
      expect(Object.keys(doc.paths ?? {})).toContain(`${P}/${p}`);
  });
});

/** Runs `greentrade registry …` in process over the test platform; returns what it printed. */
async function cli(...args: string[]): Promise<string> {
  const program = new Command('registry').exitOverride();
  for (const c of certificatesCommands(async () => ({ registry: platform.registry, close: async () => {} })))
    program.addCommand(c);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  try {
    await program.parseAsync(['node', 'registry', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('greentrade registry certificates / devices', () => {
  it('registers and approves a device, issues hourly certificates, cancels and expires them', async () => {
    const d = JSON.parse(
      await cli(
        'devices',
        'register',
        '--org',
        'rt-plant',
        '--name',
        'Wind farm 风电场',
        '--source',
        'wind',
        '--capacity-mw',
        '3',
        '--country',
        'CN',
        '--zone',
        'CN-North',
        '--commissioned',
        '2025-01-01',
        '--json',
      ),
    ) as { code: string; status: string };
    expect(d.status).toBe('pending');
    expect(await cli('devices', 'approve', d.code)).toContain('approved');
    // One hour at 3 MW: at most 3,000,000 Wh.
    const hour = [
      '--scheme',
      'EnergyTag',
      '--device',
      d.code,
      '--from',
      '2026-05-01T10:00:00Z',
      '--to',
      '2026-05-01T11:00:00Z',
    ];
    await expect(cli('certificates', 'issue', ...hour, '--quantity', '3000001')).rejects.toMatchObject({
      field: 'quantity',
    });
    const issued = JSON.parse(
      await cli(
        'certificates',
        'issue',
        ...hour,
        '--quantity',
        '2750000',
        '--idempotency-key',
        'cli-1',
        '--json',
      ),
    ) as { issuance: { serial: string }; block: { id: string }; replayed: boolean };
    expect(issued.issuance.serial).toMatch(new RegExp(`^GTR-EnergyTag-CN-${d.code}-20260501T10Z-\\d+-\\d+$`));
    expect(
      await cli('certificates', 'issue', ...hour, '--quantity', '2750000', '--idempotency-key', 'cli-1'),
    ).toContain('replayed');
    const text = await cli(
      'certificates',
      'cancel',
      '--block',
      issued.block.id,
      '--quantity',
      '1000000',
      '--from',
      '2026-05-01',
      '--to',
      '2026-05-31',
      '--purpose',
      'hourly matching 24/7',
    );
    expect(text).toContain('now cancelled');
    const held = JSON.parse(
      await cli('certificates', 'holdings', '--org', 'rt-plant', '--state', 'active', '--json'),
    ) as {
      blocks: { quantity: string; unit: string; device: { code: string } }[];
    };
    // 2,750,000 Wh − 1,000,000 Wh cancelled = 1,750,000 Wh active.
    expect(held.blocks.filter((b) => b.device.code === d.code).map((b) => `${b.quantity} ${b.unit}`)).toEqual(
      ['1750000 Wh'],
    );
    // EnergyTag live 12 months after the hour: expired as of 2027-05-01T11:00Z.
    const run = JSON.parse(
      await cli('certificates', 'expire', '--as-of', '2027-05-01T11:00:00Z', '--json'),
    ) as {
      expired: { serial: string }[];
    };
    expect(run.expired.some((e) => e.serial.includes(d.code))).toBe(true);
  });
});
