/**
 * The supervision part's SQL: read-only queries over the registry's tables. It owns no table.
 * Quantities are summed in SQL (bigint / numeric) and come back as decimal strings.
 */
import type { Queryable } from '../../../db/index.js';

/** Kinds the public explorer shows as retirements and cancellations. */
export const PUBLIC_FINAL_KINDS = ['retirement', 'cancellation'] as const;

export const iso = (v: unknown): string =>
  v instanceof Date ? v.toISOString() : typeof v === 'string' ? v : String(v ?? '');

export async function tableExists(q: Queryable, name: string): Promise<boolean> {
  const rows = await q.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [name]);
  return rows[0]?.ok === true;
}

/** Text searched case-insensitively without LIKE patterns (no escaping of % and _ needed). */
const contains = (col: string, param: string) => `position(lower(${param}) in lower(${col})) > 0`;

// ---- projects -------------------------------------------------------------------------------

export interface ProjectRow {
  id: string;
  code: string;
  name: string;
  proponent: string;
  methodology: string;
  host_country: string;
  sector: string;
  status: string;
  labels: string[];
  description: string;
  latitude: string | null;
  longitude: string | null;
  periods: { starts: string; ends: string }[] | null;
  issued: string;
  created_at: Date;
  updated_at: Date;
  total: string;
}

export interface ProjectFilter {
  q?: string | undefined;
  status?: string | undefined;
  hostCountry?: string | undefined;
  sector?: string | undefined;
  methodology?: string | undefined;
  code?: string | undefined;
  /** The explorer never shows drafts; the regulator sees every project. */
  includeDrafts?: boolean;
}

export async function projects(
  q: Queryable,
  f: ProjectFilter,
  limit: number,
  offset: number,
): Promise<ProjectRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (!f.includeDrafts) where.push("p.status <> 'draft'");
  if (f.q) {
    const x = p(f.q);
    where.push(`(${contains('p.code', x)} OR ${contains('p.name', x)} OR ${contains('o.name', x)})`);
  }
  if (f.status) where.push(`p.status = ${p(f.status)}`);
  if (f.hostCountry) where.push(`p.host_country = ${p(f.hostCountry)}`);
  if (f.sector) where.push(`${contains('p.sector', p(f.sector))}`);
  if (f.methodology) where.push(`${contains('p.methodology', p(f.methodology))}`);
  if (f.code) where.push(`p.code = ${p(f.code)}`);
  return q.query<ProjectRow>(
    `SELECT p.id, p.code, p.name, o.name AS proponent, p.methodology, p.host_country, p.sector, p.status,
       p.labels, p.description, p.latitude::text AS latitude, p.longitude::text AS longitude,
       (SELECT json_agg(json_build_object('starts', cp.starts, 'ends', cp.ends) ORDER BY cp.starts)
          FROM registry_crediting_period cp WHERE cp.project_id = p.id) AS periods,
       (SELECT coalesce(sum(i.quantity), 0)::text FROM registry_issuance i WHERE i.project_id = p.id) AS issued,
       p.created_at, p.updated_at, count(*) OVER () AS total
     FROM registry_project p JOIN organisation o ON o.id = p.org_id
     ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
     ORDER BY p.code LIMIT ${p(limit)} OFFSET ${p(offset)}`,
    params,
  );
}

/** A project's documents and their hashes (the projects part's table, when installed). */
export async function projectDocuments(
  q: Queryable,
  projectId: string,
): Promise<{ name: string; sha256: string | null }[]> {
  if (!(await tableExists(q, 'registry_project_document'))) return [];
  const rows = await q.query<{ kind: string; filename: string; sha256: string }>(
    `SELECT kind, filename, encode(sha256, 'hex') AS sha256 FROM registry_project_document
     WHERE project_id = $1 ORDER BY created_at, filename`,
    [projectId],
  );
  return rows.map((r) => ({ name: `${r.filename} (${r.kind})`, sha256: r.sha256 }));
}

// ---- issuances ------------------------------------------------------------------------------

export interface IssuanceRow {
  id: string;
  project_code: string;
  project_name: string;
  host_country: string;
  vintage: number;
  unit_type: string;
  quantity: string;
  serial_start: string;
  serial_end: string;
  origin_registry: string | null;
  origin_serial: string | null;
  retired: string;
  cancelled: string;
  transaction_id: string | null;
  ledger_index: string | null;
  leaf_hash: string | null;
  created_at: Date;
  total: string;
}

export interface IssuanceFilter {
  project?: string | undefined;
  vintage?: number | undefined;
  hostCountry?: string | undefined;
  unitType?: string | undefined;
}

export async function issuances(
  q: Queryable,
  f: IssuanceFilter,
  limit: number,
  offset: number,
): Promise<IssuanceRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.project) where.push(`p.code = ${p(f.project)}`);
  if (f.vintage !== undefined) where.push(`i.vintage = ${p(f.vintage)}`);
  if (f.hostCountry) where.push(`p.host_country = ${p(f.hostCountry)}`);
  if (f.unitType) where.push(`i.unit_type = ${p(f.unitType)}`);
  return q.query<IssuanceRow>(
    `SELECT i.id, p.code AS project_code, p.name AS project_name, p.host_country, i.vintage, i.unit_type,
       i.quantity, i.serial_start, i.serial_end, i.origin_registry, i.origin_serial,
       (SELECT coalesce(sum(b.serial_end - b.serial_start + 1), 0)::text FROM registry_block b
          WHERE b.issuance_id = i.id AND b.state = 'retired') AS retired,
       (SELECT coalesce(sum(b.serial_end - b.serial_start + 1), 0)::text FROM registry_block b
          WHERE b.issuance_id = i.id AND b.state = 'cancelled') AS cancelled,
       t.id AS transaction_id, t.ledger_index, encode(t.leaf_hash, 'hex') AS leaf_hash,
       i.created_at, count(*) OVER () AS total
     FROM registry_issuance i JOIN registry_project p ON p.id = i.project_id
     LEFT JOIN LATERAL (
       SELECT t.id, t.ledger_index, t.leaf_hash FROM registry_transaction t
       JOIN registry_transaction_range r ON r.transaction_id = t.id
       WHERE r.issuance_id = i.id AND t.kind IN ('issuance', 'import')
       ORDER BY t.ledger_index NULLS LAST LIMIT 1) t ON true
     ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
     ORDER BY i.serial_start DESC LIMIT ${p(limit)} OFFSET ${p(offset)}`,
    params,
  );
}

// ---- retirements and cancellations ----------------------------------------------------------

export interface RangeRow {
  issuanceId: string;
  start: string;
  end: string;
  vintage: number;
  unitType: string;
  projectCode: string;
  projectName: string;
  hostCountry: string;
}

export interface FinalRow {
  id: string;
  kind: 'retirement' | 'cancellation';
  quantity: string;
  details: Record<string, unknown> | null;
  ranges: RangeRow[] | null;
  ledger_index: string | null;
  leaf_hash: string | null;
  created_at: Date;
  total: string;
}

export interface FinalFilter {
  kind?: 'retirement' | 'cancellation' | undefined;
  project?: string | undefined;
  vintage?: number | undefined;
  beneficiary?: string | undefined;
  id?: string | undefined;
}

const RANGES_JSON = `(SELECT json_agg(json_build_object('issuanceId', r.issuance_id, 'start', r.serial_start::text,
    'end', r.serial_end::text, 'vintage', i.vintage, 'unitType', i.unit_type, 'projectCode', p.code,
    'projectName', p.name, 'hostCountry', p.host_country) ORDER BY r.serial_start)
  FROM registry_transaction_range r JOIN registry_issuance i ON i.id = r.issuance_id
  JOIN registry_project p ON p.id = i.project_id WHERE r.transaction_id = t.id)`;

export async function finals(
  q: Queryable,
  f: FinalFilter,
  limit: number,
  offset: number,
): Promise<FinalRow[]> {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where = [`t.kind IN (${f.kind ? p(f.kind) : PUBLIC_FINAL_KINDS.map((k) => `'${k}'`).join(', ')})`];
  if (f.id) where.push(`t.id = ${p(f.id)}`);
  if (f.beneficiary) where.push(contains(`coalesce(t.details->>'beneficiary', '')`, p(f.beneficiary)));
  const sub: string[] = [];
  if (f.project) sub.push(`p.code = ${p(f.project)}`);
  if (f.vintage !== undefined) sub.push(`i.vintage = ${p(f.vintage)}`);
  if (sub.length)
    where.push(`EXISTS (SELECT 1 FROM registry_transaction_range r JOIN registry_issuance i ON i.id = r.issuance_id
      JOIN registry_project p ON p.id = i.project_id WHERE r.transaction_id = t.id AND ${sub.join(' AND ')})`);
  return q.query<FinalRow>(
    `SELECT t.id, t.kind, t.quantity, t.details, ${RANGES_JSON} AS ranges, t.ledger_index,
       encode(t.leaf_hash, 'hex') AS leaf_hash, t.created_at, count(*) OVER () AS total
     FROM registry_transaction t WHERE ${where.join(' AND ')}
     ORDER BY t.created_at DESC, t.id LIMIT ${p(limit)} OFFSET ${p(offset)}`,
    params,
  );
}

// ---- totals ---------------------------------------------------------------------------------

export async function vintageTotals(q: Queryable) {
  return q.query<{ vintage: number; unit_type: string; issued: string; retired: string; cancelled: string }>(
    `SELECT i.vintage, i.unit_type, sum(i.quantity)::text AS issued,
       coalesce(sum(s.retired), 0)::text AS retired, coalesce(sum(s.cancelled), 0)::text AS cancelled
     FROM registry_issuance i
     LEFT JOIN LATERAL (
       SELECT sum(CASE WHEN b.state = 'retired' THEN b.serial_end - b.serial_start + 1 ELSE 0 END) AS retired,
              sum(CASE WHEN b.state = 'cancelled' THEN b.serial_end - b.serial_start + 1 ELSE 0 END) AS cancelled
       FROM registry_block b WHERE b.issuance_id = i.id) s ON true
     GROUP BY i.vintage, i.unit_type ORDER BY i.vintage, i.unit_type`,
  );
}

export async function counts(q: Queryable) {
  return (
    await q.query<{ projects: string; issuances: string; retirements: string; cancellations: string }>(
      `SELECT (SELECT count(*) FROM registry_project WHERE status <> 'draft') AS projects,
         (SELECT count(*) FROM registry_issuance) AS issuances,
         (SELECT count(*) FROM registry_transaction WHERE kind = 'retirement') AS retirements,
         (SELECT count(*) FROM registry_transaction WHERE kind = 'cancellation') AS cancellations`,
    )
  )[0]!;
}

/** Per host Party: authorised units and the corresponding adjustments recorded for them. */
export async function hostParties(q: Queryable) {
  return q.query<{
    host_country: string;
    authorizations: string;
    authorized_units: string;
    adjustments: string;
    adjusted_units: string;
  }>(
    `WITH a AS (
       SELECT p.host_country, count(DISTINCT b.authorization_id) AS authorizations,
              sum(b.serial_end - b.serial_start + 1) AS units
       FROM registry_block b JOIN registry_issuance i ON i.id = b.issuance_id
       JOIN registry_project p ON p.id = i.project_id
       WHERE b.authorization_id IS NOT NULL GROUP BY p.host_country),
     c AS (
       SELECT host_country, count(*) AS adjustments, sum(serial_end - serial_start + 1) AS units
       FROM registry_corresponding_adjustment GROUP BY host_country)
     SELECT coalesce(a.host_country, c.host_country) AS host_country,
       coalesce(a.authorizations, 0) AS authorizations, coalesce(a.units, 0)::text AS authorized_units,
       coalesce(c.adjustments, 0) AS adjustments, coalesce(c.units, 0)::text AS adjusted_units
     FROM a FULL JOIN c ON c.host_country = a.host_country ORDER BY 1`,
  );
}

/** Active letters of authorisation per host Party (the Article 6 part's table, when installed). */
export async function lettersPerHost(q: Queryable): Promise<Map<string, number>> {
  if (!(await tableExists(q, 'registry_a6_authorization'))) return new Map();
  const rows = await q.query<{ host_party: string; n: string }>(
    `SELECT host_party, count(*) AS n FROM registry_a6_authorization WHERE status = 'active' GROUP BY host_party`,
  );
  return new Map(rows.map((r) => [r.host_party, Number(r.n)]));
}

/** Energy-attribute certificates per scheme: issued, cancelled (the certificates part's tables). */
export async function certificateTotals(q: Queryable) {
  if (!(await tableExists(q, 'cert_issuance'))) return [];
  return q.query<{
    scheme: string;
    issuances: string;
    issued: string;
    cancelled: string;
    cancellations: string;
  }>(
    `SELECT i.scheme, count(*) AS issuances, sum(i.quantity)::text AS issued,
       coalesce(sum(c.cancelled), 0)::text AS cancelled, coalesce(sum(c.n), 0)::text AS cancellations
     FROM cert_issuance i
     LEFT JOIN LATERAL (SELECT sum(serial_end - serial_start + 1) AS cancelled, count(*) AS n
                        FROM cert_cancellation WHERE issuance_id = i.id) c ON true
     GROUP BY i.scheme ORDER BY i.scheme`,
  );
}

export interface CertCancellationRow {
  id: string;
  scheme: string;
  quantity: string;
  energy_wh: string;
  beneficiary_name: string;
  consumption_start: string;
  consumption_end: string;
  purpose: string;
  ledger_index: string;
  ledger_leaf: string;
  created_at: Date;
  total: string;
}

/** Cancellations of certificates: public, like retirements of carbon units. */
export async function certificateCancellations(q: Queryable, limit: number, offset: number) {
  if (!(await tableExists(q, 'cert_cancellation'))) return [];
  return q.query<CertCancellationRow>(
    `SELECT c.id, i.scheme, (c.serial_end - c.serial_start + 1)::text AS quantity, c.energy_wh,
       c.beneficiary_name, c.consumption_start, c.consumption_end, c.purpose, c.ledger_index, c.ledger_leaf,
       c.created_at, count(*) OVER () AS total
     FROM cert_cancellation c JOIN cert_issuance i ON i.id = c.issuance_id
     ORDER BY c.created_at DESC, c.id LIMIT $1 OFFSET $2`,
    [limit, offset],
  );
}

/** Public ledger entries whose subject is the project (its id or code). */
export async function projectEntries(q: Queryable, id: string, code: string) {
  return q.query<{ idx: string; type: string; leaf_hash: string; created_at: Date }>(
    `SELECT idx, type, encode(leaf_hash, 'hex') AS leaf_hash, created_at FROM ledger_entry
     WHERE public AND type LIKE 'registry.%' AND subject IN ($1, $2) ORDER BY idx LIMIT 200`,
    [id, code],
  );
}

// ---- the regulator's view -------------------------------------------------------------------

export interface AccountRow {
  id: string;
  number: string;
  name: string;
  kind: string;
  national: boolean;
  closed: boolean;
  org_id: string;
  org_slug: string;
  org_name: string;
  balances: Record<string, string> | null;
}

export const accounts = (q: Queryable) =>
  q.query<AccountRow>(
    `SELECT a.id, a.number, a.name, a.kind, a.national, a.closed_at IS NOT NULL AS closed,
       o.id AS org_id, o.slug AS org_slug, o.name AS org_name,
       (SELECT json_object_agg(s.state, s.n) FROM (
          SELECT b.state, sum(b.serial_end - b.serial_start + 1)::text AS n FROM registry_block b
          WHERE b.account_id = a.id GROUP BY b.state) s) AS balances
     FROM registry_account a JOIN organisation o ON o.id = a.org_id ORDER BY o.slug, a.number`,
  );

export const stateTotals = (q: Queryable) =>
  q.query<{ state: string; n: string }>(
    `SELECT state, sum(serial_end - serial_start + 1)::text AS n FROM registry_block GROUP BY state ORDER BY state`,
  );

export const issuedTotal = async (q: Queryable) =>
  (await q.query<{ n: string }>('SELECT coalesce(sum(quantity), 0)::text AS n FROM registry_issuance'))[0]!.n;

export interface TransactionRow {
  id: string;
  kind: string;
  quantity: string;
  from_number: string | null;
  to_number: string | null;
  org_slug: string | null;
  actor: string;
  details: unknown;
  ledger_index: string | null;
  leaf_hash: string | null;
  created_at: Date;
  ranges: { start: string; end: string }[] | null;
}

export const transactions = (q: Queryable, limit: number, offset: number) =>
  q.query<TransactionRow>(
    `SELECT t.id, t.kind, t.quantity, fa.number AS from_number, ta.number AS to_number, o.slug AS org_slug,
       t.actor, t.details, t.ledger_index, encode(t.leaf_hash, 'hex') AS leaf_hash, t.created_at,
       (SELECT json_agg(json_build_object('start', r.serial_start::text, 'end', r.serial_end::text)
          ORDER BY r.serial_start) FROM registry_transaction_range r WHERE r.transaction_id = t.id) AS ranges
     FROM registry_transaction t
     LEFT JOIN registry_account fa ON fa.id = t.from_account
     LEFT JOIN registry_account ta ON ta.id = t.to_account
     LEFT JOIN organisation o ON o.id = t.org_id
     ORDER BY t.ledger_index DESC NULLS LAST, t.created_at DESC LIMIT $1 OFFSET $2`,
    [limit, offset],
  );

export const transactionCount = async (q: Queryable) =>
  Number((await q.query<{ n: string }>('SELECT count(*) AS n FROM registry_transaction'))[0]!.n);

export interface HoldingRow {
  account_number: string;
  org_slug: string;
  state: string;
  serial_start: string;
  serial_end: string;
  quantity: string;
  issuance_id: string;
  project_code: string;
  host_country: string;
  vintage: number;
  unit_type: string;
  authorization_id: string | null;
  first_transferred: boolean;
}

export const holdings = (q: Queryable) =>
  q.query<HoldingRow>(
    `SELECT a.number AS account_number, o.slug AS org_slug, b.state, b.serial_start, b.serial_end,
       (b.serial_end - b.serial_start + 1)::text AS quantity, b.issuance_id, p.code AS project_code,
       p.host_country, i.vintage, i.unit_type, b.authorization_id, b.first_transferred
     FROM registry_block b JOIN registry_account a ON a.id = b.account_id
     JOIN organisation o ON o.id = a.org_id
     JOIN registry_issuance i ON i.id = b.issuance_id JOIN registry_project p ON p.id = i.project_id
     ORDER BY b.serial_start`,
  );
