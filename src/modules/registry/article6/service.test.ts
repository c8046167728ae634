import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal, Role } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import { openTestPlatform } from '../../../testing/db.js';
import { identityAdmin } from '../../identity/index.js';
import type { AccountRow } from '../units/index.js';
import { ACTION_COLUMNS, HOLDING_COLUMNS, HOLDING_EXTRA_COLUMNS } from './aef.js';
import type { Article6Service } from './service.js';
import { AEF_SHEETS } from './xlsx.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let a6: Article6Service;
const person = (id: string, orgId: string, role: Role): Principal => ({
  kind: 'user',
  id,
  name: id,
  memberships: [{ orgId, role }],
});
let operator: Principal;
let seller: Principal;
let buyer: Principal;
let regulator: Principal;
let accounts: { seller: AccountRow; buyer: AccountRow; buyer2: AccountRow };
let projects: { p1: string; p2: string; p3: string };
/** First serial of the 1,000 units of project P1, vintage 2025. */
let S: bigint;
/** First serial of the 100 units of project P2 (China, not in the letter). */
let S2: bigint;
const YEAR = new Date().getUTCFullYear();
/** Authorised units of CN not first transferred before this file ran (the demo's, on a server run). */
let baselineNotStarted = 0n;
const today = new Date().toISOString().slice(0, 10);
const sha = 'a'.repeat(64);

const letter = (code: string, extra: Record<string, unknown> = {}) => ({
  code,
  approach: 'CA0001',
  hostParty: 'CN',
  acquiringParty: 'SG',
  uses: ['ndc'],
  sector: 'Energy generation',
  activityType: 'Wind',
  validFrom: `${YEAR - 1}-01-01`,
  validUntil: '2030-12-31',
  vintageFrom: 2021,
  vintageTo: 2030,
  projects: ['A6P1'],
  document: { name: 'loa.pdf', sha256: sha },
  ...extra,
});
const range = (a: bigint, b: bigint) => ({ start: a.toString(), end: b.toString() });

async function refused(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

const adjustmentsOf = async (code: string) =>
  (
    await platform.db.query<{ n: string; units: string | null }>(
      `SELECT count(*) AS n, sum(c.serial_end - c.serial_start + 1) AS units
       FROM registry_corresponding_adjustment c JOIN registry_a6_authorization a ON a.id = c.authorization_id
       WHERE a.code = $1`,
      [code],
    )
  )[0]!;

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  a6 = platform.registry.article6;
  const units = platform.registry.context.units;
  await platform.db.transaction(async (tx) => {
    const org = (slug: string) => identityAdmin.ensureOrg(tx, slug, slug);
    const o = {
      seller: await org('a6-seller'),
      buyer: await org('a6-buyer'),
      operator: await org('a6-operator'),
      regulator: await org('a6-regulator'),
    };
    operator = person('op', o.operator, 'registry_operator');
    seller = person('seller', o.seller, 'admin');
    buyer = person('buyer', o.buyer, 'member');
    regulator = person('reg', o.regulator, 'regulator');
    const project = async (code: string, country: string) =>
      (
        await tx.query<{ id: string }>(
          `INSERT INTO registry_project (code, org_id, name, methodology, host_country, sector, status, created_by)
           VALUES ($1, $2, $1, 'ACM0002', $3, 'energy', 'registered', 'test') RETURNING id`,
          [code, o.seller, country],
        )
      )[0]!.id;
    projects = {
      p1: await project('A6P1', 'CN'),
      p2: await project('A6P2', 'CN'),
      p3: await project('A6P3', 'IN'),
    };
    accounts = {
      seller: await units.ensureAccount(tx, { orgId: o.seller, kind: 'holding', name: 'Seller' }),
      buyer: await units.ensureAccount(tx, { orgId: o.buyer, kind: 'holding', name: 'Buyer' }),
      buyer2: await units.ensureAccount(tx, { orgId: o.regulator, kind: 'holding', name: 'Buyer 2' }),
    };
    const issue = (projectId: string, quantity: bigint) =>
      units.issue(tx, {
        projectId,
        vintage: 2025,
        unitType: 'VER',
        quantity,
        toAccountId: accounts.seller.id,
        actor: 'test',
        orgId: o.operator,
      });
    const [base] = await tx.query<{ n: string | null }>(
      `SELECT sum(b.serial_end - b.serial_start + 1) AS n FROM registry_block b
       JOIN registry_a6_authorization a ON a.id = b.authorization_id WHERE a.host_party = 'CN' AND NOT b.first_transferred`,
    );
    baselineNotStarted = BigInt(base?.n ?? '0');
    S = (await issue(projects.p1, 1000n)).range.start;
    S2 = (await issue(projects.p2, 100n)).range.start;
    await issue(projects.p3, 10n);
  });
});
afterAll(async () => platform?.dispose());

describe('Article 6: approaches and letters', () => {
  it('records a cooperative approach and a letter, refusing bad input by field', async () => {
    expect(
      (await refused(a6.createApproach({ code: 'CA1', name: 'x', parties: ['CN', 'SG'] }, operator))).field,
    ).toBe('code');
    expect(
      (await refused(a6.createApproach({ code: 'CA0001', name: 'x', parties: ['CN', 'SG'] }, seller))).code,
    ).toBe('forbidden');
    const approach = await a6.createApproach(
      { code: 'CA0001', name: 'China–Singapore', parties: ['CN', 'SG'] },
      operator,
    );
    expect(approach.parties).toEqual(['CN', 'SG']);

    const unknown = await refused(a6.createAuthorization(letter('L-X', { approach: 'CA0999' }), operator));
    expect([unknown.code, unknown.field]).toEqual(['not_found', 'approach']);
    const fraction = await refused(
      a6.createAuthorization(letter('L-X', { authorizedQuantity: '10.5' }), operator),
    );
    expect([fraction.status, fraction.field]).toEqual([400, 'authorizedQuantity']);
    const zero = await refused(a6.createAuthorization(letter('L-X', { authorizedQuantity: '0' }), operator));
    expect(zero.field).toBe('authorizedQuantity');
    const abroad = await refused(
      a6.createAuthorization(letter('L-X', { projects: ['A6P1', 'A6P3'] }), operator),
    );
    expect([abroad.field, abroad.message]).toEqual([
      'projects.1',
      'projects.1: project A6P3 is in IN, not in the host Party CN',
    ]);
    const stranger = await refused(a6.createAuthorization(letter('L-X', { acquiringParty: 'JP' }), operator));
    expect(stranger.field).toBe('acquiringParty');
    const oimpNoDef = await refused(a6.createAuthorization(letter('L-X', { uses: ['oimp'] }), operator));
    expect(oimpNoDef.field).toBe('firstTransferOimp');

    const loa = await a6.createAuthorization(letter('CN-LOA-T-1'), operator);
    expect([loa.status, loa.hostParty, loa.acquiringParty, loa.projects.map((p) => p.code)]).toEqual([
      'active',
      'CN',
      'SG',
      ['A6P1'],
    ]);
    const entry = await platform.ledger.entry(loa.ledger.index, 'system');
    expect(entry.type).toBe('registry.article6.authorization');
  });

  it('marks units as ITMOs; refuses other projects, fractions, units already authorised', async () => {
    const other = await refused(a6.markUnits('CN-LOA-T-1', { ranges: [range(S2, S2 + 9n)] }, operator));
    expect([other.code, other.field]).toEqual(['conflict', 'ranges.0']);
    expect(other.message).toContain('is of project A6P2, which letter CN-LOA-T-1 does not cover');
    const frac = await refused(
      a6.markUnits('CN-LOA-T-1', { ranges: [{ start: `${S}.5`, end: `${S + 5n}` }] }, operator),
    );
    expect([frac.status, frac.field]).toEqual([400, 'ranges.0.start']);

    const marked = await a6.markUnits('CN-LOA-T-1', { ranges: [range(S, S + 599n)] }, operator);
    expect([marked.quantity, marked.firstTransfer]).toEqual(['600', false]);
    const again = await refused(
      a6.markUnits('CN-LOA-T-1', { ranges: [range(S + 500n, S + 650n)] }, operator),
    );
    expect(again.message).toContain('is already authorised');
    const units = await a6.units('CN-LOA-T-1', operator);
    expect(units.map((u) => [u.start, u.quantity, u.adjustment])).toEqual([
      [S.toString(), '600', 'Not Started'],
    ]);
    // The buyer sees the ranges but not the seller's account number.
    expect((await a6.units('CN-LOA-T-1', buyer))[0]!.account).toBeNull();
  });

  it('records the corresponding adjustment once: at the first transfer, not at the second', async () => {
    const units = platform.registry.context.units;
    await platform.db.transaction((tx) =>
      units.move(tx, {
        kind: 'transfer',
        fromAccountId: accounts.seller.id,
        toAccountId: accounts.buyer.id,
        units: { ranges: [{ start: S, end: S + 199n }] },
        toState: 'held',
        actor: 'seller',
        orgId: seller.memberships[0]!.orgId,
        details: { acquiringParty: 'SG' },
      }),
    );
    expect(await adjustmentsOf('CN-LOA-T-1')).toEqual({ n: '1', units: '200' });
    await platform.db.transaction((tx) =>
      units.move(tx, {
        kind: 'transfer',
        fromAccountId: accounts.buyer.id,
        toAccountId: accounts.buyer2.id,
        units: { ranges: [{ start: S, end: S + 199n }] },
        toState: 'held',
        actor: 'buyer',
        orgId: buyer.memberships[0]!.orgId,
      }),
    );
    expect(await adjustmentsOf('CN-LOA-T-1')).toEqual({ n: '1', units: '200' });
    const revoke = await refused(a6.revoke('CN-LOA-T-1', { reason: 'changed our mind' }, operator));
    expect(revoke.code).toBe('conflict');
    expect((await a6.getAuthorization('CN-LOA-T-1')).status).toBe('active');
  });

  it('uses ITMOs towards the NDC of the acquiring Party, once per idempotency key', async () => {
    const use = {
      use: 'ndc',
      party: 'SG',
      fromAccount: accounts.buyer2.number,
      ranges: [range(S, S + 49n)],
      year: YEAR,
      ndcPeriod: '2021-2030',
    };
    const host = await refused(a6.use({ ...use, party: 'CN' }, operator));
    expect(host.message).toContain('the host Party does not use its own ITMOs');
    const other = await refused(a6.use({ ...use, party: 'JP' }, operator));
    expect(other.message).toContain('is authorised for use by SG only, not JP');
    const notItmo = await refused(
      a6.use({ ...use, fromAccount: accounts.seller.number, ranges: [range(S + 600n, S + 610n)] }, operator),
    );
    expect(notItmo.message).toContain('is not an ITMO');
    const stranger = await refused(a6.use(use, seller));
    expect(stranger.code).toBe('not_found');

    const first = await a6.use(use, operator, 'use-1');
    const second = await a6.use(use, operator, 'use-1');
    expect([first.quantity, first.replayed, second.replayed, second.transactionId]).toEqual([
      '50',
      false,
      true,
      first.transactionId,
    ]);
    const [n] = await platform.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM registry_transaction WHERE kind = 'ndc-use'",
    );
    expect(n!.n).toBe('1');
    // Already first transferred: no new adjustment.
    expect(await adjustmentsOf('CN-LOA-T-1')).toEqual({ n: '1', units: '200' });
    expect((await a6.listUses(regulator)).map((u) => [u.party, u.quantity, u.year])).toEqual([
      ['SG', '50', YEAR],
    ]);
  });

  it('first-transfers units of an OIMP letter at authorisation', async () => {
    await a6.createAuthorization(
      letter('CN-LOA-T-2', {
        uses: ['oimp'],
        acquiringParty: null,
        oimpPurpose: 'CORSIA',
        firstTransferOimp: 'authorization',
      }),
      operator,
    );
    const marked = await a6.markUnits('CN-LOA-T-2', { ranges: [range(S + 800n, S + 899n)] }, operator);
    expect(marked.firstTransfer).toBe(true);
    expect(await adjustmentsOf('CN-LOA-T-2')).toEqual({ n: '1', units: '100' });
    expect((await a6.units('CN-LOA-T-2', operator)).map((u) => [u.quantity, u.firstTransferred])).toEqual([
      ['100', true],
    ]);
    expect((await refused(a6.revoke('CN-LOA-T-2', { reason: 'x' }, operator))).code).toBe('conflict');
  });

  it('revokes a letter none of whose units was first transferred; its units stop being ITMOs', async () => {
    await a6.createAuthorization(
      letter('CN-LOA-T-3', { projects: ['A6P2'], acquiringParty: null }),
      operator,
    );
    await a6.markUnits('CN-LOA-T-3', { ranges: [range(S2, S2 + 9n)] }, operator);
    const revoked = await a6.revoke('CN-LOA-T-3', { reason: 'project withdrew' }, operator);
    expect([revoked.status, revoked.revocation?.reason]).toEqual(['revoked', 'project withdrew']);
    expect(await a6.units('CN-LOA-T-3', operator)).toEqual([]);
    const [b] = await platform.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM registry_block WHERE authorization_id IS NOT NULL AND serial_start >= $1 AND serial_end <= $2',
      [S2.toString(), (S2 + 99n).toString()],
    );
    expect(b!.n).toBe('0');
  });

  it('shows and reports corresponding adjustments per host Party and year', async () => {
    expect((await refused(a6.adjustments({}, seller))).code).toBe('forbidden');
    const view = await a6.adjustments({ party: 'CN', year: YEAR }, regulator);
    // 200 first transferred under T-1, 100 at authorisation under T-2; 400 of T-1 not yet.
    expect(view.summary).toEqual([{ party: 'CN', year: YEAR, pending: '300', completed: '0', total: '300' }]);
    expect(view.notStarted).toEqual([{ party: 'CN', quantity: (400n + baselineNotStarted).toString() }]);
    const report = await a6.applyAdjustments(
      { party: 'CN', year: YEAR, reference: 'BTR2 table 4' },
      operator,
    );
    expect([report.quantity, report.adjustments]).toEqual(['300', 2]);
    const after = await a6.adjustments({ party: 'CN', year: YEAR }, operator);
    expect(after.summary[0]).toMatchObject({ pending: '0', completed: '300' });
    expect(after.adjustments.every((a) => a.status === 'Completed' && a.reference === 'BTR2 table 4')).toBe(
      true,
    );
    expect(
      (await refused(a6.applyAdjustments({ party: 'CN', year: YEAR, reference: 'again' }, operator))).code,
    ).toBe('conflict');
  });

  it('writes the AEF workbook: cells equal the hand figures', async () => {
    expect((await refused(a6.aef('CN', YEAR, buyer))).code).toBe('forbidden');
    const file = await a6.aefXlsx('CN', YEAR, regulator);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(Object.values(AEF_SHEETS));

    const t1 = wb.getWorksheet(AEF_SHEETS.submission)!;
    expect([t1.getCell('A1').value, t1.getCell('A2').value, t1.getCell('B2').value]).toEqual([
      'Table 1: Submission',
      'Party',
      'CHN',
    ]);
    expect([t1.getCell('A4').value, t1.getCell('B4').value]).toEqual(['Reported year', YEAR]);

    const id = (n: bigint) => `CA0001-CHN01-CHN-${n}-2025`;
    const t3 = wb.getWorksheet(AEF_SHEETS.actions)!;
    expect(t3.getCell('A1').value).toBe('Table 3: Actions');
    expect((t3.getRow(2).values as unknown[]).slice(1)).toEqual([...ACTION_COLUMNS]);
    const col = (name: string) => ACTION_COLUMNS.indexOf(name as (typeof ACTION_COLUMNS)[number]) + 1;
    // Data rows from row 3 to the first empty one; on a server run the demo's letter is there too.
    const dataRows = (ws: ExcelJS.Worksheet, idCol: number, prefix: string) => {
      const out: ExcelJS.Row[] = [];
      for (let r = 3; ws.getRow(r).getCell(1).value !== null; r++)
        if (String(ws.getRow(r).getCell(idCol).value).startsWith(prefix)) out.push(ws.getRow(r));
      return out;
    };
    const rows = dataRows(t3, col('Authorization ID'), 'CN-LOA-T-');
    // Hand figures, in the order they happened: 600 marked under T-1; 200 of them first transferred
    // to Singapore; the same 200 transferred again (not a first transfer); 100 marked under T-2 and
    // first transferred at that authorisation (OIMP); 10 of A6P2 marked under T-3 (revoked later).
    // Singapore's use of 50 is Singapore's action, not China's.
    const id2 = (n: bigint) => `CA0001-CHN01-CHN-${n}-2025`;
    expect(
      rows.map((r) => [
        r.getCell(col('Action type')).value,
        r.getCell(col('Action subtype')).value,
        r.getCell(col('Authorization ID')).value,
        r.getCell(col('First ID')).value,
        r.getCell(col('Last ID')).value,
        r.getCell(col('Quantity (t CO2 eq)')).value,
        r.getCell(col('Acquiring participating Party ID')).value,
      ]),
    ).toEqual([
      ['Authorization', null, 'CN-LOA-T-1', id(S), id(S + 599n), 600, 'NA'],
      ['First transfer', 'First transfer to another Party', 'CN-LOA-T-1', id(S), id(S + 199n), 200, 'SGP'],
      ['Transfer', null, 'CN-LOA-T-1', id(S), id(S + 199n), 200, 'NA'],
      ['Authorization', null, 'CN-LOA-T-2', id(S + 800n), id(S + 899n), 100, 'NA'],
      ['First transfer', 'Authorization', 'CN-LOA-T-2', id(S + 800n), id(S + 899n), 100, 'NA'],
      ['Authorization', null, 'CN-LOA-T-3', id2(S2), id2(S2 + 9n), 10, 'NA'],
    ]);
    expect(rows[0]!.getCell(col('Action date')).value).toBeInstanceOf(Date);
    expect(rows[0]!.getCell(col('Vintage')).value).toBe(2025);

    // Holdings at 31 December: 50 used by Singapore (cancelled, national account), 150 with the
    // second buyer, 400 still with the seller (not first transferred), 100 of T-2 with the seller.
    const t4 = wb.getWorksheet(AEF_SHEETS.holdings)!;
    const hcols = [...HOLDING_COLUMNS, ...HOLDING_EXTRA_COLUMNS] as string[];
    expect((t4.getRow(2).values as unknown[]).slice(1)).toEqual(hcols);
    const h = (name: string) => hcols.indexOf(name) + 1;
    expect(
      dataRows(t4, h('Authorization ID'), 'CN-LOA-T-').map((row) => {
        return [
          row.getCell(h('First ID')).value,
          row.getCell(h('Quantity (t CO2 eq)')).value,
          row.getCell(h('Account type')).value,
          row.getCell(h('Unit state')).value,
          row.getCell(h('First transferred')).value,
        ];
      }),
    ).toEqual([
      [id(S), 50, 'cancellation (national)', 'cancelled', 'Yes'],
      [id(S + 50n), 150, 'holding', 'held', 'Yes'],
      [id(S + 200n), 400, 'holding', 'held', 'No'],
      [id(S + 800n), 100, 'holding', 'held', 'Yes'],
    ]);

    const t2 = wb.getWorksheet(AEF_SHEETS.authorizations)!;
    const letters: unknown[][] = [];
    for (let r = 3; t2.getRow(r).getCell(1).value !== null; r++)
      if (String(t2.getRow(r).getCell(1).value).startsWith('CN-LOA-T-'))
        letters.push([t2.getRow(r).getCell(1).value, t2.getRow(r).getCell(11).value]);
    expect(letters).toEqual([
      ['CN-LOA-T-1', 'NDC'],
      ['CN-LOA-T-2', 'OIMP'],
      ['CN-LOA-T-3', 'NDC'],
    ]);
  });

  it("reports Singapore's acquisition and use", async () => {
    const r = await a6.aef('SG', YEAR, operator);
    expect(
      r.actions.map((a) => [
        a['Action type'],
        a['Quantity (t CO2 eq)'],
        a['Transferring participating Party ID'],
      ]),
    ).toEqual([
      ['Acquisition', 200, 'CHN'],
      ['Use', 50, 'NA'],
    ]);
    expect(r.actions[1]!["Calendar year for which the ITMOs are used towards the Party's NDC"]).toBe(YEAR);
    expect(r.holdings.map((x) => [x['Quantity (t CO2 eq)'], x['Unit state']])).toEqual([[50, 'cancelled']]);
    expect(r.submission['Party']).toBe('SGP');
    expect(today.slice(0, 4)).toBe(String(YEAR));
  });
});
