import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../db/index.js';
import type { Principal } from '../../../kernel/access.js';
import { MIGRATIONS } from '../../../platform.js';
import { openTestPlatform } from '../../../testing/db.js';
import { identityAdmin } from '../../identity/index.js';
import { backoff, DEFAULT_RESILIENCE, nextLink } from './http.js';
import { pactClientMigrations } from './schema.js';
import { PactClientService } from './service.js';
import { fakeHost, v3Footprint, type FakeHost } from './testing.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let svc: PactClientService;
let host: FakeHost;
let dataDir: string;
let buyerOrg: string;
let admin: Principal;
let member: Principal;
let outsider: Principal;
const BASE = 'https://supplier.test/pact';

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  // Until the platform lists these migrations itself (then they are applied already).
  if (!MIGRATIONS.some((m) => m.id === pactClientMigrations[0]!.id))
    await migrate(platform.db, [...MIGRATIONS, ...pactClientMigrations]);
  buyerOrg = await identityAdmin.ensureOrg(platform.db, 'pact-buyer', 'PACT Buyer');
  const other = await identityAdmin.ensureOrg(platform.db, 'pact-other', 'PACT Other');
  admin = { kind: 'user', id: 'u-a', name: 'Admin', memberships: [{ orgId: buyerOrg, role: 'admin' }] };
  member = { kind: 'user', id: 'u-m', name: 'Member', memberships: [{ orgId: buyerOrg, role: 'member' }] };
  outsider = { kind: 'user', id: 'u-o', name: 'Outsider', memberships: [{ orgId: other, role: 'admin' }] };
  dataDir = await mkdtemp(join(tmpdir(), 'pact-client-'));
});
afterAll(async () => {
  await platform.close();
  await rm(dataDir, { recursive: true, force: true });
});
beforeEach(() => {
  host = fakeHost(BASE);
  svc = new PactClientService(platform.db, {
    products: platform.footprint.products,
    dataDir,
    fetch: host.fetch,
    resilience: { timeoutMs: 200, baseDelayMs: 1, maxDelayMs: 5 },
  });
});

let n = 0;
const connect = (over: Record<string, string> = {}) =>
  svc.createConnection(
    { name: `supplier ${++n}`, baseUrl: BASE, clientId: 'buyer', clientSecret: host.secret, ...over },
    admin,
  );

describe('connections', () => {
  it('keeps the secret encrypted and never returns it', async () => {
    const c = await connect();
    expect(JSON.stringify(c)).not.toContain(host.secret);
    const [row] = await platform.db.query<{ secret_enc: string }>(
      'SELECT secret_enc FROM pact_connection WHERE id = $1',
      [c.id],
    );
    expect(row!.secret_enc).not.toContain(host.secret);
    expect(row!.secret_enc).toMatch(/^v1\./);
    expect(c.status).toBe('new');
  });
  it('is made by admins and hidden from other organisations', async () => {
    await expect(
      svc.createConnection({ name: 'x', baseUrl: BASE, clientId: 'a', clientSecret: 'b' }, member),
    ).rejects.toMatchObject({ code: 'forbidden' });
    const c = await connect();
    await expect(svc.getConnection(c.id, outsider)).rejects.toMatchObject({ code: 'not_found' });
    await expect(svc.pull(c.id, outsider)).rejects.toMatchObject({ code: 'not_found' });
    expect((await svc.listConnections(outsider)).map((x) => x.id)).not.toContain(c.id);
  });
  it('refuses a base URL that is not http(s), naming the field', async () => {
    await expect(connect({ baseUrl: 'file:///etc/passwd' })).rejects.toMatchObject({ field: 'baseUrl' });
  });
});

describe('pull', () => {
  it('follows every page, stores valid documents and refuses malformed ones by field', async () => {
    const good = v3Footprint({ extraField: { untrusted: true } });
    host.footprints.push(
      good,
      v3Footprint(),
      v3Footprint({}, { declaredUnitAmount: 12.5 }),
      v3Footprint({ productIds: [] }),
    );
    const c = await connect();
    const r = await svc.pull(c.id, admin);
    expect(r.ok).toBe(true);
    expect(host.seen.filter((s) => s.startsWith('GET /pact/3/footprints'))).toHaveLength(2);
    expect(r.pulled).toBe(2);
    expect(r.rejected.map((x) => x.error)).toEqual([
      expect.stringContaining('pcf.declaredUnitAmount'),
      expect.stringContaining('productIds'),
    ]);
    const [raw] = await platform.db.query<{ raw: Record<string, unknown> }>(
      'SELECT raw FROM pact_pulled_footprint WHERE pf_id = $1',
      [good['id']],
    );
    expect(raw!.raw['extraField']).toEqual({ untrusted: true });
    expect(r.connection.status).toBe('ok');
    const pulled = await svc.listPulled(member, { connectionId: c.id });
    expect(pulled).toHaveLength(2);
    expect(pulled[0]).not.toHaveProperty('extraField');
  });
  it('retries 5xx and network errors, then succeeds', async () => {
    host.footprints.push(v3Footprint());
    const c = await connect();
    host.faults.push(503, 'network'); // the discovery request meets both faults
    const r = await svc.pull(c.id, admin);
    expect(r.ok).toBe(true);
  });
  it('gives up after the attempts, with a visible failing status, and recovers', async () => {
    const c = await connect();
    host.faults.push('network', 'network', 'network');
    const started = Date.now();
    const r = await svc.pull(c.id, admin);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/after 3 attempts/);
    expect(r.connection.status).toBe('failing');
    expect(r.connection.failingSince).not.toBeNull();
    host.footprints.push(v3Footprint());
    const again = await svc.pull(c.id, admin);
    expect(again.connection).toMatchObject({ status: 'ok', failingSince: null, lastError: null });
  });
  it('times a hanging supplier out', async () => {
    const c = await connect();
    host.faults.push('hang', 'hang', 'hang');
    const started = Date.now();
    const r = await svc.pull(c.id, admin);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/no answer within 200 ms/);
    // Three attempts at the first request, then no more: a hanging host costs attempts × timeout.
    expect(host.seen).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
  it('does not retry a refusal of the credentials', async () => {
    const c = await connect({ clientSecret: 'wrong' });
    const r = await svc.pull(c.id, admin);
    expect(r.error).toMatch(/refused the client credentials/);
    expect(host.seen.filter((s) => s.includes('/auth/token'))).toHaveLength(1);
  });
});

describe('pull one', () => {
  it('gets one footprint by id, refuses a malformed one by field, and says when there is none', async () => {
    const good = v3Footprint();
    const bad = v3Footprint({}, { pcfExcludingBiogenicUptake: 'lots' });
    host.footprints.push(good, bad);
    const c = await connect();
    expect((await svc.pullOne(c.id, good['id'] as string, admin))?.pfId).toBe(good['id']);
    await expect(svc.pullOne(c.id, bad['id'] as string, admin)).rejects.toMatchObject({
      message: expect.stringContaining('pcf.pcfExcludingBiogenicUptake'),
    });
    expect(await svc.pullOne(c.id, '3a6c14a7-4deb-498a-b5ea-16ce2535b576', admin)).toBeUndefined();
    await expect(svc.pullOne(c.id, 'urn:x', admin)).rejects.toMatchObject({ field: 'pfId' });
    await expect(svc.pullOne(c.id, good['id'] as string, member)).rejects.toMatchObject({
      code: 'forbidden',
    });
  });
});

describe('resilience rules', () => {
  it('backs off exponentially with full jitter, capped', () => {
    const r = DEFAULT_RESILIENCE;
    expect(backoff(1, r, () => 0.999)).toBe(499);
    expect(backoff(3, r, () => 0.999)).toBe(1998);
    expect(backoff(10, r, () => 0.999)).toBe(4995);
    expect(backoff(2, r, () => 0)).toBe(0);
  });
  it('reads rel="next" among several links', () => {
    expect(nextLink('<https://a/x?p=1>; rel="prev", <https://a/x?p=3>; rel="next"')).toBe('https://a/x?p=3');
    expect(nextLink('<https://a/x?p=1>; rel="prev"')).toBeUndefined();
    expect(nextLink(null)).toBeUndefined();
  });
});

describe('requests and published events', () => {
  it('sends a RequestCreated event with the product ids', async () => {
    const c = await connect();
    const r = await svc.requestFootprint(c.id, { productIds: ['urn:pact:product:new'] }, admin);
    expect(r.status).toBe('sent');
    expect(host.events).toEqual([
      expect.objectContaining({
        type: 'org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3',
        id: r.id,
        data: { productId: ['urn:pact:product:new'] },
      }),
    ]);
  });
  it('fetches and stores the footprints a published event names', async () => {
    const c = await connect();
    const f = v3Footprint();
    host.footprints.push(f);
    const out = await svc.onPublishedEvent(buyerOrg, {
      type: 'org.wbcsd.pact.ProductFootprint.PublishedEvent.3',
      source: BASE,
      data: { pfIds: [f['id'], '3a6c14a7-4deb-498a-b5ea-16ce2535b576'] },
    });
    expect(out.stored).toEqual([f['id']]);
    expect(out.notFound).toEqual(['3a6c14a7-4deb-498a-b5ea-16ce2535b576']);
    // Stored through one of the organisation's connections to that host (the tests made several).
    const pulled = await svc.listPulled(admin);
    expect(pulled.filter((p) => p.pfId === f['id']).map((p) => p.connectionName)).toHaveLength(1);
    expect(c.orgId).toBe(buyerOrg);
  });
});

describe('product models', () => {
  it('links a pulled footprint, detects a newer version and recalculates', async () => {
    const v1 = v3Footprint({}, { pcfExcludingBiogenicUptake: '2.0', fossilGhgEmissions: '2.0' });
    host.footprints.push(v1);
    const c = await connect();
    await svc.pull(c.id, admin);
    const product = await platform.footprint.products.createProduct(
      {
        org: 'pact-buyer',
        model: {
          name: 'Bracket',
          declaredUnit: { amount: '1', unit: 'item' },
          year: 2024,
          region: 'CN',
          materials: [
            {
              name: 'Steel',
              amount: '10',
              unit: 'kg',
              supplierFootprint: { pcfExcludingBiogenic: '9', declaredUnit: { amount: '1', unit: 'kg' } },
            },
          ],
        },
      },
      admin,
    );
    await svc.link(
      { productId: product.id, materialIndex: 0, connectionId: c.id, pfId: v1['id'] as string },
      admin,
    );
    const linked = await platform.footprint.products.getProduct(product.id, admin);
    expect(linked.model.materials[0]!.supplierFootprint).toMatchObject({
      pcfExcludingBiogenic: '2.0',
      source: { footprintId: v1['id'] },
    });
    expect(await svc.updatesAvailable(admin)).toEqual([]);

    const v2 = v3Footprint(
      { precedingPfIds: [v1['id']], created: '2025-06-01T00:00:00Z' },
      { pcfExcludingBiogenicUptake: '1.5', fossilGhgEmissions: '1.5' },
    );
    host.footprints.push(v2);
    await svc.pull(c.id, admin);
    const updates = await svc.updatesAvailable(member);
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ productId: product.id, materialIndex: 0, newer: { pfId: v2['id'] } });
    expect(await svc.updatesAvailable(outsider)).toEqual([]);

    const applied = await svc.applyUpdate({ productId: product.id, materialIndex: 0 }, admin);
    expect(applied.pfId).toBe(v2['id']);
    expect(Number(applied.total)).toBeCloseTo(15, 6);
    expect(await svc.updatesAvailable(admin)).toEqual([]);
  });
  it('refuses a link to another organisation’s product or connection', async () => {
    const c = await connect();
    await expect(
      svc.link(
        {
          productId: '00000000-0000-4000-8000-000000000000',
          materialIndex: 0,
          connectionId: c.id,
          pfId: '3a6c14a7-4deb-498a-b5ea-16ce2535b576',
        },
        outsider,
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('answers to our requests', () => {
  it('stores the footprints of a RequestFulfilled event for our own request only', async () => {
    const c = await connect();
    const r = await svc.requestFootprint(c.id, { productIds: ['urn:pact:product:hrc'] }, admin);
    const f = v3Footprint();
    const bad = v3Footprint({ status: 'Unknown' });
    const event = {
      type: 'org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3',
      data: { requestEventId: r.id, pfs: [f, bad] },
    };
    expect(await svc.onRequestAnswered(outsider.memberships[0]!.orgId, event)).toMatchObject({
      request: null,
    });
    const out = await svc.onRequestAnswered(buyerOrg, event);
    expect(out.stored).toEqual([f['id']]);
    expect(out.errors).toEqual([expect.stringContaining('data.pfs.1: status')]);
    const [row] = await platform.db.query<{ status: string }>(
      'SELECT status FROM pact_client_request WHERE id = $1',
      [r.id],
    );
    expect(row!.status).toBe('fulfilled');
  });
});

describe('credentials for answering a customer host', () => {
  it("gives the organisation's own connection credentials for an origin, to no one else", async () => {
    await connect();
    expect(await svc.credentialsForOrigin('https://supplier.test', buyerOrg)).toEqual({
      clientId: 'buyer',
      clientSecret: host.secret,
    });
    expect(
      await svc.credentialsForOrigin('https://supplier.test', outsider.memberships[0]!.orgId),
    ).toBeNull();
    expect(await svc.credentialsForOrigin('https://elsewhere.test', buyerOrg)).toBeNull();
  });
});
