import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal, Role } from '../../../kernel/access.js';
import { openTestPlatform } from '../../../testing/db.js';
import { identityAdmin } from '../../identity/index.js';
import type { ProjectService } from './service.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let svc: ProjectService;
const orgs = { proponent: '', other: '', verifier: '', verifier2: '', operator: '', regulator: '' };
const as = (name: string, orgId: string, role: Role): Principal => ({
  kind: 'user',
  id: name,
  name,
  memberships: [{ orgId, role }],
});
let proponent: Principal;
let stranger: Principal;
let verifier: Principal;
let otherVerifier: Principal;
let operator: Principal;
let regulator: Principal;

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  svc = platform.registry.projects;
  await platform.db.transaction(async (tx) => {
    orgs.proponent = await identityAdmin.ensureOrg(tx, 'pt-proponent', '越南风电 Proponent');
    orgs.other = await identityAdmin.ensureOrg(tx, 'pt-other', 'Other Co');
    orgs.verifier = await identityAdmin.ensureOrg(tx, 'pt-verifier', 'Verifier A');
    orgs.verifier2 = await identityAdmin.ensureOrg(tx, 'pt-verifier2', 'Verifier B');
    orgs.operator = await identityAdmin.ensureOrg(tx, 'pt-operator', 'Registry');
    orgs.regulator = await identityAdmin.ensureOrg(tx, 'pt-regulator', 'Regulator');
  });
  proponent = as('proponent', orgs.proponent, 'member');
  stranger = as('stranger', orgs.other, 'admin');
  verifier = as('verifier', orgs.verifier, 'verifier');
  otherVerifier = as('verifier2', orgs.verifier2, 'verifier');
  operator = as('operator', orgs.operator, 'registry_operator');
  regulator = as('regulator', orgs.regulator, 'regulator');
});
afterAll(async () => platform?.dispose());

// Viet Nam (VN): no demo project is there, so screening only sees what these tests plant.
const project = (over: Record<string, unknown> = {}) => ({
  org: 'pt-proponent',
  name: 'Ninh Thuan 30 MW Wind Farm',
  methodology: 'ACM0002',
  hostCountry: 'VN',
  sector: 'energy',
  description: 'test',
  latitude: 11.6,
  longitude: 108.9,
  creditingPeriods: [{ starts: '2022-01-01', ends: '2031-12-31' }],
  labels: ['CCP'],
  validatorOrg: 'pt-verifier',
  ...over,
});

const code = (e: unknown) => (e as { code?: string }).code;
const refused = async (p: Promise<unknown>, errorCode: string, text?: RegExp) => {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e, 'expected a refusal').not.toBeNull();
  expect(code(e)).toBe(errorCode);
  if (text) expect((e as Error).message).toMatch(text);
};

/** A registered project with a verified report of `verified` tonnes for 2024 (unique name per call). */
let counter = 0;
async function registeredWithReport(verified: string, over: Record<string, unknown> = {}) {
  counter++;
  const p = await svc.createProject(
    project({
      name: `Registered test project number ${counter} Kon Tum hydro`,
      sector: `hydro-${counter}`,
      latitude: null,
      longitude: null,
      ...over,
    }),
    proponent,
  );
  await svc.transition(p.id, 'submit', proponent);
  await svc.transition(p.id, 'validate', verifier);
  await svc.transition(p.id, 'register', operator);
  const r = await svc.addReport(
    p.id,
    { periodStart: '2024-01-01', periodEnd: '2024-12-31', claimed: '5000', verifierOrg: 'pt-verifier' },
    proponent,
  );
  await svc.decideReport(r.id, 'verify', { verified, statement: 'ok' }, verifier);
  return { project: p, report: r };
}

describe('project workflow', () => {
  it('allocates codes, edits drafts only, and takes each step by the right role', async () => {
    const a = await svc.createProject(project(), proponent);
    const b = await svc.createProject(project({ name: 'Second', sector: 'forestry' }), proponent);
    expect(a.code).toMatch(/^P\d{4}$/);
    // Codes count up by one: P0007 then P0008.
    expect(Number(b.code.slice(1))).toBe(Number(a.code.slice(1)) + 1);
    expect(a.status).toBe('draft');

    // Someone else cannot see a draft (404), let alone edit it.
    await refused(svc.getProject(a.id, stranger), 'not_found');
    await refused(svc.transition(a.id, 'submit', stranger), 'not_found');
    // The assigned verifier sees it but may not submit it (403); it may not validate a draft (409).
    await refused(svc.transition(a.id, 'submit', verifier), 'forbidden');
    await refused(svc.transition(a.id, 'validate', verifier), 'conflict', /is draft/);
    await refused(svc.transition(a.id, 'register', operator), 'conflict');

    const edited = await svc.updateProject(a.id, project({ description: 'edited' }), proponent);
    expect(edited.description).toBe('edited');
    await svc.transition(a.id, 'submit', proponent);
    await refused(svc.updateProject(a.id, project(), proponent), 'conflict', /only a draft/);
    await refused(svc.transition(a.id, 'submit', proponent), 'conflict');

    // Only the assigned verifier organisation validates; another verifier does not even see it.
    await refused(svc.transition(a.id, 'validate', otherVerifier), 'not_found');
    await refused(svc.transition(a.id, 'validate', proponent), 'forbidden', /verifier organisation/);
    await refused(svc.transition(a.id, 'validate', operator), 'forbidden');
    await svc.transition(a.id, 'validate', verifier);

    // Only the operator registers; the regulator reads but never writes.
    await refused(svc.transition(a.id, 'register', proponent), 'forbidden', /registry operator/);
    await refused(svc.transition(a.id, 'register', regulator), 'forbidden');
    const reg = await svc.transition(a.id, 'register', operator);
    expect(reg.status).toBe('registered');
    await refused(svc.transition(a.id, 'withdraw', proponent), 'conflict');
    await refused(svc.transition(a.id, 'reject', operator, 'late'), 'conflict');
    // A registered project is public: another organisation sees it.
    expect((await svc.getProject(a.code, stranger)).status).toBe('registered');

    // Rejection needs a reason and the operator; withdrawal is the proponent's.
    await svc.transition(b.id, 'submit', proponent);
    await refused(svc.transition(b.id, 'reject', operator), 'bad_request', /reason/);
    await refused(svc.transition(b.id, 'reject', proponent, 'x'), 'forbidden');
    await refused(svc.transition(b.id, 'withdraw', operator), 'forbidden');
    const rej = await svc.transition(b.id, 'reject', operator, 'additionality not shown');
    expect(rej.status).toBe('rejected');
    const c = await svc.createProject(project({ name: 'Third', sector: 'waste' }), proponent);
    expect((await svc.transition(c.id, 'withdraw', proponent)).status).toBe('withdrawn');

    // Every step is a public ledger entry, in order.
    const detail = await svc.getProject(a.id, operator);
    expect(detail.events.map((e) => e.action)).toEqual([
      'created',
      'edited',
      'submitted',
      'validated',
      'registered',
    ]);
    const entries = await platform.db.query<{ type: string; public: boolean }>(
      'SELECT type, public FROM ledger_entry WHERE idx = ANY($1::bigint[]) ORDER BY idx',
      [detail.events.map((e) => e.ledger.index)],
    );
    expect(entries.map((e) => e.type)).toEqual([
      'registry.project.created',
      'registry.project.edited',
      'registry.project.submitted',
      'registry.project.validated',
      'registry.project.registered',
    ]);
    expect(entries.every((e) => e.public)).toBe(true);
  });

  it('refuses bad crediting periods and fields, naming them', async () => {
    await refused(
      svc.createProject(
        project({
          creditingPeriods: [
            { starts: '2020-01-01', ends: '2025-12-31' },
            { starts: '2025-12-31', ends: '2030-12-31' },
          ],
        }),
        proponent,
      ),
      'bad_request',
      /creditingPeriods\.1: overlaps/,
    );
    await refused(
      svc.createProject(
        project({ creditingPeriods: [{ starts: '2026-01-01', ends: '2025-01-01' }] }),
        proponent,
      ),
      'bad_request',
      /starts after it ends/,
    );
    await refused(svc.createProject(project({ hostCountry: 'vn' }), proponent), 'bad_request', /hostCountry/);
    await refused(svc.createProject(project({ org: 'pt-proponent' }), stranger), 'forbidden');
  });
});

describe('documents', () => {
  it('keeps the bytes with their SHA-256 and refuses more than 5 MiB', async () => {
    const p = await svc.createProject(project({ name: 'Doc project', sector: 'docs' }), proponent);
    const bytes = Buffer.from('PDD of the Ninh Thuan wind farm\n');
    const d = await svc.addDocument(
      p.id,
      {
        kind: 'pdd',
        filename: 'pdd.txt',
        contentType: 'text/plain',
        contentBase64: bytes.toString('base64'),
      },
      proponent,
    );
    expect(d.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(d.size).toBe(bytes.length);
    const back = await svc.getDocument(p.code, d.id, verifier);
    expect(back.content.equals(bytes)).toBe(true);
    await refused(svc.getDocument(p.id, d.id, stranger), 'not_found');
    await refused(
      svc.addDocument(
        p.id,
        { kind: 'pdd', filename: 'x', contentType: 'text/plain', contentBase64: 'AA==' },
        stranger,
      ),
      'not_found',
    );
    // 5 MiB = 5,242,880 bytes is allowed; one more byte is not.
    const big = Buffer.alloc(5 * 1024 * 1024 + 1, 1);
    await refused(
      svc.addDocument(
        p.id,
        {
          kind: 'pdd',
          filename: 'big.bin',
          contentType: 'application/octet-stream',
          contentBase64: big.toString('base64'),
        },
        proponent,
      ),
      'payload_too_large',
    );
    expect((await svc.getProject(p.id, proponent)).documents).toHaveLength(1);
  });
});

describe('monitoring reports and issuance requests', () => {
  it('keeps reports inside a crediting period and apart from each other', async () => {
    const { project: p } = await registeredWithReport('4000');
    await refused(
      svc.addReport(
        p.id,
        { periodStart: '2021-06-01', periodEnd: '2022-05-31', claimed: '10', verifierOrg: 'pt-verifier' },
        proponent,
      ),
      'bad_request',
      /not within one crediting period/,
    );
    await refused(
      svc.addReport(
        p.id,
        { periodStart: '2024-12-01', periodEnd: '2025-06-30', claimed: '10', verifierOrg: 'pt-verifier' },
        proponent,
      ),
      'conflict',
      /overlaps monitoring report/,
    );
    await refused(
      svc.addReport(
        p.id,
        { periodStart: '2025-01-01', periodEnd: '2025-06-30', claimed: '1.5', verifierOrg: 'pt-verifier' },
        proponent,
      ),
      'bad_request',
      /claimed/,
    );
    const next = await svc.addReport(
      p.id,
      { periodStart: '2025-01-01', periodEnd: '2025-06-30', claimed: '100', verifierOrg: 'pt-verifier' },
      proponent,
    );
    await refused(
      svc.decideReport(next.id, 'verify', { verified: '101', statement: 's' }, verifier),
      'bad_request',
      /more than the 100/,
    );
    await refused(
      svc.decideReport(next.id, 'verify', { verified: '90', statement: 's' }, otherVerifier),
      'not_found',
    );
    await refused(
      svc.decideReport(next.id, 'verify', { verified: '90', statement: 's' }, proponent),
      'forbidden',
    );
    expect(
      (await svc.decideReport(next.id, 'reject', { reason: 'meter data missing' }, verifier)).status,
    ).toBe('rejected');
  });

  it('refuses a request over the verified amount not yet requested', async () => {
    const { report } = await registeredWithReport('4200');
    // 4,200 verified: 3,000 requested leaves 1,200.
    await svc.requestIssuance(
      { reportId: report.id, vintage: 2024, quantity: '3000', unitType: 'VER' },
      proponent,
    );
    await refused(
      svc.requestIssuance(
        { reportId: report.id, vintage: 2024, quantity: '1201', unitType: 'VER' },
        proponent,
      ),
      'bad_request',
      /1201 is more than the 1200 verified tonnes/,
    );
    await refused(
      svc.requestIssuance({ reportId: report.id, vintage: 2023, quantity: '10', unitType: 'VER' }, proponent),
      'bad_request',
      /vintage/,
    );
    await refused(
      svc.requestIssuance({ reportId: report.id, vintage: 2024, quantity: '-5', unitType: 'VER' }, proponent),
      'bad_request',
      /quantity/,
    );
    await refused(
      svc.requestIssuance({ reportId: report.id, vintage: 2024, quantity: '10', unitType: 'VER' }, stranger),
      'not_found',
    );
    const last = await svc.requestIssuance(
      { reportId: report.id, vintage: 2024, quantity: '1200', unitType: 'VER' },
      proponent,
    );
    expect(last.quantity).toBe('1200');
  });

  it('approval issues exactly the quantity, the buffer share to the national buffer account', async () => {
    const { project: p, report } = await registeredWithReport('4200');
    const req = await svc.requestIssuance(
      { reportId: report.id, vintage: 2024, quantity: '1000', unitType: 'VER', bufferPercent: '5' },
      proponent,
    );
    await refused(svc.approveRequest(req.id, proponent), 'forbidden');
    const queue = await svc.queue(operator);
    expect(queue.issuanceRequests.map((r) => r.id)).toContain(req.id);
    const ok = await svc.approveRequest(req.id, operator, 'approve-1');
    // 1,000 requested at 5 % buffer: 1000 × 5 / 100 = 50 to the buffer, 950 to the proponent.
    expect(ok.issued?.quantity).toBe('950');
    expect(ok.buffer?.quantity).toBe('50');
    const held = await platform.db.query<{ kind: string; national: boolean; state: string; n: string }>(
      `SELECT a.kind, a.national, b.state, sum(b.serial_end - b.serial_start + 1)::text AS n
       FROM registry_block b JOIN registry_issuance i ON i.id = b.issuance_id JOIN registry_account a ON a.id = b.account_id
       WHERE i.project_id = $1 GROUP BY a.kind, a.national, b.state ORDER BY a.kind`,
      [p.id],
    );
    expect(held).toEqual([
      { kind: 'buffer', national: true, state: 'buffer', n: '50' },
      { kind: 'holding', national: false, state: 'held', n: '950' },
    ]);
    // A retry with the same key answers the same and issues nothing more; without it, 409.
    const again = await svc.approveRequest(req.id, operator, 'approve-1');
    expect(again.replayed).toBe(true);
    await refused(svc.approveRequest(req.id, operator), 'conflict', /already approved/);
    const [{ n }] = (await platform.db.query<{ n: string }>(
      `SELECT sum(quantity)::text AS n FROM registry_issuance WHERE project_id = $1`,
      [p.id],
    )) as [{ n: string }];
    expect(n).toBe('1000');
    // Rejection needs the operator and a pending request.
    const r2 = await svc.requestIssuance(
      { reportId: report.id, vintage: 2024, quantity: '10', unitType: 'VER' },
      proponent,
    );
    expect((await svc.rejectRequest(r2.id, 'duplicate', operator)).status).toBe('rejected');
    await refused(svc.rejectRequest(r2.id, 'again', operator), 'conflict');
  });
});

describe('quality controls and offset-use limits', () => {
  it('refuses issuance and use the controls do not allow, naming the rule', async () => {
    const { project: p, report } = await registeredWithReport('3000', { labels: [] });
    const req = await svc.requestIssuance(
      { reportId: report.id, vintage: 2024, quantity: '600', unitType: 'VER' },
      proponent,
    );
    await refused(svc.setControls({ vintageCutoff: 2025 }, proponent), 'forbidden');
    const v1 = await svc.setControls({ vintageCutoff: 2025, allowedMethodologies: [] }, operator);
    await refused(svc.approveRequest(req.id, operator), 'conflict', /vintage cut-off.*2024 is before 2025/);
    await svc.setControls({ vintageCutoff: 2016, allowedMethodologies: ['CCER-14-001-V01'] }, operator);
    await refused(svc.approveRequest(req.id, operator), 'conflict', /allowed methodologies.*ACM0002/);
    const v3 = await svc.setControls({ vintageCutoff: 2016, allowedMethodologies: ['ACM0002'] }, operator);
    expect(v3.version).toBe(v1.version + 2);
    const ok = await svc.approveRequest(req.id, operator);
    expect(ok.issued?.quantity).toBe('600');

    // Use: the project has no CCP label, and the controls now ask for it.
    await svc.setControls(
      { vintageCutoff: 2016, allowedMethodologies: ['ACM0002'], labelsForUse: ['CCP'] },
      operator,
    );
    const units = platform.registry.units;
    const retire = (quantity: bigint, details: Record<string, unknown> = {}) =>
      platform.db.transaction(async (tx) => {
        const holding = await units.ensureAccount(tx, {
          orgId: orgs.proponent,
          kind: 'holding',
          name: 'Holding',
        });
        const retirement = await units.ensureAccount(tx, {
          orgId: orgs.proponent,
          kind: 'retirement',
          name: 'Retired',
        });
        return units.move(tx, {
          kind: 'retirement',
          fromAccountId: holding.id,
          toAccountId: retirement.id,
          units: { issuanceId: ok.issuanceId!, quantity },
          toState: 'retired',
          actor: 'proponent',
          orgId: orgs.proponent,
          details,
        });
      });
    await refused(retire(10n), 'conflict', /labels for use.*CCP/);
    await svc.setControls({ vintageCutoff: 2025, allowedMethodologies: [] }, operator);
    await refused(retire(10n), 'conflict', /vintage cut-off.*vintage 2024, before 2025/);
    await svc.setControls({ vintageCutoff: null }, operator);

    // Offset-use limit: 10,000 t at 5 % → at most 500 units against the obligation.
    await refused(
      svc.addObligation(
        { org: 'pt-proponent', year: 2025, obligationTonnes: '10000', scheme: '' },
        proponent,
      ),
      'forbidden',
    );
    const o = await svc.addObligation(
      { org: 'pt-proponent', year: 2025, obligationTonnes: '10000', scheme: 'CN-ETS' },
      operator,
    );
    expect(o.maxOffsetPercent).toBe('5');
    expect(o.maxOffsetUnits).toBe('500');
    const compliance = { purpose: 'compliance', obligationId: o.id };
    await retire(300n, compliance);
    // 300 used: 201 more would make 501 > 500.
    await refused(
      retire(201n, compliance),
      'conflict',
      /at most 500 offset units.*300 already retired.*exceed it by 1/,
    );
    await retire(200n, compliance);
    const [after] = (await svc.listObligations(operator)).filter((x) => x.id === o.id);
    expect(after).toMatchObject({ used: '500', remaining: '0' });
    // Retirements without an obligation are not limited by it.
    await retire(50n, { purpose: 'voluntary' });
    // Another organisation cannot see the obligation.
    expect((await svc.listObligations(stranger)).some((x) => x.id === o.id)).toBe(false);
    expect(p.code).toMatch(/^P/);
  });

  it('checks imports against the controls', async () => {
    await svc.setControls(
      { vintageCutoff: 2016, allowedMethodologies: [], labelsForImport: ['CCP'] },
      operator,
    );
    const check = (u: { methodology: string; vintage: number; labels: string[] }) =>
      platform.db.transaction((tx) => svc.checkImport(tx, { ...u, hostCountry: 'CN' }));
    await refused(
      check({ methodology: 'ACM0002', vintage: 2015, labels: ['CCP'] }),
      'conflict',
      /vintage cut-off/,
    );
    await refused(
      check({ methodology: 'ACM0002', vintage: 2020, labels: [] }),
      'conflict',
      /labels for import.*CCP/,
    );
    await expect(check({ methodology: 'ACM0002', vintage: 2020, labels: ['CCP'] })).resolves.toBeUndefined();
    await svc.setControls({ vintageCutoff: null }, operator);
  });
});

describe('double-issuance screening', () => {
  it('flags a planted duplicate, not a project of another sector, and blocks registration until dismissed', async () => {
    const csv = [
      'registry,id,name,country,sector,start,end,lat,lon',
      // Same activity, registered elsewhere: similar name, 1.1 km away.
      'Verra,VCS-1,Quang Tri Solar Farm 50MW,VN,solar,2020-01-01,2027-12-31,16.80,107.10',
      // Same place and name but waste: not a look-alike.
      'Gold Standard,GS-2,Quang Tri 50 MW Solar Farm,VN,waste,2020-01-01,2027-12-31,16.81,107.10',
      // Same sector, far away, different name.
      'Verra,VCS-3,Mekong Delta Rice Husk,VN,solar,2020-01-01,2027-12-31,10.0,105.8',
    ].join('\n');
    await refused(svc.importExternal(csv, 'csv', proponent), 'forbidden');
    await refused(
      svc.importExternal(
        'registry,id,name,country,sector,start,end,lat,lon\nX,1,N,VNM,s,,,,',
        'csv',
        operator,
      ),
      'bad_request',
      /line 2: country/,
    );
    const imported = await svc.importExternal(csv, 'csv', operator);
    expect(imported).toMatchObject({ rows: 3, inserted: 3 });

    const p = await svc.createProject(
      project({
        name: 'Quang Tri 50 MW Solar Farm',
        sector: 'solar',
        latitude: 16.81,
        longitude: 107.1,
        creditingPeriods: [{ starts: '2024-01-01', ends: '2033-12-31' }],
      }),
      proponent,
    );
    await svc.transition(p.id, 'submit', proponent);
    const flags = await svc.flags(p.id, operator);
    expect(flags.map((f) => f.other.id)).toEqual(['VCS-1']);
    expect(flags[0]!.reasons.some((r) => r.startsWith('similar name'))).toBe(true);
    // 0.01° of latitude apart: 1.112 km.
    expect(flags[0]!.distanceKm).toBeCloseTo(1.112, 2);

    // A second project of this registry at the same site is flagged against the first.
    const twin = await svc.createProject(
      project({
        name: 'Quang Tri Solar Farm 50MW',
        sector: 'solar',
        latitude: 16.81,
        longitude: 107.1,
        creditingPeriods: [{ starts: '2025-01-01', ends: '2034-12-31' }],
      }),
      proponent,
    );
    await svc.transition(twin.id, 'submit', proponent);
    const twinFlags = await svc.flags(twin.id, operator);
    expect(twinFlags.map((f) => f.other.id).sort()).toEqual([p.code, 'VCS-1'].sort());

    await svc.transition(p.id, 'validate', verifier);
    await refused(svc.transition(p.id, 'register', operator), 'conflict', /1 open screening flag/);
    await refused(svc.dismissFlag(p.id, flags[0]!.id, 'not the same', proponent), 'forbidden');
    const dismissed = await svc.dismissFlag(
      p.id,
      flags[0]!.id,
      'VCS-1 is the neighbouring phase I plant',
      operator,
    );
    expect(dismissed[0]).toMatchObject({
      status: 'dismissed',
      dismissedReason: 'VCS-1 is the neighbouring phase I plant',
    });
    // Screening again keeps the dismissal, and now also sees the twin submitted since.
    const again = await svc.screen(p.id, operator);
    expect(again.map((f) => `${f.other.id} ${f.status}`).sort()).toEqual(
      [`${twin.code} open`, 'VCS-1 dismissed'].sort(),
    );
    await refused(svc.transition(p.id, 'register', operator), 'conflict', /1 open screening flag/);
    await svc.dismissFlag(
      p.id,
      again.find((f) => f.status === 'open')!.id,
      'phase II, separate metering',
      operator,
    );
    expect((await svc.transition(p.id, 'register', operator)).status).toBe('registered');
  });
});
