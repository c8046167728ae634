import type { Queryable } from '../../../db/index.js';
import type { Principal, Role } from '../../../kernel/access.js';
import { AppError, isAppError } from '../../../kernel/errors.js';
import type { RegistryContext } from '../context.js';
import { writeTable, type Table } from './export.js';
import { checkInvariants } from './invariants.js';
import type {
  ExplorerCertificateCancellation,
  ExplorerIssuance,
  ExplorerProject,
  ExplorerProjectDetail,
  ExplorerRetirement,
  ExplorerRetirementDetail,
  ExplorerSummary,
  ExportFormat,
  ExportWhat,
  InvariantReport,
  LedgerRef,
  RegulatorOverview,
  SerialRangeView,
} from './model.js';
import { renderStatement, type StatementOptions } from './statement.js';
import * as store from './store.js';

/** A signed-in caller, or the local operator (the CLI). */
export type Viewer = Principal | 'system';

/** Who sees the whole registry, read-only. */
export const SUPERVISOR_ROLES: readonly Role[] = ['regulator', 'registry_operator'];

export interface PageQuery {
  limit: number;
  offset: number;
}
export interface Paged<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ledgerRef = (index: string | null, leafHash: string | null): LedgerRef | null =>
  index === null || leafHash === null
    ? null
    : { index: Number(index), leafHash, entryPath: `/ledger/entries/${index}` };

const str = (v: unknown): string | null =>
  typeof v === 'string' && v.trim() ? v : typeof v === 'number' ? String(v) : null;

/**
 * The beneficiary, purpose and claim period a retirement's details hold. The unit engine keeps
 * them in the transaction's details; names are read leniently (claimPeriod as an object or as
 * two fields, a beneficiary as a name or an object with one).
 */
export function retirementFacts(details: Record<string, unknown> | null): {
  beneficiary: string | null;
  purpose: string | null;
  claimPeriod: { from: string | null; to: string | null } | null;
} {
  const d = details ?? {};
  const b = d['beneficiary'];
  const beneficiary =
    str(b) ?? (b && typeof b === 'object' ? str((b as Record<string, unknown>)['name']) : null);
  const cp = d['claimPeriod'] ?? d['period'];
  let claimPeriod: { from: string | null; to: string | null } | null = null;
  if (cp && typeof cp === 'object') {
    const o = cp as Record<string, unknown>;
    claimPeriod = {
      from: str(o['from'] ?? o['start'] ?? o['starts']),
      to: str(o['to'] ?? o['end'] ?? o['ends']),
    };
  } else if (typeof cp === 'string') {
    const [from, to] = cp.split('/');
    claimPeriod = { from: from ?? null, to: to ?? null };
  } else if (d['claimPeriodStart'] || d['claimPeriodEnd'] || d['claimFrom'] || d['claimTo'])
    claimPeriod = {
      from: str(d['claimPeriodStart'] ?? d['claimFrom']),
      to: str(d['claimPeriodEnd'] ?? d['claimTo']),
    };
  return { beneficiary, purpose: str(d['purpose']), claimPeriod };
}

const clampPage = (p: Partial<PageQuery>): PageQuery => ({
  limit: Math.min(Math.max(Math.trunc(p.limit ?? 50), 1), 500),
  offset: Math.max(Math.trunc(p.offset ?? 0), 0),
});

/**
 * Supervision: the public explorer (projects, issuances, retirements and cancellations, Article 6
 * counts, each with its ledger entry), retirement statements, the regulator's read-only overview
 * and exports, and the invariant checker. It writes nothing to the registry.
 */
export class SupervisionService {
  constructor(readonly ctx: RegistryContext) {}

  /** The invariant checker over any connection or transaction (the load tests call it directly). */
  static checkInvariants(q: Queryable): Promise<InvariantReport> {
    return checkInvariants(q);
  }

  private serial(r: {
    hostCountry: string;
    unitType: string;
    projectCode: string;
    vintage: number;
    start: string;
    end: string;
  }): string {
    const block = { ...r, start: BigInt(r.start), end: BigInt(r.end) };
    try {
      return this.ctx.units.formatSerial(block);
    } catch (e) {
      // Only while the unit engine is not wired (a partial build): the documented fields in order.
      if (!isAppError(e)) throw e;
      return [
        this.ctx.registryCode,
        r.hostCountry,
        r.unitType,
        r.projectCode,
        r.vintage,
        r.start,
        r.end,
      ].join('-');
    }
  }

  // ---- the public explorer --------------------------------------------------------------------

  async summary(): Promise<ExplorerSummary> {
    const q = this.ctx.db;
    const [c, vintages, parties, letters, certificates] = [
      await store.counts(q),
      await store.vintageTotals(q),
      await store.hostParties(q),
      await store.lettersPerHost(q),
      await store.certificateTotals(q),
    ];
    const hosts = new Set([...parties.map((p) => p.host_country), ...letters.keys()]);
    return {
      registry: this.ctx.registryCode,
      projects: Number(c.projects),
      issuances: Number(c.issuances),
      retirements: Number(c.retirements),
      cancellations: Number(c.cancellations),
      byVintage: vintages.map((v) => ({
        vintage: Number(v.vintage),
        unitType: v.unit_type,
        issued: v.issued,
        retired: v.retired,
        cancelled: v.cancelled,
      })),
      article6: [...hosts].sort().map((host) => {
        const p = parties.find((x) => x.host_country === host);
        return {
          hostCountry: host,
          authorizations: letters.get(host) ?? Number(p?.authorizations ?? 0),
          authorizedUnits: p?.authorized_units ?? '0',
          adjustments: Number(p?.adjustments ?? 0),
          adjustedUnits: p?.adjusted_units ?? '0',
        };
      }),
      certificates: certificates.map((x) => ({
        scheme: x.scheme,
        issuances: Number(x.issuances),
        issued: x.issued,
        cancellations: Number(x.cancellations),
        cancelled: x.cancelled,
      })),
    };
  }

  private projectView(r: store.ProjectRow): ExplorerProject {
    return {
      id: r.id,
      code: r.code,
      name: r.name,
      proponent: r.proponent,
      methodology: r.methodology,
      hostCountry: r.host_country,
      sector: r.sector,
      status: r.status,
      labels: r.labels ?? [],
      creditingPeriods: (r.periods ?? []).map((p) => ({ starts: String(p.starts), ends: String(p.ends) })),
      issued: r.issued,
      createdAt: store.iso(r.created_at),
      updatedAt: store.iso(r.updated_at),
    };
  }

  async projects(
    filter: store.ProjectFilter,
    page: Partial<PageQuery> = {},
  ): Promise<Paged<ExplorerProject>> {
    const { limit, offset } = clampPage(page);
    const rows = await store.projects(this.ctx.db, { ...filter, includeDrafts: false }, limit, offset);
    return { items: rows.map((r) => this.projectView(r)), total: Number(rows[0]?.total ?? 0), limit, offset };
  }

  async project(code: string): Promise<ExplorerProjectDetail> {
    const row = (await store.projects(this.ctx.db, { code, includeDrafts: false }, 1, 0))[0];
    if (!row) throw new AppError('not_found', `no public project ${code}`, { field: 'code' });
    const issued = await this.issuances({ project: code }, { limit: 500, offset: 0 });
    const entries = await store.projectEntries(this.ctx.db, row.id, row.code);
    return {
      ...this.projectView(row),
      description: row.description,
      latitude: row.latitude,
      longitude: row.longitude,
      documents: await store.projectDocuments(this.ctx.db, row.id),
      issuances: issued.items,
      entries: entries.map((e) => ({
        ...ledgerRef(e.idx, e.leaf_hash)!,
        type: e.type,
        time: store.iso(e.created_at),
      })),
    };
  }

  async issuances(
    filter: store.IssuanceFilter,
    page: Partial<PageQuery> = {},
  ): Promise<Paged<ExplorerIssuance>> {
    const { limit, offset } = clampPage(page);
    const rows = await store.issuances(this.ctx.db, filter, limit, offset);
    return {
      items: rows.map((r) => ({
        id: r.id,
        projectCode: r.project_code,
        projectName: r.project_name,
        hostCountry: r.host_country,
        vintage: Number(r.vintage),
        unitType: r.unit_type,
        quantity: String(r.quantity),
        serialStart: String(r.serial_start),
        serialEnd: String(r.serial_end),
        serial: this.serial({
          hostCountry: r.host_country,
          unitType: r.unit_type,
          projectCode: r.project_code,
          vintage: Number(r.vintage),
          start: String(r.serial_start),
          end: String(r.serial_end),
        }),
        origin:
          r.origin_registry && r.origin_serial
            ? { registry: r.origin_registry, serial: r.origin_serial }
            : null,
        retired: r.retired,
        cancelled: r.cancelled,
        transactionId: r.transaction_id,
        ledger: ledgerRef(r.ledger_index, r.leaf_hash),
        createdAt: store.iso(r.created_at),
      })),
      total: Number(rows[0]?.total ?? 0),
      limit,
      offset,
    };
  }

  private finalView(r: store.FinalRow): ExplorerRetirement {
    const ranges: SerialRangeView[] = (r.ranges ?? []).map((g) => ({
      start: g.start,
      end: g.end,
      quantity: (BigInt(g.end) - BigInt(g.start) + 1n).toString(),
      serial: this.serial({ ...g, vintage: Number(g.vintage) }),
      issuanceId: g.issuanceId,
      projectCode: g.projectCode,
      projectName: g.projectName,
      hostCountry: g.hostCountry,
      vintage: Number(g.vintage),
      unitType: g.unitType,
    }));
    return {
      id: r.id,
      kind: r.kind,
      quantity: String(r.quantity),
      ...retirementFacts(r.details),
      ranges,
      ledger: ledgerRef(r.ledger_index, r.leaf_hash),
      createdAt: store.iso(r.created_at),
      statementPath: r.kind === 'retirement' ? `/api/v1/registry/retirements/${r.id}/statement.pdf` : null,
    };
  }

  async retirements(
    filter: store.FinalFilter,
    page: Partial<PageQuery> = {},
  ): Promise<Paged<ExplorerRetirement>> {
    const { limit, offset } = clampPage(page);
    const rows = await store.finals(this.ctx.db, filter, limit, offset);
    return {
      items: rows.map((r) => this.finalView(r)),
      total: Number(rows[0]?.total ?? 0),
      limit,
      offset,
    };
  }

  /** Cancellations of energy-attribute certificates (beneficiary, period, purpose), newest first. */
  async certificateCancellations(
    page: Partial<PageQuery> = {},
  ): Promise<Paged<ExplorerCertificateCancellation>> {
    const { limit, offset } = clampPage(page);
    const rows = await store.certificateCancellations(this.ctx.db, limit, offset);
    return {
      items: rows.map((r) => ({
        id: r.id,
        scheme: r.scheme,
        quantity: r.quantity,
        energyWh: String(r.energy_wh),
        beneficiary: r.beneficiary_name,
        consumptionPeriod: { from: String(r.consumption_start), to: String(r.consumption_end) },
        purpose: r.purpose,
        ledger: ledgerRef(String(r.ledger_index), r.ledger_leaf)!,
        createdAt: store.iso(r.created_at),
      })),
      total: Number(rows[0]?.total ?? 0),
      limit,
      offset,
    };
  }

  verificationUrl(id: string): string {
    return `${this.ctx.publicUrl.replace(/\/$/, '')}/registry/explorer/retirements/${id}`;
  }

  /** One retirement or cancellation, with the inclusion proof of its ledger entry. */
  async retirement(id: string, kind?: 'retirement'): Promise<ExplorerRetirementDetail> {
    const what = kind ?? 'retirement or cancellation';
    if (!UUID.test(id)) throw new AppError('not_found', `no ${what} ${id}`, { field: 'id' });
    const row = (await store.finals(this.ctx.db, { id, kind }, 1, 0))[0];
    if (!row) throw new AppError('not_found', `no ${what} ${id}`, { field: 'id' });
    const view = this.finalView(row);
    let proof: ExplorerRetirementDetail['proof'] = null;
    if (view.ledger)
      try {
        proof = await this.ctx.ledger.inclusionProof(view.ledger.index, null);
      } catch (e) {
        // A ledger entry that is not public has no public proof; the record is shown without it.
        if (!isAppError(e) || e.code !== 'not_found') throw e;
      }
    return { ...view, registry: this.ctx.registryCode, verificationUrl: this.verificationUrl(id), proof };
  }

  /** The retirement statement (PDF) of a retirement transaction. */
  async statement(id: string, options?: StatementOptions): Promise<Buffer> {
    return renderStatement(await this.retirement(id, 'retirement'), options);
  }

  // ---- the regulator's view --------------------------------------------------------------------

  assertSupervisor(viewer: Viewer): void {
    if (viewer === 'system') return;
    if (!viewer.memberships.some((m) => SUPERVISOR_ROLES.includes(m.role)))
      throw new AppError('forbidden', 'only a regulator or the registry operator sees the whole registry');
  }

  async overview(viewer: Viewer, page: Partial<PageQuery> = {}): Promise<RegulatorOverview> {
    this.assertSupervisor(viewer);
    const { limit, offset } = clampPage(page);
    return this.ctx.db.transaction(async (tx) => {
      // One snapshot: the accounts, totals and transactions agree with each other.
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const accounts = await store.accounts(tx);
      const orgs = new Map<string, RegulatorOverview['orgs'][number]>();
      for (const a of accounts) {
        const o = orgs.get(a.org_id) ?? {
          org: { id: a.org_id, slug: a.org_slug, name: a.org_name },
          accounts: 0,
          balances: {},
        };
        o.accounts++;
        for (const [state, n] of Object.entries(a.balances ?? {}))
          o.balances[state] = (BigInt(o.balances[state] ?? '0') + BigInt(n)).toString();
        orgs.set(a.org_id, o);
      }
      const txs = await store.transactions(tx, limit, offset);
      return {
        registry: this.ctx.registryCode,
        totals: {
          issued: await store.issuedTotal(tx),
          byState: Object.fromEntries((await store.stateTotals(tx)).map((s) => [s.state, s.n])),
        },
        orgs: [...orgs.values()],
        accounts: accounts.map((a) => ({
          id: a.id,
          number: a.number,
          name: a.name,
          kind: a.kind,
          national: a.national,
          closed: a.closed,
          org: { id: a.org_id, slug: a.org_slug, name: a.org_name },
          balances: a.balances ?? {},
        })),
        transactions: txs.map((t) => ({
          id: t.id,
          kind: t.kind,
          quantity: String(t.quantity),
          from: t.from_number,
          to: t.to_number,
          org: t.org_slug,
          actor: t.actor,
          details: t.details ?? {},
          ledger: ledgerRef(t.ledger_index, t.leaf_hash),
          createdAt: store.iso(t.created_at),
        })),
        transactionsTotal: await store.transactionCount(tx),
      };
    });
  }

  /** One of the regulator's exports as a table. */
  async exportTable(what: ExportWhat, viewer: Viewer): Promise<Table> {
    this.assertSupervisor(viewer);
    const q = this.ctx.db;
    switch (what) {
      case 'accounts': {
        const rows = await store.accounts(q);
        const states = ['held', 'retired', 'cancelled', 'buffer', 'pending_export', 'exported', 'expired'];
        return {
          name: 'accounts',
          columns: ['number', 'name', 'kind', 'national', 'closed', 'org', 'org_name', ...states],
          numeric: states,
          rows: rows.map((a) => [
            a.number,
            a.name,
            a.kind,
            a.national,
            a.closed,
            a.org_slug,
            a.org_name,
            ...states.map((s) => a.balances?.[s] ?? '0'),
          ]),
        };
      }
      case 'holdings': {
        const rows = await store.holdings(q);
        return {
          name: 'holdings',
          columns: [
            'account',
            'org',
            'state',
            'serial',
            'serial_start',
            'serial_end',
            'quantity',
            'project',
            'host_country',
            'vintage',
            'unit_type',
            'authorization',
            'first_transferred',
          ],
          numeric: ['quantity', 'vintage'],
          rows: rows.map((h) => [
            h.account_number,
            h.org_slug,
            h.state,
            this.serial({
              hostCountry: h.host_country,
              unitType: h.unit_type,
              projectCode: h.project_code,
              vintage: Number(h.vintage),
              start: String(h.serial_start),
              end: String(h.serial_end),
            }),
            String(h.serial_start),
            String(h.serial_end),
            h.quantity,
            h.project_code,
            h.host_country,
            Number(h.vintage),
            h.unit_type,
            h.authorization_id,
            h.first_transferred,
          ]),
        };
      }
      case 'transactions': {
        const rows = await store.transactions(q, 1_000_000, 0);
        return {
          name: 'transactions',
          columns: [
            'id',
            'kind',
            'time',
            'from_account',
            'to_account',
            'quantity',
            'org',
            'actor',
            'serial_ranges',
            'ledger_index',
            'leaf_hash',
            'details',
          ],
          numeric: ['quantity', 'ledger_index'],
          rows: rows.map((t) => [
            t.id,
            t.kind,
            store.iso(t.created_at),
            t.from_number,
            t.to_number,
            String(t.quantity),
            t.org_slug,
            t.actor,
            (t.ranges ?? []).map((r) => `${r.start}-${r.end}`).join(';'),
            t.ledger_index === null ? null : String(t.ledger_index),
            t.leaf_hash,
            JSON.stringify(t.details ?? {}),
          ]),
        };
      }
      case 'projects': {
        const rows = await store.projects(q, { includeDrafts: true }, 1_000_000, 0);
        return {
          name: 'projects',
          columns: [
            'code',
            'name',
            'proponent',
            'methodology',
            'host_country',
            'sector',
            'status',
            'crediting_periods',
            'issued',
            'labels',
            'latitude',
            'longitude',
          ],
          numeric: ['issued'],
          rows: rows.map((p) => [
            p.code,
            p.name,
            p.proponent,
            p.methodology,
            p.host_country,
            p.sector,
            p.status,
            (p.periods ?? []).map((c) => `${c.starts}/${c.ends}`).join(';'),
            p.issued,
            (p.labels ?? []).join(';'),
            p.latitude,
            p.longitude,
          ]),
        };
      }
    }
  }

  async export(what: ExportWhat, format: ExportFormat, viewer: Viewer): Promise<Buffer> {
    return writeTable(await this.exportTable(what, viewer), format);
  }

  /** The invariant report over one consistent snapshot of the database. */
  async invariants(viewer: Viewer): Promise<InvariantReport> {
    this.assertSupervisor(viewer);
    return this.ctx.db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      return checkInvariants(tx);
    });
  }
}
