import { hasRoleIn, orgIdsOf, type Role } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import type { CbamDeps } from '../context.js';
import type { CbamInstallations, InstallationSummary, Viewer } from '../contract.js';
import { InstallationData, type CalculationResult } from '../model.js';
import type { RulesService } from '../rules/index.js';
import { calculate } from './calc.js';
import * as store from './store.js';

/** Who may save installation data; any member of the organisation may read it. */
const WRITE_ROLES: readonly Role[] = ['admin', 'member'];
const LIST_LIMIT = 1000;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface InstallationView extends InstallationSummary {
  orgSlug: string;
  /** The newest version (`version` is the one shown). */
  latestVersion: number;
  createdBy: string;
}

export interface InstallationDetail extends InstallationView {
  data: InstallationData;
  versions: { version: number; createdBy: string; createdAt: string }[];
}

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();
const viewerName = (v: Viewer) => (v === 'system' ? 'local operator' : v.name);

const view = (r: store.VersionRow): InstallationView => ({
  id: r.id,
  orgId: r.org_id,
  orgSlug: r.org_slug,
  name: r.name,
  country: r.country,
  version: r.version,
  latestVersion: r.latest_version,
  reportingPeriod: { start: r.period_start, end: r.period_end },
  updatedAt: iso(r.created_at),
  createdBy: r.created_by,
});

/** Validates installation data against the shared schema; the error names the first field at fault. */
export function parseInstallationData(input: unknown, prefix = ''): InstallationData {
  const r = InstallationData.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = prefix + issue.path.join('.');
  throw new AppError('validation_failed', `${field || 'data'}: ${issue.message}`, {
    ...(field ? { field } : {}),
    details: {
      issues: r.error.issues
        .slice(0, 20)
        .map((i) => ({ path: prefix + i.path.join('.'), message: i.message })),
    },
  });
}

/** The rules year of a reporting period: the year it ends in. */
export const rulesYearOf = (data: InstallationData): number => Number(data.reportingPeriod.end.slice(0, 4));

/**
 * Installations of an exporter: their data with every version kept, and the calculation of their
 * embedded emissions (calc.ts) against the rules of the year the reporting period ends in.
 */
export class InstallationService implements CbamInstallations {
  constructor(
    readonly deps: CbamDeps,
    readonly rules: RulesService,
  ) {}

  private canRead(viewer: Viewer, orgId: string): boolean {
    return viewer === 'system' || orgIdsOf(viewer).includes(orgId);
  }

  /** An organisation named by slug or id that the viewer may read; others are answered as unknown. */
  private async readableOrg(viewer: Viewer, org: string): Promise<string> {
    const id = UUID_RE.test(org) ? org : await store.orgIdBySlug(this.deps.db, org);
    if (!id || !this.canRead(viewer, id))
      throw new AppError('not_found', `org: no organisation "${org}" of yours`, { field: 'org' });
    return id;
  }

  /** The organisation a save goes to: the one named, or the caller's only one it may write for. */
  private async writableOrg(viewer: Viewer, org: string | undefined): Promise<string> {
    if (org !== undefined && org !== '') {
      const id = await this.readableOrg(viewer, org);
      if (viewer !== 'system' && !hasRoleIn(viewer, id, WRITE_ROLES))
        throw new AppError(
          'forbidden',
          `org: installation data is saved by the organisation's admins or members`,
          {
            field: 'org',
          },
        );
      return id;
    }
    if (viewer === 'system')
      throw new AppError('bad_request', 'org: name the organisation', { field: 'org' });
    const mine = [
      ...new Set(viewer.memberships.filter((m) => WRITE_ROLES.includes(m.role)).map((m) => m.orgId)),
    ];
    if (mine.length === 1) return mine[0]!;
    throw new AppError(
      mine.length === 0 ? 'forbidden' : 'bad_request',
      mine.length === 0
        ? "installation data is saved by an organisation's admins or members"
        : 'org: you belong to several organisations; name one',
      { field: 'org' },
    );
  }

  /**
   * Checks data without saving: the schema, every CN code a CBAM good, and a calculation that goes
   * through with the rules of the year (`calc` of the CLI).
   */
  async check(input: unknown, year?: number): Promise<{ data: InstallationData; result: CalculationResult }> {
    const data = parseInstallationData(input);
    await this.checkCnCodes(data);
    const result = calculate(data, await this.rules.snapshot(year ?? rulesYearOf(data)));
    return { data, result };
  }

  /** As check(), but a gap in the rules data (no default, no grid factor) does not refuse the data. */
  private async checkForSave(input: unknown): Promise<InstallationData> {
    try {
      return (await this.check(input)).data;
    } catch (e) {
      if (e instanceof AppError && e.details?.['rulesGap'] === true) return parseInstallationData(input);
      throw e;
    }
  }

  private async checkCnCodes(data: InstallationData): Promise<void> {
    const where: string[] = [];
    const codes: string[] = [];
    data.processes.forEach((p, i) =>
      p.cnCodes.forEach((cn, j) => {
        where.push(`processes.${i}.cnCodes.${j}`);
        codes.push(cn);
      }),
    );
    let answers;
    try {
      answers = await this.rules.scopeMany(codes);
    } catch (e) {
      // The rules name the code by its position in the batch; say where it is in the data.
      const bad =
        e instanceof AppError ? (e.details?.['invalid'] as { index: number }[] | undefined) : undefined;
      if (bad?.[0] === undefined) throw e;
      const field = where[bad[0].index]!;
      throw new AppError('validation_failed', `${field}: ${codes[bad[0].index]} is not a CN code`, { field });
    }
    answers.forEach((a, k) => {
      if (!a.inScope)
        throw new AppError('validation_failed', `${where[k]}: ${a.reason}`, { field: where[k]! });
    });
  }

  async save(viewer: Viewer, orgId: string, input: unknown, id?: string): Promise<InstallationView> {
    const org = await this.writableOrg(viewer, orgId);
    if (id !== undefined) {
      // An installation of another organisation is as unknown as one that does not exist.
      const owner = UUID_RE.test(id) ? await store.ownerOf(this.deps.db, id) : undefined;
      if (!owner || !this.canRead(viewer, owner)) throw new AppError('not_found', `no installation ${id}`);
      if (owner !== org)
        throw new AppError(
          'bad_request',
          `org: installation ${id} belongs to another of your organisations`,
          {
            field: 'org',
          },
        );
    }
    const data = await this.checkForSave(input);
    const v: store.NewVersion = {
      name: data.installation.name,
      country: data.installation.country,
      periodStart: data.reportingPeriod.start,
      periodEnd: data.reportingPeriod.end,
      data,
      createdBy: viewerName(viewer),
    };
    const saved = await this.deps.db.transaction(async (tx) => {
      if (id === undefined) return { id: await store.insertInstallation(tx, org, v), version: 1 };
      const version = await store.addVersion(tx, id, v);
      if (version === undefined) throw new AppError('not_found', `no installation ${id}`);
      return { id, version };
    });
    const { data: _data, versions: _versions, ...summary } = await this.get(viewer, saved.id, saved.version);
    return summary;
  }

  /** Saves for the organisation the viewer may write for (its only one when `org` is absent). */
  async saveFor(
    viewer: Viewer,
    org: string | undefined,
    input: unknown,
    id?: string,
  ): Promise<InstallationView> {
    if (id !== undefined && (org === undefined || org === '')) {
      const owner = UUID_RE.test(id) ? await store.ownerOf(this.deps.db, id) : undefined;
      if (!owner || !this.canRead(viewer, owner)) throw new AppError('not_found', `no installation ${id}`);
      return this.save(viewer, owner, input, id);
    }
    return this.save(viewer, await this.writableOrg(viewer, org), input, id);
  }

  async get(viewer: Viewer, id: string, version?: number): Promise<InstallationDetail> {
    const row = UUID_RE.test(id) ? await store.findVersion(this.deps.db, id, version) : undefined;
    if (!row || !this.canRead(viewer, row.org_id)) {
      if (row === undefined && version !== undefined && UUID_RE.test(id)) {
        const owner = await store.ownerOf(this.deps.db, id);
        if (owner && this.canRead(viewer, owner))
          throw new AppError('not_found', `version: installation ${id} has no version ${version}`, {
            field: 'version',
          });
      }
      throw new AppError('not_found', `no installation ${id}`);
    }
    const versions = await store.versionsOf(this.deps.db, id);
    return {
      ...view(row),
      data: row.data as InstallationData,
      versions: versions.map((x) => ({
        version: x.version,
        createdBy: x.created_by,
        createdAt: iso(x.created_at),
      })),
    };
  }

  /** The latest version of each installation: of one organisation, or of all the viewer's. */
  async list(viewer: Viewer, orgId?: string): Promise<InstallationView[]> {
    let orgIds: string[] | null;
    if (orgId !== undefined && orgId !== '') orgIds = [await this.readableOrg(viewer, orgId)];
    else orgIds = viewer === 'system' ? null : orgIdsOf(viewer);
    if (orgIds !== null && orgIds.length === 0) return [];
    return (await store.latestOf(this.deps.db, orgIds, LIST_LIMIT)).map(view);
  }

  /** The calculation of a stored version (the latest by default), with the rules of its period's year. */
  async calculate(viewer: Viewer, id: string, version?: number): Promise<CalculationResult> {
    const { data } = await this.get(viewer, id, version);
    // Stored data was validated when saved; it is parsed again so that defaults of fields added to
    // the schema since then apply.
    const parsed = parseInstallationData(data);
    return calculate(parsed, await this.rules.snapshot(rulesYearOf(parsed)));
  }

  async calculateData(data: unknown): Promise<CalculationResult> {
    const parsed = parseInstallationData(data);
    return calculate(parsed, await this.rules.snapshot(rulesYearOf(parsed)));
  }
}
