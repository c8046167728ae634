import type { Queryable } from '../../../db/index.js';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ApproachRow {
  id: string;
  code: string;
  name: string;
  description: string;
  parties: string[];
  org_id: string;
  created_by: string;
  created_at: Date;
  ledger_index: string;
  leaf_hash: string;
}

export interface AuthorizationRow {
  id: string;
  code: string;
  approach_id: string;
  approach_code: string;
  approach_name: string;
  host_party: string;
  acquiring_party: string | null;
  uses: string[];
  oimp_purpose: string | null;
  first_transfer_oimp: string | null;
  metric: string;
  sector: string;
  activity_type: string;
  mitigation_type: string;
  authorized_quantity: string | null;
  valid_from: string;
  valid_until: string;
  vintage_from: number | null;
  vintage_to: number | null;
  project_ids: string[];
  issuance_ids: string[];
  document_name: string;
  document_sha256: string;
  terms: string;
  version: number;
  status: 'active' | 'revoked';
  org_id: string;
  created_by: string;
  created_at: Date;
  ledger_index: string;
  leaf_hash: string;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  revoke_ledger_index: string | null;
  revoke_leaf_hash: string | null;
  marked: string;
  first_transferred: string;
}

const APPROACH_COLS = `id, code, name, description, parties, org_id, created_by, created_at, ledger_index,
  encode(leaf_hash, 'hex') AS leaf_hash`;

export const approaches = (q: Queryable) =>
  q.query<ApproachRow>(`SELECT ${APPROACH_COLS} FROM registry_a6_approach ORDER BY code`);

export const approachBy = async (q: Queryable, idOrCode: string) =>
  (
    await q.query<ApproachRow>(
      `SELECT ${APPROACH_COLS} FROM registry_a6_approach WHERE ${UUID_RE.test(idOrCode) ? 'id' : 'code'} = $1`,
      [idOrCode],
    )
  )[0];

export const insertApproach = async (
  q: Queryable,
  a: {
    id: string;
    code: string;
    name: string;
    description: string;
    parties: string[];
    orgId: string;
    createdBy: string;
    ledgerIndex: number;
    leafHash: string;
  },
) =>
  q.query(
    `INSERT INTO registry_a6_approach (id, code, name, description, parties, org_id, created_by, ledger_index, leaf_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, decode($9, 'hex'))`,
    [a.id, a.code, a.name, a.description, a.parties, a.orgId, a.createdBy, a.ledgerIndex, a.leafHash],
  );

const AUTH_COLS = `a.id, a.code, a.approach_id, p.code AS approach_code, p.name AS approach_name, a.host_party,
  a.acquiring_party, a.uses, a.oimp_purpose, a.first_transfer_oimp, a.metric, a.sector, a.activity_type,
  a.mitigation_type, a.authorized_quantity, a.valid_from, a.valid_until, a.vintage_from, a.vintage_to,
  a.project_ids, a.issuance_ids, a.document_name, a.document_sha256, a.terms, a.version, a.status, a.org_id,
  a.created_by, a.created_at, a.ledger_index, encode(a.leaf_hash, 'hex') AS leaf_hash, a.revoked_at, a.revoked_by,
  a.revoke_reason, a.revoke_ledger_index, encode(a.revoke_leaf_hash, 'hex') AS revoke_leaf_hash,
  COALESCE((SELECT sum(m.quantity) FROM registry_a6_marking m WHERE m.authorization_id = a.id), 0) AS marked,
  COALESCE((SELECT sum(c.serial_end - c.serial_start + 1) FROM registry_corresponding_adjustment c
            WHERE c.authorization_id = a.id), 0) AS first_transferred`;
const AUTH_FROM = 'registry_a6_authorization a JOIN registry_a6_approach p ON p.id = a.approach_id';

export const authorizations = (
  q: Queryable,
  filter: { host?: string | undefined; approachId?: string | undefined },
) =>
  q.query<AuthorizationRow>(
    `SELECT ${AUTH_COLS} FROM ${AUTH_FROM}
     WHERE ($1::text IS NULL OR a.host_party = $1) AND ($2::uuid IS NULL OR a.approach_id = $2)
     ORDER BY a.created_at DESC, a.code LIMIT 1000`,
    [filter.host ?? null, filter.approachId ?? null],
  );

export const authorizationBy = async (q: Queryable, idOrCode: string, forUpdate = false) =>
  (
    await q.query<AuthorizationRow>(
      `SELECT ${AUTH_COLS} FROM ${AUTH_FROM} WHERE a.${UUID_RE.test(idOrCode) ? 'id' : 'code'} = $1${forUpdate ? ' FOR UPDATE OF a' : ''}`,
      [idOrCode],
    )
  )[0];

export interface ProjectRef {
  id: string;
  code: string;
  name: string;
  host_country: string;
  status: string;
}
export const projectsBy = (q: Queryable, idsOrCodes: string[]) =>
  q.query<ProjectRef>(
    `SELECT id, code, name, host_country, status FROM registry_project
     WHERE code = ANY($1::text[]) OR id::text = ANY($1::text[])`,
    [idsOrCodes],
  );
export const projectsById = (q: Queryable, ids: string[]) =>
  q.query<ProjectRef>(
    'SELECT id, code, name, host_country, status FROM registry_project WHERE id = ANY($1::uuid[]) ORDER BY code',
    [ids],
  );
export const issuancesOfProjects = (q: Queryable, issuanceIds: string[], projectIds: string[]) =>
  q.query<{ id: string; project_id: string }>(
    'SELECT id, project_id FROM registry_issuance WHERE id = ANY($1::uuid[]) AND project_id = ANY($2::uuid[])',
    [issuanceIds, projectIds],
  );

export interface UnitRow {
  id: string;
  serial_start: string;
  serial_end: string;
  state: string;
  first_transferred: boolean;
  account_id: string;
  account_number: string;
  account_org: string;
  vintage: number;
  unit_type: string;
  project_code: string;
  host_country: string;
  adjusted: string;
  applied: string;
}
/** The blocks a letter made ITMOs, with how many of their units were adjusted and reported. */
export const unitsOf = (q: Queryable, authorizationId: string) =>
  q.query<UnitRow>(
    `SELECT b.id, b.serial_start, b.serial_end, b.state, b.first_transferred, b.account_id,
       ac.number AS account_number, ac.org_id AS account_org, i.vintage, i.unit_type, p.code AS project_code,
       p.host_country,
       COALESCE((SELECT sum(LEAST(c.serial_end, b.serial_end) - GREATEST(c.serial_start, b.serial_start) + 1)
         FROM registry_corresponding_adjustment c
         WHERE int8range(c.serial_start, c.serial_end, '[]') && int8range(b.serial_start, b.serial_end, '[]')), 0) AS adjusted,
       COALESCE((SELECT sum(LEAST(c.serial_end, b.serial_end) - GREATEST(c.serial_start, b.serial_start) + 1)
         FROM registry_corresponding_adjustment c JOIN registry_a6_adjustment_applied ap ON ap.adjustment_id = c.id
         WHERE int8range(c.serial_start, c.serial_end, '[]') && int8range(b.serial_start, b.serial_end, '[]')), 0) AS applied
     FROM registry_block b JOIN registry_issuance i ON i.id = b.issuance_id
       JOIN registry_project p ON p.id = i.project_id JOIN registry_account ac ON ac.id = b.account_id
     WHERE b.authorization_id = $1 ORDER BY b.serial_start LIMIT 5000`,
    [authorizationId],
  );

export const insertAuthorization = async (
  q: Queryable,
  a: {
    id: string;
    code: string;
    approachId: string;
    hostParty: string;
    acquiringParty: string | null;
    uses: string[];
    oimpPurpose: string | null;
    firstTransferOimp: string | null;
    sector: string;
    activityType: string;
    mitigationType: string;
    authorizedQuantity: string | null;
    validFrom: string;
    validUntil: string;
    vintageFrom: number | null;
    vintageTo: number | null;
    projectIds: string[];
    issuanceIds: string[];
    documentName: string;
    documentSha256: string;
    terms: string;
    orgId: string;
    createdBy: string;
    ledgerIndex: number;
    leafHash: string;
  },
) =>
  q.query(
    `INSERT INTO registry_a6_authorization (id, code, approach_id, host_party, acquiring_party, uses, oimp_purpose,
       first_transfer_oimp, sector, activity_type, mitigation_type, authorized_quantity, valid_from, valid_until,
       vintage_from, vintage_to, project_ids, issuance_ids, document_name, document_sha256, terms, org_id, created_by,
       ledger_index, leaf_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::uuid[], $18::uuid[], $19, $20,
       $21, $22, $23, $24, decode($25, 'hex'))`,
    [
      a.id,
      a.code,
      a.approachId,
      a.hostParty,
      a.acquiringParty,
      a.uses,
      a.oimpPurpose,
      a.firstTransferOimp,
      a.sector,
      a.activityType,
      a.mitigationType,
      a.authorizedQuantity,
      a.validFrom,
      a.validUntil,
      a.vintageFrom,
      a.vintageTo,
      a.projectIds,
      a.issuanceIds,
      a.documentName,
      a.documentSha256,
      a.terms,
      a.orgId,
      a.createdBy,
      a.ledgerIndex,
      a.leafHash,
    ],
  );

export interface AdjustmentRow {
  id: string;
  transaction_id: string;
  authorization_id: string;
  authorization_code: string | null;
  host_country: string;
  serial_start: string;
  serial_end: string;
  created_at: Date;
  year: number;
  kind: string;
  vintage: number | null;
  report_id: string | null;
  reference: string | null;
  reported_at: Date | null;
}
export const adjustments = (q: Queryable, filter: { host?: string | undefined; year?: number | undefined }) =>
  q.query<AdjustmentRow>(
    `SELECT c.id, c.transaction_id, c.authorization_id, a.code AS authorization_code, c.host_country,
       c.serial_start, c.serial_end, c.created_at,
       extract(year FROM c.created_at AT TIME ZONE 'UTC')::int AS year, t.kind,
       (SELECT i.vintage FROM registry_issuance i WHERE i.serial_start <= c.serial_start AND i.serial_end >= c.serial_end) AS vintage,
       ap.report_id, r.reference, r.created_at AS reported_at
     FROM registry_corresponding_adjustment c JOIN registry_transaction t ON t.id = c.transaction_id
       LEFT JOIN registry_a6_authorization a ON a.id = c.authorization_id
       LEFT JOIN registry_a6_adjustment_applied ap ON ap.adjustment_id = c.id
       LEFT JOIN registry_a6_adjustment_report r ON r.id = ap.report_id
     WHERE ($1::text IS NULL OR c.host_country = $1)
       AND ($2::int IS NULL OR extract(year FROM c.created_at AT TIME ZONE 'UTC')::int = $2)
     ORDER BY c.created_at, c.serial_start LIMIT 10000`,
    [filter.host ?? null, filter.year ?? null],
  );

/** Units authorised under active letters of a host and not yet first transferred: their adjustment has not started. */
export const notStarted = (q: Queryable, host: string | null) =>
  q.query<{ host_party: string; quantity: string }>(
    `SELECT a.host_party, sum(b.serial_end - b.serial_start + 1) AS quantity
     FROM registry_block b JOIN registry_a6_authorization a ON a.id = b.authorization_id
     WHERE NOT b.first_transferred AND ($1::text IS NULL OR a.host_party = $1)
     GROUP BY a.host_party ORDER BY a.host_party`,
    [host],
  );

export interface UseRow {
  id: string;
  kind: string;
  from_account: string | null;
  from_number: string | null;
  from_org: string | null;
  to_number: string | null;
  quantity: string;
  details: Record<string, unknown>;
  actor: string;
  created_at: Date;
  ledger_index: string | null;
}
export const uses = (q: Queryable, orgIds: string[] | null) =>
  q.query<UseRow>(
    `SELECT t.id, t.kind, t.from_account, f.number AS from_number, f.org_id AS from_org, o.number AS to_number,
       t.quantity, t.details, t.actor, t.created_at, t.ledger_index
     FROM registry_transaction t LEFT JOIN registry_account f ON f.id = t.from_account
       LEFT JOIN registry_account o ON o.id = t.to_account
     WHERE t.kind IN ('ndc-use', 'cancellation') AND (t.details::jsonb) ? 'article6'
       AND ($1::uuid[] IS NULL OR f.org_id = ANY($1::uuid[]))
     ORDER BY t.created_at DESC, t.id LIMIT 1000`,
    [orgIds],
  );

/** A registry operator's organisation (for the CLI, which acts as the local operator). */
export const operatorOrgs = (q: Queryable) =>
  q.query<{ org_id: string; slug: string }>(
    `SELECT DISTINCT m.org_id, o.slug FROM membership m JOIN organisation o ON o.id = m.org_id
     WHERE m.role = 'registry_operator' ORDER BY o.slug`,
  );
