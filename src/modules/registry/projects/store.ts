import type { Queryable } from '../../../db/index.js';
import type { Appended } from '../../ledger/index.js';
import type { CreditingPeriod, ExternalProject, ProjectStatus } from './model.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (d: Date | string | null) =>
  d === null ? null : (d instanceof Date ? d : new Date(d)).toISOString();
const one = async <T>(p: Promise<T[]>) => (await p)[0];
const ledgerOf = (r: { ledger_index: string; leaf_hash: string }) => ({
  index: Number(r.ledger_index),
  leafHash: r.leaf_hash,
});

// ------------------------------------------------------------------ organisations

export const findOrg = (q: Queryable, ref: string) =>
  one(
    q.query<{ id: string; slug: string; name: string }>(
      `SELECT id, slug, name FROM organisation WHERE ${UUID_RE.test(ref) ? 'id = $1::uuid' : 'slug = $1'}`,
      [ref],
    ),
  );

export const firstOperatorOrg = async (q: Queryable) =>
  (
    await q.query<{ org_id: string }>(
      `SELECT m.org_id FROM membership m JOIN organisation o ON o.id = m.org_id
       WHERE m.role = 'registry_operator' ORDER BY o.created_at, o.id LIMIT 1`,
    )
  )[0]?.org_id;

// ------------------------------------------------------------------ projects

export interface ProjectRow {
  id: string;
  code: string;
  org_id: string;
  org_slug: string;
  org_name: string;
  name: string;
  methodology: string;
  host_country: string;
  sector: string;
  description: string;
  latitude: string | null;
  longitude: string | null;
  status: ProjectStatus;
  labels: string[];
  periods: CreditingPeriod[];
  validator_org_id: string | null;
  validator_slug: string | null;
  validator_name: string | null;
  open_flags: string;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

const PROJECT_SELECT = `SELECT p.id, p.code, p.org_id, o.slug AS org_slug, o.name AS org_name, p.name, p.methodology,
  p.host_country, p.sector, p.description, p.latitude, p.longitude, p.status, p.labels,
  (SELECT coalesce(json_agg(json_build_object('starts', c.starts, 'ends', c.ends) ORDER BY c.starts), '[]'::json)
     FROM registry_crediting_period c WHERE c.project_id = p.id) AS periods,
  v.org_id AS validator_org_id, vo.slug AS validator_slug, vo.name AS validator_name,
  (SELECT count(*) FROM registry_screening_flag f WHERE f.project_id = p.id AND f.status = 'open') AS open_flags,
  p.created_by, p.created_at, p.updated_at
FROM registry_project p
JOIN organisation o ON o.id = p.org_id
LEFT JOIN registry_project_validator v ON v.project_id = p.id
LEFT JOIN organisation vo ON vo.id = v.org_id`;

export async function findProject(q: Queryable, idOrCode: string, forUpdate = false) {
  const where = UUID_RE.test(idOrCode) ? 'p.id = $1::uuid' : 'p.code = $1';
  if (forUpdate) await q.query(`SELECT p.id FROM registry_project p WHERE ${where} FOR UPDATE`, [idOrCode]);
  return one(q.query<ProjectRow>(`${PROJECT_SELECT} WHERE ${where}`, [idOrCode]));
}

export const listProjects = (
  q: Queryable,
  f: { all: boolean; orgs: string[]; status: string | null; org: string | null; statuses?: string[] },
) =>
  q.query<ProjectRow>(
    `${PROJECT_SELECT}
     WHERE ($1::boolean OR p.status = 'registered' OR p.org_id = ANY($2::uuid[]) OR v.org_id = ANY($2::uuid[])
            OR EXISTS (SELECT 1 FROM registry_monitoring_report r WHERE r.project_id = p.id AND r.verifier_org_id = ANY($2::uuid[])))
       AND ($3::text IS NULL OR p.status = $3)
       AND ($4::uuid IS NULL OR p.org_id = $4)
       AND ($5::text[] IS NULL OR p.status = ANY($5::text[]))
     ORDER BY p.updated_at DESC, p.code LIMIT 1000`,
    [f.all, f.orgs, f.status, f.org, f.statuses ?? null],
  );

export const isReportVerifier = async (q: Queryable, projectId: string, orgs: string[]) =>
  (
    await q.query(
      'SELECT 1 FROM registry_monitoring_report WHERE project_id = $1 AND verifier_org_id = ANY($2::uuid[]) LIMIT 1',
      [projectId, orgs],
    )
  ).length > 0;

/** The next free code P0001, P0002...: one past the highest, under a transaction lock. */
export async function nextProjectCode(tx: Queryable): Promise<string> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('registry_project_code'))`);
  const [row] = await tx.query<{ n: number }>(
    `SELECT coalesce(max(substring(code FROM '^P([0-9]+)$')::int), 0) + 1 AS n FROM registry_project`,
  );
  return `P${String(row!.n).padStart(4, '0')}`;
}

interface ProjectFields {
  name: string;
  methodology: string;
  hostCountry: string;
  sector: string;
  description: string;
  latitude: number | null;
  longitude: number | null;
  labels: string[];
}

export const insertProject = async (
  tx: Queryable,
  p: ProjectFields & { code: string; orgId: string; createdBy: string },
) =>
  (
    await tx.query<{ id: string }>(
      `INSERT INTO registry_project (code, org_id, name, methodology, host_country, sector, description, latitude, longitude, labels, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [
        p.code,
        p.orgId,
        p.name,
        p.methodology,
        p.hostCountry,
        p.sector,
        p.description,
        p.latitude,
        p.longitude,
        p.labels,
        p.createdBy,
      ],
    )
  )[0]!.id;

export const updateProject = (tx: Queryable, id: string, p: ProjectFields) =>
  tx.query(
    `UPDATE registry_project SET name = $2, methodology = $3, host_country = $4, sector = $5, description = $6,
       latitude = $7, longitude = $8, labels = $9, updated_at = now() WHERE id = $1`,
    [id, p.name, p.methodology, p.hostCountry, p.sector, p.description, p.latitude, p.longitude, p.labels],
  );

export async function replacePeriods(tx: Queryable, projectId: string, periods: CreditingPeriod[]) {
  await tx.query('DELETE FROM registry_crediting_period WHERE project_id = $1', [projectId]);
  for (const c of periods)
    await tx.query('INSERT INTO registry_crediting_period (project_id, starts, ends) VALUES ($1, $2, $3)', [
      projectId,
      c.starts,
      c.ends,
    ]);
}

export async function setValidator(tx: Queryable, projectId: string, orgId: string | null) {
  await tx.query('DELETE FROM registry_project_validator WHERE project_id = $1', [projectId]);
  if (orgId)
    await tx.query('INSERT INTO registry_project_validator (project_id, org_id) VALUES ($1, $2)', [
      projectId,
      orgId,
    ]);
}

export const setStatus = (tx: Queryable, id: string, status: ProjectStatus) =>
  tx.query('UPDATE registry_project SET status = $2, updated_at = now() WHERE id = $1', [id, status]);

export const projectsQuality = (q: Queryable, ids: string[]) =>
  q.query<{ id: string; methodology: string; labels: string[] }>(
    'SELECT id, methodology, labels FROM registry_project WHERE id = ANY($1::uuid[])',
    [ids],
  );

// ------------------------------------------------------------------ events

interface EventRow {
  id: string;
  action: string;
  from_status: string | null;
  to_status: string;
  actor: string;
  reason: string | null;
  ledger_index: string;
  leaf_hash: string;
  created_at: Date;
}

export const insertEvent = (
  tx: Queryable,
  e: {
    projectId: string;
    action: string;
    from: string | null;
    to: string;
    actor: string;
    orgId: string;
    reason: string | null;
    entry: Appended;
  },
) =>
  tx.query(
    `INSERT INTO registry_project_event (project_id, action, from_status, to_status, actor, org_id, reason, ledger_index, leaf_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, decode($9, 'hex'))`,
    [e.projectId, e.action, e.from, e.to, e.actor, e.orgId, e.reason, e.entry.index, e.entry.leafHash],
  );

export const eventsOf = (q: Queryable, projectId: string) =>
  q.query<EventRow>(
    `SELECT id, action, from_status, to_status, actor, reason, ledger_index, encode(leaf_hash, 'hex') AS leaf_hash, created_at
     FROM registry_project_event WHERE project_id = $1 ORDER BY ledger_index`,
    [projectId],
  );

export const eventView = (e: EventRow) => ({
  id: e.id,
  action: e.action,
  from: e.from_status,
  to: e.to_status,
  actor: e.actor,
  reason: e.reason,
  ledger: ledgerOf(e),
  at: iso(e.created_at)!,
});

// ------------------------------------------------------------------ documents

interface DocumentRow {
  id: string;
  kind: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  uploaded_by: string;
  ledger_index: string;
  leaf_hash: string;
  created_at: Date;
}

export const insertDocument = async (
  tx: Queryable,
  d: {
    projectId: string;
    kind: string;
    filename: string;
    contentType: string;
    content: Buffer;
    sha256: string;
    uploadedBy: string;
    entry: Appended;
  },
) =>
  (
    await tx.query<{ id: string }>(
      `INSERT INTO registry_project_document (project_id, kind, filename, content_type, size, sha256, content, uploaded_by, ledger_index, leaf_hash)
       VALUES ($1, $2, $3, $4, $5, decode($6, 'hex'), $7, $8, $9, decode($10, 'hex')) RETURNING id`,
      [
        d.projectId,
        d.kind,
        d.filename,
        d.contentType,
        d.content.length,
        d.sha256,
        new Uint8Array(d.content),
        d.uploadedBy,
        d.entry.index,
        d.entry.leafHash,
      ],
    )
  )[0]!.id;

export const documentsOf = (q: Queryable, projectId: string) =>
  q.query<DocumentRow>(
    `SELECT id, kind, filename, content_type, size, encode(sha256, 'hex') AS sha256, uploaded_by, ledger_index,
       encode(leaf_hash, 'hex') AS leaf_hash, created_at
     FROM registry_project_document WHERE project_id = $1 ORDER BY created_at, id`,
    [projectId],
  );

export const documentView = (d: DocumentRow) => ({
  id: d.id,
  kind: d.kind,
  filename: d.filename,
  contentType: d.content_type,
  size: d.size,
  sha256: d.sha256,
  uploadedBy: d.uploaded_by,
  ledger: ledgerOf(d),
  uploadedAt: iso(d.created_at)!,
});

export const documentContent = async (q: Queryable, projectId: string, id: string) => {
  const r = await one(
    q.query<{ filename: string; content_type: string; sha256: string; content: Uint8Array }>(
      `SELECT filename, content_type, encode(sha256, 'hex') AS sha256, content
       FROM registry_project_document WHERE project_id = $1 AND id = $2`,
      [projectId, id],
    ),
  );
  return (
    r && {
      filename: r.filename,
      contentType: r.content_type,
      sha256: r.sha256,
      content: Buffer.from(r.content),
    }
  );
};

// ------------------------------------------------------------------ monitoring reports

export interface ReportRow {
  id: string;
  project_id: string;
  project_code: string;
  project_name: string;
  org_id: string;
  period_start: string;
  period_end: string;
  claimed: string;
  verifier_org_id: string;
  verifier_slug: string;
  verifier_name: string;
  status: 'submitted' | 'verified' | 'rejected';
  verified: string | null;
  requested: string;
  statement: string | null;
  reason: string | null;
  created_by: string;
  created_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  ledger_index: string;
  leaf_hash: string;
}

const REPORT_SELECT = `SELECT r.id, r.project_id, p.code AS project_code, p.name AS project_name, p.org_id,
  r.period_start, r.period_end, r.claimed, r.verifier_org_id, vo.slug AS verifier_slug, vo.name AS verifier_name,
  r.status, r.verified,
  (SELECT coalesce(sum(q.quantity), 0) FROM registry_issuance_request q WHERE q.report_id = r.id AND q.status <> 'rejected') AS requested,
  r.statement, r.reason, r.created_by, r.created_at, r.decided_by, r.decided_at, r.ledger_index,
  encode(r.leaf_hash, 'hex') AS leaf_hash
FROM registry_monitoring_report r
JOIN registry_project p ON p.id = r.project_id
JOIN organisation vo ON vo.id = r.verifier_org_id`;

export async function findReport(q: Queryable, id: string, forUpdate = false) {
  if (forUpdate) await q.query('SELECT id FROM registry_monitoring_report WHERE id = $1 FOR UPDATE', [id]);
  return one(q.query<ReportRow>(`${REPORT_SELECT} WHERE r.id = $1`, [id]));
}

export const reportsOf = (q: Queryable, projectId: string) =>
  q.query<ReportRow>(`${REPORT_SELECT} WHERE r.project_id = $1 ORDER BY r.period_start`, [projectId]);

export const listReports = (
  q: Queryable,
  f: { all: boolean; orgs: string[]; status: string | null; unrequested?: boolean },
) =>
  q.query<ReportRow>(
    `SELECT * FROM (${REPORT_SELECT}
       WHERE ($1::boolean OR p.org_id = ANY($2::uuid[]) OR r.verifier_org_id = ANY($2::uuid[]))
         AND ($3::text IS NULL OR r.status = $3)) x
     WHERE NOT $4::boolean OR x.verified > x.requested
     ORDER BY x.created_at DESC LIMIT 1000`,
    [f.all, f.orgs, f.status, f.unrequested ?? false],
  );

export const insertReport = async (
  tx: Queryable,
  r: {
    projectId: string;
    periodStart: string;
    periodEnd: string;
    claimed: bigint;
    verifierOrgId: string;
    createdBy: string;
    entry: Appended;
  },
) =>
  (
    await tx.query<{ id: string }>(
      `INSERT INTO registry_monitoring_report (project_id, period_start, period_end, claimed, verifier_org_id, created_by, ledger_index, leaf_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, decode($8, 'hex')) RETURNING id`,
      [
        r.projectId,
        r.periodStart,
        r.periodEnd,
        r.claimed.toString(),
        r.verifierOrgId,
        r.createdBy,
        r.entry.index,
        r.entry.leafHash,
      ],
    )
  )[0]!.id;

export const decideReport = (
  tx: Queryable,
  id: string,
  d: {
    status: 'verified' | 'rejected';
    verified: bigint | null;
    statement: string | null;
    reason: string | null;
    by: string;
    entry: Appended;
  },
) =>
  tx.query(
    `UPDATE registry_monitoring_report SET status = $2, verified = $3, statement = $4, reason = $5, decided_by = $6,
       decided_at = now(), ledger_index = $7, leaf_hash = decode($8, 'hex') WHERE id = $1`,
    [
      id,
      d.status,
      d.verified?.toString() ?? null,
      d.statement,
      d.reason,
      d.by,
      d.entry.index,
      d.entry.leafHash,
    ],
  );

export const reportView = (r: ReportRow) => ({
  id: r.id,
  project: { id: r.project_id, code: r.project_code, name: r.project_name },
  periodStart: r.period_start,
  periodEnd: r.period_end,
  claimed: r.claimed,
  verifierOrg: { id: r.verifier_org_id, slug: r.verifier_slug, name: r.verifier_name },
  status: r.status,
  verified: r.verified,
  requested: r.requested,
  remaining: r.verified === null ? '0' : (BigInt(r.verified) - BigInt(r.requested)).toString(),
  statement: r.statement,
  reason: r.reason,
  createdBy: r.created_by,
  createdAt: iso(r.created_at)!,
  decidedBy: r.decided_by,
  decidedAt: iso(r.decided_at),
  ledger: ledgerOf(r),
});

// ------------------------------------------------------------------ issuance requests

export interface RequestRow {
  id: string;
  report_id: string;
  project_id: string;
  project_code: string;
  project_name: string;
  org_id: string;
  vintage: number;
  quantity: string;
  unit_type: string;
  buffer_percent: string;
  to_account_id: string;
  to_account_number: string;
  status: 'pending' | 'approved' | 'rejected';
  reason: string | null;
  issuance_id: string | null;
  buffer_issuance_id: string | null;
  idempotency_key: string | null;
  created_by: string;
  created_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  ledger_index: string;
  leaf_hash: string;
}

const REQUEST_SELECT = `SELECT q.id, q.report_id, q.project_id, p.code AS project_code, p.name AS project_name, p.org_id,
  q.vintage, q.quantity, q.unit_type, q.buffer_percent, q.to_account_id, a.number AS to_account_number, q.status,
  q.reason, q.issuance_id, q.buffer_issuance_id, q.idempotency_key, q.created_by, q.created_at, q.decided_by,
  q.decided_at, q.ledger_index, encode(q.leaf_hash, 'hex') AS leaf_hash
FROM registry_issuance_request q
JOIN registry_project p ON p.id = q.project_id
JOIN registry_account a ON a.id = q.to_account_id`;

export async function findRequest(q: Queryable, id: string, forUpdate = false) {
  if (forUpdate) await q.query('SELECT id FROM registry_issuance_request WHERE id = $1 FOR UPDATE', [id]);
  return one(q.query<RequestRow>(`${REQUEST_SELECT} WHERE q.id = $1`, [id]));
}

export const requestsOf = (
  q: Queryable,
  f: { projectId?: string; orgs?: string[]; status?: string | null },
) =>
  q.query<RequestRow>(
    `${REQUEST_SELECT}
     WHERE ($1::uuid IS NULL OR q.project_id = $1) AND ($2::uuid[] IS NULL OR p.org_id = ANY($2::uuid[]))
       AND ($3::text IS NULL OR q.status = $3)
     ORDER BY q.created_at DESC LIMIT 1000`,
    [f.projectId ?? null, f.orgs ?? null, f.status ?? null],
  );

export const insertRequest = async (
  tx: Queryable,
  r: {
    reportId: string;
    projectId: string;
    vintage: number;
    quantity: bigint;
    unitType: string;
    bufferPercent: string;
    toAccountId: string;
    createdBy: string;
    entry: Appended;
  },
) =>
  (
    await tx.query<{ id: string }>(
      `INSERT INTO registry_issuance_request (report_id, project_id, vintage, quantity, unit_type, buffer_percent, to_account_id, created_by, ledger_index, leaf_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, decode($10, 'hex')) RETURNING id`,
      [
        r.reportId,
        r.projectId,
        r.vintage,
        r.quantity.toString(),
        r.unitType,
        r.bufferPercent,
        r.toAccountId,
        r.createdBy,
        r.entry.index,
        r.entry.leafHash,
      ],
    )
  )[0]!.id;

export const decideRequest = (
  tx: Queryable,
  id: string,
  d: {
    status: 'approved' | 'rejected';
    reason: string | null;
    by: string;
    issuanceId: string | null;
    bufferIssuanceId: string | null;
    idempotencyKey: string | null;
    entry: Appended;
  },
) =>
  tx.query(
    `UPDATE registry_issuance_request SET status = $2, reason = $3, decided_by = $4, decided_at = now(), issuance_id = $5,
       buffer_issuance_id = $6, idempotency_key = $7, ledger_index = $8, leaf_hash = decode($9, 'hex') WHERE id = $1`,
    [
      id,
      d.status,
      d.reason,
      d.by,
      d.issuanceId,
      d.bufferIssuanceId,
      d.idempotencyKey,
      d.entry.index,
      d.entry.leafHash,
    ],
  );

export const requestView = (r: RequestRow) => ({
  id: r.id,
  reportId: r.report_id,
  project: { id: r.project_id, code: r.project_code, name: r.project_name },
  vintage: r.vintage,
  quantity: r.quantity,
  unitType: r.unit_type,
  bufferPercent: String(Number(r.buffer_percent)),
  toAccount: { id: r.to_account_id, number: r.to_account_number },
  status: r.status,
  reason: r.reason,
  issuanceId: r.issuance_id,
  bufferIssuanceId: r.buffer_issuance_id,
  createdBy: r.created_by,
  createdAt: iso(r.created_at)!,
  decidedBy: r.decided_by,
  decidedAt: iso(r.decided_at),
  ledger: ledgerOf(r),
});

// ------------------------------------------------------------------ quality controls

interface ControlsRow {
  version: number;
  vintage_cutoff: number | null;
  allowed_methodologies: string[];
  labels_for_import: string[];
  labels_for_use: string[];
  note: string;
  set_by: string;
  set_at: Date;
  ledger_index: string;
}
const CONTROLS_COLS =
  'version, vintage_cutoff, allowed_methodologies, labels_for_import, labels_for_use, note, set_by, set_at, ledger_index';

export const currentControls = (q: Queryable) =>
  one(
    q.query<ControlsRow>(
      `SELECT ${CONTROLS_COLS} FROM registry_quality_control ORDER BY version DESC LIMIT 1`,
    ),
  );
export const controlsHistory = (q: Queryable) =>
  q.query<ControlsRow>(
    `SELECT ${CONTROLS_COLS} FROM registry_quality_control ORDER BY version DESC LIMIT 100`,
  );

/** The highest version, with a lock so two operators cannot write the same next version. */
export async function lockControls(tx: Queryable): Promise<number> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('registry_quality_control'))`);
  const [r] = await tx.query<{ v: number }>(
    'SELECT coalesce(max(version), 0) AS v FROM registry_quality_control',
  );
  return Number(r!.v);
}

export const insertControls = (
  tx: Queryable,
  c: {
    version: number;
    vintageCutoff: number | null;
    allowedMethodologies: string[];
    labelsForImport: string[];
    labelsForUse: string[];
    note: string;
    setBy: string;
    entry: Appended;
  },
) =>
  tx.query(
    `INSERT INTO registry_quality_control (version, vintage_cutoff, allowed_methodologies, labels_for_import, labels_for_use, note, set_by, ledger_index, leaf_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, decode($9, 'hex'))`,
    [
      c.version,
      c.vintageCutoff,
      c.allowedMethodologies,
      c.labelsForImport,
      c.labelsForUse,
      c.note,
      c.setBy,
      c.entry.index,
      c.entry.leafHash,
    ],
  );

export const controlsView = (r: ControlsRow) => ({
  version: r.version,
  vintageCutoff: r.vintage_cutoff,
  allowedMethodologies: r.allowed_methodologies,
  labelsForImport: r.labels_for_import,
  labelsForUse: r.labels_for_use,
  note: r.note,
  setBy: r.set_by,
  setAt: iso(r.set_at),
  ledgerIndex: Number(r.ledger_index),
});

// ------------------------------------------------------------------ obligations

export interface ObligationRow {
  id: string;
  org_id: string;
  org_slug: string;
  org_name: string;
  year: number;
  obligation_tonnes: string;
  max_offset_percent: string;
  scheme: string;
  created_at: Date;
}
const OBLIGATION_SELECT = `SELECT b.id, b.org_id, o.slug AS org_slug, o.name AS org_name, b.year, b.obligation_tonnes,
  b.max_offset_percent, b.scheme, b.created_at FROM registry_obligation b JOIN organisation o ON o.id = b.org_id`;

export async function findObligation(q: Queryable, id: string, forUpdate = false) {
  if (forUpdate) await q.query('SELECT id FROM registry_obligation WHERE id = $1 FOR UPDATE', [id]);
  return one(q.query<ObligationRow>(`${OBLIGATION_SELECT} WHERE b.id = $1`, [id]));
}

export const listObligations = (q: Queryable, orgs: string[] | null) =>
  q.query<ObligationRow>(
    `${OBLIGATION_SELECT} WHERE $1::uuid[] IS NULL OR b.org_id = ANY($1::uuid[]) ORDER BY b.year DESC, o.slug LIMIT 1000`,
    [orgs],
  );

export const obligationExists = async (q: Queryable, orgId: string, year: number, scheme: string) =>
  (
    await q.query('SELECT 1 FROM registry_obligation WHERE org_id = $1 AND year = $2 AND scheme = $3', [
      orgId,
      year,
      scheme,
    ])
  ).length > 0;

export const insertObligation = async (
  tx: Queryable,
  o: {
    orgId: string;
    year: number;
    tonnes: bigint;
    percent: string;
    scheme: string;
    createdBy: string;
    entry: Appended;
  },
) =>
  (
    await tx.query<{ id: string }>(
      `INSERT INTO registry_obligation (org_id, year, obligation_tonnes, max_offset_percent, scheme, created_by, ledger_index, leaf_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, decode($8, 'hex')) RETURNING id`,
      [
        o.orgId,
        o.year,
        o.tonnes.toString(),
        o.percent,
        o.scheme,
        o.createdBy,
        o.entry.index,
        o.entry.leafHash,
      ],
    )
  )[0]!.id;

/** Units retired so far against an obligation (retirements whose details name it). */
export const offsetsUsed = async (q: Queryable, obligationId: string) =>
  (
    await q.query<{ n: string }>(
      `SELECT coalesce(sum(quantity), 0)::text AS n FROM registry_transaction
       WHERE kind = 'retirement' AND details->>'obligationId' = $1`,
      [obligationId],
    )
  )[0]!.n;

// ------------------------------------------------------------------ screening

interface CandidateRow {
  id: string;
  code: string;
  name: string;
  host_country: string;
  sector: string;
  latitude: string | null;
  longitude: string | null;
  periods: CreditingPeriod[];
}

export const screeningCandidates = (q: Queryable, projectId: string, country: string) =>
  q.query<CandidateRow>(
    `SELECT p.id, p.code, p.name, p.host_country, p.sector, p.latitude, p.longitude,
       (SELECT coalesce(json_agg(json_build_object('starts', c.starts, 'ends', c.ends)), '[]'::json)
          FROM registry_crediting_period c WHERE c.project_id = p.id) AS periods
     FROM registry_project p
     WHERE p.id <> $1 AND p.host_country = $2 AND p.status NOT IN ('withdrawn', 'rejected')`,
    [projectId, country],
  );

interface ExternalRow {
  id: string;
  registry: string;
  external_id: string;
  name: string;
  country: string;
  sector: string;
  starts: string | null;
  ends: string | null;
  latitude: string | null;
  longitude: string | null;
  imported_at: Date;
}
const EXTERNAL_COLS =
  'id, registry, external_id, name, country, sector, starts, ends, latitude, longitude, imported_at';

export const externalCandidates = (q: Queryable, country: string) =>
  q.query<ExternalRow>(`SELECT ${EXTERNAL_COLS} FROM registry_external_project WHERE country = $1`, [
    country,
  ]);

export const listExternal = (q: Queryable, limit: number) =>
  q.query<ExternalRow>(
    `SELECT ${EXTERNAL_COLS} FROM registry_external_project ORDER BY registry, external_id LIMIT $1`,
    [limit],
  );

export const externalView = (r: ExternalRow) => ({
  id: r.id,
  registry: r.registry,
  externalId: r.external_id,
  name: r.name,
  country: r.country,
  sector: r.sector,
  start: r.starts,
  end: r.ends,
  lat: r.latitude === null ? null : Number(r.latitude),
  lon: r.longitude === null ? null : Number(r.longitude),
});

/** Inserts or replaces one external project; true when it is new. */
export const upsertExternal = async (tx: Queryable, r: ExternalProject, by: string) =>
  (
    await tx.query<{ inserted: boolean }>(
      `INSERT INTO registry_external_project (registry, external_id, name, country, sector, starts, ends, latitude, longitude, imported_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (registry, external_id) DO UPDATE SET name = EXCLUDED.name, country = EXCLUDED.country,
         sector = EXCLUDED.sector, starts = EXCLUDED.starts, ends = EXCLUDED.ends, latitude = EXCLUDED.latitude,
         longitude = EXCLUDED.longitude, imported_by = EXCLUDED.imported_by, imported_at = now()
       RETURNING (xmax = 0) AS inserted`,
      [
        r.registry,
        r.id,
        r.name,
        r.country,
        r.sector,
        r.start ?? null,
        r.end ?? null,
        r.lat ?? null,
        r.lon ?? null,
        by,
      ],
    )
  )[0]!.inserted;

interface FlagRow {
  id: string;
  other_project_id: string | null;
  other_code: string | null;
  other_name: string | null;
  other_external_id: string | null;
  ext_registry: string | null;
  ext_id: string | null;
  ext_name: string | null;
  reasons: string[];
  name_score: string;
  distance_km: string | null;
  status: 'open' | 'dismissed';
  dismissed_by: string | null;
  dismissed_reason: string | null;
  dismissed_at: Date | null;
  created_at: Date;
}

export const flagsOf = (q: Queryable, projectId: string) =>
  q.query<FlagRow>(
    `SELECT f.id, f.other_project_id, op.code AS other_code, op.name AS other_name, f.other_external_id,
       e.registry AS ext_registry, e.external_id AS ext_id, e.name AS ext_name, f.reasons, f.name_score,
       f.distance_km, f.status, f.dismissed_by, f.dismissed_reason, f.dismissed_at, f.created_at
     FROM registry_screening_flag f
     LEFT JOIN registry_project op ON op.id = f.other_project_id
     LEFT JOIN registry_external_project e ON e.id = f.other_external_id
     WHERE f.project_id = $1 ORDER BY f.status DESC, f.name_score DESC, f.id`,
    [projectId],
  );

export const flagView = (f: FlagRow) => ({
  id: f.id,
  other:
    f.other_project_id !== null
      ? {
          kind: 'internal' as const,
          registry: null,
          id: f.other_code ?? '',
          name: f.other_name ?? '',
          projectId: f.other_project_id,
        }
      : {
          kind: 'external' as const,
          registry: f.ext_registry,
          id: f.ext_id ?? '',
          name: f.ext_name ?? '',
          projectId: null,
        },
  reasons: f.reasons,
  nameScore: Number(f.name_score),
  distanceKm: f.distance_km === null ? null : Number(f.distance_km),
  status: f.status,
  dismissedBy: f.dismissed_by,
  dismissedReason: f.dismissed_reason,
  dismissedAt: iso(f.dismissed_at),
  createdAt: iso(f.created_at)!,
});

/** Open flags are replaced by this screening's; dismissed ones stay (and are not raised again). */
export async function replaceOpenFlags(
  tx: Queryable,
  projectId: string,
  found: {
    otherProjectId: string | null;
    otherExternalId: string | null;
    m: { reasons: string[]; nameScore: number; distanceKm: number | null };
  }[],
) {
  await tx.query(`DELETE FROM registry_screening_flag WHERE project_id = $1 AND status = 'open'`, [
    projectId,
  ]);
  for (const f of found)
    await tx.query(
      `INSERT INTO registry_screening_flag (project_id, other_project_id, other_external_id, reasons, name_score, distance_km)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [
        projectId,
        f.otherProjectId,
        f.otherExternalId,
        f.m.reasons,
        f.m.nameScore.toFixed(3),
        f.m.distanceKm === null ? null : f.m.distanceKm.toFixed(3),
      ],
    );
}

export const dismissFlag = (tx: Queryable, id: string, by: string, reason: string) =>
  tx.query(
    `UPDATE registry_screening_flag SET status = 'dismissed', dismissed_by = $2, dismissed_reason = $3, dismissed_at = now()
     WHERE id = $1`,
    [id, by, reason],
  );
