import type { Db } from '../../../db/index.js';
import type { Principal, Role } from '../../../kernel/access.js';
import { identityAdmin } from '../../identity/index.js';
import type { AccountRow } from './contract.js';
import type { UnitService } from './operations.js';

export const person = (id: string, orgId: string, role: Role): Principal => ({
  kind: 'user',
  id,
  name: id,
  memberships: [{ orgId, role }],
});

export interface UnitFixture {
  orgs: { seller: string; buyer: string; operator: string; regulator: string; verifier: string };
  people: {
    seller: Principal;
    buyer: Principal;
    operator: Principal;
    regulator: Principal;
    verifier: Principal;
    /** A verifier in the seller's organisation: may read, may not move units. */
    sellerVerifier: Principal;
  };
  accounts: {
    seller: AccountRow;
    buyer: AccountRow;
    nationalBuffer: AccountRow;
    nationalHolding: AccountRow;
  };
  projectId: string;
  projectCode: string;
}

/** Organisations, people, accounts and one registered project (code P0001, China): no demo data needed. */
export async function unitFixture(db: Db, units: UnitService, suffix = ''): Promise<UnitFixture> {
  return db.transaction(async (tx) => {
    const org = (slug: string, name: string) => identityAdmin.ensureOrg(tx, slug + suffix, name);
    const orgs = {
      seller: await org('ut-seller', '绿能风电 Seller'),
      buyer: await org('ut-buyer', 'Buyer Ltd'),
      operator: await org('ut-operator', 'Registry operator'),
      regulator: await org('ut-regulator', 'Regulator'),
      verifier: await org('ut-verifier', 'Verifier'),
    };
    const projectCode = `UT${suffix.toUpperCase().replace(/[^A-Z0-9]/g, '')}`;
    const projectId = (
      await tx.query<{ id: string }>(
        `INSERT INTO registry_project (code, org_id, name, methodology, host_country, sector, status, created_by)
         VALUES ($1, $2, '甘肃风电项目 Gansu wind', 'ACM0002', 'CN', 'energy', 'registered', 'test') RETURNING id`,
        [projectCode, orgs.seller],
      )
    )[0]!.id;
    return {
      orgs,
      people: {
        seller: person('seller', orgs.seller, 'member'),
        buyer: person('buyer', orgs.buyer, 'admin'),
        operator: person('operator', orgs.operator, 'registry_operator'),
        regulator: person('regulator', orgs.regulator, 'regulator'),
        verifier: person('verifier', orgs.verifier, 'verifier'),
        sellerVerifier: person('seller-verifier', orgs.seller, 'verifier'),
      },
      accounts: {
        seller: await units.ensureAccount(tx, {
          orgId: orgs.seller,
          kind: 'holding',
          name: 'Seller holding',
        }),
        buyer: await units.ensureAccount(tx, { orgId: orgs.buyer, kind: 'holding', name: 'Buyer holding' }),
        nationalBuffer: await units.ensureAccount(tx, {
          orgId: orgs.operator,
          kind: 'buffer',
          name: 'National buffer',
          national: true,
        }),
        nationalHolding: await units.ensureAccount(tx, {
          orgId: orgs.operator,
          kind: 'holding',
          name: 'National holding',
          national: true,
        }),
      },
      projectId,
      projectCode,
    };
  });
}

/** Row counts of the unit engine's tables and the ledger size: "nothing changed" is these being equal. */
export async function snapshotCounts(db: Db): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of [
    'registry_account',
    'registry_issuance',
    'registry_block',
    'registry_transaction',
    'registry_transaction_range',
    'registry_corresponding_adjustment',
    'ledger_entry',
  ])
    out[t] = (await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`))[0]!.n;
  out['blocks'] = JSON.stringify(
    await db.query(
      'SELECT serial_start, serial_end, account_id, state, authorization_id, first_transferred FROM registry_block ORDER BY serial_start',
    ),
  );
  return out;
}

/** A seeded PRNG (mulberry32): the same operations on every run. */
export function prngFor(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
