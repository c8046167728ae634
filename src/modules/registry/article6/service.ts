import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../../db/index.js';
import { hasRoleIn, orgIdsOf, type Principal, type Role } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import type { ReferenceSource } from '../../ledger/index.js';
import type { RegistryContext } from '../context.js';
import type { BlockRow, SerialRange } from '../units/index.js';
import { computeAef, type AefData, type AefLoa, type AefReport } from './aef.js';
import {
  ApplyAdjustmentsInput,
  ApproachInput,
  AuthorizationInput,
  MarkInput,
  RevokeInput,
  UseInput,
  parseInput,
  type CaStatus,
  type FirstTransferOimp,
  type Use,
} from './model.js';
import { alpha3, isCountry } from './parties.js';
import * as store from './store.js';
import { aefWorkbook } from './xlsx.js';

/** A signed-in caller, or the local operator (the CLI). */
export type Viewer = Principal | 'system';

const READ_ALL: readonly Role[] = ['registry_operator', 'regulator'];
const HOLDER_ROLES: readonly Role[] = ['admin', 'member'];
const isOperator = (v: Viewer): boolean =>
  v === 'system' || v.memberships.some((m) => m.role === 'registry_operator');
const readsAll = (v: Viewer): boolean =>
  v === 'system' || v.memberships.some((m) => READ_ALL.includes(m.role));
const actorOf = (v: Viewer): string => (v === 'system' ? 'local operator' : `${v.kind}:${v.id}`);
const nameOf = (v: Viewer): string => (v === 'system' ? 'local operator' : v.name);
const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();
const toRanges = (rs: { start: string; end: string }[]): SerialRange[] =>
  rs.map((r) => ({ start: BigInt(r.start), end: BigInt(r.end) }));
const size = (r: SerialRange) => r.end - r.start + 1n;

/** For `ledger verify`: Article 6 records keep the entries that recorded them. */
export const article6References: ReferenceSource[] = [
  {
    name: 'cooperative approach',
    sql: `SELECT 'cooperative approach ' || code AS ref, ledger_index AS idx, leaf_hash AS leaf FROM registry_a6_approach`,
  },
  {
    name: 'letter of authorisation',
    sql: `SELECT 'letter of authorisation ' || code AS ref, ledger_index AS idx, leaf_hash AS leaf FROM registry_a6_authorization
          UNION ALL
          SELECT 'revocation of ' || code, revoke_ledger_index, revoke_leaf_hash FROM registry_a6_authorization
          WHERE revoke_ledger_index IS NOT NULL`,
  },
  {
    name: 'first transfer at authorisation',
    sql: `SELECT 'first transfer of marking ' || id AS ref, first_transfer_ledger_index AS idx, first_transfer_leaf_hash AS leaf
          FROM registry_a6_marking WHERE first_transfer_ledger_index IS NOT NULL`,
  },
  {
    name: 'corresponding adjustment report',
    sql: `SELECT 'corresponding adjustment report ' || id AS ref, ledger_index AS idx, leaf_hash AS leaf FROM registry_a6_adjustment_report`,
  },
];

export interface LedgerRef {
  index: number;
  leafHash: string;
}
const ledgerRef = (index: string | number, leafHash: string): LedgerRef => ({
  index: Number(index),
  leafHash,
});

export interface ApproachView {
  id: string;
  code: string;
  name: string;
  description: string;
  parties: string[];
  createdBy: string;
  createdAt: string;
  ledger: LedgerRef;
}

export interface AuthorizationView {
  id: string;
  code: string;
  approach: { id: string; code: string; name: string };
  hostParty: string;
  acquiringParty: string | null;
  uses: Use[];
  oimpPurpose: string | null;
  firstTransferOimp: FirstTransferOimp | null;
  metric: string;
  sector: string;
  activityType: string;
  mitigationType: string;
  authorizedQuantity: string | null;
  validFrom: string;
  validUntil: string;
  vintageFrom: number | null;
  vintageTo: number | null;
  projects: { id: string; code: string; name: string }[];
  issuances: string[];
  document: { name: string; sha256: string };
  terms: string;
  version: number;
  status: 'active' | 'revoked';
  /** Units marked as ITMOs under this letter, and how many of them were first transferred. */
  units: { authorized: string; firstTransferred: string };
  createdBy: string;
  createdAt: string;
  ledger: LedgerRef;
  revocation: { at: string; by: string; reason: string; ledger: LedgerRef } | null;
}

export interface UnitView {
  serial: string;
  start: string;
  end: string;
  quantity: string;
  vintage: number;
  projectCode: string;
  state: string;
  firstTransferred: boolean;
  /** CAD Trust's corresponding-adjustment status of these units. */
  adjustment: CaStatus;
  /** The holding account's number: shown to the registry operator, the regulator and the holder. */
  account: string | null;
}

export interface MarkResult {
  authorization: string;
  transactionId: string;
  quantity: string;
  ranges: { start: string; end: string; quantity: string; serial: string }[];
  /** True when this letter's first transfer is the authorisation (OIMP): the adjustment is recorded now. */
  firstTransfer: boolean;
  ledger: LedgerRef;
}

export interface AdjustmentView {
  id: string;
  party: string;
  year: number;
  authorization: string | null;
  vintage: number | null;
  start: string;
  end: string;
  quantity: string;
  firstTransfer: { transactionId: string; kind: string; at: string };
  status: CaStatus;
  reference: string | null;
}

export interface AdjustmentsView {
  summary: { party: string; year: number; pending: string; completed: string; total: string }[];
  notStarted: { party: string; quantity: string }[];
  adjustments: AdjustmentView[];
}

export interface UseView {
  transactionId: string;
  use: Use;
  party: string;
  quantity: string;
  fromAccount: string | null;
  toAccount: string | null;
  ndcPeriod: string | null;
  year: number | null;
  purpose: string | null;
  entity: string | null;
  voluntary: boolean;
  at: string;
  ledgerIndex: number | null;
  replayed?: boolean;
}

const approachView = (r: store.ApproachRow): ApproachView => ({
  id: r.id,
  code: r.code,
  name: r.name,
  description: r.description,
  parties: r.parties,
  createdBy: r.created_by,
  createdAt: iso(r.created_at),
  ledger: ledgerRef(r.ledger_index, r.leaf_hash),
});

export class Article6Service {
  constructor(readonly ctx: RegistryContext) {
    for (const r of article6References) ctx.ledger.registerReferences(r);
  }

  private get db() {
    return this.ctx.db;
  }

  /** The organisation a registry operator acts for; the CLI acts for the first operator organisation (or `org`). */
  private async operatorOrg(q: Queryable, viewer: Viewer, org?: string): Promise<string> {
    if (viewer === 'system') {
      const all = await store.operatorOrgs(q);
      const found = org === undefined ? all[0] : all.find((o) => o.slug === org || o.org_id === org);
      if (!found)
        throw new AppError(
          'bad_request',
          org === undefined
            ? 'no organisation has a registry operator'
            : `org: "${org}" has no registry operator`,
          { field: 'org' },
        );
      return found.org_id;
    }
    const m = viewer.memberships.find((x) => x.role === 'registry_operator');
    if (!m) throw new AppError('forbidden', 'the registry operator does this');
    return m.orgId;
  }

  private requireOperator(viewer: Viewer, what: string): void {
    if (!isOperator(viewer)) throw new AppError('forbidden', `${what}: the registry operator does this`);
  }

  // Cooperative approaches ------------------------------------------------------------------

  async listApproaches(): Promise<ApproachView[]> {
    return (await store.approaches(this.db)).map(approachView);
  }

  async getApproach(idOrCode: string): Promise<ApproachView> {
    const r = await store.approachBy(this.db, idOrCode);
    if (!r) throw new AppError('not_found', `no cooperative approach ${idOrCode}`);
    return approachView(r);
  }

  async createApproach(input: unknown, viewer: Viewer): Promise<ApproachView> {
    this.requireOperator(viewer, 'cooperative approaches');
    const a = parseInput(ApproachInput, input);
    const id = randomUUID();
    await this.db.transaction(async (tx) => {
      const orgId = await this.operatorOrg(tx, viewer);
      if (await store.approachBy(tx, a.code))
        throw new AppError('conflict', `code: cooperative approach ${a.code} is already recorded`, {
          field: 'code',
        });
      const ledger = await this.ctx.ledger.append(tx, {
        type: 'registry.article6.approach',
        subject: `registry/article6/approaches/${a.code}`,
        body: { id, code: a.code, name: a.name, description: a.description, parties: a.parties },
        orgId,
        public: true,
      });
      await store.insertApproach(tx, {
        id,
        ...a,
        orgId,
        createdBy: nameOf(viewer),
        ledgerIndex: ledger.index,
        leafHash: ledger.leafHash,
      });
    });
    return this.getApproach(id);
  }

  // Letters of authorisation ----------------------------------------------------------------

  private async authorizationView(q: Queryable, r: store.AuthorizationRow): Promise<AuthorizationView> {
    const projects = await store.projectsById(q, r.project_ids);
    return {
      id: r.id,
      code: r.code,
      approach: { id: r.approach_id, code: r.approach_code, name: r.approach_name },
      hostParty: r.host_party,
      acquiringParty: r.acquiring_party,
      uses: r.uses as Use[],
      oimpPurpose: r.oimp_purpose,
      firstTransferOimp: r.first_transfer_oimp as FirstTransferOimp | null,
      metric: 't CO2e',
      sector: r.sector,
      activityType: r.activity_type,
      mitigationType: r.mitigation_type,
      authorizedQuantity: r.authorized_quantity,
      validFrom: r.valid_from,
      validUntil: r.valid_until,
      vintageFrom: r.vintage_from,
      vintageTo: r.vintage_to,
      projects: projects.map((p) => ({ id: p.id, code: p.code, name: p.name })),
      issuances: r.issuance_ids,
      document: { name: r.document_name, sha256: r.document_sha256 },
      terms: r.terms,
      version: r.version,
      status: r.status,
      units: { authorized: String(r.marked), firstTransferred: String(r.first_transferred) },
      createdBy: r.created_by,
      createdAt: iso(r.created_at),
      ledger: ledgerRef(r.ledger_index, r.leaf_hash),
      revocation:
        r.revoked_at && r.revoke_ledger_index
          ? {
              at: iso(r.revoked_at),
              by: r.revoked_by ?? '',
              reason: r.revoke_reason ?? '',
              ledger: ledgerRef(r.revoke_ledger_index, r.revoke_leaf_hash ?? ''),
            }
          : null,
    };
  }

  async listAuthorizations(filter: { host?: string | undefined; approach?: string | undefined } = {}) {
    let approachId: string | undefined;
    if (filter.approach !== undefined) {
      const a = await store.approachBy(this.db, filter.approach);
      if (!a)
        throw new AppError('not_found', `approach: no cooperative approach ${filter.approach}`, {
          field: 'approach',
        });
      approachId = a.id;
    }
    const rows = await store.authorizations(this.db, { host: filter.host, approachId });
    return Promise.all(rows.map((r) => this.authorizationView(this.db, r)));
  }

  private async loa(q: Queryable, idOrCode: string, forUpdate = false): Promise<store.AuthorizationRow> {
    const r = await store.authorizationBy(q, idOrCode, forUpdate);
    if (!r) throw new AppError('not_found', `no letter of authorisation ${idOrCode}`);
    return r;
  }

  async getAuthorization(idOrCode: string): Promise<AuthorizationView> {
    return this.authorizationView(this.db, await this.loa(this.db, idOrCode));
  }

  /** Records a letter of authorisation the host Party issued (public, in the ledger). */
  async createAuthorization(input: unknown, viewer: Viewer): Promise<AuthorizationView> {
    this.requireOperator(viewer, 'letters of authorisation');
    const a = parseInput(AuthorizationInput, input);
    const id = randomUUID();
    await this.db.transaction(async (tx) => {
      const orgId = await this.operatorOrg(tx, viewer);
      const approach = await store.approachBy(tx, a.approach);
      if (!approach)
        throw new AppError('not_found', `approach: no cooperative approach ${a.approach}`, {
          field: 'approach',
        });
      if (!approach.parties.includes(a.hostParty))
        throw new AppError(
          'bad_request',
          `hostParty: ${a.hostParty} does not participate in ${approach.code} (${approach.parties.join(', ')})`,
          { field: 'hostParty' },
        );
      if (a.acquiringParty !== null && !approach.parties.includes(a.acquiringParty))
        throw new AppError(
          'bad_request',
          `acquiringParty: ${a.acquiringParty} does not participate in ${approach.code} (${approach.parties.join(', ')})`,
          { field: 'acquiringParty' },
        );
      if (await store.authorizationBy(tx, a.code))
        throw new AppError('conflict', `code: letter ${a.code} is already recorded`, { field: 'code' });
      const projects = await store.projectsBy(tx, a.projects);
      const projectIds: string[] = [];
      a.projects.forEach((ref, i) => {
        const p = projects.find((x) => x.code === ref || x.id === ref);
        if (!p)
          throw new AppError('not_found', `projects.${i}: no project ${ref}`, { field: `projects.${i}` });
        if (p.host_country !== a.hostParty)
          throw new AppError(
            'bad_request',
            `projects.${i}: project ${p.code} is in ${p.host_country}, not in the host Party ${a.hostParty}`,
            { field: `projects.${i}` },
          );
        if (!projectIds.includes(p.id)) projectIds.push(p.id);
      });
      if (a.issuances.length > 0) {
        const found = await store.issuancesOfProjects(tx, a.issuances, projectIds);
        a.issuances.forEach((iss, i) => {
          if (!found.some((f) => f.id === iss))
            throw new AppError(
              'bad_request',
              `issuances.${i}: issuance ${iss} is not of the projects named`,
              {
                field: `issuances.${i}`,
              },
            );
        });
      }
      const ledger = await this.ctx.ledger.append(tx, {
        type: 'registry.article6.authorization',
        subject: `registry/article6/authorizations/${id}`,
        body: {
          id,
          code: a.code,
          approach: approach.code,
          hostParty: a.hostParty,
          acquiringParty: a.acquiringParty,
          uses: a.uses,
          oimpPurpose: a.oimpPurpose,
          firstTransferOimp: a.firstTransferOimp,
          metric: 't CO2e',
          sector: a.sector,
          activityType: a.activityType,
          authorizedQuantity: a.authorizedQuantity,
          validFrom: a.validFrom,
          validUntil: a.validUntil,
          vintages: [a.vintageFrom, a.vintageTo],
          projects: projectIds,
          issuances: a.issuances,
          document: a.document,
        },
        orgId,
        public: true,
      });
      await store.insertAuthorization(tx, {
        id,
        code: a.code,
        approachId: approach.id,
        hostParty: a.hostParty,
        acquiringParty: a.acquiringParty,
        uses: a.uses,
        oimpPurpose: a.oimpPurpose,
        firstTransferOimp: a.firstTransferOimp,
        sector: a.sector,
        activityType: a.activityType,
        mitigationType: a.mitigationType,
        authorizedQuantity: a.authorizedQuantity,
        validFrom: a.validFrom,
        validUntil: a.validUntil,
        vintageFrom: a.vintageFrom,
        vintageTo: a.vintageTo,
        projectIds,
        issuanceIds: a.issuances,
        documentName: a.document.name,
        documentSha256: a.document.sha256,
        terms: a.terms,
        orgId,
        createdBy: nameOf(viewer),
        ledgerIndex: ledger.index,
        leafHash: ledger.leafHash,
      });
    });
    return this.getAuthorization(id);
  }

  /** The ITMO blocks of a letter: serials, state, first transfer and adjustment status. */
  async units(idOrCode: string, viewer: Viewer): Promise<UnitView[]> {
    const loa = await this.loa(this.db, idOrCode);
    const rows = await store.unitsOf(this.db, loa.id);
    const all = readsAll(viewer);
    const mine = viewer === 'system' ? [] : orgIdsOf(viewer);
    return rows.map((b) => {
      const start = BigInt(b.serial_start);
      const end = BigInt(b.serial_end);
      const adjusted = BigInt(b.adjusted);
      const applied = BigInt(b.applied);
      return {
        serial: this.ctx.units.formatSerial({
          hostCountry: b.host_country,
          unitType: b.unit_type,
          projectCode: b.project_code,
          vintage: b.vintage,
          start,
          end,
        }),
        start: b.serial_start,
        end: b.serial_end,
        quantity: (end - start + 1n).toString(),
        vintage: b.vintage,
        projectCode: b.project_code,
        state: b.state,
        firstTransferred: b.first_transferred,
        adjustment: adjusted === 0n ? 'Not Started' : applied >= adjusted ? 'Completed' : 'Pending',
        account: all || mine.includes(b.account_org) ? b.account_number : null,
      };
    });
  }

  /**
   * Marks serial ranges as ITMOs under a letter. Refused for units of projects or issuances the
   * letter does not cover, of another host country, outside its vintages, already authorised, or
   * in a final state; beyond the letter's authorised quantity; after it expired or was revoked.
   * For an OIMP letter whose first transfer is the authorisation (or the issuance, of units issued
   * before the marking), the first transfer and the host's corresponding adjustment happen here.
   */
  async markUnits(idOrCode: string, input: unknown, viewer: Viewer): Promise<MarkResult> {
    this.requireOperator(viewer, 'marking ITMOs');
    const m = parseInput(MarkInput, input);
    const ranges = toRanges(m.ranges);
    return this.db.transaction(async (tx) => {
      const orgId = await this.operatorOrg(tx, viewer);
      const loa = await this.loa(tx, idOrCode, true);
      if (loa.status !== 'active')
        throw new AppError('conflict', `letter ${loa.code} was revoked; it authorises no more units`);
      const today = new Date().toISOString().slice(0, 10);
      if (today > loa.valid_until || today < loa.valid_from)
        throw new AppError(
          'conflict',
          `letter ${loa.code} is valid from ${loa.valid_from} to ${loa.valid_until}`,
        );
      const blocks = await this.ctx.units.blocksIn(tx, ranges);
      for (const b of blocks) this.checkCovered(loa, b, ranges);
      const quantity = ranges.reduce((s, r) => s + size(r), 0n);
      if (loa.authorized_quantity !== null && BigInt(loa.marked) + quantity > BigInt(loa.authorized_quantity))
        throw new AppError(
          'conflict',
          `ranges: letter ${loa.code} authorises ${loa.authorized_quantity} units; ${loa.marked} are marked, ${quantity} more would exceed it`,
          { field: 'ranges' },
        );
      const result = await this.ctx.units.authorize(tx, ranges, loa.id, actorOf(viewer), orgId);
      const markingId = randomUUID();
      const early =
        loa.uses.length === 1 &&
        loa.uses[0] === 'oimp' &&
        (loa.first_transfer_oimp === 'authorization' || loa.first_transfer_oimp === 'issuance');
      let ft: LedgerRef | null = null;
      if (early) ft = await this.firstTransferNow(tx, loa, result, orgId);
      await tx.query(
        `INSERT INTO registry_a6_marking (id, authorization_id, transaction_id, quantity, first_transfer,
           first_transfer_ledger_index, first_transfer_leaf_hash, created_by, ledger_index, leaf_hash)
         VALUES ($1, $2, $3, $4, $5, $6, decode($7, 'hex'), $8, $9, decode($10, 'hex'))`,
        [
          markingId,
          loa.id,
          result.transactionId,
          result.quantity.toString(),
          early,
          ft?.index ?? null,
          ft?.leafHash ?? null,
          nameOf(viewer),
          result.ledger.index,
          result.ledger.leafHash,
        ],
      );
      return {
        authorization: loa.code,
        transactionId: result.transactionId,
        quantity: result.quantity.toString(),
        ranges: result.ranges.map((r) => ({
          start: r.start.toString(),
          end: r.end.toString(),
          quantity: size(r).toString(),
          serial: r.serial,
        })),
        firstTransfer: early,
        ledger: result.ledger,
      };
    });
  }

  private checkCovered(loa: store.AuthorizationRow, b: BlockRow, ranges: SerialRange[]): void {
    const serial = b.serial;
    const at = ranges.findIndex((r) => r.start <= b.end && r.end >= b.start);
    const field = `ranges.${at < 0 ? 0 : at}`;
    const refuse = (why: string): never => {
      throw new AppError('conflict', `${field}: serial ${serial} ${why}`, { field, details: { serial } });
    };
    if (b.hostCountry !== loa.host_party)
      refuse(`is of host country ${b.hostCountry}, not ${loa.host_party}`);
    if (!loa.project_ids.includes(b.projectId))
      refuse(`is of project ${b.projectCode}, which letter ${loa.code} does not cover`);
    if (loa.issuance_ids.length > 0 && !loa.issuance_ids.includes(b.issuanceId))
      refuse(`is of an issuance letter ${loa.code} does not cover`);
    if (
      (loa.vintage_from !== null && b.vintage < loa.vintage_from) ||
      (loa.vintage_to !== null && b.vintage > loa.vintage_to)
    )
      refuse(
        `is of vintage ${b.vintage}, outside the letter's ${loa.vintage_from ?? '…'}–${loa.vintage_to ?? '…'}`,
      );
    if (b.authorizationId !== null) refuse('is already authorised');
    if (['retired', 'cancelled', 'exported', 'expired'].includes(b.state))
      refuse(`is ${b.state}; ${b.state} units cannot be authorised`);
  }

  /**
   * The first transfer of units an OIMP letter defines as first transferred at authorisation or
   * issuance: the unit engine's contract has no call for it, so this marks the blocks and records
   * the corresponding adjustments in the core tables, in the caller's transaction. The GiST
   * exclusion on registry_corresponding_adjustment still refuses a second adjustment of a serial.
   */
  private async firstTransferNow(
    tx: Queryable,
    loa: store.AuthorizationRow,
    result: { transactionId: string; ranges: (SerialRange & { serial: string })[] },
    orgId: string,
  ): Promise<LedgerRef> {
    for (const r of result.ranges) {
      await tx.query(
        `UPDATE registry_block SET first_transferred = true, updated_at = now()
         WHERE authorization_id = $1 AND serial_start >= $2 AND serial_end <= $3 AND NOT first_transferred`,
        [loa.id, r.start.toString(), r.end.toString()],
      );
      await tx.query(
        `INSERT INTO registry_corresponding_adjustment (transaction_id, authorization_id, host_country, serial_start, serial_end)
         VALUES ($1, $2, $3, $4, $5)`,
        [result.transactionId, loa.id, loa.host_party, r.start.toString(), r.end.toString()],
      );
    }
    return this.ctx.ledger.append(tx, {
      type: 'registry.article6.first-transfer',
      subject: `registry/transactions/${result.transactionId}`,
      body: {
        transaction: result.transactionId,
        authorization: loa.code,
        hostParty: loa.host_party,
        definition: loa.first_transfer_oimp,
        serials: result.ranges.map((r) => r.serial),
      },
      orgId,
      public: true,
    });
  }

  /** Revokes a letter: refused once any of its units was first transferred; the others stop being ITMOs. */
  async revoke(idOrCode: string, input: unknown, viewer: Viewer): Promise<AuthorizationView> {
    this.requireOperator(viewer, 'revocation');
    const { reason } = parseInput(RevokeInput, input);
    const id = await this.db.transaction(async (tx) => {
      const orgId = await this.operatorOrg(tx, viewer);
      const loa = await this.loa(tx, idOrCode, true);
      if (loa.status === 'revoked') throw new AppError('conflict', `letter ${loa.code} is already revoked`);
      // Lock the letter's blocks: a first transfer running now waits, or has happened and is seen.
      const blocks = await tx.query<{ first_transferred: boolean }>(
        'SELECT first_transferred FROM registry_block WHERE authorization_id = $1 ORDER BY serial_start FOR UPDATE',
        [loa.id],
      );
      const adjusted = await tx.query<{ n: string }>(
        'SELECT count(*) AS n FROM registry_corresponding_adjustment WHERE authorization_id = $1',
        [loa.id],
      );
      if (blocks.some((b) => b.first_transferred) || Number(adjusted[0]!.n) > 0)
        throw new AppError(
          'conflict',
          `letter ${loa.code} cannot be revoked: some of its units were first transferred and the host has adjusted for them`,
        );
      const ledger = await this.ctx.ledger.append(tx, {
        type: 'registry.article6.revocation',
        subject: `registry/article6/authorizations/${loa.id}`,
        body: { authorization: loa.code, reason, units: String(loa.marked) },
        orgId,
        public: true,
      });
      await tx.query(
        'UPDATE registry_block SET authorization_id = NULL, updated_at = now() WHERE authorization_id = $1',
        [loa.id],
      );
      await tx.query(
        `UPDATE registry_a6_authorization SET status = 'revoked', revoked_at = now(), revoked_by = $2, revoke_reason = $3,
           revoke_ledger_index = $4, revoke_leaf_hash = decode($5, 'hex') WHERE id = $1`,
        [loa.id, nameOf(viewer), reason, ledger.index, ledger.leafHash],
      );
      return loa.id;
    });
    return this.getAuthorization(id);
  }

  // Corresponding adjustments ---------------------------------------------------------------

  async adjustments(
    filter: { party?: string | undefined; year?: number | undefined },
    viewer: Viewer,
  ): Promise<AdjustmentsView> {
    if (!readsAll(viewer))
      throw new AppError('forbidden', 'corresponding adjustments: the registry operator or a regulator');
    if (filter.party !== undefined && !isCountry(filter.party))
      throw new AppError('bad_request', `party: "${filter.party}" is not an ISO 3166-1 alpha-2 code`, {
        field: 'party',
      });
    const rows = await store.adjustments(this.db, { host: filter.party, year: filter.year });
    const list: AdjustmentView[] = rows.map((r) => ({
      id: r.id,
      party: r.host_country,
      year: Number(r.year),
      authorization: r.authorization_code,
      vintage: r.vintage === null ? null : Number(r.vintage),
      start: r.serial_start,
      end: r.serial_end,
      quantity: (BigInt(r.serial_end) - BigInt(r.serial_start) + 1n).toString(),
      firstTransfer: { transactionId: r.transaction_id, kind: r.kind, at: iso(r.created_at) },
      status: r.report_id ? 'Completed' : 'Pending',
      reference: r.reference,
    }));
    const sums = new Map<string, { party: string; year: number; pending: bigint; completed: bigint }>();
    for (const a of list) {
      const k = `${a.party}|${a.year}`;
      const s = sums.get(k) ?? { party: a.party, year: a.year, pending: 0n, completed: 0n };
      if (a.status === 'Completed') s.completed += BigInt(a.quantity);
      else s.pending += BigInt(a.quantity);
      sums.set(k, s);
    }
    return {
      summary: [...sums.values()].map((s) => ({
        party: s.party,
        year: s.year,
        pending: s.pending.toString(),
        completed: s.completed.toString(),
        total: (s.pending + s.completed).toString(),
      })),
      notStarted: (await store.notStarted(this.db, filter.party ?? null)).map((r) => ({
        party: r.host_party,
        quantity: String(r.quantity),
      })),
      adjustments: list,
    };
  }

  /** The host's operator reports the pending adjustments of a year as applied (e.g. in its biennial transparency report). */
  async applyAdjustments(input: unknown, viewer: Viewer) {
    this.requireOperator(viewer, 'corresponding adjustments');
    const a = parseInput(ApplyAdjustmentsInput, input);
    return this.db.transaction(async (tx) => {
      const orgId = await this.operatorOrg(tx, viewer);
      const pending = await tx.query<{ id: string; serial_start: string; serial_end: string }>(
        `SELECT c.id, c.serial_start, c.serial_end FROM registry_corresponding_adjustment c
         WHERE c.host_country = $1 AND extract(year FROM c.created_at AT TIME ZONE 'UTC')::int = $2
           AND NOT EXISTS (SELECT 1 FROM registry_a6_adjustment_applied ap WHERE ap.adjustment_id = c.id)
         ORDER BY c.serial_start FOR UPDATE OF c`,
        [a.party, a.year],
      );
      if (pending.length === 0)
        throw new AppError('conflict', `no pending corresponding adjustments of ${a.party} for ${a.year}`, {
          field: 'year',
        });
      const quantity = pending.reduce((s, r) => s + BigInt(r.serial_end) - BigInt(r.serial_start) + 1n, 0n);
      const id = randomUUID();
      const ledger = await this.ctx.ledger.append(tx, {
        type: 'registry.article6.adjustments-applied',
        subject: `registry/article6/adjustments/${a.party}/${a.year}`,
        body: {
          report: id,
          party: a.party,
          year: a.year,
          reference: a.reference,
          quantity: quantity.toString(),
          adjustments: pending.length,
        },
        orgId,
        public: true,
      });
      await tx.query(
        `INSERT INTO registry_a6_adjustment_report (id, host_party, year, reference, quantity, created_by, ledger_index, leaf_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, decode($8, 'hex'))`,
        [
          id,
          a.party,
          a.year,
          a.reference,
          quantity.toString(),
          nameOf(viewer),
          ledger.index,
          ledger.leafHash,
        ],
      );
      await tx.query(
        'INSERT INTO registry_a6_adjustment_applied (adjustment_id, report_id) SELECT unnest($1::uuid[]), $2',
        [pending.map((p) => p.id), id],
      );
      return {
        id,
        party: a.party,
        year: a.year,
        reference: a.reference,
        quantity: quantity.toString(),
        adjustments: pending.length,
        ledger,
      };
    });
  }

  // Use towards an NDC, cancellation for OIMP --------------------------------------------------

  private useView(r: store.UseRow): UseView {
    const d = (r.details['article6'] ?? {}) as Record<string, unknown>;
    return {
      transactionId: r.id,
      use: r.kind === 'ndc-use' ? 'ndc' : 'oimp',
      party: typeof d['party'] === 'string' ? d['party'] : '',
      quantity: r.quantity,
      fromAccount: r.from_number,
      toAccount: r.to_number,
      ndcPeriod: typeof d['ndcPeriod'] === 'string' ? d['ndcPeriod'] : null,
      year: typeof d['year'] === 'number' ? d['year'] : null,
      purpose: typeof d['purpose'] === 'string' ? d['purpose'] : null,
      entity: typeof d['entity'] === 'string' ? d['entity'] : null,
      voluntary: d['voluntary'] === true,
      at: iso(r.created_at),
      ledgerIndex: r.ledger_index === null ? null : Number(r.ledger_index),
    };
  }

  async listUses(viewer: Viewer): Promise<UseView[]> {
    const rows = await store.uses(this.db, readsAll(viewer) ? null : orgIdsOf(viewer as Principal));
    return rows.map((r) => this.useView(r));
  }

  /**
   * Uses ITMOs towards a Party's NDC (or cancels them for OIMP): they move to the national
   * cancellation account, cancelled. The holder of the account or the registry operator does it;
   * every unit must be an ITMO whose letter authorises that use (and that Party).
   */
  async use(input: unknown, viewer: Viewer, idempotencyKey?: string): Promise<UseView> {
    const u = parseInput(UseInput, input);
    const ranges = toRanges(u.ranges);
    return this.db.transaction(async (tx) => {
      const from = await this.ctx.units.account(tx, u.fromAccount);
      const operator = isOperator(viewer);
      if (!from || (!operator && !orgIdsOf(viewer as Principal).includes(from.orgId)))
        throw new AppError('not_found', `fromAccount: no account ${u.fromAccount} of yours`, {
          field: 'fromAccount',
        });
      if (!operator && !hasRoleIn(viewer as Principal, from.orgId, HOLDER_ROLES))
        throw new AppError(
          'forbidden',
          "ITMOs are used by the account holder's admins or members, or the registry operator",
        );
      const blocks = await this.ctx.units.blocksIn(tx, ranges);
      const loas = new Map<string, store.AuthorizationRow>();
      const today = new Date().toISOString().slice(0, 10);
      for (const b of blocks) {
        const at = ranges.findIndex((r) => r.start <= b.end && r.end >= b.start);
        const field = `ranges.${at < 0 ? 0 : at}`;
        const refuse = (why: string): never => {
          throw new AppError('conflict', `${field}: serial ${b.serial} ${why}`, {
            field,
            details: { serial: b.serial },
          });
        };
        if (!b.authorizationId) refuse('is not an ITMO: no letter of authorisation covers it');
        let loa = loas.get(b.authorizationId!);
        if (!loa) {
          loa = await this.loa(tx, b.authorizationId!);
          loas.set(loa.id, loa);
        }
        if (!loa.uses.includes(u.use))
          refuse(`is authorised by letter ${loa.code} for ${loa.uses.join(' and ')} only, not ${u.use}`);
        if (u.use === 'ndc' && u.party === loa.host_party)
          refuse(`comes from ${loa.host_party}: the host Party does not use its own ITMOs towards its NDC`);
        if (u.use === 'ndc' && loa.acquiring_party !== null && loa.acquiring_party !== u.party)
          refuse(`is authorised for use by ${loa.acquiring_party} only, not ${u.party}`);
        if (today > loa.valid_until)
          refuse(`is under letter ${loa.code}, which expired on ${loa.valid_until}`);
      }
      const first = loas.values().next().value as store.AuthorizationRow | undefined;
      if (!first) throw new AppError('conflict', 'ranges: no such units are held here', { field: 'ranges' });
      const national = await this.ctx.units.ensureAccount(tx, {
        orgId: first.org_id,
        kind: 'cancellation',
        national: true,
        name: 'National cancellation account',
      });
      const orgId = operator ? await this.operatorOrg(tx, viewer) : from.orgId;
      const article6 = {
        use: u.use,
        party: u.party,
        ndcPeriod: u.ndcPeriod,
        year: u.year,
        purpose: u.purpose,
        entity: u.entity,
        voluntary: u.voluntary,
        authorizations: [...loas.values()].map((l) => l.code),
      };
      const moved = await this.ctx.units.move(tx, {
        kind: u.use === 'ndc' ? 'ndc-use' : 'cancellation',
        fromAccountId: from.id,
        toAccountId: national.id,
        units: { ranges },
        toState: 'cancelled',
        actor: actorOf(viewer),
        orgId,
        details: { article6 },
        ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      });
      return {
        transactionId: moved.transactionId,
        use: u.use,
        party: u.party,
        quantity: moved.quantity.toString(),
        fromAccount: from.number,
        toAccount: national.number,
        ndcPeriod: u.ndcPeriod,
        year: u.year,
        purpose: u.purpose,
        entity: u.entity,
        voluntary: u.voluntary,
        at: new Date().toISOString(),
        ledgerIndex: moved.ledger.index,
        replayed: moved.replayed,
      };
    });
  }

  // The AEF report --------------------------------------------------------------------------

  private async aefData(q: Queryable): Promise<AefData> {
    const loaRows = await q.query<store.AuthorizationRow>(
      `SELECT a.*, p.code AS approach_code, '' AS approach_name, 0 AS marked, 0 AS first_transferred,
         encode(a.leaf_hash, 'hex') AS leaf_hash FROM registry_a6_authorization a JOIN registry_a6_approach p ON p.id = a.approach_id`,
    );
    const loas: AefLoa[] = loaRows.map((r) => ({
      id: r.id,
      code: r.code,
      approachCode: r.approach_code,
      hostParty: r.host_party,
      acquiringParty: r.acquiring_party,
      uses: r.uses as Use[],
      oimpPurpose: r.oimp_purpose,
      firstTransferOimp: r.first_transfer_oimp as FirstTransferOimp | null,
      sector: r.sector,
      activityType: r.activity_type,
      mitigationType: r.mitigation_type,
      metric: r.metric,
      authorizedQuantity: r.authorized_quantity === null ? null : BigInt(r.authorized_quantity),
      validFrom: r.valid_from,
      validUntil: r.valid_until,
      vintageFrom: r.vintage_from,
      vintageTo: r.vintage_to,
      documentName: r.document_name,
      documentSha256: r.document_sha256,
      terms: r.terms,
      version: r.version,
      createdAt: new Date(r.created_at),
      revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
      revokeReason: r.revoke_reason,
    }));
    const markings = (
      await q.query<{ authorization_id: string; transaction_id: string }>(
        'SELECT authorization_id, transaction_id FROM registry_a6_marking ORDER BY created_at, ledger_index',
      )
    ).map((m) => ({ authorizationId: m.authorization_id, transactionId: m.transaction_id }));
    // Every range of every transaction that touched a marked serial.
    const ranges = await q.query<{
      transaction_id: string;
      issuance_id: string;
      serial_start: string;
      serial_end: string;
    }>(
      `SELECT tr.transaction_id, tr.issuance_id, tr.serial_start, tr.serial_end FROM registry_transaction_range tr
       WHERE EXISTS (SELECT 1 FROM registry_a6_marking m JOIN registry_transaction_range mr ON mr.transaction_id = m.transaction_id
                     WHERE int8range(mr.serial_start, mr.serial_end, '[]') && int8range(tr.serial_start, tr.serial_end, '[]'))
       ORDER BY tr.serial_start, tr.transaction_id`,
    );
    const txIds = [...new Set(ranges.map((r) => r.transaction_id))];
    const txs = await q.query<{
      id: string;
      kind: string;
      from_account: string | null;
      to_account: string | null;
      details: Record<string, unknown>;
      created_at: Date;
      seq: string;
    }>(
      `SELECT id, kind, from_account, to_account, details, created_at,
         row_number() OVER (ORDER BY created_at, ledger_index NULLS LAST, id) AS seq
       FROM registry_transaction WHERE id = ANY($1::uuid[])`,
      [txIds],
    );
    const adjustments = await q.query<{
      id: string;
      authorization_id: string;
      transaction_id: string;
      serial_start: string;
      serial_end: string;
      created_at: Date;
    }>(
      'SELECT id, authorization_id, transaction_id, serial_start, serial_end, created_at FROM registry_corresponding_adjustment',
    );
    const issuanceIds = [...new Set(ranges.map((r) => r.issuance_id))];
    const issuances = await q.query<{
      id: string;
      vintage: number;
      unit_type: string;
      code: string;
      host_country: string;
    }>(
      `SELECT i.id, i.vintage, i.unit_type, p.code, p.host_country FROM registry_issuance i
       JOIN registry_project p ON p.id = i.project_id WHERE i.id = ANY($1::uuid[])`,
      [issuanceIds],
    );
    const accountIds = [...new Set(txs.flatMap((t) => (t.to_account ? [t.to_account] : [])))];
    const accounts = await q.query<{ id: string; kind: string; national: boolean }>(
      'SELECT id, kind, national FROM registry_account WHERE id = ANY($1::uuid[])',
      [accountIds],
    );
    return {
      loas,
      markings,
      adjustments: adjustments.map((c) => ({
        id: c.id,
        authorizationId: c.authorization_id,
        transactionId: c.transaction_id,
        start: BigInt(c.serial_start),
        end: BigInt(c.serial_end),
        createdAt: new Date(c.created_at),
      })),
      transactions: txs.map((t) => ({
        id: t.id,
        kind: t.kind,
        fromAccount: t.from_account,
        toAccount: t.to_account,
        details: t.details ?? {},
        createdAt: new Date(t.created_at),
        seq: Number(t.seq),
      })),
      ranges: ranges.map((r) => ({
        transactionId: r.transaction_id,
        issuanceId: r.issuance_id,
        start: BigInt(r.serial_start),
        end: BigInt(r.serial_end),
      })),
      issuances: issuances.map((i) => ({
        id: i.id,
        vintage: Number(i.vintage),
        unitType: i.unit_type,
        projectCode: i.code,
        hostCountry: i.host_country,
      })),
      accounts,
    };
  }

  /** The AEF report of a Party for a calendar year (the registry operator and regulators). */
  async aef(
    party: string,
    year: number,
    viewer: Viewer,
    options: { ndcFirstYear?: number | undefined; ndcLastYear?: number | undefined } = {},
  ): Promise<AefReport> {
    if (!readsAll(viewer))
      throw new AppError('forbidden', 'the AEF report: the registry operator or a regulator');
    if (!/^[A-Z]{2}$/.test(party) || !isCountry(party))
      throw new AppError('bad_request', `party: "${party}" is not an ISO 3166-1 alpha-2 code`, {
        field: 'party',
      });
    alpha3(party);
    if (!Number.isInteger(year) || year < 2021 || year > 2100)
      throw new AppError('bad_request', 'year: a calendar year from 2021', { field: 'year' });
    const data = await this.aefData(this.db);
    return computeAef(data, party, year, {
      submittedOn: new Date(new Date().toISOString().slice(0, 10)),
      ndcFirstYear: options.ndcFirstYear ?? 2021,
      ndcLastYear: options.ndcLastYear ?? 2030,
      serialOf: (p) =>
        this.ctx.units.formatSerial({
          hostCountry: p.issuance.hostCountry,
          unitType: p.issuance.unitType,
          projectCode: p.issuance.projectCode,
          vintage: p.issuance.vintage,
          start: p.start,
          end: p.end,
        }),
    });
  }

  async aefXlsx(
    party: string,
    year: number,
    viewer: Viewer,
    options: { ndcFirstYear?: number | undefined; ndcLastYear?: number | undefined } = {},
  ) {
    return aefWorkbook(await this.aef(party, year, viewer, options));
  }
}
