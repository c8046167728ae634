import { existsSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform } from '../../../testing/db.js';
import { ledgerLib } from '../../ledger/index.js';
import type { ExplorerSummary } from './model.js';
import { SupervisionService } from './service.js';
import { CJK_FONTS } from './statement.js';
import { seedFixture, type Fixture } from './testing.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let svc: SupervisionService;
let fx: Fixture;
let before: ExplorerSummary;

beforeAll(async () => {
  platform = await openTestPlatform();
  svc = platform.registry.supervision;
  before = await svc.summary();
  fx = await seedFixture(platform);
});
afterAll(async () => platform?.dispose());

/** Every key anywhere in a JSON value. */
const keysOf = (v: unknown, out = new Set<string>()): Set<string> => {
  if (Array.isArray(v)) v.forEach((x) => keysOf(x, out));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.add(k);
      keysOf(x, out);
    }
  return out;
};

/** The text pdfkit drew with a built-in font, from an uncompressed file: the hex strings of each TJ. */
function builtInText(pdf: Buffer): string {
  return [...pdf.toString('latin1').matchAll(/\[([^\]]*)\] TJ/g)]
    .map((m) =>
      [...m[1]!.matchAll(/<([0-9a-fA-F]*)>/g)]
        .map((h) => Buffer.from(h[1]!, 'hex').toString('latin1'))
        .join(''),
    )
    .join('');
}

describe('public explorer', () => {
  it('adds the fixture to the totals per vintage: 2022 issued 1,000, retired 100, cancelled 50; 2023 issued 500', async () => {
    const after = await svc.summary();
    const delta = (vintage: number, field: 'issued' | 'retired' | 'cancelled') => {
      const get = (s: ExplorerSummary) =>
        BigInt(s.byVintage.find((v) => v.vintage === vintage && v.unitType === 'VER')?.[field] ?? '0');
      return (get(after) - get(before)).toString();
    };
    expect([delta(2022, 'issued'), delta(2022, 'retired'), delta(2022, 'cancelled')]).toEqual([
      '1000',
      '100',
      '50',
    ]);
    expect([delta(2023, 'issued'), delta(2023, 'retired'), delta(2023, 'cancelled')]).toEqual([
      '500',
      '0',
      '0',
    ]);
    expect(after.projects - before.projects).toBe(1); // the draft is not counted
    expect(after.retirements - before.retirements).toBe(1);
    expect(after.cancellations - before.cancellations).toBe(1);
  });

  it('lists and searches projects, never drafts', async () => {
    const found = await svc.projects({ q: fx.projectCode.toLowerCase() });
    expect(found.items.map((p) => p.code)).toEqual([fx.projectCode]);
    const p = found.items[0]!;
    expect(p).toMatchObject({
      status: 'registered',
      hostCountry: 'CN',
      methodology: 'ACM0002',
      issued: '1500',
      creditingPeriods: [{ starts: '2021-01-01', ends: '2030-12-31' }],
    });
    expect((await svc.projects({ q: '云南小水电' })).items.map((x) => x.code)).toContain(fx.projectCode);
    expect((await svc.projects({ q: fx.draftCode })).items).toEqual([]);
    await expect(svc.project(fx.draftCode)).rejects.toMatchObject({ status: 404 });
    const detail = await svc.project(fx.projectCode);
    expect(detail.issuances.map((i) => [i.vintage, i.quantity, i.retired, i.cancelled])).toEqual([
      [2023, '500', '0', '0'],
      [2022, '1000', '100', '50'],
    ]);
  });

  it('lists issuances with their serial ranges and ledger entries', async () => {
    const page = await svc.issuances({ project: fx.projectCode, vintage: 2022 });
    expect(page.total).toBe(1);
    const i = page.items[0]!;
    expect([i.serialStart, i.serialEnd]).toEqual([fx.start.toString(), (fx.start + 999n).toString()]);
    expect(i.transactionId).toBe(fx.tx.issue2022);
    expect(i.ledger?.entryPath).toBe(`/ledger/entries/${i.ledger?.index}`);
    const entry = await platform.ledger.entry(i.ledger!.index, null);
    expect(entry.leafHash).toBe(i.ledger!.leafHash);
  });

  it('lists retirements and cancellations with beneficiary, purpose, claim period, serials; never a transfer', async () => {
    const page = await svc.retirements({ project: fx.projectCode });
    expect(page.items.map((r) => [r.kind, r.quantity]).sort()).toEqual([
      ['cancellation', '50'],
      ['retirement', '100'],
    ]);
    const r = page.items.find((x) => x.kind === 'retirement')!;
    expect(r).toMatchObject({
      id: fx.tx.retirement,
      beneficiary: '云南某公司 Yunnan Example Co',
      purpose: 'voluntary offsetting of 2024 emissions',
      claimPeriod: { from: '2024-01-01', to: '2024-12-31' },
      statementPath: `/api/v1/registry/retirements/${fx.tx.retirement}/statement.pdf`,
    });
    expect(r.ranges).toHaveLength(1);
    expect(r.ranges[0]).toMatchObject({
      start: fx.start.toString(),
      end: (fx.start + 99n).toString(),
      quantity: '100',
      projectCode: fx.projectCode,
      vintage: 2022,
    });
    expect((await svc.retirements({ beneficiary: 'yunnan example' })).items.map((x) => x.id)).toContain(
      fx.tx.retirement,
    );
    expect((await svc.retirements({ kind: 'cancellation', project: fx.projectCode })).items).toHaveLength(1);
  });

  it('shows no balance, no account and no private transfer anywhere', async () => {
    const all = JSON.stringify([
      await svc.summary(),
      await svc.projects({}, { limit: 500 }),
      await svc.project(fx.projectCode),
      await svc.issuances({}, { limit: 500 }),
      await svc.retirements({}, { limit: 500 }),
      await svc.retirement(fx.tx.retirement),
    ]);
    const keys = [...keysOf(JSON.parse(all))];
    expect(keys.filter((k) => /balance|holding|account|holder|owner/i.test(k))).toEqual([]);
    expect(all).not.toContain(fx.tx.transfer);
    for (const n of Object.values(fx.accountNumbers)) expect(all).not.toContain(n);
  });

  it('gives a retirement with an inclusion proof that checks against the signing key', async () => {
    const r = await svc.retirement(fx.tx.retirement);
    expect(r.verificationUrl).toBe(`http://localhost:8080/registry/explorer/retirements/${fx.tx.retirement}`);
    expect(r.proof).not.toBeNull();
    expect(r.proof!.index).toBe(r.ledger!.index);
    expect(r.proof!.leafHash).toBe(r.ledger!.leafHash);
    expect(ledgerLib.checkInclusionProof(r.proof, { trustedKeys: platform.ledger.trustedKeys }).ok).toBe(
      true,
    );
    // A changed proof fails: the library really checks.
    const forged = { ...r.proof!, leafHash: 'ab'.repeat(32) };
    expect(ledgerLib.checkInclusionProof(forged, { trustedKeys: platform.ledger.trustedKeys }).ok).toBe(
      false,
    );
    await expect(svc.retirement(fx.tx.transfer)).rejects.toMatchObject({ status: 404 });
    await expect(svc.retirement('not-an-id')).rejects.toMatchObject({ status: 404 });
  });
});

describe('retirement statement', () => {
  it('is a PDF with the beneficiary, serials, ledger entry and the verification link', async () => {
    const pdf = await svc.statement(fx.tx.retirement, { compress: false, fonts: [] });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toMatch(/%%EOF\s*$/);
    const text = builtInText(pdf);
    const url = `http://localhost:8080/registry/explorer/retirements/${fx.tx.retirement}`;
    expect(text).toContain(url);
    expect(text).toContain('Yunnan Example Co');
    expect(text).toContain('voluntary offsetting of 2024 emissions');
    expect(text).toContain('2024-01-01');
    expect(text).toContain('100 units');
    const r = await svc.retirement(fx.tx.retirement);
    expect(text).toContain(r.ledger!.leafHash);
    // The link annotation and the QR code image.
    expect(pdf.toString('latin1')).toContain(`/URI (${url})`);
    expect(pdf.toString('latin1')).toMatch(/\/Subtype \/Image/);
    await expect(svc.statement(fx.tx.cancellation)).rejects.toMatchObject({ status: 404 });
  });

  it('embeds a CJK font for Chinese names when one is installed', async () => {
    const pdf = await svc.statement(fx.tx.retirement, { compress: false });
    const installed = CJK_FONTS.some((f) => existsSync(f.path));
    if (installed) expect(pdf.toString('latin1')).toMatch(/\/FontName \/[A-Z]{6}\+Noto/);
    else expect(pdf.toString('latin1')).toContain('Helvetica');
  });
});

describe('regulator view', () => {
  it('sees every account with its balances per state, and totals per organisation', async () => {
    const o = await svc.overview('system', { limit: 500 });
    const acc = (id: string) => o.accounts.find((a) => a.id === id)!;
    // seller: 1,000 − 300 − 50 = 650 of 2022, + 500 of 2023 = 1,150 held
    expect(acc(fx.accounts.seller).balances).toEqual({ held: '1150' });
    expect(acc(fx.accounts.buyer).balances).toEqual({ held: '200' }); // 300 − 100
    expect(acc(fx.accounts.retirement).balances).toEqual({ retired: '100' });
    expect(acc(fx.accounts.cancellation).balances).toEqual({ cancelled: '50' });
    const buyer = o.orgs.find((x) => x.org.id === fx.orgs.buyer)!;
    expect(buyer).toMatchObject({ accounts: 2, balances: { held: '200', retired: '100' } });
    expect(o.transactions.map((t) => t.id)).toContain(fx.tx.transfer);
    expect(o.transactionsTotal).toBeGreaterThanOrEqual(5);
  });

  it('refuses a caller who is neither regulator nor operator', async () => {
    const member = {
      kind: 'user' as const,
      id: 'u',
      name: 'u',
      memberships: [{ orgId: fx.orgs.buyer, role: 'admin' as const }],
    };
    await expect(svc.overview(member)).rejects.toMatchObject({ status: 403 });
    await expect(svc.export('holdings', 'csv', member)).rejects.toMatchObject({ status: 403 });
    await expect(svc.invariants(member)).rejects.toMatchObject({ status: 403 });
  });

  it('exports holdings as CSV and XLSX', async () => {
    const csv = (await svc.export('holdings', 'csv', 'system')).toString('utf8');
    const rows = parse(csv, { bom: true, columns: true }) as Record<string, string>[];
    const buyer = rows.filter((r) => r['account'] === fx.accountNumbers.buyer);
    expect(buyer.map((r) => [r['state'], r['quantity'], r['serial_start']])).toEqual([
      ['held', '200', (fx.start + 100n).toString()],
    ]);
    const xlsx = await svc.export('accounts', 'xlsx', 'system');
    expect(xlsx.subarray(0, 2).toString('latin1')).toBe('PK');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('accounts')!;
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 3)).toEqual(['number', 'name', 'kind']);
    let seller: unknown[] | undefined;
    ws.eachRow((row) => {
      const v = (row.values as unknown[]).slice(1);
      if (v[0] === fx.accountNumbers.seller) seller = v;
    });
    expect(seller?.[header.indexOf('held')]).toBe(1150);
    const tx = parse((await svc.export('transactions', 'csv', 'system')).toString('utf8'), {
      bom: true,
      columns: true,
    }) as Record<string, string>[];
    expect(tx.find((t) => t['id'] === fx.tx.transfer)).toMatchObject({
      kind: 'transfer',
      quantity: '300',
      from_account: fx.accountNumbers.seller,
      to_account: fx.accountNumbers.buyer,
    });
  });
});

describe('invariant checker', () => {
  const failing = async () => (await svc.invariants('system')).checks.filter((c) => !c.ok).map((c) => c.name);

  it('passes on a clean registry', async () => {
    const r = await svc.invariants('system');
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.length).toBeGreaterThanOrEqual(10);
  });

  it('reports a block whose range was changed by hand', async () => {
    const last = (fx.start + 999n).toString();
    await platform.db.query(
      'UPDATE registry_block SET serial_end = serial_end - 10 WHERE issuance_id = $1 AND serial_end = $2',
      [fx.issuances.v2022, last],
    );
    try {
      const r = await svc.invariants('system');
      const bad = r.checks.filter((c) => !c.ok);
      expect(bad.map((c) => c.name).sort()).toEqual(['each-serial-in-one-block', 'issuance-conserved']);
      expect(bad.find((c) => c.name === 'issuance-conserved')!.examples[0]).toContain(
        `issuance ${fx.issuances.v2022}: quantity 1000, blocks hold 990`,
      );
      expect(bad.find((c) => c.name === 'each-serial-in-one-block')!.examples[0]).toContain(
        `serials ${fx.start + 990n}-${fx.start + 999n} are in no block`,
      );
    } finally {
      await platform.db.query(
        'UPDATE registry_block SET serial_end = $2 WHERE issuance_id = $1 AND serial_end = $3',
        [fx.issuances.v2022, last, (fx.start + 989n).toString()],
      );
    }
    expect(await failing()).toEqual([]);
  });

  it('reports a move of retired units and a transaction whose ledger entry changed', async () => {
    const moved = await platform.db.transaction(async (q) => {
      const e = await platform.ledger.append(q, { type: 'registry.transfer', subject: 'planted', body: {} });
      const t = (
        await q.query<{ id: string }>(
          `INSERT INTO registry_transaction (kind, from_account, to_account, quantity, actor, ledger_index, leaf_hash)
           VALUES ('transfer', $1, $2, 5, 'planted', $3, decode($4, 'hex')) RETURNING id`,
          [fx.accounts.retirement, fx.accounts.seller, e.index, e.leafHash],
        )
      )[0]!;
      await q.query(
        'INSERT INTO registry_transaction_range (transaction_id, issuance_id, serial_start, serial_end) VALUES ($1, $2, $3, $4)',
        [t.id, fx.issuances.v2022, (fx.start + 10n).toString(), (fx.start + 14n).toString()],
      );
      return t.id;
    });
    await platform.db.query(`UPDATE registry_transaction SET leaf_hash = decode($2, 'hex') WHERE id = $1`, [
      fx.tx.issue2023,
      'ee'.repeat(32),
    ]);
    const r = await svc.invariants('system');
    const bad = Object.fromEntries(r.checks.filter((c) => !c.ok).map((c) => [c.name, c.examples]));
    expect(Object.keys(bad).sort()).toEqual(['final-blocks-stay', 'final-is-final', 'ledger-recorded']);
    expect(bad['final-is-final']![0]).toContain(`transaction ${moved} (transfer`);
    expect(bad['final-is-final']![0]).toContain(
      `moved serials ${fx.start + 10n}-${fx.start + 14n} after their retirement ${fx.tx.retirement}`,
    );
    expect(bad['ledger-recorded']![0]).toContain(
      `transaction ${fx.tx.issue2023} (issuance) kept a leaf hash that differs`,
    );
    // Undo: this test database goes on.
    await platform.db.query('DELETE FROM registry_transaction_range WHERE transaction_id = $1', [moved]);
    await platform.db.query('DELETE FROM registry_transaction WHERE id = $1', [moved]);
    await platform.db.query(
      `UPDATE registry_transaction t SET leaf_hash = e.leaf_hash FROM ledger_entry e WHERE t.id = $1 AND e.idx = t.ledger_index`,
      [fx.tx.issue2023],
    );
    expect(await failing()).toEqual([]);
  });

  it('is reachable as the static checkInvariants over any connection', async () => {
    const r = await SupervisionService.checkInvariants(platform.db);
    expect(r.counts.issuances).toBeGreaterThanOrEqual(2);
    expect(BigInt(r.counts.units)).toBeGreaterThanOrEqual(1500n);
  });
});

describe('energy-attribute certificates in the explorer', () => {
  it('counts issuances and cancellations per scheme as the certificate tables hold them', async () => {
    const s = await svc.summary();
    const exists = (
      await platform.db.query<{ ok: boolean }>("SELECT to_regclass('cert_issuance') IS NOT NULL AS ok")
    )[0]!.ok;
    if (!exists) {
      expect(s.certificates).toEqual([]);
      return;
    }
    const rows = await platform.db.query<{ scheme: string; n: string; q: string }>(
      'SELECT scheme, count(*) AS n, sum(quantity)::text AS q FROM cert_issuance GROUP BY scheme ORDER BY scheme',
    );
    expect(s.certificates.map((c) => [c.scheme, c.issuances, c.issued])).toEqual(
      rows.map((r) => [r.scheme, Number(r.n), r.q]),
    );
    const page = await svc.certificateCancellations({ limit: 500 });
    const keys = [...keysOf(JSON.parse(JSON.stringify(page)))];
    expect(keys.filter((k) => /holder|org|account/i.test(k))).toEqual([]);
    for (const c of page.items.slice(0, 3))
      expect((await platform.ledger.entry(c.ledger.index, 'system')).leafHash).toBe(c.ledger.leafHash);
  });
});
