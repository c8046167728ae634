import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../../kernel/access.js';
import { createLogger } from '../../../kernel/log.js';
import { buildApp } from '../../../server/app.js';
import { openTestPlatform } from '../../../testing/db.js';
import { identityAdmin } from '../../identity/index.js';
import { snapshotCounts, unitFixture, type UnitFixture } from './testing.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let app: ReturnType<typeof buildApp>;
let f: UnitFixture;
const cookies: Record<string, string> = {};
const base = 'http://greentrade.test';
const P = '/api/v1/registry';
const PASSWORD = 'registry-units-test';

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  app = buildApp(platform, createLogger('silent'), { webDir: '/nonexistent' });
  f = await unitFixture(platform.db, platform.registry.units, '-http');
  const users: [string, string, Role][] = [
    ['seller', f.orgs.seller, 'member'],
    ['buyer', f.orgs.buyer, 'admin'],
    ['regulator', f.orgs.regulator, 'regulator'],
  ];
  for (const [name, orgId, role] of users) {
    const email = `${name}@units-http.test`;
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

const call = (path: string, who: string, init: { method?: string; body?: unknown; key?: string } = {}) =>
  app.request(base + path, {
    method: init.method ?? 'GET',
    headers: {
      cookie: cookies[who]!,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.key ? { 'idempotency-key': init.key } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });

describe('registry units over HTTP', () => {
  it('transfers, replays, retires with statement links, and lists holdings and history', async () => {
    const issued = await platform.db.transaction((tx) =>
      platform.registry.units.issue(tx, {
        projectId: f.projectId,
        vintage: 2023,
        unitType: 'VER',
        quantity: 1000n,
        toAccountId: f.accounts.seller.id,
        actor: 't',
        orgId: f.orgs.operator,
      }),
    );
    const s = issued.range.start;
    const serial = `GTR-CN-VER-${f.projectCode}-2023-${s + 100n}-${s + 199n}`;
    const body = {
      from: f.accounts.seller.number,
      to: f.accounts.buyer.number,
      units: { serials: [serial] },
    };
    const res = await call(`${P}/transfers`, 'seller', { method: 'POST', body, key: 'k-1' });
    expect(res.status).toBe(201);
    const first = (await res.json()) as {
      transactionId: string;
      quantity: string;
      ranges: { serial: string }[];
      ledger: { index: number; leafHash: string };
      replayed: boolean;
    };
    expect(first.quantity).toBe('100');
    expect(first.ranges.map((r) => r.serial)).toEqual([serial]);
    expect(first.ledger.index).toBeGreaterThanOrEqual(0);
    expect(first.ledger.leafHash).toMatch(/^[0-9a-f]{64}$/);
    // The same request again with the same key: the first answer, nothing changed.
    const before = await snapshotCounts(platform.db);
    const again = await call(`${P}/transfers`, 'seller', { method: 'POST', body, key: 'k-1' });
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual({ ...first, replayed: true });
    expect(await snapshotCounts(platform.db)).toEqual(before);

    // The buyer retires 10 of them: the answer links the statement and the public verification page.
    const ret = await call(`${P}/retirements`, 'buyer', {
      method: 'POST',
      key: 'r-1',
      body: {
        from: f.accounts.buyer.number,
        units: { issuanceId: issued.issuanceId, quantity: '10' },
        beneficiary: '上海绿色航运 Shanghai Green Shipping',
        purpose: 'Voluntary offset of 2025 shipping emissions',
        claimPeriod: { start: '2025-01-01', end: '2025-12-31' },
      },
    });
    expect(ret.status).toBe(201);
    const r = (await ret.json()) as {
      retirementId: string;
      statementUrl: string;
      verifyUrl: string;
      ranges: { serial: string }[];
    };
    expect(r.statementUrl).toBe(
      `${platform.registry.context.publicUrl}/api/v1/registry/retirements/${r.retirementId}/statement.pdf`,
    );
    expect(r.verifyUrl).toBe(
      `${platform.registry.context.publicUrl}/registry/explorer/retirements/${r.retirementId}`,
    );
    expect(r.ranges.map((x) => x.serial)).toEqual([
      `GTR-CN-VER-${f.projectCode}-2023-${s + 100n}-${s + 109n}`,
    ]);

    // Holdings of the buyer: 100 units, 10 of them retired (in the retirement account), 90 held here.
    const acct = await call(`${P}/accounts/${f.accounts.buyer.number}`, 'buyer');
    expect(acct.status).toBe(200);
    const a = (await acct.json()) as {
      holdings: { issuanceId: string; quantity: string; byState: Record<string, string> }[];
    };
    expect(a.holdings.find((h) => h.issuanceId === issued.issuanceId)).toMatchObject({
      quantity: '90',
      byState: { held: '90' },
    });

    // History of one unit: issued, transferred, retired.
    const one = `GTR-CN-VER-${f.projectCode}-2023-${s + 105n}-${s + 105n}`;
    const h = await call(`${P}/serials/${one}/history`, 'buyer');
    expect(h.status).toBe(200);
    const hist = (await h.json()) as { transactions: { kind: string }[]; current: { state: string }[] };
    expect(hist.transactions.map((t) => t.kind)).toEqual(['issuance', 'transfer', 'retirement']);
    expect(hist.current.map((c) => c.state)).toEqual(['retired']);

    const tx = await call(`${P}/transactions/${first.transactionId}`, 'regulator');
    expect(tx.status).toBe(200);
    expect(((await tx.json()) as { transaction: { kind: string } }).transaction.kind).toBe('transfer');
  });

  it('answers bad requests with 4xx naming the field, the account or the role', async () => {
    const before = await snapshotCounts(platform.db);
    const bad = await call(`${P}/transfers`, 'seller', {
      method: 'POST',
      body: {
        from: f.accounts.seller.number,
        to: f.accounts.buyer.number,
        units: { issuanceId: f.projectId, quantity: '-3' },
      },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('units.quantity');
    const unknown = await call(`${P}/transfers`, 'seller', {
      method: 'POST',
      body: {
        from: f.accounts.seller.number,
        to: 'GTR-100-424242',
        units: { issuanceId: f.projectId, quantity: '1' },
      },
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(
      'GTR-100-424242',
    );
    // The regulator may not write at all: refused by the route.
    const reg = await call(`${P}/transfers`, 'regulator', {
      method: 'POST',
      body: {
        from: f.accounts.seller.number,
        to: f.accounts.buyer.number,
        units: { issuanceId: f.projectId, quantity: '1' },
      },
    });
    expect(reg.status).toBe(403);
    expect(await snapshotCounts(platform.db)).toEqual(before);
    // The regulator reads every account; the seller only its own.
    const all = (await (await call(`${P}/accounts`, 'regulator')).json()) as {
      accounts: { number: string }[];
    };
    expect(all.accounts.map((x) => x.number)).toEqual(
      expect.arrayContaining([f.accounts.seller.number, f.accounts.buyer.number]),
    );
    expect((await call(`${P}/accounts/${f.accounts.buyer.number}`, 'seller')).status).toBe(404);
  });
});
