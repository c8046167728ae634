import { createHash } from 'node:crypto';
import type { Queryable } from '../../../db/index.js';
import { hasRoleIn, orgIdsOf, type Principal, type Role } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import type { Appended } from '../../ledger/index.js';
import type { RegistryContext } from '../context.js';
import type { GuardContext } from '../units/index.js';
import { parseExternalProjects } from './external.js';
import {
  ControlsInput,
  ProjectInput,
  parsePercent,
  parseQuantity,
  percentText,
  MAX_DOCUMENT_BYTES,
  type CreditingPeriod,
  type ProjectAction,
  type ProjectStatus,
} from './model.js';
import { compare, type Candidate } from './similarity.js';
import * as store from './store.js';

/** A signed-in caller, or the local operator (the CLI), who acts as the registry operator. */
export type Viewer = Principal | 'system';

const PROPONENT: readonly Role[] = ['admin', 'member'];
const VERIFIER: readonly Role[] = ['verifier', 'admin'];
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const actorOf = (v: Viewer) => (v === 'system' ? 'local operator' : v.name);
const isOperator = (v: Viewer) => v === 'system' || v.memberships.some((m) => m.role === 'registry_operator');
const seesAll = (v: Viewer) =>
  isOperator(v) || (v !== 'system' && v.memberships.some((m) => m.role === 'regulator'));
const inOrg = (v: Viewer, orgId: string | null, roles: readonly Role[]) =>
  v !== 'system' && orgId !== null && hasRoleIn(v, orgId, roles);
const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

/** For `ledger verify`: every record of this part keeps the ledger entry that anchors it. */
export const projectReferences = [
  ['project event', 'registry_project_event'],
  ['project document', 'registry_project_document'],
  ['monitoring report', 'registry_monitoring_report'],
  ['issuance request', 'registry_issuance_request'],
  ['obligation', 'registry_obligation'],
].map(([name, table]) => ({
  name: `registry ${name}s`,
  sql: `SELECT '${name} ' || id AS ref, ledger_index AS idx, leaf_hash AS leaf FROM ${table}`,
}));
const controlReferences = {
  name: 'registry quality controls',
  sql: `SELECT 'quality controls version ' || version AS ref, ledger_index AS idx, leaf_hash AS leaf FROM registry_quality_control`,
};

export interface OrgRef {
  id: string;
  slug: string;
  name: string;
}

export interface ProjectView {
  id: string;
  code: string;
  org: OrgRef;
  name: string;
  methodology: string;
  hostCountry: string;
  sector: string;
  description: string;
  latitude: number | null;
  longitude: number | null;
  status: ProjectStatus;
  labels: string[];
  creditingPeriods: CreditingPeriod[];
  validatorOrg: OrgRef | null;
  openFlags: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface Controls {
  version: number;
  vintageCutoff: number | null;
  allowedMethodologies: string[];
  labelsForImport: string[];
  labelsForUse: string[];
  note: string;
  setBy: string;
  setAt: string | null;
  ledgerIndex: number | null;
}

const NO_CONTROLS: Controls = {
  version: 0,
  vintageCutoff: null,
  allowedMethodologies: [],
  labelsForImport: [],
  labelsForUse: [],
  note: '',
  setBy: '',
  setAt: null,
  ledgerIndex: null,
};

export class ProjectService {
  constructor(readonly ctx: RegistryContext) {
    for (const r of projectReferences) ctx.ledger.registerReferences(r);
    ctx.ledger.registerReferences(controlReferences);
    ctx.units.addGuard((tx, g) => this.guard(tx, g));
  }

  private get db() {
    return this.ctx.db;
  }

  // ------------------------------------------------------------------ helpers

  private async resolveOrg(q: Queryable, ref: string, field: string): Promise<OrgRef> {
    const org = await store.findOrg(q, ref);
    if (!org) throw new AppError('bad_request', `${field}: no organisation "${ref}"`, { field });
    return org;
  }

  /** The proponent organisation for a new project: named, or the caller's only admin/member one. */
  private async proponentOrg(q: Queryable, v: Viewer, ref: string | undefined): Promise<OrgRef> {
    if (ref !== undefined) {
      const org = await this.resolveOrg(q, ref, 'org');
      if (v !== 'system' && !hasRoleIn(v, org.id, PROPONENT))
        throw new AppError('forbidden', `only admins and members of ${org.slug} create its projects`);
      return org;
    }
    if (v === 'system')
      throw new AppError('bad_request', 'org: name the proponent organisation', { field: 'org' });
    const own = [...new Set(v.memberships.filter((m) => PROPONENT.includes(m.role)).map((m) => m.orgId))];
    if (own.length !== 1)
      throw new AppError(
        own.length === 0 ? 'forbidden' : 'bad_request',
        own.length === 0
          ? 'only admins and members of an organisation create projects'
          : 'org: name the organisation',
        { field: 'org' },
      );
    return (await store.findOrg(q, own[0]!))!;
  }

  /** The organisation acting as the registry operator: the caller's, or (CLI) the first that has one. */
  private async operatorOrgId(q: Queryable, v: Viewer): Promise<string> {
    if (v !== 'system') {
      const m = v.memberships.find((x) => x.role === 'registry_operator');
      if (m) return m.orgId;
    }
    const id = await store.firstOperatorOrg(q);
    if (!id) throw new AppError('conflict', 'no organisation has a registry operator');
    return id;
  }

  private requireOperator(v: Viewer, what: string): void {
    if (!isOperator(v)) throw new AppError('forbidden', `only the registry operator may ${what}`);
  }

  private async canSee(q: Queryable, v: Viewer, p: store.ProjectRow): Promise<boolean> {
    if (seesAll(v) || p.status === 'registered') return true;
    if (v === 'system') return true;
    const orgs = orgIdsOf(v);
    if (orgs.includes(p.org_id) || (p.validator_org_id !== null && orgs.includes(p.validator_org_id)))
      return true;
    return store.isReportVerifier(q, p.id, orgs);
  }

  /** The project as `v` may see it, or 404. */
  private async visibleProject(q: Queryable, v: Viewer, idOrCode: string, forUpdate = false) {
    const p = await store.findProject(q, idOrCode, forUpdate);
    if (!p || !(await this.canSee(q, v, p)))
      throw new AppError('not_found', `no project ${idOrCode}`, { field: 'id' });
    return p;
  }

  private async appendLedger(
    tx: Queryable,
    type: string,
    subject: string,
    body: Record<string, unknown>,
    orgId: string | null,
    isPublic: boolean,
  ): Promise<Appended> {
    return this.ctx.ledger.append(tx, { type, subject, body, orgId, public: isPublic });
  }

  private async recordEvent(
    tx: Queryable,
    p: { id: string; code: string; name: string; org_id: string },
    action: string,
    from: string | null,
    to: string,
    v: Viewer,
    reason: string | null,
    extra: Record<string, unknown> = {},
  ): Promise<Appended> {
    const entry = await this.appendLedger(
      tx,
      `registry.project.${action}`,
      `registry-project/${p.code}`,
      {
        projectId: p.id,
        code: p.code,
        name: p.name,
        from,
        to,
        actor: actorOf(v),
        ...(reason ? { reason } : {}),
        ...extra,
      },
      p.org_id,
      true,
    );
    await store.insertEvent(tx, {
      projectId: p.id,
      action,
      from,
      to,
      actor: actorOf(v),
      orgId: p.org_id,
      reason,
      entry,
    });
    return entry;
  }

  private view(p: store.ProjectRow): ProjectView {
    return {
      id: p.id,
      code: p.code,
      org: { id: p.org_id, slug: p.org_slug, name: p.org_name },
      name: p.name,
      methodology: p.methodology,
      hostCountry: p.host_country,
      sector: p.sector,
      description: p.description,
      latitude: p.latitude === null ? null : Number(p.latitude),
      longitude: p.longitude === null ? null : Number(p.longitude),
      status: p.status,
      labels: p.labels,
      creditingPeriods: p.periods,
      validatorOrg:
        p.validator_org_id === null
          ? null
          : { id: p.validator_org_id, slug: p.validator_slug ?? '', name: p.validator_name ?? '' },
      openFlags: Number(p.open_flags),
      createdBy: p.created_by,
      createdAt: iso(p.created_at),
      updatedAt: iso(p.updated_at),
    };
  }

  /** The workflow steps `v` may take on the project now (the web app shows these buttons). */
  private actionsFor(v: Viewer, p: store.ProjectRow): string[] {
    const proponent = v === 'system' || inOrg(v, p.org_id, PROPONENT);
    const validator = v === 'system' || inOrg(v, p.validator_org_id, VERIFIER);
    const op = isOperator(v);
    const out: string[] = [];
    if (proponent && p.status === 'draft') out.push('edit', 'submit');
    if (proponent && ['draft', 'submitted', 'validated'].includes(p.status)) out.push('withdraw');
    if (validator && p.validator_org_id !== null && p.status === 'submitted') out.push('validate');
    if (op && p.status === 'validated') out.push('register');
    if (op && ['submitted', 'validated'].includes(p.status)) out.push('reject');
    if (proponent && p.status === 'registered') out.push('monitoring-report', 'issuance-request');
    if ((proponent || validator || op) && !['withdrawn', 'rejected'].includes(p.status)) out.push('document');
    if (op) out.push('screen');
    return out;
  }

  private checkPeriods(periods: CreditingPeriod[]): CreditingPeriod[] {
    const sorted = [...periods].sort((a, b) => a.starts.localeCompare(b.starts));
    sorted.forEach((p, i) => {
      if (p.starts > p.ends)
        throw new AppError('bad_request', `creditingPeriods.${periods.indexOf(p)}: starts after it ends`, {
          field: `creditingPeriods.${periods.indexOf(p)}`,
        });
      const prev = sorted[i - 1];
      if (prev && prev.ends >= p.starts)
        throw new AppError(
          'bad_request',
          `creditingPeriods.${periods.indexOf(p)}: overlaps the period ${prev.starts} – ${prev.ends}`,
          { field: `creditingPeriods.${periods.indexOf(p)}` },
        );
    });
    return sorted;
  }

  private parseProject(input: unknown): ProjectInput {
    const parsed = ProjectInput.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.');
      throw new AppError('bad_request', `${field || 'project'}: ${issue.message}`, {
        field: field || 'project',
      });
    }
    if ((parsed.data.latitude == null) !== (parsed.data.longitude == null))
      throw new AppError('bad_request', 'longitude: give both coordinates or neither', {
        field: 'longitude',
      });
    return parsed.data;
  }

  // ------------------------------------------------------------------ projects

  async listProjects(
    v: Viewer,
    filter: { status?: string | undefined; org?: string | undefined } = {},
  ): Promise<ProjectView[]> {
    const all = v === 'system' || seesAll(v);
    const orgs = v === 'system' ? [] : orgIdsOf(v);
    const orgFilter = filter.org ? (await this.resolveOrg(this.db, filter.org, 'org')).id : null;
    const rows = await store.listProjects(this.db, {
      all,
      orgs,
      status: filter.status ?? null,
      org: orgFilter,
    });
    return rows.map((r) => this.view(r));
  }

  async getProject(idOrCode: string, v: Viewer) {
    const p = await this.visibleProject(this.db, v, idOrCode);
    const [events, documents, reports, requests, flags] = await Promise.all([
      store.eventsOf(this.db, p.id),
      store.documentsOf(this.db, p.id),
      store.reportsOf(this.db, p.id),
      store.requestsOf(this.db, { projectId: p.id }),
      store.flagsOf(this.db, p.id),
    ]);
    return {
      ...this.view(p),
      actions: this.actionsFor(v, p),
      events: events.map(store.eventView),
      documents: documents.map(store.documentView),
      monitoringReports: reports.map(store.reportView),
      issuanceRequests: requests.map(store.requestView),
      flags: flags.map(store.flagView),
    };
  }

  async createProject(input: unknown, v: Viewer): Promise<ProjectView> {
    const data = this.parseProject(input);
    const periods = this.checkPeriods(data.creditingPeriods);
    return this.db.transaction(async (tx) => {
      const org = await this.proponentOrg(tx, v, data.org);
      const validator = data.validatorOrg
        ? await this.resolveOrg(tx, data.validatorOrg, 'validatorOrg')
        : null;
      const code = await store.nextProjectCode(tx);
      const id = await store.insertProject(tx, {
        code,
        orgId: org.id,
        name: data.name,
        methodology: data.methodology,
        hostCountry: data.hostCountry,
        sector: data.sector,
        description: data.description,
        latitude: data.latitude ?? null,
        longitude: data.longitude ?? null,
        labels: [...new Set(data.labels)],
        createdBy: actorOf(v),
      });
      await store.replacePeriods(tx, id, periods);
      await store.setValidator(tx, id, validator?.id ?? null);
      await this.recordEvent(
        tx,
        { id, code, name: data.name, org_id: org.id },
        'created',
        null,
        'draft',
        v,
        null,
        {
          methodology: data.methodology,
          hostCountry: data.hostCountry,
          sector: data.sector,
        },
      );
      return this.view((await store.findProject(tx, id))!);
    });
  }

  async updateProject(idOrCode: string, input: unknown, v: Viewer): Promise<ProjectView> {
    const data = this.parseProject(input);
    const periods = this.checkPeriods(data.creditingPeriods);
    return this.db.transaction(async (tx) => {
      const p = await this.visibleProject(tx, v, idOrCode, true);
      if (v !== 'system' && !hasRoleIn(v, p.org_id, PROPONENT))
        throw new AppError(
          'forbidden',
          'only admins and members of the proponent organisation edit a project',
        );
      if (p.status !== 'draft')
        throw new AppError('conflict', `project ${p.code} is ${p.status}: only a draft can be edited`);
      const validator = data.validatorOrg
        ? await this.resolveOrg(tx, data.validatorOrg, 'validatorOrg')
        : null;
      await store.updateProject(tx, p.id, {
        name: data.name,
        methodology: data.methodology,
        hostCountry: data.hostCountry,
        sector: data.sector,
        description: data.description,
        latitude: data.latitude ?? null,
        longitude: data.longitude ?? null,
        labels: [...new Set(data.labels)],
      });
      await store.replacePeriods(tx, p.id, periods);
      await store.setValidator(tx, p.id, validator?.id ?? null);
      await this.recordEvent(tx, { ...p, name: data.name }, 'edited', 'draft', 'draft', v, null);
      return this.view((await store.findProject(tx, p.id))!);
    });
  }

  /** One workflow step; refused with 403 (wrong role) or 409 (wrong state). */
  async transition(idOrCode: string, action: ProjectAction, v: Viewer, reason?: string) {
    return this.db.transaction(async (tx) => {
      const p = await this.visibleProject(tx, v, idOrCode, true);
      const proponent = v === 'system' || inOrg(v, p.org_id, PROPONENT);
      const rule: Record<
        ProjectAction,
        { from: ProjectStatus[]; to: ProjectStatus; allowed: boolean; who: string }
      > = {
        submit: { from: ['draft'], to: 'submitted', allowed: proponent, who: 'the proponent' },
        withdraw: {
          from: ['draft', 'submitted', 'validated'],
          to: 'withdrawn',
          allowed: proponent,
          who: 'the proponent',
        },
        validate: {
          from: ['submitted'],
          to: 'validated',
          allowed: v === 'system' || inOrg(v, p.validator_org_id, VERIFIER),
          who: 'the verifier organisation assigned to the project',
        },
        register: {
          from: ['validated'],
          to: 'registered',
          allowed: isOperator(v),
          who: 'the registry operator',
        },
        reject: {
          from: ['submitted', 'validated'],
          to: 'rejected',
          allowed: isOperator(v),
          who: 'the registry operator',
        },
      };
      const r = rule[action];
      if (!r.allowed) throw new AppError('forbidden', `only ${r.who} may ${action} project ${p.code}`);
      if (!r.from.includes(p.status))
        throw new AppError(
          'conflict',
          `project ${p.code} is ${p.status}: ${action} needs ${r.from.join(' or ')}`,
        );
      if (action === 'validate' && p.validator_org_id === null)
        throw new AppError('conflict', `project ${p.code} has no verifier organisation assigned`);
      if (action === 'reject' && !reason)
        throw new AppError('bad_request', 'reason: say why the project is rejected', { field: 'reason' });
      if (action === 'register') {
        const open = Number(p.open_flags);
        if (open > 0)
          throw new AppError(
            'conflict',
            `project ${p.code} has ${open} open screening flag(s): dismiss them with a reason before registering`,
          );
      }
      await store.setStatus(tx, p.id, r.to);
      await this.recordEvent(tx, p, r.to, p.status, r.to, v, reason ?? null);
      if (action === 'submit') await this.screenIn(tx, p.id, v);
      return this.getProjectIn(tx, p.id, v);
    });
  }

  private async getProjectIn(tx: Queryable, id: string, v: Viewer) {
    const p = (await store.findProject(tx, id))!;
    return { ...this.view(p), actions: this.actionsFor(v, p) };
  }

  // ------------------------------------------------------------------ documents

  async addDocument(
    idOrCode: string,
    input: { kind: string; filename: string; contentType: string; contentBase64: string },
    v: Viewer,
  ) {
    const content = Buffer.from(input.contentBase64, 'base64');
    if (content.length === 0)
      throw new AppError('bad_request', 'contentBase64: empty or not base64', { field: 'contentBase64' });
    if (content.length > MAX_DOCUMENT_BYTES)
      throw new AppError(
        'payload_too_large',
        `contentBase64: the document is over ${MAX_DOCUMENT_BYTES} bytes (5 MiB)`,
        {
          field: 'contentBase64',
        },
      );
    return this.db.transaction(async (tx) => {
      const p = await this.visibleProject(tx, v, idOrCode, true);
      if (!this.actionsFor(v, p).includes('document'))
        throw new AppError(
          ['withdrawn', 'rejected'].includes(p.status) ? 'conflict' : 'forbidden',
          `documents of project ${p.code} are added by its proponent, its verifier or the operator, while it is open`,
        );
      const sha256 = createHash('sha256').update(content).digest('hex');
      const entry = await this.appendLedger(
        tx,
        'registry.project.document',
        `registry-project/${p.code}`,
        {
          projectId: p.id,
          kind: input.kind,
          filename: input.filename,
          size: content.length,
          sha256,
          actor: actorOf(v),
        },
        p.org_id,
        false,
      );
      const id = await store.insertDocument(tx, {
        projectId: p.id,
        kind: input.kind,
        filename: input.filename,
        contentType: input.contentType,
        content,
        sha256,
        uploadedBy: actorOf(v),
        entry,
      });
      return store.documentView((await store.documentsOf(tx, p.id)).find((d) => d.id === id)!);
    });
  }

  async getDocument(idOrCode: string, docId: string, v: Viewer) {
    const p = await this.visibleProject(this.db, v, idOrCode);
    const d = UUID_RE.test(docId) ? await store.documentContent(this.db, p.id, docId) : undefined;
    if (!d) throw new AppError('not_found', `no document ${docId} on project ${p.code}`, { field: 'docId' });
    return d;
  }

  // ------------------------------------------------------------------ monitoring reports

  async addReport(
    idOrCode: string,
    input: { periodStart: string; periodEnd: string; claimed: unknown; verifierOrg: string },
    v: Viewer,
  ) {
    const claimed = parseQuantity(input.claimed, 'claimed');
    if (input.periodStart > input.periodEnd)
      throw new AppError('bad_request', 'periodEnd: before periodStart', { field: 'periodEnd' });
    return this.db.transaction(async (tx) => {
      const p = await this.visibleProject(tx, v, idOrCode, true);
      if (v !== 'system' && !hasRoleIn(v, p.org_id, PROPONENT))
        throw new AppError(
          'forbidden',
          'only admins and members of the proponent organisation add monitoring reports',
        );
      if (p.status !== 'registered')
        throw new AppError(
          'conflict',
          `project ${p.code} is ${p.status}: monitoring reports need a registered project`,
        );
      if (!p.periods.some((c) => c.starts <= input.periodStart && input.periodEnd <= c.ends))
        throw new AppError(
          'bad_request',
          `periodStart: ${input.periodStart} – ${input.periodEnd} is not within one crediting period (${p.periods
            .map((c) => `${c.starts} – ${c.ends}`)
            .join(', ')})`,
          { field: 'periodStart' },
        );
      const clash = (await store.reportsOf(tx, p.id)).find(
        (r) =>
          r.status !== 'rejected' && r.period_start <= input.periodEnd && input.periodStart <= r.period_end,
      );
      if (clash)
        throw new AppError(
          'conflict',
          `the period overlaps monitoring report ${clash.id} (${clash.period_start} – ${clash.period_end})`,
          { field: 'periodStart' },
        );
      const verifier = await this.resolveOrg(tx, input.verifierOrg, 'verifierOrg');
      const entry = await this.appendLedger(
        tx,
        'registry.monitoring-report.submitted',
        `registry-project/${p.code}`,
        {
          projectId: p.id,
          periodStart: input.periodStart,
          periodEnd: input.periodEnd,
          claimed: claimed.toString(),
          verifierOrgId: verifier.id,
          actor: actorOf(v),
        },
        p.org_id,
        false,
      );
      const id = await store.insertReport(tx, {
        projectId: p.id,
        periodStart: input.periodStart,
        periodEnd: input.periodEnd,
        claimed,
        verifierOrgId: verifier.id,
        createdBy: actorOf(v),
        entry,
      });
      return store.reportView((await store.findReport(tx, id))!);
    });
  }

  async listReports(v: Viewer, filter: { status?: string | undefined } = {}) {
    const all = v === 'system' || seesAll(v);
    const rows = await store.listReports(this.db, {
      all,
      orgs: v === 'system' ? [] : orgIdsOf(v),
      status: filter.status ?? null,
    });
    return rows.map(store.reportView);
  }

  private async visibleReport(tx: Queryable, id: string, v: Viewer, forUpdate = false) {
    const r = UUID_RE.test(id) ? await store.findReport(tx, id, forUpdate) : undefined;
    if (!r) throw new AppError('not_found', `no monitoring report ${id}`, { field: 'id' });
    const orgs = v === 'system' ? [] : orgIdsOf(v);
    if (!(v === 'system' || seesAll(v) || orgs.includes(r.verifier_org_id) || orgs.includes(r.org_id)))
      throw new AppError('not_found', `no monitoring report ${id}`, { field: 'id' });
    return r;
  }

  async decideReport(
    id: string,
    decision: 'verify' | 'reject',
    input: { verified?: unknown; statement?: string; reason?: string },
    v: Viewer,
  ) {
    return this.db.transaction(async (tx) => {
      const r = await this.visibleReport(tx, id, v, true);
      if (!(v === 'system' || inOrg(v, r.verifier_org_id, VERIFIER)))
        throw new AppError(
          'forbidden',
          'only the verifier organisation assigned to the report may verify or reject it',
        );
      if (r.status !== 'submitted')
        throw new AppError('conflict', `monitoring report ${r.id} is already ${r.status}`);
      let verified: bigint | null = null;
      if (decision === 'verify') {
        verified = parseQuantity(input.verified, 'verified');
        if (verified > BigInt(r.claimed))
          throw new AppError('bad_request', `verified: ${verified} is more than the ${r.claimed} t claimed`, {
            field: 'verified',
          });
      }
      const entry = await this.appendLedger(
        tx,
        `registry.monitoring-report.${decision === 'verify' ? 'verified' : 'rejected'}`,
        `registry-project/${r.project_code}`,
        {
          reportId: r.id,
          projectId: r.project_id,
          ...(verified !== null
            ? { verified: verified.toString(), statement: input.statement }
            : { reason: input.reason }),
          actor: actorOf(v),
        },
        r.org_id,
        false,
      );
      await store.decideReport(tx, r.id, {
        status: decision === 'verify' ? 'verified' : 'rejected',
        verified,
        statement: input.statement ?? null,
        reason: input.reason ?? null,
        by: actorOf(v),
        entry,
      });
      return store.reportView((await store.findReport(tx, r.id))!);
    });
  }

  // ------------------------------------------------------------------ issuance requests

  async requestIssuance(
    input: {
      reportId: string;
      vintage: number;
      quantity: unknown;
      unitType: string;
      bufferPercent?: unknown;
      account?: string | undefined;
    },
    v: Viewer,
  ) {
    const quantity = parseQuantity(input.quantity, 'quantity');
    const buffer =
      input.bufferPercent === undefined ? 0n : parsePercent(input.bufferPercent, 'bufferPercent', 99);
    return this.db.transaction(async (tx) => {
      const r = await this.visibleReport(tx, input.reportId, v, true);
      if (!(v === 'system' || inOrg(v, r.org_id, PROPONENT)))
        throw new AppError(
          'forbidden',
          'only admins and members of the proponent organisation request issuance',
        );
      if (r.status !== 'verified')
        throw new AppError(
          'conflict',
          `monitoring report ${r.id} is ${r.status}: issuance needs a verified report`,
          {
            field: 'reportId',
          },
        );
      const fromYear = Number(r.period_start.slice(0, 4));
      const toYear = Number(r.period_end.slice(0, 4));
      if (input.vintage < fromYear || input.vintage > toYear)
        throw new AppError(
          'bad_request',
          `vintage: ${input.vintage} is outside the monitoring period ${r.period_start} – ${r.period_end}`,
          { field: 'vintage' },
        );
      const remaining = BigInt(r.verified!) - BigInt(r.requested);
      if (quantity > remaining)
        throw new AppError(
          'bad_request',
          `quantity: ${quantity} is more than the ${remaining} verified tonnes not yet requested (verified ${r.verified}, requested ${r.requested})`,
          { field: 'quantity', details: { remaining: remaining.toString() } },
        );
      let account;
      if (input.account) {
        account = await this.ctx.units.account(tx, input.account);
        if (!account || account.orgId !== r.org_id || account.kind !== 'holding')
          throw new AppError(
            'bad_request',
            `account: ${input.account} is not a holding account of the proponent`,
            {
              field: 'account',
            },
          );
      } else
        account = await this.ctx.units.ensureAccount(tx, {
          orgId: r.org_id,
          kind: 'holding',
          name: 'Holding account',
        });
      const entry = await this.appendLedger(
        tx,
        'registry.issuance-request.submitted',
        `registry-project/${r.project_code}`,
        {
          reportId: r.id,
          projectId: r.project_id,
          vintage: input.vintage,
          quantity: quantity.toString(),
          unitType: input.unitType,
          bufferPercent: percentText(buffer),
          toAccount: account.number,
          actor: actorOf(v),
        },
        r.org_id,
        false,
      );
      const id = await store.insertRequest(tx, {
        reportId: r.id,
        projectId: r.project_id,
        vintage: input.vintage,
        quantity,
        unitType: input.unitType,
        bufferPercent: percentText(buffer),
        toAccountId: account.id,
        createdBy: actorOf(v),
        entry,
      });
      return store.requestView((await store.findRequest(tx, id))!);
    });
  }

  async listRequests(v: Viewer, filter: { status?: string | undefined } = {}) {
    const all = v === 'system' || seesAll(v);
    const rows = await store.requestsOf(this.db, {
      ...(all ? {} : { orgs: orgIdsOf(v as Principal) }),
      status: filter.status ?? null,
    });
    return rows.map(store.requestView);
  }

  /**
   * The operator approves: the units are issued in the same transaction (the buffer share, if
   * any, into the operator's national buffer account). A retry with the same idempotency key
   * returns the first answer.
   */
  async approveRequest(
    id: string,
    v: Viewer,
    idempotencyKey?: string,
  ): Promise<
    ReturnType<typeof store.requestView> & {
      issued?: { quantity: string; serial: string };
      buffer?: { quantity: string; serial: string } | null;
      replayed: boolean;
    }
  > {
    this.requireOperator(v, 'approve issuance requests');
    return this.db.transaction(async (tx) => {
      const req = UUID_RE.test(id) ? await store.findRequest(tx, id, true) : undefined;
      if (!req) throw new AppError('not_found', `no issuance request ${id}`, { field: 'id' });
      if (req.status === 'approved' && idempotencyKey && req.idempotency_key === idempotencyKey)
        return { ...store.requestView(req), replayed: true };
      if (req.status !== 'pending')
        throw new AppError('conflict', `issuance request ${req.id} is already ${req.status}`);
      const p = (await store.findProject(tx, req.project_id))!;
      if (p.status !== 'registered')
        throw new AppError(
          'conflict',
          `project ${p.code} is ${p.status}: issuance needs a registered project`,
        );
      const controls = await this.controlsIn(tx);
      if (controls.vintageCutoff !== null && req.vintage < controls.vintageCutoff)
        throw new AppError(
          'conflict',
          `quality control "vintage cut-off": vintage ${req.vintage} is before ${controls.vintageCutoff}, the earliest allowed`,
          { details: { rule: 'vintage-cutoff' } },
        );
      if (controls.allowedMethodologies.length > 0 && !controls.allowedMethodologies.includes(p.methodology))
        throw new AppError(
          'conflict',
          `quality control "allowed methodologies": ${p.methodology} is not allowed (${controls.allowedMethodologies.join(', ')})`,
          { details: { rule: 'allowed-methodologies' } },
        );
      const quantity = BigInt(req.quantity);
      const bufferHundredths = parsePercent(req.buffer_percent, 'bufferPercent', 99);
      // Whole units only: the buffer share is rounded down, the proponent gets the rest.
      const buffer = (quantity * bufferHundredths) / 10_000n;
      const net = quantity - buffer;
      const operatorOrg = await this.operatorOrgId(tx, v);
      const details = { issuanceRequestId: req.id, monitoringReportId: req.report_id };
      const main = await this.ctx.units.issue(tx, {
        projectId: p.id,
        vintage: req.vintage,
        unitType: req.unit_type,
        quantity: net,
        toAccountId: req.to_account_id,
        actor: actorOf(v),
        orgId: operatorOrg,
        details,
      });
      let bufferIssued = null;
      if (buffer > 0n) {
        const bufferAccount = await this.ctx.units.ensureAccount(tx, {
          orgId: operatorOrg,
          kind: 'buffer',
          name: 'National buffer account',
          national: true,
        });
        bufferIssued = await this.ctx.units.issue(tx, {
          projectId: p.id,
          vintage: req.vintage,
          unitType: req.unit_type,
          quantity: buffer,
          toAccountId: bufferAccount.id,
          actor: actorOf(v),
          orgId: operatorOrg,
          details: { ...details, buffer: true },
          state: 'buffer',
        });
      }
      const entry = await this.appendLedger(
        tx,
        'registry.issuance-request.approved',
        `registry-project/${p.code}`,
        {
          requestId: req.id,
          issued: net.toString(),
          buffer: buffer.toString(),
          serial: main.serial,
          ...(bufferIssued ? { bufferSerial: bufferIssued.serial } : {}),
          actor: actorOf(v),
        },
        p.org_id,
        false,
      );
      await store.decideRequest(tx, req.id, {
        status: 'approved',
        reason: null,
        by: actorOf(v),
        issuanceId: main.issuanceId,
        bufferIssuanceId: bufferIssued?.issuanceId ?? null,
        idempotencyKey: idempotencyKey ?? null,
        entry,
      });
      return {
        ...store.requestView((await store.findRequest(tx, req.id))!),
        issued: { quantity: net.toString(), serial: main.serial },
        buffer: bufferIssued ? { quantity: buffer.toString(), serial: bufferIssued.serial } : null,
        replayed: false,
      };
    });
  }

  async rejectRequest(id: string, reason: string, v: Viewer) {
    this.requireOperator(v, 'reject issuance requests');
    return this.db.transaction(async (tx) => {
      const req = UUID_RE.test(id) ? await store.findRequest(tx, id, true) : undefined;
      if (!req) throw new AppError('not_found', `no issuance request ${id}`, { field: 'id' });
      if (req.status !== 'pending')
        throw new AppError('conflict', `issuance request ${req.id} is already ${req.status}`);
      const entry = await this.appendLedger(
        tx,
        'registry.issuance-request.rejected',
        `registry-project/${req.project_code}`,
        { requestId: req.id, reason, actor: actorOf(v) },
        req.org_id,
        false,
      );
      await store.decideRequest(tx, req.id, {
        status: 'rejected',
        reason,
        by: actorOf(v),
        issuanceId: null,
        bufferIssuanceId: null,
        idempotencyKey: null,
        entry,
      });
      return store.requestView((await store.findRequest(tx, req.id))!);
    });
  }

  /** The operator's approval queue: projects to validate or register, verified reports awaiting requests, pending requests. */
  async queue(v: Viewer) {
    if (!seesAll(v)) throw new AppError('forbidden', 'the approval queue is the registry operator’s');
    const [projects, reports, requests] = await Promise.all([
      store.listProjects(this.db, {
        all: true,
        orgs: [],
        status: null,
        org: null,
        statuses: ['submitted', 'validated'],
      }),
      store.listReports(this.db, { all: true, orgs: [], status: 'verified', unrequested: true }),
      store.requestsOf(this.db, { status: 'pending' }),
    ]);
    return {
      registrations: projects.map((p) => this.view(p)),
      awaitingRequests: reports.map(store.reportView),
      issuanceRequests: requests.map(store.requestView),
    };
  }

  // ------------------------------------------------------------------ quality controls

  private async controlsIn(q: Queryable): Promise<Controls> {
    const r = await store.currentControls(q);
    return r ? store.controlsView(r) : NO_CONTROLS;
  }

  async controls(): Promise<Controls> {
    return this.controlsIn(this.db);
  }

  async controlsHistory(): Promise<Controls[]> {
    return (await store.controlsHistory(this.db)).map(store.controlsView);
  }

  async setControls(input: unknown, v: Viewer): Promise<Controls> {
    this.requireOperator(v, 'set quality controls');
    const parsed = ControlsInput.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new AppError('bad_request', `${issue.path.join('.')}: ${issue.message}`, {
        field: issue.path.join('.'),
      });
    }
    const c = parsed.data;
    return this.db.transaction(async (tx) => {
      const version = (await store.lockControls(tx)) + 1;
      const body = {
        version,
        vintageCutoff: c.vintageCutoff,
        allowedMethodologies: [...new Set(c.allowedMethodologies)],
        labelsForImport: [...new Set(c.labelsForImport)],
        labelsForUse: [...new Set(c.labelsForUse)],
        note: c.note,
        actor: actorOf(v),
      };
      const entry = await this.appendLedger(
        tx,
        'registry.quality-controls',
        'registry-quality-controls',
        body,
        null,
        false,
      );
      await store.insertControls(tx, { ...body, setBy: actorOf(v), entry });
      return this.controlsIn(tx);
    });
  }

  /**
   * For imports from another registry (interop): refuses units the quality controls do not
   * allow, naming the rule. Runs inside the caller's transaction.
   */
  async checkImport(
    tx: Queryable,
    unit: { methodology: string; vintage: number; labels: readonly string[]; hostCountry: string },
  ): Promise<void> {
    const c = await this.controlsIn(tx);
    if (c.vintageCutoff !== null && unit.vintage < c.vintageCutoff)
      throw new AppError(
        'conflict',
        `quality control "vintage cut-off": vintage ${unit.vintage} is before ${c.vintageCutoff}, the earliest allowed`,
        { details: { rule: 'vintage-cutoff' } },
      );
    if (c.allowedMethodologies.length > 0 && !c.allowedMethodologies.includes(unit.methodology))
      throw new AppError(
        'conflict',
        `quality control "allowed methodologies": ${unit.methodology} is not allowed`,
        { details: { rule: 'allowed-methodologies' } },
      );
    const labels = Array.isArray(unit.labels) ? unit.labels : [];
    const missing = c.labelsForImport.filter((l) => !labels.includes(l));
    if (missing.length > 0)
      throw new AppError(
        'conflict',
        `quality control "labels for import": the units lack ${missing.join(', ')}`,
        {
          details: { rule: 'labels-for-import' },
        },
      );
  }

  /** Registered with the unit engine: quality controls and offset-use limits on every retirement. */
  async guard(tx: Queryable, g: GuardContext): Promise<void> {
    if (g.kind !== 'retirement') return;
    const c = await this.controlsIn(tx);
    const projectIds = [...new Set(g.blocks.map((b) => b.projectId))];
    const projects = new Map((await store.projectsQuality(tx, projectIds)).map((p) => [p.id, p]));
    for (const b of g.blocks) {
      const p = projects.get(b.projectId);
      if (c.vintageCutoff !== null && b.vintage < c.vintageCutoff)
        throw new AppError(
          'conflict',
          `quality control "vintage cut-off": units ${b.serial} are of vintage ${b.vintage}, before ${c.vintageCutoff}`,
          { details: { rule: 'vintage-cutoff' } },
        );
      if (p && c.allowedMethodologies.length > 0 && !c.allowedMethodologies.includes(p.methodology))
        throw new AppError(
          'conflict',
          `quality control "allowed methodologies": units ${b.serial} come from methodology ${p.methodology}, not allowed`,
          { details: { rule: 'allowed-methodologies' } },
        );
      const missing = c.labelsForUse.filter((l) => !(p?.labels ?? []).includes(l));
      if (missing.length > 0)
        throw new AppError(
          'conflict',
          `quality control "labels for use": units ${b.serial} lack the label ${missing.join(', ')}`,
          { details: { rule: 'labels-for-use' } },
        );
    }
    const obligationId = g.details['obligationId'];
    if (obligationId === undefined || obligationId === null) return;
    if (typeof obligationId !== 'string' || !UUID_RE.test(obligationId))
      throw new AppError('bad_request', 'details.obligationId: not an obligation id', {
        field: 'obligationId',
      });
    const o = await store.findObligation(tx, obligationId, true);
    if (!o)
      throw new AppError('bad_request', `obligationId: no obligation ${obligationId}`, {
        field: 'obligationId',
      });
    if (o.org_id !== g.orgId && g.fromAccount?.orgId !== o.org_id)
      throw new AppError('conflict', `obligation ${o.id} belongs to another organisation`, {
        field: 'obligationId',
      });
    const withQuantity = g as GuardContext & { quantity?: bigint };
    const quantity =
      typeof withQuantity.quantity === 'bigint'
        ? withQuantity.quantity
        : g.blocks.reduce((s, b) => s + (b.end - b.start + 1n), 0n);
    const max = maxOffsets(o);
    const used = BigInt(await store.offsetsUsed(tx, o.id));
    if (used + quantity > max)
      throw new AppError(
        'conflict',
        `offset-use limit: obligation ${o.year} of ${o.obligation_tonnes} t allows at most ${max} offset units (${percentText(
          parsePercent(o.max_offset_percent, 'maxOffsetPercent', 100),
        )} %); ${used} already retired against it, ${quantity} more would exceed it by ${used + quantity - max}`,
        { details: { rule: 'offset-use-limit', max: max.toString(), used: used.toString() } },
      );
  }

  // ------------------------------------------------------------------ obligations

  async addObligation(
    input: {
      org: string;
      year: number;
      obligationTonnes: unknown;
      maxOffsetPercent?: unknown;
      scheme: string;
    },
    v: Viewer,
  ) {
    this.requireOperator(v, 'record compliance obligations');
    const tonnes = parseQuantity(input.obligationTonnes, 'obligationTonnes');
    const pct =
      input.maxOffsetPercent === undefined
        ? 500n
        : parsePercent(input.maxOffsetPercent, 'maxOffsetPercent', 100);
    return this.db.transaction(async (tx) => {
      const org = await this.resolveOrg(tx, input.org, 'org');
      if (await store.obligationExists(tx, org.id, input.year, input.scheme))
        throw new AppError(
          'conflict',
          `${org.slug} already has an obligation for ${input.year}${input.scheme ? ' ' + input.scheme : ''}`,
        );
      const entry = await this.appendLedger(
        tx,
        'registry.obligation',
        `registry-obligation/${org.slug}/${input.year}`,
        {
          orgId: org.id,
          year: input.year,
          scheme: input.scheme,
          obligationTonnes: tonnes.toString(),
          maxOffsetPercent: percentText(pct),
          actor: actorOf(v),
        },
        org.id,
        false,
      );
      const id = await store.insertObligation(tx, {
        orgId: org.id,
        year: input.year,
        tonnes,
        percent: percentText(pct),
        scheme: input.scheme,
        createdBy: actorOf(v),
        entry,
      });
      return this.obligationView(tx, (await store.findObligation(tx, id))!);
    });
  }

  private async obligationView(q: Queryable, o: store.ObligationRow) {
    const max = maxOffsets(o);
    const used = BigInt(await store.offsetsUsed(q, o.id));
    return {
      id: o.id,
      org: { id: o.org_id, slug: o.org_slug, name: o.org_name },
      year: o.year,
      scheme: o.scheme,
      obligationTonnes: o.obligation_tonnes,
      maxOffsetPercent: percentText(parsePercent(o.max_offset_percent, 'maxOffsetPercent', 100)),
      maxOffsetUnits: max.toString(),
      used: used.toString(),
      remaining: (max > used ? max - used : 0n).toString(),
      createdAt: iso(o.created_at),
    };
  }

  async listObligations(v: Viewer) {
    const rows = await store.listObligations(this.db, seesAll(v) ? null : orgIdsOf(v as Principal));
    return Promise.all(rows.map((o) => this.obligationView(this.db, o)));
  }

  // ------------------------------------------------------------------ screening

  private async screenIn(tx: Queryable, projectId: string, v: Viewer) {
    const p = (await store.findProject(tx, projectId))!;
    const me: Candidate = {
      name: p.name,
      country: p.host_country,
      sector: p.sector,
      periods: p.periods,
      latitude: p.latitude === null ? null : Number(p.latitude),
      longitude: p.longitude === null ? null : Number(p.longitude),
    };
    const found: {
      otherProjectId: string | null;
      otherExternalId: string | null;
      m: NonNullable<ReturnType<typeof compare>>;
    }[] = [];
    for (const o of await store.screeningCandidates(tx, p.id, p.host_country)) {
      const m = compare(me, {
        name: o.name,
        country: o.host_country,
        sector: o.sector,
        periods: o.periods,
        latitude: o.latitude === null ? null : Number(o.latitude),
        longitude: o.longitude === null ? null : Number(o.longitude),
      });
      if (m) found.push({ otherProjectId: o.id, otherExternalId: null, m });
    }
    for (const o of await store.externalCandidates(tx, p.host_country)) {
      const m = compare(me, {
        name: o.name,
        country: o.country,
        sector: o.sector,
        periods: [{ starts: o.starts, ends: o.ends }],
        latitude: o.latitude === null ? null : Number(o.latitude),
        longitude: o.longitude === null ? null : Number(o.longitude),
      });
      if (m) found.push({ otherProjectId: null, otherExternalId: o.id, m });
    }
    await store.replaceOpenFlags(tx, p.id, found);
    await this.appendLedger(
      tx,
      'registry.project.screened',
      `registry-project/${p.code}`,
      { projectId: p.id, flags: found.length, actor: actorOf(v) },
      p.org_id,
      false,
    );
    return (await store.flagsOf(tx, p.id)).map(store.flagView);
  }

  /** Screens a project again (the operator, on demand). */
  async screen(idOrCode: string, v: Viewer) {
    this.requireOperator(v, 'screen projects');
    return this.db.transaction(async (tx) => {
      const p = await this.visibleProject(tx, v, idOrCode, true);
      return this.screenIn(tx, p.id, v);
    });
  }

  async flags(idOrCode: string, v: Viewer) {
    const p = await this.visibleProject(this.db, v, idOrCode);
    return (await store.flagsOf(this.db, p.id)).map(store.flagView);
  }

  async dismissFlag(idOrCode: string, flagId: string, reason: string, v: Viewer) {
    this.requireOperator(v, 'dismiss screening flags');
    return this.db.transaction(async (tx) => {
      const p = await this.visibleProject(tx, v, idOrCode, true);
      const flag = (await store.flagsOf(tx, p.id)).find((f) => f.id === flagId);
      if (!flag)
        throw new AppError('not_found', `no flag ${flagId} on project ${p.code}`, { field: 'flagId' });
      if (flag.status !== 'open') throw new AppError('conflict', `flag ${flagId} is already dismissed`);
      await this.appendLedger(
        tx,
        'registry.project.flag-dismissed',
        `registry-project/${p.code}`,
        { projectId: p.id, flagId, reason, actor: actorOf(v) },
        p.org_id,
        false,
      );
      await store.dismissFlag(tx, flagId, actorOf(v), reason);
      return (await store.flagsOf(tx, p.id)).map(store.flagView);
    });
  }

  /** Imports projects registered elsewhere (CSV or JSON); rows are replaced by (registry, id). */
  async importExternal(text: string, format: 'csv' | 'json', v: Viewer) {
    this.requireOperator(v, 'import projects registered elsewhere');
    const rows = parseExternalProjects(text, format);
    const sha256 = createHash('sha256').update(text).digest('hex');
    return this.db.transaction(async (tx) => {
      let inserted = 0;
      for (const r of rows) if (await store.upsertExternal(tx, r, actorOf(v))) inserted++;
      const entry = await this.appendLedger(
        tx,
        'registry.screening.import',
        'registry-external-projects',
        { rows: rows.length, sha256, actor: actorOf(v) },
        null,
        false,
      );
      return {
        rows: rows.length,
        inserted,
        updated: rows.length - inserted,
        sha256,
        ledgerIndex: entry.index,
      };
    });
  }

  async listExternal(v: Viewer, limit = 500) {
    if (!seesAll(v)) throw new AppError('forbidden', 'the external project list is the registry operator’s');
    return (await store.listExternal(this.db, limit)).map(store.externalView);
  }
}

/** floor(obligation × percent / 100), in whole units: 10,000 t × 5 % = 500. */
export function maxOffsets(o: { obligation_tonnes: string; max_offset_percent: string }): bigint {
  return (
    (BigInt(o.obligation_tonnes) * parsePercent(o.max_offset_percent, 'maxOffsetPercent', 100)) / 10_000n
  );
}
