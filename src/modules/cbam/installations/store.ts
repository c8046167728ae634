/** The installations' SQL. */
import type { Queryable } from '../../../db/index.js';

export interface VersionRow {
  id: string;
  org_id: string;
  org_slug: string;
  version: number;
  latest_version: number;
  name: string;
  country: string;
  period_start: string;
  period_end: string;
  data: unknown;
  created_by: string;
  created_at: Date | string;
}

const COLS = `i.id, i.org_id, o.slug AS org_slug, v.version, i.latest_version, v.name, v.country,
  v.period_start, v.period_end, v.created_by, v.created_at`;
const FROM = `FROM cbam_installation i JOIN organisation o ON o.id = i.org_id
  JOIN cbam_installation_version v ON v.installation_id = i.id`;

export const orgIdBySlug = async (q: Queryable, slug: string): Promise<string | undefined> =>
  (await q.query<{ id: string }>('SELECT id FROM organisation WHERE slug = $1', [slug]))[0]?.id;

export interface NewVersion {
  name: string;
  country: string;
  periodStart: string;
  periodEnd: string;
  data: unknown;
  createdBy: string;
}

async function insertVersion(q: Queryable, id: string, version: number, v: NewVersion): Promise<void> {
  await q.query(
    `INSERT INTO cbam_installation_version
       (installation_id, version, name, country, period_start, period_end, data, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7::json, $8)`,
    [id, version, v.name, v.country, v.periodStart, v.periodEnd, JSON.stringify(v.data), v.createdBy],
  );
}

/** A new installation with its version 1. */
export async function insertInstallation(q: Queryable, orgId: string, v: NewVersion): Promise<string> {
  const id = (
    await q.query<{ id: string }>(
      'INSERT INTO cbam_installation (org_id, created_by) VALUES ($1, $2) RETURNING id',
      [orgId, v.createdBy],
    )
  )[0]!.id;
  await insertVersion(q, id, 1, v);
  return id;
}

/**
 * The next version of an installation. The UPDATE takes the row lock, so two saves at once get
 * versions n+1 and n+2, never the same number. Undefined when there is no such installation.
 */
export async function addVersion(q: Queryable, id: string, v: NewVersion): Promise<number | undefined> {
  const row = (
    await q.query<{ latest_version: number }>(
      'UPDATE cbam_installation SET latest_version = latest_version + 1 WHERE id = $1 RETURNING latest_version',
      [id],
    )
  )[0];
  if (!row) return undefined;
  await insertVersion(q, id, row.latest_version, v);
  return row.latest_version;
}

/** The installation's owner, or undefined. */
export const ownerOf = async (q: Queryable, id: string): Promise<string | undefined> =>
  (await q.query<{ org_id: string }>('SELECT org_id FROM cbam_installation WHERE id = $1', [id]))[0]?.org_id;

/** One version (the latest when none is named), with its data. */
export async function findVersion(
  q: Queryable,
  id: string,
  version: number | undefined,
): Promise<VersionRow | undefined> {
  return (
    await q.query<VersionRow>(
      `SELECT ${COLS}, v.data ${FROM} WHERE i.id = $1 AND v.version = ${version === undefined ? 'i.latest_version' : '$2'}`,
      version === undefined ? [id] : [id, version],
    )
  )[0];
}

/** Every version of an installation, newest first (without data). */
export const versionsOf = (q: Queryable, id: string) =>
  q.query<{ version: number; created_by: string; created_at: Date | string }>(
    'SELECT version, created_by, created_at FROM cbam_installation_version WHERE installation_id = $1 ORDER BY version DESC',
    [id],
  );

/** The latest version of each installation of the organisations (all when null), last changed first. */
export const latestOf = (q: Queryable, orgIds: string[] | null, limit: number) =>
  q.query<VersionRow>(
    `SELECT ${COLS} ${FROM} WHERE v.version = i.latest_version
     ${orgIds === null ? '' : 'AND i.org_id = ANY($2::uuid[])'}
     ORDER BY v.created_at DESC, v.name LIMIT $1`,
    orgIds === null ? [limit] : [limit, orgIds],
  );
