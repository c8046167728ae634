import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../../kernel/access.js';
import { Hono } from 'hono';
import type { AppEnv } from '../../kernel/http.js';
import { openTestPlatform } from '../../testing/db.js';
import { identityAdmin } from '../identity/index.js';
import { pactRoutes } from './routes.js';
import { PactHostService, type OutboundEvent } from './service.js';

/**
 * The PACT host over HTTP (the /pact sub-app of the real server app) and its service: tokens,
 * agreements, pagination, filters, errors per version, events, versions and deprecation.
 */
let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let app: Hono<AppEnv>;
const base = 'http://pact.test';
const call = (path: string, init: RequestInit = {}) => app.request(base + path, init);
const basic = (id: string, secret: string) => 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');
const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
const CE = { 'Content-Type': 'application/cloudevents+json; charset=UTF-8' };

async function tokenFor(id: string, secret: string): Promise<string> {
  const res = await call('/pact/auth/token', {
    method: 'POST',
    headers: { ...form, Authorization: basic(id, secret) },
    body: 'grant_type=client_credentials',
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}
const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON documents off the wire, read by path
type Doc = Record<string, any>;
const ids = (docs: Doc[]) => docs.map((d) => d['id'] as string);

let full: { token: string; recipient: string };
let demoOrg: string;
let demoPubs: string[];
let admin: Principal;

beforeAll(async () => {
  platform = await openTestPlatform();
  // The /pact sub-app as the server mounts it (src/server/app.ts).
  app = new Hono<AppEnv>().route('/pact', pactRoutes(platform.exchange.host, platform.identity));
  demoOrg = await identityAdmin.orgIdBySlug(platform.db, 'demo');
  demoPubs = (await platform.exchange.host.publications('system', 'demo')).map((p) => p.id);
  const made = await platform.exchange.host.createRecipientClient({ org: 'demo', recipient: 'buyer-all' });
  full = { token: await tokenFor(made.client_id, made.client_secret), recipient: made.recipient.id };
  admin = {
    kind: 'user',
    id: 'u-admin',
    name: 'Demo admin',
    memberships: [{ orgId: demoOrg, role: 'admin' }],
  };
});
afterAll(async () => platform?.dispose());

describe('Authenticate (token endpoint) and discovery', () => {
  it('answers client credentials with a bearer token; wrong ones with 401 invalid_client', async () => {
    const made = await platform.exchange.host.createRecipientClient({ org: 'demo' });
    const ok = await call('/pact/auth/token', {
      method: 'POST',
      headers: { ...form, Authorization: basic(made.client_id, made.client_secret) },
      body: 'grant_type=client_credentials',
    });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as Record<string, unknown>;
    expect(body['token_type']).toBe('Bearer');
    expect(body['expires_in']).toBeGreaterThan(3500);
    const bad = await call('/pact/auth/token', {
      method: 'POST',
      headers: { ...form, Authorization: basic(made.client_id, 'wrong') },
      body: 'grant_type=client_credentials',
    });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: 'invalid_client' });
    const grant = await call('/pact/auth/token', {
      method: 'POST',
      headers: { ...form, Authorization: basic(made.client_id, made.client_secret) },
      body: 'grant_type=password',
    });
    expect(grant.status).toBe(400);
    expect(await grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('serves OpenID discovery with absolute endpoints on the caller’s host, and the JWKS', async () => {
    const d = (await (await call('/pact/.well-known/openid-configuration')).json()) as Record<string, string>;
    expect(d['token_endpoint']).toBe('http://pact.test/pact/auth/token');
    expect(d['jwks_uri']).toBe('http://pact.test/pact/jwks.json');
    const jwks = (await (await call('/pact/jwks.json')).json()) as { keys: { kty: string; crv: string }[] };
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
  });

  it('tells an expired token (401 TokenExpired) from an unknown one (v3 401 / v2 400 BadRequest)', async () => {
    const made = await platform.exchange.host.createRecipientClient({ org: 'demo' });
    // A token issued two hours ago: its one-hour lifetime is over.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 2 * 3600_000 });
    const old = await platform.identity.clientToken(made.client_id, made.client_secret);
    vi.useRealTimers();
    for (const v of ['2', '3']) {
      const r = await call(`/pact/${v}/footprints`, { headers: bearer(old!) });
      expect(r.status).toBe(401);
      expect(await r.json()).toMatchObject({ code: 'TokenExpired' });
    }
    const v3 = await call('/pact/3/footprints', { headers: bearer('not-a-token') });
    expect([v3.status, ((await v3.json()) as Doc)['code']]).toEqual([401, 'BadRequest']);
    const v2 = await call('/pact/2/footprints', { headers: bearer('not-a-token') });
    expect([v2.status, ((await v2.json()) as Doc)['code']]).toEqual([400, 'BadRequest']);
    expect(v2.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('refuses a user session token: PACT is for API clients', async () => {
    const login = await platform.identity.login('exporter@demo.greentrade.local', 'greentrade-demo');
    const r = await call('/pact/3/footprints', { headers: bearer(login.token) });
    expect(r.status).toBe(403);
    expect(await r.json()).toMatchObject({ code: 'AccessDenied' });
  });
});

describe('ListFootprints and GetFootprint', () => {
  it('pages with an absolute Link rel="next" until the end: every footprint once', async () => {
    const seen: string[] = [];
    let url: string | null = '/pact/3/footprints?limit=1';
    let pages = 0;
    while (url) {
      const r: Response = await call(url.replace(base, ''), { headers: bearer(full.token) });
      expect(r.status).toBe(200);
      const docs = ((await r.json()) as { data: Doc[] }).data;
      expect(docs.length).toBeLessThanOrEqual(1);
      seen.push(...ids(docs));
      const link = r.headers.get('link');
      if (link)
        expect(link).toMatch(/^<http:\/\/pact\.test\/pact\/3\/footprints\?limit=1&offset=\d+>; rel="next"$/);
      url = link ? /^<([^>]+)>/.exec(link)![1]! : null;
      pages++;
    }
    expect(pages).toBe(demoPubs.length);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...demoPubs].sort());
  });

  it('filters: each list is OR, the lists are AND, case-insensitive ids; bad dates are 400', async () => {
    const all = (
      (await (await call('/pact/3/footprints', { headers: bearer(full.token) })).json()) as { data: Doc[] }
    ).data;
    const first = all[0]!;
    const q = async (qs: string) => {
      const r = await call(`/pact/3/footprints?${qs}`, { headers: bearer(full.token) });
      expect(r.status).toBe(200);
      return ids(((await r.json()) as { data: Doc[] }).data);
    };
    expect(await q(`productId=${first['productIds'][0].toUpperCase()}`)).toEqual([first['id']]);
    expect(await q(`productId=urn:x:nothing&productId=${first['productIds'][0]}`)).toEqual([first['id']]);
    expect(await q(`productId=${first['productIds'][0]}&geography=XX`)).toEqual([]);
    expect((await q(`companyId=${first['companyIds'][0]}`)).length).toBe(all.length);
    expect((await q('geography=CN&status=active')).length).toBe(all.length);
    expect(await q('status=Bogus')).toEqual([]);
    expect(await q(`classification=${first['productClassifications'][0]}`)).toEqual([first['id']]);
    expect(await q(`validOn=${first['validityPeriodStart']}`)).toContain(first['id']);
    expect(await q('validOn=1900-01-01T00:00:00Z')).toEqual([]);
    expect(await q('validAfter=2099-01-01T00:00:00Z')).toEqual([]);
    expect(await q('validBefore=1900-01-01T00:00:00Z')).toEqual([]);
    const bad = await call('/pact/3/footprints?validOn=yesterday', { headers: bearer(full.token) });
    expect([bad.status, ((await bad.json()) as Doc)['code']]).toEqual([400, 'BadRequest']);
    const limit = await call('/pact/3/footprints?limit=0', { headers: bearer(full.token) });
    expect(limit.status).toBe(400);
  });

  it('GetFootprint: 200 with the document; unknown 404 NotFound (v3) / NoSuchFootprint (v2)', async () => {
    const id = demoPubs[0]!;
    const r = await call(`/pact/3/footprints/${id}`, { headers: bearer(full.token) });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { data: Doc }).data['id']).toBe(id);
    const v3 = await call('/pact/3/footprints/00000000-0000-0000-0000-000000000000', {
      headers: bearer(full.token),
    });
    expect([v3.status, ((await v3.json()) as Doc)['code']]).toEqual([404, 'NotFound']);
    const v2 = await call('/pact/2/footprints/00000000-0000-0000-0000-000000000000', {
      headers: bearer(full.token),
    });
    expect([v2.status, ((await v2.json()) as Doc)['code']]).toEqual([404, 'NoSuchFootprint']);
  });

  it('agreements decide: none sees nothing, selected sees only those (403 for the others)', async () => {
    await identityAdmin.ensureOrg(platform.db, 'buyer-none', 'Buyer without agreement');
    const noneSecret = await identityAdmin.createClient(platform.db, {
      clientId: 'buyer-none-client',
      name: 'x',
      orgId: await identityAdmin.orgIdBySlug(platform.db, 'buyer-none'),
      roles: ['member'],
    });
    const none = await tokenFor('buyer-none-client', noneSecret);
    const r = await call('/pact/3/footprints', { headers: bearer(none) });
    expect(await r.json()).toEqual({ data: [] });
    const g = await call(`/pact/3/footprints/${demoPubs[0]}`, { headers: bearer(none) });
    expect([g.status, ((await g.json()) as Doc)['code']]).toEqual([403, 'AccessDenied']);

    const sel = await identityAdmin.ensureOrg(platform.db, 'buyer-selected', 'Buyer with one footprint');
    const selSecret = await identityAdmin.createClient(platform.db, {
      clientId: 'buyer-sel-client',
      name: 'x',
      orgId: sel,
      roles: ['member'],
    });
    await platform.exchange.host.share(
      { org: 'demo', recipient: 'buyer-selected', scope: 'selected', publications: [demoPubs[1]!] },
      admin,
    );
    const t = await tokenFor('buyer-sel-client', selSecret);
    const list = (
      (await (await call('/pact/3/footprints', { headers: bearer(t) })).json()) as { data: Doc[] }
    ).data;
    expect(ids(list)).toEqual([demoPubs[1]]);
    expect((await call(`/pact/3/footprints/${demoPubs[0]}`, { headers: bearer(t) })).status).toBe(403);
    // Ending the agreement ends the access.
    const a = (await platform.exchange.host.agreements(admin, 'demo')).find(
      (x) => x.recipient.slug === 'buyer-selected',
    )!;
    await platform.exchange.host.endAgreement(a.id, admin);
    expect(await (await call('/pact/3/footprints', { headers: bearer(t) })).json()).toEqual({ data: [] });
  });

  it('logs who pulled what, for the owner', async () => {
    await call(`/pact/3/footprints/${demoPubs[0]}`, { headers: bearer(full.token) });
    const log = await platform.exchange.host.accessLog(admin, 'demo', 10);
    expect(log[0]).toMatchObject({
      publicationId: demoPubs[0],
      action: 'get',
      spec: '3',
      recipient: { slug: 'buyer-all' },
    });
  });

  it('v2 $filter: the spec subset works; anything else is 400 NotImplemented', async () => {
    const f = (expr: string) =>
      call(`/pact/2/footprints?$filter=${encodeURIComponent(expr)}`, { headers: bearer(full.token) });
    const ok = await f("created ge '2000-01-01T00:00:00Z' and pcf/geographyCountry eq 'CN'");
    expect(((await ok.json()) as { data: Doc[] }).data.length).toBe(demoPubs.length);
    const none = await f("productIds/any(p:(p eq 'urn:none'))");
    expect(await none.json()).toEqual({ data: [] });
    const no = await f("created ge '2000-01-01T00:00:00Z' or status eq 'Active'");
    expect([no.status, ((await no.json()) as Doc)['code']]).toEqual([400, 'NotImplemented']);
  });
});

describe('publishing: versions, preceding chain, deprecation', () => {
  it('a second publication of a product gets a new id, precedes with the old, deprecates it', async () => {
    const before = await platform.exchange.host.publications(admin, 'demo');
    const old = before.find((p) => p.status === 'Active')!;
    const fresh = await platform.footprint.products.recordFootprint(old.productId, 'system');
    const next = await platform.exchange.host.publish(fresh.id, { productMassPerDeclaredUnit: '28' }, admin);
    expect(next.precedingPfIds).toEqual([old.id]);
    // The PublishedEvent owed to recipients is recorded (direction out).
    const events = await platform.db.query<{ type: string }>(
      `SELECT type FROM pact_event WHERE direction = 'out' AND event::jsonb -> 'data' -> 'pfIds' ->> 0 = $1`,
      [next.id],
    );
    expect(events.map((e) => e.type)).toEqual(['org.wbcsd.pact.ProductFootprint.PublishedEvent.3']);
    const oldNow = await platform.exchange.host.publication(old.id, admin);
    expect(oldNow.status).toBe('Deprecated');
    expect(oldNow.statusComment).toBe(`Superseded by ${next.id}`);
    // v2 counts the change: version 2, `updated` set; v3 shows the status.
    const v2 = (
      (await (await call(`/pact/2/footprints/${old.id}`, { headers: bearer(full.token) })).json()) as {
        data: Doc;
      }
    ).data;
    expect(v2).toMatchObject({ version: 2, status: 'Deprecated', statusComment: `Superseded by ${next.id}` });
    expect(typeof v2['updated']).toBe('string');
    const v3 = (
      (await (await call(`/pact/3/footprints/${next.id}`, { headers: bearer(full.token) })).json()) as {
        data: Doc;
      }
    ).data;
    expect(v3['precedingPfIds']).toEqual([old.id]);
    const active = (
      (await (
        await call(`/pact/3/footprints?status=Active&productId=urn:uuid:${old.productId}`, {
          headers: bearer(full.token),
        })
      ).json()) as { data: Doc[] }
    ).data;
    expect(ids(active)).toEqual([next.id]);
    // Deprecating by hand; twice is a conflict.
    const dep = await platform.exchange.host.deprecate(next.id, 'recalculated with new grid factors', admin);
    expect(dep.status).toBe('Deprecated');
    await expect(platform.exchange.host.deprecate(next.id, undefined, admin)).rejects.toThrow(
      /already deprecated/,
    );
  });

  it('publishing a published footprint again shares it (to) or is a conflict; no second version', async () => {
    const p = (await platform.exchange.host.publications(admin, 'demo')).find((x) => x.status === 'Active')!;
    await expect(platform.exchange.host.publish(p.footprintId, {}, admin)).rejects.toMatchObject({
      code: 'conflict',
      field: 'footprintId',
    });
    await identityAdmin.ensureOrg(platform.db, 'buyer-late', 'Buyer who comes later');
    const shared = await platform.exchange.host.publish(p.footprintId, { to: ['buyer-late'] }, admin);
    expect(shared.id).toBe(p.id);
    expect(shared.sharedWith.map((x) => x.org)).toContain('buyer-late');
  });

  it('only an admin of the owner publishes; others get 404/403, naming the field', async () => {
    const fp = (await platform.exchange.host.publications(admin, 'demo'))[0]!.footprintId;
    const member: Principal = {
      kind: 'user',
      id: 'u-m',
      name: 'M',
      memberships: [{ orgId: demoOrg, role: 'member' }],
    };
    await expect(platform.exchange.host.publish(fp, {}, member)).rejects.toMatchObject({
      code: 'forbidden',
      field: 'org',
    });
    const stranger: Principal = {
      kind: 'user',
      id: 'u-s',
      name: 'S',
      memberships: [{ orgId: full.recipient, role: 'admin' }],
    };
    await expect(platform.exchange.host.publish(fp, {}, stranger)).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(
      platform.exchange.host.publish(fp, { productMassPerDeclaredUnit: 'heavy' }, admin),
    ).rejects.toMatchObject({
      field: 'productMassPerDeclaredUnit',
    });
  });
});

describe('Events', () => {
  const event = (type: string, data: unknown, id = crypto.randomUUID()) =>
    JSON.stringify({
      specversion: '1.0',
      id,
      source: 'https://buyer.example/pact',
      time: '2026-11-25T10:00:00Z',
      type,
      data,
    });

  it('accepts valid events (200, empty body); malformed ones are 400 BadRequest', async () => {
    const post = (v: string, body: string, headers: Record<string, string> = CE) =>
      call(`/pact/${v}/events`, { method: 'POST', headers: { ...headers, ...bearer(full.token) }, body });
    const ok = await post(
      '3',
      event('org.wbcsd.pact.ProductFootprint.PublishedEvent.3', { pfIds: [crypto.randomUUID()] }),
    );
    expect([ok.status, await ok.text()]).toEqual([200, '']);
    const urn = await post(
      '3',
      event('org.wbcsd.pact.ProductFootprint.PublishedEvent.3', { pfIds: ['urn:gtin:4712345060507'] }),
    );
    expect([urn.status, ((await urn.json()) as Doc)['code']]).toEqual([400, 'BadRequest']);
    const notJson = await post('3', '{"specversion":');
    expect(notJson.status).toBe(400);
    const noTime = await post(
      '3',
      JSON.stringify({
        specversion: '1.0',
        id: 'x',
        source: 's',
        type: 'org.wbcsd.pact.ProductFootprint.PublishedEvent.3',
        data: {},
      }),
    );
    expect(((await noTime.json()) as Doc)['message']).toMatch(/^time:/);
    const wrongType = await post('2', event('org.example.Other', {}));
    expect([wrongType.status, ((await wrongType.json()) as Doc)['code']]).toEqual([400, 'NotImplemented']);
    const text = await post('3', event('org.wbcsd.pact.ProductFootprint.PublishedEvent.3', { pfIds: [] }), {
      'Content-Type': 'text/plain',
    });
    expect(text.status).toBe(400);
  });

  it('a RequestCreated is answered: shared matches fulfil, nothing matching rejects', async () => {
    const sent: OutboundEvent[] = [];
    const host = new PactHostService(
      platform.db,
      { identity: platform.identity, products: platform.footprint.products },
      {},
      {
        deliver: async (out) => {
          sent.push(out);
          return { ok: true, status: 200, url: out.url, error: null };
        },
      },
    );
    const caller = { clientId: 'c', orgId: full.recipient };
    const active = (await platform.exchange.host.publications(admin, 'demo')).find(
      (p) => p.status === 'Active',
    )!;
    const doc = (await platform.exchange.host.publication(active.id, admin)).document;
    const ev = (id: string, productId: string[]) => ({
      specversion: '1.0' as const,
      id,
      source: 'https://buyer.example/pact/',
      time: '2026-11-25T10:00:00Z',
      type: 'org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3',
      data: { productId },
    });
    await host.receiveEvent(
      caller,
      '3',
      'created',
      ev('req-1', doc.productIds),
      { productId: doc.productIds },
      null,
    );
    await host.receiveEvent(
      caller,
      '3',
      'created',
      ev('req-2', ['urn:pact:null']),
      { productId: ['urn:pact:null'] },
      null,
    );
    await host.settle();
    const fulfilled = sent.find((s) => s.event.type.endsWith('RequestFulfilledEvent.3'))!;
    expect(fulfilled.url).toBe('https://buyer.example/pact/3/events');
    expect(fulfilled.event.data).toMatchObject({ requestEventId: 'req-1' });
    expect((fulfilled.event.data['pfs'] as Doc[])[0]!['productIds']).toEqual(doc.productIds);
    const rejected = sent.find((s) => s.event.type.endsWith('RequestRejectedEvent.3'))!;
    expect(rejected.event.data).toEqual({
      requestEventId: 'req-2',
      error: { code: 'NotFound', message: 'No footprint matches the request criteria' },
    });
    const reqs = await host.requests(admin, 'demo');
    expect(
      reqs
        .filter((r) => ['req-1', 'req-2'].includes(r.requestEventId))
        .map((r) => r.status)
        .sort(),
    ).toEqual(['Fulfilled', 'Rejected']);
    // The same event again is accepted and not recorded twice.
    const again = await host.receiveEvent(
      caller,
      '3',
      'created',
      ev('req-1', doc.productIds),
      { productId: doc.productIds },
      null,
    );
    expect(again).toEqual({ duplicate: true, requests: [] });
  });
});
