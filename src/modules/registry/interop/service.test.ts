/**
 * Two registries in one process: GTR and SGR, each a platform on a database of its own, each
 * with its HTTP app. GTR's calls to SGR go through SGR's real handler (`app.fetch`), so the token
 * endpoint, the bearer check, the routes and the signatures are the real ones; only the network
 * is replaced, and can be "down".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../db/index.js';
import { createLogger } from '../../../kernel/log.js';
import { identityAdmin } from '../../identity/index.js';
import { buildApp } from '../../../server/app.js';
import { openTestDb, testLedger } from '../../../testing/db.js';
import { wire, type Platform } from '../../../platform.js';
import { signMessage, loadRegistrySigner } from './crypto.js';
import type { ExportView } from './model.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the wire, checked by the assertions
type J = any;

interface Side {
  code: string;
  base: string;
  p: Platform;
  app: ReturnType<typeof buildApp>;
  dispose(): Promise<void>;
  /** Operator and exporter session cookies. */
  operator: string;
  exporter: string;
}

let gtr: Side;
let sgr: Side;
/** When false, every request to SGR fails as a refused connection would. */
let sgrUp = true;
/** The credentials SGR made for GTR. */
let inbound: { clientId: string; clientSecret: string };

async function open(code: string): Promise<Side> {
  const t = await openTestDb();
  const base = `http://${code.toLowerCase()}.test`;
  // No demo data (fast): an operator organisation and an exporter with a holding account are enough.
  const p = await wire(t.db, false, createLogger('silent'), testLedger(), {
    registryCode: code,
    publicUrl: base,
  });
  await p.db.transaction(async (tx) => {
    const operatorOrg = await identityAdmin.ensureOrg(tx, 'demo-registry', 'Registry operator');
    const exporterOrg = await identityAdmin.ensureOrg(tx, 'demo', '示范出口商 Demo exporter');
    // On PostgreSQL the test database is a copy of a template that may hold the demo users already.
    if (!(await identityAdmin.userExists(tx, 'operator@demo.greentrade.local')))
      await identityAdmin.createUser(tx, {
        email: 'operator@demo.greentrade.local',
        name: 'Operator',
        password: 'greentrade-demo',
        orgId: operatorOrg,
        roles: ['registry_operator'],
      });
    if (!(await identityAdmin.userExists(tx, 'exporter@demo.greentrade.local')))
      await identityAdmin.createUser(tx, {
        email: 'exporter@demo.greentrade.local',
        name: 'Exporter',
        password: 'greentrade-demo',
        orgId: exporterOrg,
        roles: ['admin'],
      });
    await p.registry.units.ensureAccount(tx, {
      orgId: exporterOrg,
      kind: 'holding',
      name: 'Exporter holding',
    });
  });
  const app = buildApp(p, createLogger(process.env['INTEROP_TEST_LOG'] ?? 'silent'));
  const login = async (email: string) => {
    const res = await app.request('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'greentrade-demo' }),
    });
    expect(res.status).toBe(200);
    return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  };
  return {
    code,
    base,
    p,
    app,
    dispose: t.dispose,
    operator: await login('operator@demo.greentrade.local'),
    exporter: await login('exporter@demo.greentrade.local'),
  };
}

async function api(side: Side, cookie: string, method: string, path: string, body?: unknown, headers = {}) {
  const res = await side.app.request(`/api/v1/registry/interop${path}`, {
    method,
    headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as J };
}

const holding = async (db: Db, slug: string) =>
  (
    await db.query<{ id: string; number: string }>(
      `SELECT a.id, a.number FROM registry_account a JOIN organisation o ON o.id = a.org_id
        WHERE o.slug = $1 AND a.kind = 'holding' AND NOT a.national ORDER BY a.number LIMIT 1`,
      [slug],
    )
  )[0]!;

/** Units per state in one registry, counted from the blocks (not through the code under test). */
async function unitsByState(db: Db): Promise<Record<string, bigint>> {
  const rows = await db.query<{ state: string; n: string }>(
    `SELECT state, sum(serial_end - serial_start + 1)::text AS n FROM registry_block GROUP BY state`,
  );
  return Object.fromEntries(rows.map((r) => [r.state, BigInt(r.n)]));
}

/** Units of one project code (or its mirror) in a state. */
async function unitsOf(db: Db, projectCode: string, state: string): Promise<bigint> {
  const r = await db.query<{ n: string | null }>(
    `SELECT sum(b.serial_end - b.serial_start + 1)::text AS n
       FROM registry_block b JOIN registry_issuance i ON i.id = b.issuance_id
       JOIN registry_project p ON p.id = i.project_id
      WHERE p.code = $1 AND b.state = $2`,
    [projectCode, state],
  );
  return BigInt(r[0]?.n ?? '0');
}

/** A registered project of GTR with 1,000 units of vintage 2024 in the exporter's holding account. */
async function issueAtGtr(
  code: string,
  labels: string[] = ['CCB'],
): Promise<{ start: bigint; issuanceId: string }> {
  const exporter = await holding(gtr.p.db, 'demo');
  const org = (await gtr.p.db.query<{ id: string }>(`SELECT id FROM organisation WHERE slug = 'demo'`))[0]!
    .id;
  return gtr.p.db.transaction(async (tx) => {
    const project = (
      await tx.query<{ id: string }>(
        `INSERT INTO registry_project (code, org_id, name, methodology, host_country, sector, status, labels, created_by)
         VALUES ($1, $2, '内蒙古风电 Inner Mongolia wind', 'ACM0002', 'CN', 'energy', 'registered', $3, 'test')
         RETURNING id`,
        [code, org, labels],
      )
    )[0]!.id;
    const issued = await gtr.p.registry.units.issue(tx, {
      projectId: project,
      vintage: 2024,
      unitType: 'VER',
      quantity: 1000n,
      toAccountId: exporter.id,
      actor: 'test',
      orgId: org,
    });
    return { start: issued.range.start, issuanceId: issued.issuanceId };
  });
}

beforeAll(async () => {
  [gtr, sgr] = await Promise.all([open('GTR'), open('SGR')]);
  const route = (url: string, init: RequestInit): Promise<Response> => {
    const u = new URL(url);
    if (u.origin === sgr.base) {
      if (!sgrUp) return Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }));
      return Promise.resolve(sgr.app.fetch(new Request(url, init)));
    }
    if (u.origin === gtr.base) return Promise.resolve(gtr.app.fetch(new Request(url, init)));
    return Promise.reject(new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } }));
  };
  gtr.p.registry.interop.transport = route;
  sgr.p.registry.interop.transport = route;

  // SGR registers GTR first: it answers the credentials GTR will call it with.
  const gtrKey = (await api(gtr, '', 'GET', '/public-key')).body.publicKey as string;
  const sgrKey = (await api(sgr, '', 'GET', '/public-key')).body.publicKey as string;
  const atSgr = await api(sgr, sgr.operator, 'POST', '/peers', {
    code: 'GTR',
    name: 'GreenTrade China',
    baseUrl: gtr.base,
    publicKey: gtrKey,
  });
  expect(atSgr.status).toBe(201);
  inbound = atSgr.body.inbound;
  const atGtr = await api(gtr, gtr.operator, 'POST', '/peers', {
    code: 'SGR',
    name: 'GreenTrade Singapore',
    baseUrl: sgr.base,
    publicKey: sgrKey,
    clientId: atSgr.body.inbound.clientId,
    clientSecret: atSgr.body.inbound.clientSecret,
  });
  expect(atGtr.status).toBe(201);
}, 120_000);

afterAll(async () => {
  await Promise.all([gtr?.dispose(), sgr?.dispose()]);
});

describe('peers', () => {
  it('keeps the secret encrypted, never answers it, and lets only the operator register', async () => {
    const list = await api(gtr, gtr.operator, 'GET', '/peers');
    expect(list.status).toBe(200);
    const sgrPeer = list.body.peers.find((p: J) => p.code === 'SGR');
    expect(sgrPeer.credentials).toBe(true);
    expect(JSON.stringify(list.body)).not.toMatch(/clientSecret|secret_enc/);
    const stored = await gtr.p.db.query<{ secret_enc: string }>(
      `SELECT secret_enc FROM registry_interop_peer WHERE code = 'SGR'`,
    );
    expect(stored[0]!.secret_enc).toMatch(/^v1\./);
    const byExporter = await api(gtr, gtr.exporter, 'POST', '/peers', {
      code: 'XYZ',
      name: 'x',
      baseUrl: 'http://x.test',
      publicKey: '0'.repeat(64),
    });
    expect(byExporter.status).toBe(403);
    const own = await api(gtr, gtr.operator, 'POST', '/peers', {
      code: 'GTR',
      name: 'me',
      baseUrl: 'http://x.test',
      publicKey: '0'.repeat(64),
    });
    expect(own.status).toBe(400);
  });
});

describe('exports between two registries', () => {
  it('happy path: pending_export → mirror holdings at SGR → exported at GTR; every unit in one registry', async () => {
    const { start } = await issueAtGtr('P-HAPPY');
    const from = await holding(gtr.p.db, 'demo');
    const to = await holding(sgr.p.db, 'demo');
    const r = await api(gtr, gtr.exporter, 'POST', '/exports', {
      peer: 'SGR',
      toAccount: to.number,
      fromAccount: from.number,
      ranges: [{ start: String(start + 100n), end: String(start + 399n) }],
    });
    expect(r.status).toBe(201);
    const e = r.body as ExportView;
    expect(e.state).toBe('exported');
    // 300 units: serials start+100 .. start+399 inclusive.
    expect(e.quantity).toBe('300');
    expect(e.mirrors).toHaveLength(1);
    expect(e.mirrors[0]!.serial).toMatch(/^SGR-CN-VER-GTR-P-HAPPY-2024-/);
    // Sender: 1,000 issued; 300 exported, 700 held (100 below and 600 above the range).
    expect(await unitsOf(gtr.p.db, 'P-HAPPY', 'exported')).toBe(300n);
    expect(await unitsOf(gtr.p.db, 'P-HAPPY', 'held')).toBe(700n);
    expect(await unitsOf(gtr.p.db, 'P-HAPPY', 'pending_export')).toBe(0n);
    // Receiver: 300 held in the mirror project, none elsewhere.
    expect(await unitsOf(sgr.p.db, 'GTR-P-HAPPY', 'held')).toBe(300n);
    const mirror = await sgr.p.db.query<{ origin_registry: string; origin_serial: string; status: string }>(
      `SELECT i.origin_registry, i.origin_serial, p.status FROM registry_issuance i
         JOIN registry_project p ON p.id = i.project_id WHERE p.code = 'GTR-P-HAPPY'`,
    );
    expect(mirror).toHaveLength(1);
    expect(mirror[0]!.origin_registry).toBe('GTR');
    expect(mirror[0]!.origin_serial).toBe(`GTR-CN-VER-P-HAPPY-2024-${start + 100n}-${start + 399n}`);
    expect(mirror[0]!.status).toBe('registered');
    // Both sides appended their step to their ledger.
    const types = async (db: Db) =>
      (await db.query<{ type: string }>(`SELECT type FROM ledger_entry`)).map((x) => x.type);
    expect(await types(gtr.p.db)).toEqual(
      expect.arrayContaining(['registry.interop.export', 'registry.interop.export-confirmed']),
    );
    expect(await types(sgr.p.db)).toContain('registry.interop.import');
    // SGR's holder sees the import.
    const imports = await api(sgr, sgr.exporter, 'GET', '/imports');
    expect(imports.body.imports.some((i: J) => i.transferId === e.id && i.state === 'accepted')).toBe(true);
  });

  it('a replay of the same transfer id answers the same acknowledgement and issues nothing new', async () => {
    const { issuanceId } = await issueAtGtr('P-REPLAY');
    const from = await holding(gtr.p.db, 'demo');
    const to = await holding(sgr.p.db, 'demo');
    const e = (
      await api(gtr, gtr.exporter, 'POST', '/exports', {
        peer: 'SGR',
        toAccount: to.number,
        fromAccount: from.number,
        issuanceId,
        quantity: '50',
      })
    ).body as ExportView;
    expect(e.state).toBe('exported');
    const before = await unitsByState(sgr.p.db);
    // Send the very same signed message again, as GTR's reconciler would.
    const msg = (
      await gtr.p.db.query<{ message: J }>(`SELECT message FROM registry_interop_outgoing WHERE id = $1`, [
        e.id,
      ])
    )[0]!.message;
    const token = await peerToken();
    const again = await sgr.app.request('/api/v1/registry/interop/incoming', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(msg),
    });
    expect(again.status).toBe(200);
    const answer = (await again.json()) as J;
    const first = (
      await gtr.p.db.query<{ answer: J }>(`SELECT answer FROM registry_interop_outgoing WHERE id = $1`, [
        e.id,
      ])
    )[0]!.answer;
    expect(answer).toEqual(first);
    expect(await unitsByState(sgr.p.db)).toEqual(before);
    expect(await unitsOf(sgr.p.db, 'GTR-P-REPLAY', 'held')).toBe(50n);
    // An idempotent retry of the export request at GTR answers the first export.
    const body = { peer: 'SGR', toAccount: to.number, fromAccount: from.number, issuanceId, quantity: '10' };
    const k1 = await api(gtr, gtr.exporter, 'POST', '/exports', body, { 'idempotency-key': 'k-replay-1' });
    const k2 = await api(gtr, gtr.exporter, 'POST', '/exports', body, { 'idempotency-key': 'k-replay-1' });
    expect(k2.body.id).toBe(k1.body.id);
    expect(k2.body.replayed).toBe(true);
    // 1,000 issued − 50 − 10 exported = 940 held.
    expect(await unitsOf(gtr.p.db, 'P-REPLAY', 'held')).toBe(940n);
  });

  it('rejection by the receiver’s quality controls: signed rejection, units held again at the sender', async () => {
    const { issuanceId } = await issueAtGtr('P-QC', []);
    const from = await holding(gtr.p.db, 'demo');
    const to = await holding(sgr.p.db, 'demo');
    // SGR's operator requires the label "ICVCM-CCP" for imports.
    await setImportLabels(['ICVCM-CCP']);
    try {
      const r = await api(gtr, gtr.exporter, 'POST', '/exports', {
        peer: 'SGR',
        toAccount: to.number,
        fromAccount: from.number,
        issuanceId,
        quantity: '200',
      });
      expect(r.status).toBe(201);
      expect(r.body.state).toBe('reverted');
      expect(r.body.reason).toMatch(/ICVCM-CCP/);
      expect(await unitsOf(gtr.p.db, 'P-QC', 'held')).toBe(1000n);
      expect(await unitsOf(gtr.p.db, 'P-QC', 'pending_export')).toBe(0n);
      expect(await unitsOf(sgr.p.db, 'GTR-P-QC', 'held')).toBe(0n);
    } finally {
      await setImportLabels([]);
    }
  });

  it('unknown account: refused with a signed rejection, units held again', async () => {
    const { issuanceId } = await issueAtGtr('P-NOACC');
    const from = await holding(gtr.p.db, 'demo');
    const r = await api(gtr, gtr.exporter, 'POST', '/exports', {
      peer: 'SGR',
      toAccount: 'SGR-100-999999',
      fromAccount: from.number,
      issuanceId,
      quantity: '10',
    });
    expect(r.body.state).toBe('reverted');
    expect(r.body.reason).toMatch(/no account SGR-100-999999/);
    expect(await unitsOf(gtr.p.db, 'P-NOACC', 'held')).toBe(1000n);
  });

  it('receiver down: the units stay pending_export (locked); a later reconcile completes the export', async () => {
    const { issuanceId } = await issueAtGtr('P-DOWN');
    const from = await holding(gtr.p.db, 'demo');
    const to = await holding(sgr.p.db, 'demo');
    sgrUp = false;
    let e: ExportView;
    try {
      e = (
        await api(gtr, gtr.exporter, 'POST', '/exports', {
          peer: 'SGR',
          toAccount: to.number,
          fromAccount: from.number,
          issuanceId,
          quantity: '120',
        })
      ).body;
      expect(e.state).toBe('pending');
      expect(e.lastError).toMatch(/ECONNREFUSED/);
      expect(await unitsOf(gtr.p.db, 'P-DOWN', 'pending_export')).toBe(120n);
      // Locked: a reconcile while SGR is still down changes nothing.
      const r1 = await api(gtr, gtr.operator, 'POST', '/reconcile');
      expect(r1.body.pending).toBeGreaterThanOrEqual(1);
      expect(await unitsOf(gtr.p.db, 'P-DOWN', 'pending_export')).toBe(120n);
      expect(await unitsOf(sgr.p.db, 'GTR-P-DOWN', 'held')).toBe(0n);
    } finally {
      sgrUp = true;
    }
    const r2 = await api(gtr, gtr.operator, 'POST', '/reconcile');
    expect(r2.status).toBe(200);
    expect(r2.body.exported).toBeGreaterThanOrEqual(1);
    expect((await api(gtr, gtr.exporter, 'GET', `/exports/${e.id}`)).body.state).toBe('exported');
    expect(await unitsOf(gtr.p.db, 'P-DOWN', 'exported')).toBe(120n);
    expect(await unitsOf(gtr.p.db, 'P-DOWN', 'held')).toBe(880n);
    expect(await unitsOf(sgr.p.db, 'GTR-P-DOWN', 'held')).toBe(120n);
  });

  it('sender "crash" after the receiver accepted: reconcile learns the outcome and marks the units exported', async () => {
    const { issuanceId } = await issueAtGtr('P-CRASH');
    const from = await holding(gtr.p.db, 'demo');
    const to = await holding(sgr.p.db, 'demo');
    // Step a and b happen; the sender "crashes" before step c: deliver() is stopped by dropping the answer.
    const interop = gtr.p.registry.interop;
    const real = interop.transport;
    interop.transport = async (url, init) => {
      const res = await real(url, init);
      if (url.endsWith('/api/v1/registry/interop/incoming') && init.method === 'POST')
        throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      return res;
    };
    let e: ExportView;
    try {
      e = (
        await api(gtr, gtr.exporter, 'POST', '/exports', {
          peer: 'SGR',
          toAccount: to.number,
          fromAccount: from.number,
          issuanceId,
          quantity: '75',
        })
      ).body;
    } finally {
      interop.transport = real;
    }
    expect(e.state).toBe('pending');
    // The receiver did accept: the mirror exists while the sender's units are locked (usable in one registry only).
    expect(await unitsOf(sgr.p.db, 'GTR-P-CRASH', 'held')).toBe(75n);
    expect(await unitsOf(gtr.p.db, 'P-CRASH', 'pending_export')).toBe(75n);
    const r = await api(gtr, gtr.exporter, 'POST', `/exports/${e.id}/reconcile`);
    expect(r.status).toBe(200);
    expect(r.body.state).toBe('exported');
    expect(await unitsOf(gtr.p.db, 'P-CRASH', 'exported')).toBe(75n);
    // Still only one mirror issuance: the reconcile asked, it did not send again.
    expect(await unitsOf(sgr.p.db, 'GTR-P-CRASH', 'held')).toBe(75n);
  });

  it('a message with a bad signature, or from a caller that is not the peer, is refused and changes nothing', async () => {
    const token = await peerToken();
    const before = await unitsByState(sgr.p.db);
    const to = await holding(sgr.p.db, 'demo');
    const forged = signMessage(loadRegistrySigner(undefined, {}), {
      protocol: 'greentrade-registry-interop/1',
      type: 'transfer',
      transferId: '00000000-0000-4000-8000-000000000001',
      from: 'GTR',
      to: 'SGR',
      toAccount: to.number,
      quantity: '5',
      sentAt: new Date().toISOString(),
      units: [
        {
          serial: 'GTR-CN-VER-FAKE-2024-1-5',
          start: '1',
          end: '5',
          quantity: '5',
          vintage: 2024,
          unitType: 'VER',
          project: {
            code: 'FAKE',
            name: 'x',
            methodology: 'ACM0002',
            hostCountry: 'CN',
            sector: 'energy',
            labels: [],
          },
          authorized: false,
          authorizationId: null,
          firstTransferred: false,
        },
      ],
    });
    const res = await sgr.app.request('/api/v1/registry/interop/incoming', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(forged),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as J).error.field).toBe('signature');
    // A user of SGR (not the peer's client) cannot post transfers either.
    const byUser = await api(sgr, sgr.operator, 'POST', '/incoming', forged);
    expect(byUser.status).toBe(403);
    // No token at all.
    expect((await api(sgr, '', 'POST', '/incoming', forged)).status).toBe(401);
    expect(await unitsByState(sgr.p.db)).toEqual(before);
    const recorded = await sgr.p.db.query(`SELECT 1 FROM registry_interop_incoming WHERE transfer_id = $1`, [
      forged.transferId,
    ]);
    expect(recorded).toHaveLength(0);
  });

  it('bad input: neither ranges nor issuance, zero quantity, unknown peer; nothing written', async () => {
    const from = await holding(gtr.p.db, 'demo');
    const before = await unitsByState(gtr.p.db);
    const none = await api(gtr, gtr.exporter, 'POST', '/exports', {
      peer: 'SGR',
      toAccount: 'x',
      fromAccount: from.number,
    });
    expect(none.status).toBe(400);
    expect(none.body.error.field).toBe('ranges');
    const zero = await api(gtr, gtr.exporter, 'POST', '/exports', {
      peer: 'SGR',
      toAccount: 'x',
      fromAccount: from.number,
      issuanceId: '00000000-0000-4000-8000-000000000002',
      quantity: '0',
    });
    expect(zero.status).toBe(400);
    expect(zero.body.error.field).toBe('quantity');
    const peer = await api(gtr, gtr.exporter, 'POST', '/exports', {
      peer: 'ZZZ',
      toAccount: 'x',
      fromAccount: from.number,
      ranges: [{ start: '1', end: '2' }],
    });
    expect(peer.status).toBe(404);
    expect(await unitsByState(gtr.p.db)).toEqual(before);
  });

  it('every unit in exactly one registry: sender exported = receiver mirrors, nothing left pending', async () => {
    await api(gtr, gtr.operator, 'POST', '/reconcile');
    const g = await unitsByState(gtr.p.db);
    const s = await unitsByState(sgr.p.db);
    const mirrored = (
      await sgr.p.db.query<{ n: string }>(
        `SELECT coalesce(sum(quantity), 0)::text AS n FROM registry_issuance WHERE origin_registry = 'GTR'`,
      )
    )[0]!.n;
    // Exported at GTR: 300 + 50 + 10 + 120 + 75 = 555; each has a mirror at SGR.
    expect(g['exported']).toBe(555n);
    expect(BigInt(mirrored)).toBe(555n);
    expect(g['pending_export'] ?? 0n).toBe(0n);
    expect(s['pending_export'] ?? 0n).toBe(0n);
    expect((await gtr.p.ledger.verify()).ok).toBe(true);
    expect((await sgr.p.ledger.verify()).ok).toBe(true);
  });
});

/** A token of GTR's client at SGR, as GTR gets it (with the credentials SGR made for GTR). */
async function peerToken(): Promise<string> {
  const token = await sgr.p.identity.clientToken(inbound.clientId, inbound.clientSecret);
  return token!;
}

async function setImportLabels(labels: string[]): Promise<void> {
  const projects = sgr.p.registry.projects as unknown as {
    setControls?: (input: Record<string, unknown>, viewer: 'system') => Promise<unknown>;
  };
  if (!projects.setControls) throw new Error('the projects part has no setControls');
  await projects.setControls({ vintageCutoff: null, labelsForImport: labels }, 'system');
}
