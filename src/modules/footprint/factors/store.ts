import type { Queryable } from '../../../db/index.js';
import type { FactorInput } from './parse.js';

export interface ReleaseRow {
  id: string;
  slug: string;
  version: string;
  name: string;
  owner_org_id: string | null;
  owner_slug: string | null;
  owner_name: string | null;
  status: 'draft' | 'published';
  source: string;
  licence: string;
  checksum: string;
  factor_count: number;
  created_by: string;
  created_at: Date;
  published_at: Date | null;
  ledger_index: string | null;
  ledger_leaf: Uint8Array | null;
}

export interface FactorRow {
  id: string;
  release_id: string;
  release_slug: string;
  release_version: string;
  release_status: 'draft' | 'published';
  key: string;
  name: string;
  activity: string;
  unit: string;
  value: string;
  region: string;
  year: number;
  gwp_set: 'AR4' | 'AR5' | 'AR6' | null;
  fossil: string | null;
  biogenic: string | null;
  biogenic_removal: string | null;
  luc: string | null;
  aircraft: string | null;
  co2: string | null;
  ch4: string | null;
  n2o: string | null;
  other_ghg: string | null;
  source: string;
  licence: string;
  dq_technological: number | null;
  dq_temporal: number | null;
  dq_geographical: number | null;
  dq_completeness: number | null;
  dq_reliability: number | null;
  tags: string;
  total?: string;
}

/**
 * Which releases a viewer sees, as SQL over `r` (factor_release): shared public data once
 * published; an organisation's releases, drafts included, by its members only. `$1` is the
 * viewer's organisation ids, or NULL for the local operator (everything).
 */
export const VISIBLE = `($1::uuid[] IS NULL OR (r.owner_org_id IS NULL AND r.status = 'published') OR r.owner_org_id = ANY($1::uuid[]))`;

/** Of the visible releases, the newest published version of each slug: what search and lookups use by default. */
export const CURRENT = `r.status = 'published' AND NOT EXISTS (
  SELECT 1 FROM factor_release n WHERE n.slug = r.slug AND n.status = 'published' AND n.published_at > r.published_at)`;

const RELEASE_COLUMNS = `r.id, r.slug, r.version, r.name, r.owner_org_id, o.slug AS owner_slug, o.name AS owner_name,
  r.status, r.source, r.licence, r.checksum, r.factor_count, r.created_by, r.created_at, r.published_at,
  r.ledger_index, r.ledger_leaf`;

export const FACTOR_COLUMNS = `f.id, f.release_id, r.slug AS release_slug, r.version AS release_version,
  r.status AS release_status, f.key, f.name, f.activity, f.unit, f.value::text AS value, f.region, f.year,
  f.gwp_set, f.fossil::text AS fossil, f.biogenic::text AS biogenic, f.biogenic_removal::text AS biogenic_removal,
  f.luc::text AS luc, f.aircraft::text AS aircraft, f.co2::text AS co2, f.ch4::text AS ch4, f.n2o::text AS n2o,
  f.other_ghg::text AS other_ghg, f.source, f.licence, f.dq_technological, f.dq_temporal, f.dq_geographical,
  f.dq_completeness, f.dq_reliability, f.tags`;

export const releases = (db: Queryable, orgIds: string[] | null) =>
  db.query<ReleaseRow>(
    `SELECT ${RELEASE_COLUMNS} FROM factor_release r LEFT JOIN organisation o ON o.id = r.owner_org_id
     WHERE ${VISIBLE} ORDER BY r.owner_org_id IS NOT NULL, r.slug, r.created_at DESC`,
    [orgIds],
  );

export const releaseById = async (db: Queryable, orgIds: string[] | null, id: string) =>
  (
    await db.query<ReleaseRow>(
      `SELECT ${RELEASE_COLUMNS} FROM factor_release r LEFT JOIN organisation o ON o.id = r.owner_org_id
       WHERE ${VISIBLE} AND r.id = $2`,
      [orgIds, id],
    )
  )[0];

/** Who owns a slug already (any version, visible or not): a slug belongs to one owner. */
export const slugOwner = async (db: Queryable, slug: string) =>
  (
    await db.query<{ owner_org_id: string | null }>(
      'SELECT owner_org_id FROM factor_release WHERE slug = $1 LIMIT 1',
      [slug],
    )
  )[0];

export const versionExists = async (db: Queryable, slug: string, version: string) =>
  (await db.query('SELECT 1 FROM factor_release WHERE slug = $1 AND version = $2', [slug, version])).length >
  0;

/** The newest published release of a slug, whatever the viewer: for loading shipped data. */
export const latestPublished = async (db: Queryable, slug: string) =>
  (
    await db.query<{ id: string; version: string; checksum: string }>(
      `SELECT id, version, checksum FROM factor_release WHERE slug = $1 AND status = 'published'
       ORDER BY published_at DESC LIMIT 1`,
      [slug],
    )
  )[0];

export async function insertRelease(
  db: Queryable,
  r: {
    slug: string;
    version: string;
    name: string;
    ownerOrgId: string | null;
    source: string;
    licence: string;
    checksum: string;
    factorCount: number;
    createdBy: string;
  },
): Promise<string> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO factor_release (slug, version, name, owner_org_id, status, source, licence, checksum, factor_count, created_by)
     VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8, $9) RETURNING id`,
    [r.slug, r.version, r.name, r.ownerOrgId, r.source, r.licence, r.checksum, r.factorCount, r.createdBy],
  );
  return rows[0]!.id;
}

/** Factors go in while the release is a draft; publishing then freezes them (see the triggers). */
export async function insertFactors(db: Queryable, releaseId: string, factors: readonly FactorInput[]) {
  for (let i = 0; i < factors.length; i += 2000) {
    const c = factors.slice(i, i + 2000);
    const col = <T>(f: (x: FactorInput) => T) => c.map(f);
    await db.query(
      `INSERT INTO emission_factor (release_id, key, name, activity, unit, value, region, year, gwp_set,
         fossil, biogenic, biogenic_removal, luc, aircraft, co2, ch4, n2o, other_ghg, source, licence,
         dq_technological, dq_temporal, dq_geographical, dq_completeness, dq_reliability, tags)
       SELECT $1, k, n, a, u, v::numeric, rg, y, g, fo::numeric, bi::numeric, br::numeric, lu::numeric,
         ai::numeric, c2::numeric, c4::numeric, n2::numeric, og::numeric, s, l, d1, d2, d3, d4, d5, t
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[],
         $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[],
         $18::text[], $19::text[], $20::text[], $21::int[], $22::int[], $23::int[], $24::int[], $25::int[], $26::text[])
         AS x(k, n, a, u, v, rg, y, g, fo, bi, br, lu, ai, c2, c4, n2, og, s, l, d1, d2, d3, d4, d5, t)`,
      [
        releaseId,
        col((f) => f.key),
        col((f) => f.name),
        col((f) => f.activity),
        col((f) => f.unit),
        col((f) => f.value),
        col((f) => f.region),
        col((f) => f.year),
        col((f) => f.gwpSet),
        col((f) => f.fossil),
        col((f) => f.biogenic),
        col((f) => f.biogenicRemoval),
        col((f) => f.luc),
        col((f) => f.aircraft),
        col((f) => f.co2),
        col((f) => f.ch4),
        col((f) => f.n2o),
        col((f) => f.otherGhg),
        col((f) => f.source),
        col((f) => f.licence),
        col((f) => f.dq[0]),
        col((f) => f.dq[1]),
        col((f) => f.dq[2]),
        col((f) => f.dq[3]),
        col((f) => f.dq[4]),
        col((f) => f.tags.join(';')),
      ],
    );
  }
}

/** Draft to published, once: the WHERE makes a second publish a no-op the caller sees. */
export const markPublished = async (
  db: Queryable,
  id: string,
  ledger: { index: number; leaf: Uint8Array } | null,
) =>
  (
    await db.query<{ id: string }>(
      `UPDATE factor_release SET status = 'published', published_at = clock_timestamp(), ledger_index = $2, ledger_leaf = $3
       WHERE id = $1 AND status = 'draft' RETURNING id`,
      [id, ledger?.index ?? null, ledger?.leaf ?? null],
    )
  ).length === 1;

export const factorById = async (db: Queryable, orgIds: string[] | null, id: string) =>
  (
    await db.query<FactorRow>(
      `SELECT ${FACTOR_COLUMNS} FROM emission_factor f JOIN factor_release r ON r.id = f.release_id
       WHERE ${VISIBLE} AND f.id = $2`,
      [orgIds, id],
    )
  )[0];

export interface SearchFilter {
  tsquery: string | null;
  activity: string | null;
  region: string | null;
  year: number | null;
  unit: string | null;
  /** Release ids to search; null: the current release of each visible slug. */
  releaseIds: string[] | null;
  limit: number;
  offset: number;
}

/** Full-text (prefix) match ranked first, then by release and key; `total` counts every match. */
export const search = (db: Queryable, orgIds: string[] | null, s: SearchFilter) =>
  db.query<FactorRow>(
    `SELECT ${FACTOR_COLUMNS}, count(*) OVER ()::text AS total
     FROM emission_factor f JOIN factor_release r ON r.id = f.release_id
     WHERE ${VISIBLE}
       AND ($8::uuid[] IS NULL AND ${CURRENT} OR r.id = ANY($8::uuid[]))
       AND ($2::text IS NULL OR f.search @@ to_tsquery('english', $2))
       AND ($3::text IS NULL OR left(f.activity, length($3)) = $3)
       AND ($4::text IS NULL OR f.region = $4)
       AND ($5::int IS NULL OR f.year = $5)
       AND ($6::text IS NULL OR f.unit = $6)
     ORDER BY CASE WHEN $2::text IS NULL THEN 0 ELSE ts_rank(f.search, to_tsquery('english', $2)) END DESC,
       r.owner_org_id IS NULL, r.slug, f.key
     LIMIT $7 OFFSET $9`,
    [orgIds, s.tsquery, s.activity, s.region, s.year, s.unit, s.limit, s.releaseIds, s.offset],
  );

/** Releases a reference names: `slug` (every version), `slug@version`, or an id; visible ones only. */
export const releasesNamed = (db: Queryable, orgIds: string[] | null, name: string) => {
  const at = name.indexOf('@');
  const [slug, version] = at < 0 ? [name, null] : [name.slice(0, at), name.slice(at + 1)];
  const isId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(name);
  return db.query<{ id: string; status: string; published_at: Date | null }>(
    `SELECT r.id, r.status, r.published_at FROM factor_release r
     WHERE ${VISIBLE} AND ${isId ? 'r.id = $2::uuid' : 'r.slug = $2 AND ($3::text IS NULL OR r.version = $3)'}
     ORDER BY r.status = 'published' DESC, r.published_at DESC NULLS LAST, r.created_at DESC`,
    isId ? [orgIds, name] : [orgIds, slug, version],
  );
};

/**
 * For each key, the factor of the first release (in `releaseIds` order when given, else the
 * viewer's own organisations' before shared data, newest published first) that holds it.
 */
export const factorsByKeys = (
  db: Queryable,
  orgIds: string[] | null,
  keys: string[],
  releaseIds: string[] | null,
) =>
  db.query<FactorRow>(
    `SELECT DISTINCT ON (f.key) ${FACTOR_COLUMNS}
     FROM emission_factor f JOIN factor_release r ON r.id = f.release_id
     WHERE ${VISIBLE} AND f.key = ANY($2::text[])
       AND (CASE WHEN $3::uuid[] IS NULL THEN r.status = 'published' ELSE r.id = ANY($3::uuid[]) END)
     ORDER BY f.key, COALESCE(array_position($3::uuid[], r.id), 0), r.owner_org_id IS NULL,
       r.published_at DESC NULLS LAST`,
    [orgIds, keys, releaseIds],
  );

/**
 * The best factor for an activity in a region among the current published releases: an
 * organisation's own first, then the latest year not after `year` (else the earliest after).
 */
export const bestFactor = async (
  db: Queryable,
  orgIds: string[] | null,
  q: { activity: string; region: string; year: number | null; units: string[] | null },
) =>
  (
    await db.query<FactorRow>(
      `SELECT ${FACTOR_COLUMNS} FROM emission_factor f JOIN factor_release r ON r.id = f.release_id
       WHERE ${VISIBLE} AND ${CURRENT} AND f.activity = $2 AND f.region = $3
         AND ($5::text[] IS NULL OR f.unit = ANY($5::text[]))
       ORDER BY r.owner_org_id IS NULL,
         CASE WHEN $4::int IS NULL OR f.year <= $4 THEN 0 ELSE 1 END,
         CASE WHEN $4::int IS NULL OR f.year <= $4 THEN -f.year ELSE f.year END,
         r.published_at DESC, f.key
       LIMIT 1`,
      [orgIds, q.activity, q.region, q.year, q.units],
    )
  )[0];

export async function shippedFileHash(tx: Queryable, file: string): Promise<string | null> {
  const r = await tx.query<{ sha256: string }>('SELECT sha256 FROM factor_shipped_file WHERE file = $1', [
    file,
  ]);
  return r[0]?.sha256 ?? null;
}

export async function recordShippedFile(tx: Queryable, file: string, sha256: string): Promise<void> {
  await tx.query(
    `INSERT INTO factor_shipped_file (file, sha256) VALUES ($1, $2)
     ON CONFLICT (file) DO UPDATE SET sha256 = EXCLUDED.sha256`,
    [file, sha256],
  );
}
