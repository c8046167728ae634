import type { Db, Queryable } from '../../../db/index.js';
import { hasRoleIn, orgIdsOf, type Principal, type Role } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import { parseUnit, UNIT_SYMBOLS } from '../../../kernel/units.js';
import { identityAdmin } from '../../identity/index.js';
import type { LedgerService, ReferenceSource } from '../../ledger/index.js';
import {
  ImportRequest,
  SearchQuery,
  type Factor,
  type Release,
  type SearchResult,
  type SearchQuery as SearchInput,
} from './model.js';
import { parseFactors, type ParsedFactors } from './parse.js';
import * as store from './store.js';

/** Names one factor: its key, in a release (the newest published release holding the key when omitted). */
export interface FactorRef {
  key: string;
  /** A release slug (its newest published version holding the key), or `slug@version` for an exact one. */
  release?: string;
}

/** A signed-in caller, anonymous (null: shared public data only), or the local operator (the CLI). */
export type Viewer = Principal | null | 'system';

/** For ledger verify: the published factor releases that keep a ledger entry. */
export const factorReleaseReferences: ReferenceSource = {
  name: 'factor releases',
  sql: `SELECT 'factor release ' || slug || '@' || version AS ref, ledger_index AS idx, ledger_leaf AS leaf
        FROM factor_release WHERE ledger_index IS NOT NULL`,
};

const IMPORT_ROLES: readonly Role[] = ['admin', 'member'];
const PUBLISH_ROLES: readonly Role[] = ['admin'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The organisations whose releases the viewer sees besides shared data; null sees everything. */
const scopeOf = (viewer: Viewer): string[] | null =>
  viewer === 'system' ? null : viewer ? orgIdsOf(viewer) : [];
const nameOf = (viewer: Viewer): string =>
  viewer === 'system' ? 'local operator' : viewer ? viewer.name : 'anonymous';
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export const releaseView = (r: store.ReleaseRow): Release => ({
  id: r.id,
  slug: r.slug,
  version: r.version,
  name: r.name,
  owner: r.owner_org_id ? { slug: r.owner_slug ?? '', name: r.owner_name ?? '' } : null,
  status: r.status,
  source: r.source,
  licence: r.licence,
  checksum: r.checksum,
  factorCount: r.factor_count,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
  publishedAt: r.published_at ? new Date(r.published_at).toISOString() : null,
  ledger:
    r.ledger_index !== null && r.ledger_leaf
      ? { index: Number(r.ledger_index), leafHash: hex(r.ledger_leaf) }
      : null,
});

export const factorView = (f: store.FactorRow): Factor => ({
  id: f.id,
  release: f.release_slug,
  releaseVersion: f.release_version,
  releaseId: f.release_id,
  releaseStatus: f.release_status,
  key: f.key,
  name: f.name,
  activity: f.activity,
  unit: f.unit,
  value: f.value,
  region: f.region,
  year: Number(f.year),
  gwpSet: f.gwp_set,
  split: {
    fossil: f.fossil,
    biogenic: f.biogenic,
    biogenicRemoval: f.biogenic_removal,
    luc: f.luc,
    aircraft: f.aircraft,
  },
  gases: { co2: f.co2, ch4: f.ch4, n2o: f.n2o, otherGhg: f.other_ghg },
  source: f.source,
  licence: f.licence,
  quality: {
    technological: f.dq_technological,
    temporal: f.dq_temporal,
    geographical: f.dq_geographical,
    completeness: f.dq_completeness,
    reliability: f.dq_reliability,
  },
  tags: f.tags ? f.tags.split(';') : [],
});

/** Words to a prefix tsquery: only letters and digits reach to_tsquery, each word ANDed, `word:*`. */
export function wordsToTsquery(q: string): string | null {
  const words = q.match(/[\p{L}\p{N}]+/gu)?.slice(0, 12) ?? [];
  return words.length > 0 ? words.map((w) => `${w.toLowerCase()}:*`).join(' & ') : null;
}

/** The canonical unit symbols of the same dimension as `unit` (kWh → J, kJ, MJ, ..., MMBtu). */
function unitsLike(unit: string, field: string): string[] {
  const u = parseUnit(unit);
  if (!u) throw new AppError('validation_failed', `${field}: unknown unit "${unit}"`, { field });
  return UNIT_SYMBOLS.filter((s) => parseUnit(s)?.dimension === u.dimension);
}

export class FactorService {
  /** With a ledger, publishing a release appends a `footprint.factor-release` entry in the same transaction. */
  constructor(
    readonly db: Db,
    private readonly ledger?: LedgerService,
  ) {
    ledger?.registerReferences(factorReleaseReferences);
  }

  /** Shared releases, then the viewer's organisations' (drafts included). */
  async releases(viewer: Viewer): Promise<Release[]> {
    return (await store.releases(this.db, scopeOf(viewer))).map(releaseView);
  }

  async release(viewer: Viewer, id: string): Promise<Release> {
    const r = UUID.test(id) ? await store.releaseById(this.db, scopeOf(viewer), id) : undefined;
    if (!r) throw new AppError('not_found', `no factor release ${id}`, { field: 'id' });
    return releaseView(r);
  }

  /**
   * Imports a CSV or JSON file as a new release of an organisation: all of it or nothing, in one
   * transaction; problems are named by line and column. A draft unless `publish` (admins only).
   */
  async importRelease(viewer: Viewer, input: ImportRequest): Promise<Release> {
    const req = ImportRequest.parse(input);
    if (!viewer) throw new AppError('unauthorized', 'sign in to import factors');
    const orgId = await identityAdmin.orgIdBySlug(this.db, req.org);
    if (viewer !== 'system') {
      if (!hasRoleIn(viewer, orgId, IMPORT_ROLES))
        throw new AppError('forbidden', `only members of ${req.org} import its factors`, { field: 'org' });
      if (req.publish && !hasRoleIn(viewer, orgId, PUBLISH_ROLES))
        throw new AppError('forbidden', `only admins of ${req.org} publish its factors`, {
          field: 'publish',
        });
    }
    const parsed = parseFactors(req.format, req.content, 'content', {
      source: req.source ?? '',
      licence: req.licence ?? '',
    });
    const id = await this.db.transaction(async (tx) => {
      const owner = await store.slugOwner(tx, req.slug);
      if (owner && owner.owner_org_id !== orgId)
        throw new AppError('conflict', `the release slug ${req.slug} belongs to another owner`, {
          field: 'slug',
        });
      if (await store.versionExists(tx, req.slug, req.version))
        throw new AppError('conflict', `${req.slug}@${req.version} exists; releases are immutable`, {
          field: 'version',
        });
      const releaseId = await this.insert(tx, {
        slug: req.slug,
        version: req.version,
        name: req.name,
        ownerOrgId: orgId,
        source: req.source ?? '',
        licence: req.licence ?? '',
        createdBy: nameOf(viewer),
        parsed,
      });
      if (req.publish) await this.publishIn(tx, releaseId, nameOf(viewer));
      return releaseId;
    });
    return this.release(viewer, id);
  }

  /** Publishes a draft (an admin of its organisation): from then on the database refuses any change. */
  async publish(viewer: Viewer, id: string): Promise<Release> {
    const r = await this.release(viewer, id); // 404 when not visible
    if (viewer === null) throw new AppError('unauthorized', 'sign in to publish');
    if (viewer !== 'system' && (!r.owner || !hasRoleIn(viewer, await this.ownerId(id), PUBLISH_ROLES)))
      throw new AppError('forbidden', `only admins of ${r.owner?.slug ?? 'the owner'} publish this release`);
    if (r.status === 'published')
      throw new AppError('conflict', `${r.slug}@${r.version} is published already`, { field: 'id' });
    await this.db.transaction((tx) => this.publishIn(tx, id, nameOf(viewer)));
    return this.release(viewer, id);
  }

  private async ownerId(releaseId: string): Promise<string> {
    const rows = await this.db.query<{ owner_org_id: string | null }>(
      'SELECT owner_org_id FROM factor_release WHERE id = $1',
      [releaseId],
    );
    return rows[0]?.owner_org_id ?? '';
  }

  /** Inserts a draft release and its factors (shared by imports and the shipped data). */
  async insert(
    tx: Queryable,
    r: {
      slug: string;
      version: string;
      name: string;
      ownerOrgId: string | null;
      source: string;
      licence: string;
      createdBy: string;
      parsed: ParsedFactors;
    },
  ): Promise<string> {
    const id = await store.insertRelease(tx, {
      ...r,
      checksum: r.parsed.checksum,
      factorCount: r.parsed.factors.length,
    });
    await store.insertFactors(tx, id, r.parsed.factors);
    return id;
  }

  private async publishIn(tx: Queryable, id: string, by: string): Promise<void> {
    const rows = await tx.query<{
      slug: string;
      version: string;
      name: string;
      owner_org_id: string | null;
      checksum: string;
      factor_count: number;
      source: string;
      licence: string;
    }>(
      `SELECT slug, version, name, owner_org_id, checksum, factor_count, source, licence
       FROM factor_release WHERE id = $1 FOR UPDATE`,
      [id],
    );
    const r = rows[0]!;
    // Footprints will name these factors: the release's content hash goes into the ledger with it.
    const appended = this.ledger
      ? await this.ledger.append(tx, {
          type: 'footprint.factor-release',
          subject: `${r.slug}@${r.version}`,
          body: {
            release: r.slug,
            version: r.version,
            name: r.name,
            checksum: r.checksum,
            factors: r.factor_count,
            source: r.source,
            licence: r.licence,
            publishedBy: by,
          },
          orgId: r.owner_org_id,
          public: r.owner_org_id === null,
        })
      : null;
    const done = await store.markPublished(
      tx,
      id,
      appended ? { index: appended.index, leaf: Buffer.from(appended.leafHash, 'hex') } : null,
    );
    if (!done) throw new AppError('conflict', `${r.slug}@${r.version} is published already`, { field: 'id' });
  }

  /** Words (prefix match) and filters over the current release of each visible slug, or the one named. */
  async search(viewer: Viewer, query: SearchInput): Promise<SearchResult> {
    const q = SearchQuery.parse(query);
    const scope = scopeOf(viewer);
    let releaseIds: string[] | null = null;
    if (q.release) {
      const named = await store.releasesNamed(this.db, scope, q.release);
      // A bare slug means its newest version (published if any); `slug@version` or an id, that one.
      releaseIds = named.slice(0, 1).map((r) => r.id);
    }
    const unit = q.unit ? parseUnit(q.unit) : undefined;
    if (q.unit && !unit)
      throw new AppError('validation_failed', `unit: unknown unit "${q.unit}"`, { field: 'unit' });
    const rows = await store.search(this.db, scope, {
      tsquery: q.q ? wordsToTsquery(q.q) : null,
      activity: q.activity || null,
      region: q.region ? q.region.toUpperCase() : null,
      year: q.year ?? null,
      unit: unit?.symbol ?? null,
      releaseIds,
      limit: q.limit,
      offset: q.offset,
    });
    return { total: Number(rows[0]?.total ?? 0), results: rows.map(factorView) };
  }

  async getFactor(viewer: Viewer, id: string): Promise<Factor> {
    const f = UUID.test(id) ? await store.factorById(this.db, scopeOf(viewer), id) : undefined;
    if (!f) throw new AppError('not_found', `no emission factor ${id}`, { field: 'id' });
    return factorView(f);
  }

  /** The factors named, each visible to `viewer`; a 400 naming `field` + index for a missing one. */
  async getFactors(viewer: Viewer, refs: FactorRef[], field: string): Promise<Factor[]> {
    const scope = scopeOf(viewer);
    const byRelease = new Map<string, number[]>();
    refs.forEach((r, i) => {
      const k = r.release ?? '';
      byRelease.set(k, [...(byRelease.get(k) ?? []), i]);
    });
    const out: (Factor | undefined)[] = new Array(refs.length);
    for (const [release, indexes] of byRelease) {
      let ids: string[] | null = null;
      if (release) {
        // Only published releases: a footprint must rest on factors that cannot change.
        ids = (await store.releasesNamed(this.db, scope, release))
          .filter((r) => r.status === 'published')
          .map((r) => r.id);
      }
      const keys = [...new Set(indexes.map((i) => refs[i]!.key))];
      const found = ids && ids.length === 0 ? [] : await store.factorsByKeys(this.db, scope, keys, ids);
      const byKey = new Map(found.map((f) => [f.key, factorView(f)]));
      for (const i of indexes) out[i] = byKey.get(refs[i]!.key);
    }
    const missing = out.findIndex((f) => f === undefined);
    if (missing >= 0) {
      const ref = refs[missing]!;
      throw new AppError(
        'validation_failed',
        `${field}.${missing}: no published emission factor "${ref.key}"${ref.release ? ` in release ${ref.release}` : ''} that you can see`,
        { field: `${field}.${missing}`, details: { key: ref.key, release: ref.release ?? null } },
      );
    }
    return out as Factor[];
  }

  /**
   * The best factor for an activity in a region: the latest year <= `year` (else the earliest
   * after), among the current published releases the viewer sees, the viewer's organisation's
   * own before shared data; with `unit`, only factors per a unit of the same dimension. Or null.
   */
  async bestFactor(
    viewer: Viewer,
    q: { activity: string; region: string; year?: number; unit?: string },
  ): Promise<Factor | null> {
    const f = await store.bestFactor(this.db, scopeOf(viewer), {
      activity: q.activity,
      region: q.region.toUpperCase(),
      year: q.year ?? null,
      units: q.unit ? unitsLike(q.unit, 'unit') : null,
    });
    return f ? factorView(f) : null;
  }
}
