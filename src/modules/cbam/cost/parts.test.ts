// The cost part over HTTP and the CLI, with the real rules and importer parts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Role } from '../../../kernel/access.js';
import { createLogger } from '../../../kernel/log.js';
import { buildApp } from '../../../server/app.js';
import { openTestPlatform } from '../../../testing/db.js';
import { identityAdmin } from '../../identity/index.js';
import { costCommands } from './cli.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let app: ReturnType<typeof buildApp>;
const cookies: Record<string, string> = {};
const orgs = { a: '', b: '' };
const base = 'http://greentrade.test';
const PASSWORD = 'cbam-cost-test';
const HEADER = 'periodStart,periodEnd,priceEur,kind';
const Q2026 = [
  '2026-01-01,2026-03-31,75.36,quarterly',
  '2026-04-01,2026-06-30,70,quarterly',
  '2026-07-01,2026-09-30,72.50,quarterly',
  '2026-10-01,2026-12-31,80.1,quarterly',
].join('\n');

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  app = buildApp(platform, createLogger('silent'), { webDir: '/nonexistent' });
  orgs.a = await identityAdmin.ensureOrg(platform.db, 'cost-http-a', 'Cost HTTP A');
  orgs.b = await identityAdmin.ensureOrg(platform.db, 'cost-http-b', 'Cost HTTP B');
  const users: [string, string, Role][] = [
    ['a', orgs.a, 'member'],
    ['b', orgs.b, 'admin'],
  ];
  for (const [name, orgId, role] of users) {
    const email = `${name}@cost-http.test`;
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
  init: { method?: string; body?: string; type?: string } = {},
) =>
  app.request(base + path, {
    method: init.method ?? 'GET',
    headers: {
      ...(who ? { cookie: cookies[who]! } : {}),
      ...(init.body !== undefined ? { 'content-type': init.type ?? 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });

/** Runs `greentrade cbam …` (the cost commands) in process; returns what it printed. */
async function run(...args: string[]): Promise<string> {
  const program = new Command('cbam').exitOverride();
  for (const c of costCommands(async () => ({ cbam: platform.cbam, close: async () => {} })))
    program.addCommand(c);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  try {
    await program.parseAsync(['node', 'cbam', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('cbam cost over HTTP', () => {
  it('imports and lists prices per organisation; errors name the line; others are refused', async () => {
    expect((await call('/api/v1/cbam/prices', null)).status).toBe(401);
    const bad = await call('/api/v1/cbam/prices', 'a', {
      method: 'POST',
      type: 'text/csv',
      body: `${HEADER}\n2026-01-01,2026-03-31,75.36,quarterly\n2026-04-06,2026-04-12,70,weekly\n`,
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('line 3');
    const ok = await call('/api/v1/cbam/prices?org=cost-http-a', 'a', {
      method: 'POST',
      type: 'text/csv',
      body: `${HEADER}\n${Q2026}\n`,
    });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ imported: 4 });
    const list = (await (await call('/api/v1/cbam/prices', 'a')).json()) as {
      prices: { priceEur: string }[];
    };
    expect(list.prices.map((p) => p.priceEur)).toEqual(['75.36', '70', '72.5', '80.1']);
    expect((await call('/api/v1/cbam/prices?org=cost-http-a', 'b')).status).toBe(403);
    expect((await call(`/api/v1/cbam/cost/2026?org=${orgs.a}`, 'b')).status).toBe(403);
    const mine = (await (await call('/api/v1/cbam/prices', 'b')).json()) as { prices: unknown[] };
    expect(mine.prices).toEqual([]);
  });

  it('owes nothing for an importer without shipments (de minimis), with the timeline', async () => {
    const res = await call('/api/v1/cbam/cost/2026?org=cost-http-a', 'a');
    expect(res.status).toBe(200);
    const r = (await res.json()) as Record<string, unknown>;
    expect(r).toMatchObject({
      exempt: true,
      totals: { certificatesToSurrender: '0', costEur: '0.00' },
      // (75.36 + 70 + 72.50 + 80.10) / 4 = 74.49
      price: { eurPerCertificate: '74.49' },
      timeline: { certificatesOnSaleFrom: '2027-02-01', declarationDue: '2027-09-30' },
    });
    expect(String(r['exemptReason'])).toMatch(/50 t/);
  });

  it("prices the importer's real declaration: embedded less share × benchmark × mass", async () => {
    // 1,000 t of cement clinker from CN on defaults (no supplier file), in 2026, above the 50 t threshold.
    await platform.cbam.cost.importPrices('system', `${HEADER}\n${Q2026}\n`, 'cost-http-a');
    await platform.cbam.importer.importShipments(
      'system',
      orgs.a,
      'reference,importDate,cn,countryOfOrigin,netMass,unit,installation\nCOST-1,2026-03-10,25231000,CN,1000,t,\n',
    );
    const declared = (await platform.cbam.importer.declaration('system', orgs.a, 2026)) as {
      lines: { cn: string; total: string }[];
    };
    const embedded = Number(declared.lines.find((l) => l.cn === '25231000')!.total);
    const res = await call('/api/v1/cbam/cost/2026?org=cost-http-a', 'a');
    expect(res.status).toBe(200);
    const r = (await res.json()) as {
      exempt: boolean;
      lines: { cn: string; benchmark: string; freeAllocationAdjustment: string; certificates: string }[];
      totals: { certificatesExact: string; certificatesToSurrender: string; costEur: string };
    };
    expect(r.exempt).toBe(false);
    // Grey clinker benchmark 0.693 t CO2e/t (Implementing Regulation (EU) 2021/447, carried into 2026 by the rules data):
    // adjustment = 0.975 × 0.693 × 1000 = 675.675 t CO2e
    const line = r.lines.find((l) => l.cn === '25231000')!;
    expect(line).toMatchObject({ benchmark: '0.693', freeAllocationAdjustment: '675.675' });
    const owed = Math.max(0, embedded - 675.675);
    expect(Number(line.certificates)).toBeCloseTo(owed, 6);
    expect(r.totals.certificatesToSurrender).toBe(String(Math.ceil(Number(r.totals.certificatesExact))));
    // cost = whole certificates × 74.49
    expect(Number(r.totals.costEur)).toBeCloseTo(Number(r.totals.certificatesToSurrender) * 74.49, 2);
  });

  it('projects a product line to 2034 with the real free-allocation series', async () => {
    const res = await call('/api/v1/cbam/cost/projection', 'a', {
      method: 'POST',
      body: JSON.stringify({
        cn: '7601 10 00',
        country: 'CN',
        route: 'primary',
        tonnesPerYear: '1000',
        seeDirect: '1.9',
        priceEur: '80',
      }),
    });
    expect(res.status).toBe(200);
    const r = (await res.json()) as {
      rows: { year: number; freeAllocationShare: string; certificates: string; costEur: string }[];
    };
    // CBAM factors of Directive 2003/87/EC Art. 10a(1a): 97.5%, 95%, 90%, 77.5%, 51.5%, 39%, 26.5%, 14%, 0%.
    expect(r.rows.map((x) => [x.year, x.freeAllocationShare])).toEqual([
      [2026, '0.975'],
      [2027, '0.95'],
      [2028, '0.9'],
      [2029, '0.775'],
      [2030, '0.515'],
      [2031, '0.39'],
      [2032, '0.265'],
      [2033, '0.14'],
      [2034, '0'],
    ]);
    // Primary aluminium CBAM benchmark 1.423 t CO2e/t (the rules part's data for 2026 on):
    // 2026: 1900 − 0.975 × 1.423 × 1000 = 1900 − 1387.425 = 512.575 → 513 × 80 = 41,040.00
    // 2034: 1900 − 0 = 1900 → 1900 × 80 = 152,000.00
    expect(r.rows[0]).toMatchObject({ certificates: '512.575', costEur: '41040.00' });
    expect(r.rows[8]).toMatchObject({ certificates: '1900', costEur: '152000.00' });
    for (let i = 1; i < r.rows.length; i++)
      expect(Number(r.rows[i]!.costEur)).toBeGreaterThan(Number(r.rows[i - 1]!.costEur));
    const bad = await call('/api/v1/cbam/cost/projection', 'a', {
      method: 'POST',
      body: JSON.stringify({
        cn: '7601',
        country: 'CN',
        tonnesPerYear: '1000',
        seeDirect: '1.9',
        priceEur: '80',
      }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('cn');
  });
});

describe('greentrade cbam prices / cost', () => {
  it('imports a CSV file, lists it, and answers cost and projection as JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cbam-cost-'));
    const file = join(dir, 'prices.csv');
    writeFileSync(file, `${HEADER}\n${Q2026}\n`);
    expect(await run('prices', 'import', file, '--org', 'cost-http-b')).toMatch(/4 price\(s\) imported/);
    const listed = JSON.parse(await run('prices', 'list', '--org', 'cost-http-b', '--json')) as {
      prices: unknown[];
    };
    expect(listed.prices).toHaveLength(4);
    const owed = JSON.parse(await run('cost', '--year', '2026', '--org', 'cost-http-b', '--json')) as Record<
      string,
      unknown
    >;
    expect(owed).toMatchObject({ exempt: true, price: { eurPerCertificate: '74.49' } });
    const text = await run('cost', '--year', '2026', '--org', 'cost-http-b');
    expect(text).toMatch(/declaration and surrender due 2027-09-30/);
    const p = JSON.parse(
      await run(
        'cost',
        'project',
        '--cn',
        '76011000',
        '--route',
        'primary',
        '--country',
        'CN',
        '--tonnes',
        '1000',
        '--see',
        '1.9',
        '--price',
        '80',
        '--carbon-price-paid',
        '10',
        '--json',
      ),
    ) as { rows: { year: number; carbonPriceDeduction: string; certificates: string }[] };
    // 2034: 10 EUR/t × 1900 t / 80 EUR = 237.5 certificates deducted; 1900 − 237.5 = 1662.5
    expect(p.rows[8]).toMatchObject({ year: 2034, carbonPriceDeduction: '237.5', certificates: '1662.5' });
    const badFile = join(dir, 'bad.csv');
    writeFileSync(badFile, `${HEADER}\n2027-01-01,2027-03-31,80,quarterly\n`);
    await expect(run('prices', 'import', badFile, '--org', 'cost-http-b')).rejects.toThrow(
      /line 2: .*weekly/,
    );
  });
});
