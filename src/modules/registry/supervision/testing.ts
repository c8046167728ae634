/**
 * A small registry written straight into the core tables, for the supervision tests: they then
 * test the explorer, the statement and the invariant checker without depending on how the unit
 * engine writes (the load tests exercise the engine itself through HTTP).
 *
 * Two organisations, one project with two issuances, a private transfer, a retirement and a
 * cancellation, each with its ledger entry (public except the transfer):
 *
 *   issuance 2022: 1,000 units, serials s..s+999 to the seller's holding account
 *   transfer:       300 units, s..s+299, seller → buyer (private)
 *   retirement:     100 units, s..s+99, buyer → buyer's retirement account, for 云南某公司
 *   cancellation:    50 units, s+300..s+349, seller → the operator's cancellation account
 *   issuance 2023:   500 units, serials s+1000..s+1499 to the seller
 */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../../db/index.js';
import type { Platform } from '../../../platform.js';

export interface Fixture {
  projectCode: string;
  draftCode: string;
  start: bigint;
  orgs: { seller: string; buyer: string; operator: string; buyerSlug: string };
  accounts: { seller: string; buyer: string; retirement: string; cancellation: string };
  accountNumbers: { seller: string; buyer: string; retirement: string; cancellation: string };
  issuances: { v2022: string; v2023: string };
  tx: { issue2022: string; transfer: string; retirement: string; cancellation: string; issue2023: string };
}

const one = async <T>(q: Queryable, sql: string, params: unknown[]): Promise<T> =>
  (await q.query<T>(sql, params))[0]!;

export async function seedFixture(p: Platform): Promise<Fixture> {
  const tag = randomBytes(3).toString('hex');
  return p.db.transaction(async (q) => {
    const org = (slug: string, name: string) =>
      one<{ id: string }>(q, 'INSERT INTO organisation (slug, name) VALUES ($1, $2) RETURNING id', [
        slug,
        name,
      ]).then((r) => r.id);
    const seller = await org(`sup-seller-${tag}`, '云南水电公司 Yunnan Hydro Co');
    const buyerSlug = `sup-buyer-${tag}`;
    const buyer = await org(buyerSlug, '示范买方 Buyer Ltd');
    const operator = await org(`sup-operator-${tag}`, 'Registry operator');
    const account = (orgId: string, kind: string, name: string, national = false) =>
      one<{ id: string }>(
        q,
        'INSERT INTO registry_account (number, org_id, kind, national, name) VALUES ($1, $2, $3, $4, $5) RETURNING id',
        [`SUP-${tag}-${kind}-${name}`, orgId, kind, national, name],
      ).then((r) => r.id);
    const accounts = {
      seller: await account(seller, 'holding', 'seller'),
      buyer: await account(buyer, 'holding', 'buyer'),
      retirement: await account(buyer, 'retirement', 'buyer'),
      cancellation: await account(operator, 'cancellation', 'national', true),
    };
    const accountNumbers = {
      seller: `SUP-${tag}-holding-seller`,
      buyer: `SUP-${tag}-holding-buyer`,
      retirement: `SUP-${tag}-retirement-buyer`,
      cancellation: `SUP-${tag}-cancellation-national`,
    };
    const projectCode = `SUP${tag.toUpperCase()}`;
    const project = await one<{ id: string }>(
      q,
      `INSERT INTO registry_project (code, org_id, name, methodology, host_country, sector, status, created_by)
       VALUES ($1, $2, $3, 'ACM0002', 'CN', 'energy', 'registered', 'test') RETURNING id`,
      [projectCode, seller, '云南小水电项目 Yunnan small hydro'],
    );
    await q.query(
      `INSERT INTO registry_crediting_period (project_id, starts, ends) VALUES ($1, '2021-01-01', '2030-12-31')`,
      [project.id],
    );
    const draftCode = `SUPD${tag.toUpperCase()}`;
    await q.query(
      `INSERT INTO registry_project (code, org_id, name, methodology, host_country, sector, created_by)
       VALUES ($1, $2, 'A draft nobody may see', 'ACM0002', 'CN', 'energy', 'test')`,
      [draftCode, seller],
    );
    const { start } = await one<{ start: string }>(
      q,
      'UPDATE registry_serial_counter SET next = next + 1500 RETURNING next - 1500 AS start',
      [],
    );
    const s = BigInt(start);
    const issuance = (vintage: number, from: bigint, qty: number) =>
      one<{ id: string }>(
        q,
        `INSERT INTO registry_issuance (project_id, vintage, unit_type, quantity, serial_start, serial_end)
         VALUES ($1, $2, 'VER', $3, $4, $5) RETURNING id`,
        [project.id, vintage, qty, from.toString(), (from + BigInt(qty) - 1n).toString()],
      ).then((r) => r.id);
    const i22 = await issuance(2022, s, 1000);
    const i23 = await issuance(2023, s + 1000n, 500);
    const block = (iss: string, a: bigint, b: bigint, acc: string, state: string) =>
      q.query(
        'INSERT INTO registry_block (issuance_id, serial_start, serial_end, account_id, state) VALUES ($1, $2, $3, $4, $5)',
        [iss, a.toString(), b.toString(), acc, state],
      );
    const transaction = async (
      kind: string,
      from: string | null,
      to: string,
      orgId: string,
      iss: string,
      a: bigint,
      b: bigint,
      details: Record<string, unknown>,
      pub: boolean,
    ) => {
      const appended = await p.ledger.append(q, {
        type: `registry.${kind}`,
        subject: `${projectCode}:${a}-${b}`,
        body: { kind, start: a.toString(), end: b.toString(), ...details },
        orgId,
        public: pub,
      });
      const t = await one<{ id: string }>(
        q,
        `INSERT INTO registry_transaction (kind, from_account, to_account, quantity, org_id, actor, details, ledger_index, leaf_hash)
         VALUES ($1, $2, $3, $4, $5, 'test', $6, $7, decode($8, 'hex')) RETURNING id`,
        [
          kind,
          from,
          to,
          (b - a + 1n).toString(),
          orgId,
          JSON.stringify(details),
          appended.index,
          appended.leafHash,
        ],
      );
      await q.query(
        'INSERT INTO registry_transaction_range (transaction_id, issuance_id, serial_start, serial_end) VALUES ($1, $2, $3, $4)',
        [t.id, iss, a.toString(), b.toString()],
      );
      return t.id;
    };
    const issue2022 = await transaction(
      'issuance',
      null,
      accounts.seller,
      operator,
      i22,
      s,
      s + 999n,
      {},
      true,
    );
    const transfer = await transaction(
      'transfer',
      accounts.seller,
      accounts.buyer,
      seller,
      i22,
      s,
      s + 299n,
      {},
      false,
    );
    const retirement = await transaction(
      'retirement',
      accounts.buyer,
      accounts.retirement,
      buyer,
      i22,
      s,
      s + 99n,
      {
        beneficiary: '云南某公司 Yunnan Example Co',
        purpose: 'voluntary offsetting of 2024 emissions',
        claimPeriod: { from: '2024-01-01', to: '2024-12-31' },
      },
      true,
    );
    const cancellation = await transaction(
      'cancellation',
      accounts.seller,
      accounts.cancellation,
      seller,
      i22,
      s + 300n,
      s + 349n,
      { purpose: 'compliance cancellation' },
      true,
    );
    const issue2023 = await transaction(
      'issuance',
      null,
      accounts.seller,
      operator,
      i23,
      s + 1000n,
      s + 1499n,
      {},
      true,
    );
    // The blocks as the moves above leave them.
    await block(i22, s, s + 99n, accounts.retirement, 'retired');
    await block(i22, s + 100n, s + 299n, accounts.buyer, 'held');
    await block(i22, s + 300n, s + 349n, accounts.cancellation, 'cancelled');
    await block(i22, s + 350n, s + 999n, accounts.seller, 'held');
    await block(i23, s + 1000n, s + 1499n, accounts.seller, 'held');
    return {
      projectCode,
      draftCode,
      start: s,
      orgs: { seller, buyer, operator, buyerSlug },
      accounts,
      accountNumbers,
      issuances: { v2022: i22, v2023: i23 },
      tx: { issue2022, transfer, retirement, cancellation, issue2023 },
    };
  });
}
