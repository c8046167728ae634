import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CLIENT, DEMO_PASSWORD, DEMO_USERS } from '../demo.js';
import { PUBLIC } from '../kernel/access.js';
import { createLogger } from '../kernel/log.js';
import { route, z } from '../kernel/http.js';
import { ledgerLib } from '../modules/ledger/index.js';
import { openTestPlatform } from '../testing/db.js';
import { assertAllRoutesDeclared, buildApp } from './app.js';

const { checkInclusionProof, checkConsistencyProof } = ledgerLib;

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let app: ReturnType<typeof buildApp>;
const base = 'http://greentrade.test';

beforeAll(async () => {
  platform = await openTestPlatform();
  app = buildApp(platform, createLogger('silent'), { webDir: '/nonexistent' });
});
afterAll(async () => platform?.dispose());

const call = (path: string, init: RequestInit = {}) => app.request(base + path, init);

async function login(email: string): Promise<string> {
  const res = await call('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers.get('set-cookie') ?? '';
  expect(cookie).toMatch(/gt_session=[^;]+;.*HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Strict/i);
  return cookie.split(';')[0]!;
}

async function clientToken(): Promise<string> {
  const res = await call('/api/v1/auth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: DEMO_CLIENT.id,
      client_secret: DEMO_CLIENT.secret,
    }).toString(),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number };
  expect(body.token_type).toBe('Bearer');
  expect(body.expires_in).toBeGreaterThan(0);
  return body.access_token;
}

describe('health, documents, access declarations', () => {
  it('answers /healthz with the database kind', async () => {
    const res = await call('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: platform.db.kind });
  });

  it('publishes an OpenAPI 3.1 document in which every operation states its access', async () => {
    const doc = (await (await call('/api/v1/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { 'x-access'?: string }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    const ops = Object.entries(doc.paths).flatMap(([p, methods]) =>
      Object.entries(methods).map(([m, op]) => ({ p, m, op })),
    );
    expect(ops.length).toBeGreaterThan(15);
    expect(ops.filter((o) => !o.op['x-access']).map((o) => `${o.m} ${o.p}`)).toEqual([]);
    expect(doc.paths['/api/v1/classification/codes/{code}']?.['get']?.['x-access']).toBe('authenticated');
    expect(Object.keys(doc.components.securitySchemes)).toEqual(
      expect.arrayContaining(['bearerAuth', 'sessionCookie']),
    );
  });

  it('serves the interactive API reference', async () => {
    const res = await call('/api/v1/docs');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('/api/v1/openapi.json');
  });

  it('refuses to build an app with a route that declares no access', () => {
    const rogue = buildApp(platform, createLogger('silent'), { webDir: '/nonexistent' });
    rogue.get('/api/v1/rogue', (c) => c.text('secret'));
    expect(() => assertAllRoutesDeclared(rogue)).toThrow(/GET \/api\/v1\/rogue/);
  });

  it('route() itself refuses a declaration without access', () => {
    const config = { method: 'get', path: '/api/v1/x', responses: { 200: { description: 'x' } } } as const;
    expect(() => route(config as unknown as typeof config & { access: typeof PUBLIC })).toThrow(
      /declares no access/,
    );
    expect(() => route({ ...config, access: PUBLIC, request: { query: z.object({}) } })).not.toThrow();
  });
});

describe('authentication', () => {
  it('refuses an anonymous call to a protected route', async () => {
    const res = await call('/api/v1/classification/codes/854143');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  });

  it('refuses a wrong password, and a tampered token', async () => {
    const res = await call('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: DEMO_USERS.exporter, password: 'wrong password' }),
    });
    expect(res.status).toBe(401);
    const token = await clientToken();
    const tampered = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const r2 = await call('/api/v1/auth/me', { headers: { authorization: `Bearer ${tampered}` } });
    expect(r2.status).toBe(401);
  });

  it('signs a user in with a session cookie and tells who they are', async () => {
    const cookie = await login(DEMO_USERS.exporter);
    const res = await call('/api/v1/auth/me', { headers: { cookie } });
    const body = (await res.json()) as {
      user: { email: string; memberships: { role: string; orgName: string }[] };
    };
    expect(body.user.email).toBe(DEMO_USERS.exporter);
    expect(body.user.memberships).toEqual([
      expect.objectContaining({ role: 'admin', orgName: expect.stringContaining('Demo Solar Exporter') }),
    ]);
  });

  it('issues OAuth2 client-credentials tokens, by form or by HTTP Basic, with RFC 6749 errors', async () => {
    const token = await clientToken();
    const me = await call('/api/v1/auth/me', { headers: { authorization: `Bearer ${token}` } });
    expect(((await me.json()) as { user: { kind: string } }).user.kind).toBe('client');
    const basic = Buffer.from(`${DEMO_CLIENT.id}:${DEMO_CLIENT.secret}`).toString('base64');
    const viaBasic = await call('/api/v1/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
      body: 'grant_type=client_credentials',
    });
    expect(viaBasic.status).toBe(200);
    const wrong = await call('/api/v1/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${DEMO_CLIENT.id}&client_secret=nope`,
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });
    const grant = await call('/api/v1/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password',
    });
    expect(grant.status).toBe(400);
    expect(await grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('refuses a cookie-authenticated write from another origin', async () => {
    const cookie = await login(DEMO_USERS.regulator);
    const res = await call('/api/v1/classification/classify', {
      method: 'POST',
      headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ codes: ['854143'] }),
    });
    expect(res.status).toBe(403);
  });
});

describe('logs', () => {
  it('write one JSON line per request with a request id, and never a password, secret, token or cookie', async () => {
    const lines: string[] = [];
    const logged = buildApp(platform, createLogger('info', { write: (l: string) => void lines.push(l) }), {
      webDir: '/nonexistent',
    });
    const login = await logged.request(base + '/api/v1/auth/login?password=' + DEMO_PASSWORD, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: DEMO_USERS.exporter, password: DEMO_PASSWORD }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const token = await logged.request(base + '/api/v1/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${DEMO_CLIENT.id}&client_secret=${DEMO_CLIENT.secret}`,
    });
    const { access_token } = (await token.json()) as { access_token: string };
    await logged.request(base + '/api/v1/auth/me', { headers: { cookie } });
    await logged.request(base + '/api/v1/auth/me', { headers: { authorization: `Bearer ${access_token}` } });
    expect(lines).toHaveLength(4);
    const records = lines.map((l) => JSON.parse(l) as { reqId: string; path: string; status: number });
    expect(records.map((r) => [r.path, r.status])).toEqual([
      ['/api/v1/auth/login', 200],
      ['/api/v1/auth/token', 200],
      ['/api/v1/auth/me', 200],
      ['/api/v1/auth/me', 200],
    ]);
    expect(new Set(records.map((r) => r.reqId)).size).toBe(4);
    const all = lines.join('\n');
    for (const secret of [DEMO_PASSWORD, DEMO_CLIENT.secret, access_token, cookie.split('=')[1]!])
      expect(all).not.toContain(secret);
  });
});

describe('classification over HTTP', () => {
  let auth: Record<string, string>;
  beforeAll(async () => {
    auth = { authorization: `Bearer ${await clientToken()}` };
  });

  it('returns a code with its APEC, CBAM and new-three memberships', async () => {
    const res = await call('/api/v1/classification/codes/854143', { headers: auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      description: string;
      memberships: { list: { slug: string }; status: string }[];
    };
    expect(body.description.toLowerCase()).toContain('photovoltaic');
    expect(Object.fromEntries(body.memberships.map((m) => [m.list.slug, m.status]))).toEqual({
      'apec-egs': 'partial',
      'cbam-annex-i': 'none',
      'new-three': 'full',
    });
  });

  it('400 names a malformed code; 404 lists the nearest existing codes', async () => {
    const bad = await call('/api/v1/classification/codes/85X143', { headers: auth });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { field: 'code', message: expect.stringContaining('85X143') },
    });
    const unknown = await call('/api/v1/classification/codes/854150', { headers: auth });
    expect(unknown.status).toBe(404);
    const body = (await unknown.json()) as { error: { nearest: { code: string }[] } };
    expect(body.error.nearest.map((n) => n.code)).toContain('854149');
  });

  it('classifies a batch, and names the bad codes of a bad batch by position', async () => {
    const ok = await call('/api/v1/classification/classify', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ codes: ['854143', '7208.51', '220421'], lists: ['cbam-annex-i', 'new-three'] }),
    });
    expect(ok.status).toBe(200);
    const r = (await ok.json()) as {
      results: { code: string; memberships: { list: string; status: string }[] }[];
    };
    expect(r.results.map((x) => [x.code, ...x.memberships.map((m) => m.status)])).toEqual([
      ['854143', 'none', 'full'],
      ['720851', 'full', 'none'],
      ['220421', 'none', 'none'],
    ]);
    const bad = await call('/api/v1/classification/classify', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ codes: ['854143', 'abc', '12345'] }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: {
        field: 'codes.1',
        invalid: [
          { index: 1, value: 'abc' },
          { index: 2, value: '12345' },
        ],
      },
    });
  });

  it('accepts 10,000 codes and refuses 10,001', async () => {
    const codes = Array.from({ length: 10_000 }, (_, i) => ['854143', '720851', '010121'][i % 3]!);
    const ok = await call('/api/v1/classification/classify', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ codes }),
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { results: unknown[] }).results).toHaveLength(10_000);
    const tooMany = await call('/api/v1/classification/classify', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ codes: [...codes, '854143'] }),
    });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ error: { field: 'codes' } });
  });

  it('refuses a body over the limit with 413 and malformed JSON with 400', async () => {
    const big = await call('/api/v1/classification/classify', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ codes: ['1'.repeat(3 << 20)] }),
    });
    expect(big.status).toBe(413);
    const broken = await call('/api/v1/classification/classify', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"codes": [',
    });
    expect(broken.status).toBe(400);
  });

  it('lets only maintainers approve: a member gets 403', async () => {
    const member = await login(DEMO_USERS.analyst);
    const proposal = await call('/api/v1/classification/lists/new-three/proposals', {
      method: 'POST',
      headers: { cookie: member, 'content-type': 'application/json' },
      body: JSON.stringify({
        title: 'Add wind turbines',
        reason: 'They are green exports too',
        effectiveFrom: '2030-01-01',
        changes: [{ action: 'add', code: '850231', reason: 'wind-powered generating sets' }],
      }),
    });
    expect(proposal.status).toBe(201);
    const { proposal: p } = (await proposal.json()) as { proposal: { id: string } };
    const denied = await call(`/api/v1/classification/proposals/${p.id}/approve`, {
      method: 'POST',
      headers: { cookie: member, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(denied.status).toBe(403);
    const regulator = await login(DEMO_USERS.regulator);
    const approved = await call(`/api/v1/classification/proposals/${p.id}/approve`, {
      method: 'POST',
      headers: { cookie: regulator, 'content-type': 'application/json' },
      body: JSON.stringify({ comment: 'agreed' }),
    });
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ version: { number: 2, effectiveFrom: '2030-01-01' } });
    const diff = await call('/api/v1/classification/lists/new-three/diff?from=1&to=2', {
      headers: { cookie: member },
    });
    expect(await diff.json()).toMatchObject({ added: [{ code: '850231' }], removed: [] });
  });

  it('an unknown API route is a JSON 404', async () => {
    const res = await call('/api/v1/nothing-here', { headers: auth });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('ledger over HTTP', () => {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    call(path, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('publishes entries, proofs and checkpoints to anyone, and the proof checks with the library', async () => {
    const key = (await (await call('/api/v1/ledger/public-key')).json()) as { publicKey: string };
    const entry = await call('/api/v1/ledger/entries/1');
    expect(entry.status).toBe(200);
    expect(await entry.json()).toMatchObject({ index: 1, type: 'demo.shipment', public: true });
    const proof = await (await call('/api/v1/ledger/entries/1/proof')).json();
    expect(checkInclusionProof(proof, { trustedKeys: [key.publicKey] })).toEqual({ ok: true });
    const latest = (await (await call('/api/v1/ledger/checkpoints/latest')).json()) as { treeSize: number };
    expect(latest.treeSize).toBeGreaterThanOrEqual(3);
    const consistency = await (await call(`/api/v1/ledger/consistency?from=1&to=${latest.treeSize}`)).json();
    expect(checkConsistencyProof(consistency)).toEqual({ ok: true });
    expect((await call('/api/v1/ledger/consistency?from=5&to=2')).status).toBe(400);
    expect((await call('/api/v1/ledger/entries/abc')).status).toBe(400);
    expect((await call('/api/v1/ledger/entries/99999')).status).toBe(404);
  });

  it('keeps a private entry to its organisation, and checkpoints to those who may sign them', async () => {
    const exporterOrg = (
      await platform.db.query<{ id: string }>("SELECT id FROM organisation WHERE slug = 'demo'")
    )[0]!.id;
    const { index } = await platform.db.transaction((tx) =>
      platform.ledger.append(tx, { type: 'test.private', subject: 'p-1', body: {}, orgId: exporterOrg }),
    );
    const exporter = { cookie: await login(DEMO_USERS.exporter) };
    const regulator = { cookie: await login(DEMO_USERS.regulator) };
    expect((await call(`/api/v1/ledger/entries/${index}`, { headers: exporter })).status).toBe(200);
    expect((await call(`/api/v1/ledger/entries/${index}`)).status).toBe(404);
    expect((await call(`/api/v1/ledger/entries/${index}/proof`, { headers: regulator })).status).toBe(404);
    expect((await call('/api/v1/ledger/checkpoints', { method: 'POST' })).status).toBe(401);
    const analyst = { cookie: await login(DEMO_USERS.analyst) };
    expect((await call('/api/v1/ledger/checkpoints', { method: 'POST', headers: analyst })).status).toBe(403);
    const made = await call('/api/v1/ledger/checkpoints', { method: 'POST', headers: regulator });
    expect(made.status).toBe(201);
    expect(((await made.json()) as { treeSize: number }).treeSize).toBe(index + 1);
  });

  it('notarises a document hash for a signed-in user, and tells anyone when it was anchored', async () => {
    const sha256 = createHash('sha256').update('an invoice').digest('hex');
    expect((await post('/api/v1/ledger/notarizations', { sha256 })).status).toBe(401);
    const exporter = { cookie: await login(DEMO_USERS.exporter), origin: base };
    const res = await post('/api/v1/ledger/notarizations', { sha256 }, exporter);
    expect(res.status).toBe(201);
    const { index } = (await res.json()) as { index: number };
    const found = (await (await call(`/api/v1/ledger/notarizations/${sha256}`)).json()) as {
      anchors: { index: number }[];
    };
    expect(found.anchors.map((a) => a.index)).toEqual([index]);
    const bad = await post('/api/v1/ledger/notarizations', { sha256: 'xyz' }, exporter);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('sha256');
  });
});
