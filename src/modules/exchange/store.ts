import type { Queryable } from '../../db/index.js';

export interface PublicationRow {
  id: string;
  org_id: string;
  org_slug: string;
  org_name: string;
  footprint_id: string;
  product_id: string;
  preceding_ids: string[];
  status: 'Active' | 'Deprecated';
  status_comment: string | null;
  version: number;
  doc_v3: unknown;
  doc_v2: unknown;
  validity_start: Date;
  validity_end: Date;
  published_by: string;
  created_at: Date;
  updated_at: Date;
  seq: string;
}

const PUB_COLS = `p.id, p.org_id, o.slug AS org_slug, o.name AS org_name, p.footprint_id, p.product_id,
  p.preceding_ids::text[] AS preceding_ids, p.status, p.status_comment, p.version, p.doc_v3, p.doc_v2,
  p.validity_start, p.validity_end, p.published_by, p.created_at, p.updated_at, p.seq`;

export async function insertPublication(
  db: Queryable,
  p: {
    id: string;
    orgId: string;
    footprintId: string;
    productId: string;
    precedingIds: string[];
    docV3: unknown;
    docV2: unknown;
    productIds: string[];
    companyIds: string[];
    classifications: string[];
    geography: string[];
    validityStart: string;
    validityEnd: string;
    publishedBy: string;
    createdAt: Date;
  },
): Promise<void> {
  const lc = (a: string[]) => [...new Set(a.map((x) => x.toLowerCase()))];
  await db.query(
    `INSERT INTO pact_publication (id, org_id, footprint_id, product_id, preceding_ids, doc_v3, doc_v2,
       product_ids_lc, company_ids_lc, classifications_lc, geography_lc, validity_start, validity_end,
       published_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5::uuid[], $6::json, $7::json, $8, $9, $10, $11, $12, $13, $14, $15, $15)`,
    [
      p.id,
      p.orgId,
      p.footprintId,
      p.productId,
      p.precedingIds,
      JSON.stringify(p.docV3),
      p.docV2 === null ? null : JSON.stringify(p.docV2),
      lc(p.productIds),
      lc(p.companyIds),
      lc(p.classifications),
      lc(p.geography),
      p.validityStart,
      p.validityEnd,
      p.publishedBy,
      p.createdAt,
    ],
  );
}

export const findPublication = async (db: Queryable, id: string, forUpdate = false) =>
  (
    await db.query<PublicationRow>(
      `SELECT ${PUB_COLS} FROM pact_publication p JOIN organisation o ON o.id = p.org_id WHERE p.id = $1${forUpdate ? ' FOR UPDATE OF p' : ''}`,
      [id],
    )
  )[0];

/** Earlier publications of the same product, oldest first (the preceding chain). */
export const publicationsOfProduct = (db: Queryable, productId: string) =>
  db.query<PublicationRow>(
    `SELECT ${PUB_COLS} FROM pact_publication p JOIN organisation o ON o.id = p.org_id
     WHERE p.product_id = $1 ORDER BY p.seq`,
    [productId],
  );

export const publicationsOf = (db: Queryable, orgIds: string[], limit: number) =>
  db.query<PublicationRow>(
    `SELECT ${PUB_COLS} FROM pact_publication p JOIN organisation o ON o.id = p.org_id
     WHERE p.org_id = ANY($1::uuid[]) ORDER BY p.seq DESC LIMIT $2`,
    [orgIds, limit],
  );

export async function setStatus(
  db: Queryable,
  id: string,
  status: 'Active' | 'Deprecated',
  comment: string | null,
  at: Date,
): Promise<void> {
  await db.query(
    `UPDATE pact_publication SET status = $2, status_comment = $3, version = version + 1, updated_at = $4 WHERE id = $1`,
    [id, status, comment, at],
  );
}

/** The filters of ListFootprints (v3) after parsing; each list is OR, lists are AND. */
export interface ListFilter {
  productIds?: string[];
  companyIds?: string[];
  geographies?: string[];
  classifications?: string[];
  statuses?: string[];
  validOn?: string;
  validAfter?: string;
  validBefore?: string;
  /** v2 $filter conditions, already translated to SQL over safe column names. */
  extra?: { sql: string; params: unknown[] }[];
  /** v2 lists only publications that have a v2.3 document. */
  v2Only?: boolean;
}

/** What an organisation's agreements let it see: the SQL condition over `p`, recipient in $1. */
const VISIBLE = `EXISTS (SELECT 1 FROM pact_agreement a
  WHERE a.recipient_org = $1 AND a.owner_org = p.org_id AND a.ended_at IS NULL
    AND (a.scope = 'all' OR EXISTS (SELECT 1 FROM pact_agreement_footprint af
         WHERE af.agreement_id = a.id AND af.publication_id = p.id)))`;

export async function visiblePublications(
  db: Queryable,
  recipientOrg: string,
  f: ListFilter,
  offset: number,
  limit: number,
): Promise<PublicationRow[]> {
  const where = [VISIBLE];
  const params: unknown[] = [recipientOrg];
  const add = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  const lc = (a: string[]) => a.map((x) => x.toLowerCase());
  if (f.productIds?.length) add((n) => `p.product_ids_lc && ${n}::text[]`, lc(f.productIds));
  if (f.companyIds?.length) add((n) => `p.company_ids_lc && ${n}::text[]`, lc(f.companyIds));
  if (f.geographies?.length) add((n) => `p.geography_lc && ${n}::text[]`, lc(f.geographies));
  if (f.classifications?.length) add((n) => `p.classifications_lc && ${n}::text[]`, lc(f.classifications));
  if (f.statuses?.length) add((n) => `lower(p.status) = ANY(${n}::text[])`, lc(f.statuses));
  if (f.validOn) {
    add((n) => `p.validity_start <= ${n}::timestamptz`, f.validOn);
    add((n) => `p.validity_end >= ${n}::timestamptz`, f.validOn);
  }
  if (f.validAfter) add((n) => `p.validity_start > ${n}::timestamptz`, f.validAfter);
  if (f.validBefore) add((n) => `p.validity_end < ${n}::timestamptz`, f.validBefore);
  if (f.v2Only) where.push('p.doc_v2 IS NOT NULL');
  for (const e of f.extra ?? []) {
    // Renumber the condition's own $1.. placeholders after ours.
    const base = params.length;
    where.push(e.sql.replace(/\$(\d+)/g, (_m, d: string) => `$${base + Number(d)}`));
    params.push(...e.params);
  }
  params.push(limit, offset);
  return db.query<PublicationRow>(
    `SELECT ${PUB_COLS} FROM pact_publication p JOIN organisation o ON o.id = p.org_id
     WHERE ${where.join(' AND ')} ORDER BY p.seq LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
}

export const isVisible = async (db: Queryable, recipientOrg: string, publicationId: string) =>
  (
    await db.query<{ ok: boolean }>(
      `SELECT true AS ok FROM pact_publication p WHERE p.id = $2 AND ${VISIBLE}`,
      [recipientOrg, publicationId],
    )
  ).length > 0;

// ---------------------------------------------------------------- agreements

export interface AgreementRow {
  id: string;
  owner_org: string;
  owner_slug: string;
  owner_name: string;
  recipient_org: string;
  recipient_slug: string;
  recipient_name: string;
  scope: 'all' | 'selected';
  created_by: string;
  created_at: Date;
  ended_at: Date | null;
  publications: string[];
}

const AGREEMENT_COLS = `a.id, a.owner_org, ow.slug AS owner_slug, ow.name AS owner_name, a.recipient_org,
  rc.slug AS recipient_slug, rc.name AS recipient_name, a.scope, a.created_by, a.created_at, a.ended_at,
  COALESCE((SELECT array_agg(af.publication_id::text ORDER BY af.publication_id) FROM pact_agreement_footprint af
    WHERE af.agreement_id = a.id), '{}') AS publications`;
const AGREEMENT_FROM = `pact_agreement a JOIN organisation ow ON ow.id = a.owner_org JOIN organisation rc ON rc.id = a.recipient_org`;

export const liveAgreement = async (db: Queryable, owner: string, recipient: string, forUpdate = false) =>
  (
    await db.query<AgreementRow>(
      `SELECT ${AGREEMENT_COLS} FROM ${AGREEMENT_FROM}
       WHERE a.owner_org = $1 AND a.recipient_org = $2 AND a.ended_at IS NULL${forUpdate ? ' FOR UPDATE OF a' : ''}`,
      [owner, recipient],
    )
  )[0];

export const findAgreement = async (db: Queryable, id: string) =>
  (await db.query<AgreementRow>(`SELECT ${AGREEMENT_COLS} FROM ${AGREEMENT_FROM} WHERE a.id = $1`, [id]))[0];

/** Agreements where one of `orgIds` is the owner or the recipient. */
export const agreementsOf = (db: Queryable, orgIds: string[], includeEnded: boolean) =>
  db.query<AgreementRow>(
    `SELECT ${AGREEMENT_COLS} FROM ${AGREEMENT_FROM}
     WHERE (a.owner_org = ANY($1::uuid[]) OR a.recipient_org = ANY($1::uuid[]))${includeEnded ? '' : ' AND a.ended_at IS NULL'}
     ORDER BY a.created_at DESC, a.id`,
    [orgIds],
  );

export const ownersSharingWith = async (db: Queryable, recipient: string) =>
  (
    await db.query<{ owner_org: string }>(
      `SELECT DISTINCT owner_org FROM pact_agreement WHERE recipient_org = $1 AND ended_at IS NULL`,
      [recipient],
    )
  ).map((r) => r.owner_org);

export const insertAgreement = async (
  db: Queryable,
  a: { owner: string; recipient: string; scope: 'all' | 'selected'; createdBy: string },
) =>
  (
    await db.query<{ id: string }>(
      `INSERT INTO pact_agreement (owner_org, recipient_org, scope, created_by) VALUES ($1, $2, $3, $4) RETURNING id`,
      [a.owner, a.recipient, a.scope, a.createdBy],
    )
  )[0]!.id;

export async function setAgreementScope(db: Queryable, id: string, scope: 'all' | 'selected'): Promise<void> {
  await db.query(`UPDATE pact_agreement SET scope = $2 WHERE id = $1`, [id, scope]);
}

export async function endAgreement(db: Queryable, id: string): Promise<void> {
  await db.query(`UPDATE pact_agreement SET ended_at = now() WHERE id = $1 AND ended_at IS NULL`, [id]);
}

export async function shareSelected(
  db: Queryable,
  agreementId: string,
  publicationIds: string[],
): Promise<void> {
  if (publicationIds.length === 0) return;
  await db.query(
    `INSERT INTO pact_agreement_footprint (agreement_id, publication_id)
     SELECT $1, x FROM unnest($2::uuid[]) AS x ON CONFLICT DO NOTHING`,
    [agreementId, publicationIds],
  );
}

/** Selected-footprint agreements that included any of `publicationIds` (to carry a new version over). */
export const agreementsSharing = async (db: Queryable, publicationIds: string[]) =>
  (
    await db.query<{ agreement_id: string }>(
      `SELECT DISTINCT af.agreement_id FROM pact_agreement_footprint af JOIN pact_agreement a ON a.id = af.agreement_id
       WHERE af.publication_id = ANY($1::uuid[]) AND a.ended_at IS NULL`,
      [publicationIds],
    )
  ).map((r) => r.agreement_id);

// ---------------------------------------------------------------- access log

export async function logAccess(
  db: Queryable,
  rows: { owner: string; recipient: string; clientId: string; publicationId: string }[],
  action: 'list' | 'get' | 'request',
  spec: '2' | '3',
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO pact_access_log (owner_org, recipient_org, client_id, publication_id, action, spec)
     SELECT * , $5::text, $6::text FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[])`,
    [
      rows.map((r) => r.owner),
      rows.map((r) => r.recipient),
      rows.map((r) => r.clientId),
      rows.map((r) => r.publicationId),
      action,
      spec,
    ],
  );
}

export interface AccessRow {
  id: string;
  owner_org: string;
  recipient_org: string;
  recipient_slug: string;
  recipient_name: string;
  client_id: string;
  publication_id: string;
  product_name: string | null;
  action: string;
  spec: string;
  at: Date;
}

export const accessLog = (db: Queryable, ownerOrgs: string[], limit: number, publicationId?: string) =>
  db.query<AccessRow>(
    `SELECT l.id, l.owner_org, l.recipient_org, r.slug AS recipient_slug, r.name AS recipient_name, l.client_id,
       l.publication_id, (p.doc_v3::jsonb ->> 'productNameCompany') AS product_name, l.action, l.spec, l.at
     FROM pact_access_log l JOIN organisation r ON r.id = l.recipient_org JOIN pact_publication p ON p.id = l.publication_id
     WHERE l.owner_org = ANY($1::uuid[])${publicationId ? ' AND l.publication_id = $3' : ''}
     ORDER BY l.id DESC LIMIT $2`,
    publicationId ? [ownerOrgs, limit, publicationId] : [ownerOrgs, limit],
  );

// ---------------------------------------------------------------- events and requests

export async function insertEvent(
  db: Queryable,
  e: {
    spec: '2' | '3';
    eventId: string;
    source: string;
    type: string;
    senderOrg: string;
    clientId: string;
    event: unknown;
    direction?: 'in' | 'out';
  },
): Promise<{ id: string; duplicate: boolean }> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO pact_event (spec, event_id, source, type, sender_org, client_id, event, direction)
     VALUES ($1, $2, $3, $4, $5, $6, $7::json, $8) ON CONFLICT (sender_org, source, event_id) DO NOTHING RETURNING id`,
    [
      e.spec,
      e.eventId,
      e.source,
      e.type,
      e.senderOrg,
      e.clientId,
      JSON.stringify(e.event),
      e.direction ?? 'in',
    ],
  );
  if (rows[0]) return { id: rows[0].id, duplicate: false };
  const existing = await db.query<{ id: string }>(
    `SELECT id FROM pact_event WHERE sender_org = $1 AND source = $2 AND event_id = $3`,
    [e.senderOrg, e.source, e.eventId],
  );
  return { id: existing[0]!.id, duplicate: true };
}

export interface RequestRow {
  id: string;
  owner_org: string;
  recipient_org: string;
  recipient_slug: string;
  recipient_name: string;
  spec: '2' | '3';
  request_event_id: string;
  source: string;
  criteria: unknown;
  comment: string | null;
  status: 'Pending' | 'Fulfilled' | 'Rejected';
  publication_ids: string[];
  answer: unknown;
  answered_by: string | null;
  answered_at: Date | null;
  delivery: unknown;
  created_at: Date;
}

const REQUEST_COLS = `q.id, q.owner_org, q.recipient_org, r.slug AS recipient_slug, r.name AS recipient_name, q.spec,
  q.request_event_id, q.source, q.criteria, q.comment, q.status, q.publication_ids::text[] AS publication_ids,
  q.answer, q.answered_by, q.answered_at, q.delivery, q.created_at`;

export const insertRequest = async (
  db: Queryable,
  r: {
    eventPk: string;
    owner: string;
    recipient: string;
    spec: '2' | '3';
    requestEventId: string;
    source: string;
    criteria: unknown;
    comment: string | null;
  },
) =>
  (
    await db.query<{ id: string }>(
      `INSERT INTO pact_request (event_pk, owner_org, recipient_org, spec, request_event_id, source, criteria, comment)
       VALUES ($1, $2, $3, $4, $5, $6, $7::json, $8) RETURNING id`,
      [
        r.eventPk,
        r.owner,
        r.recipient,
        r.spec,
        r.requestEventId,
        r.source,
        JSON.stringify(r.criteria),
        r.comment,
      ],
    )
  )[0]!.id;

export const requestsOf = (db: Queryable, ownerOrgs: string[], limit: number) =>
  db.query<RequestRow>(
    `SELECT ${REQUEST_COLS} FROM pact_request q JOIN organisation r ON r.id = q.recipient_org
     WHERE q.owner_org = ANY($1::uuid[]) ORDER BY q.created_at DESC, q.id LIMIT $2`,
    [ownerOrgs, limit],
  );

export const findRequest = async (db: Queryable, id: string, forUpdate = false) =>
  (
    await db.query<RequestRow>(
      `SELECT ${REQUEST_COLS} FROM pact_request q JOIN organisation r ON r.id = q.recipient_org WHERE q.id = $1${forUpdate ? ' FOR UPDATE OF q' : ''}`,
      [id],
    )
  )[0];

export async function answerRequest(
  db: Queryable,
  id: string,
  a: { status: 'Fulfilled' | 'Rejected'; publicationIds: string[]; answer: unknown; by: string },
): Promise<void> {
  await db.query(
    `UPDATE pact_request SET status = $2, publication_ids = $3::uuid[], answer = $4::json, answered_by = $5, answered_at = now()
     WHERE id = $1`,
    [id, a.status, a.publicationIds, JSON.stringify(a.answer), a.by],
  );
}

export const orgById = async (db: Queryable, id: string) =>
  (
    await db.query<{ id: string; slug: string; name: string }>(
      'SELECT id, slug, name FROM organisation WHERE id = $1',
      [id],
    )
  )[0];
export const orgBySlug = async (db: Queryable, slug: string) =>
  (
    await db.query<{ id: string; slug: string; name: string }>(
      'SELECT id, slug, name FROM organisation WHERE slug = $1',
      [slug],
    )
  )[0];

export async function setDelivery(db: Queryable, id: string, delivery: unknown): Promise<void> {
  await db.query(`UPDATE pact_request SET delivery = $2::json WHERE id = $1`, [id, JSON.stringify(delivery)]);
}
