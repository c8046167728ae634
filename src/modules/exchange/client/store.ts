import type { Queryable } from '../../../db/index.js';
import type { Pulled } from './convert.js';

export interface ConnectionRow {
  id: string;
  org_id: string;
  name: string;
  base_url: string;
  spec_major: number;
  client_id: string;
  secret_enc: string;
  created_by: string;
  created_at: Date;
  status: 'new' | 'ok' | 'failing';
  failing_since: Date | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  last_pulled_at: Date | null;
  footprints?: string;
}

export interface PulledRow {
  connection_id: string;
  connection_name: string;
  pf_id: string;
  spec_version: string;
  version: number | null;
  preceding_pf_ids: unknown;
  status: string;
  product_ids: unknown;
  product_name: string;
  company_name: string;
  pcf_excluding_biogenic: string;
  declared_amount: string;
  declared_unit: string;
  supplier_footprint: unknown;
  raw: unknown;
  created: Date;
  pulled_at: Date;
}

const CONN_COLS = `c.*, (SELECT count(*) FROM pact_pulled_footprint p WHERE p.connection_id = c.id) AS footprints`;
const PULLED_COLS = `p.*, c.name AS connection_name`;

export const orgIdBySlug = async (db: Queryable, slug: string) =>
  (await db.query<{ id: string }>('SELECT id FROM organisation WHERE slug = $1', [slug]))[0]?.id;

export const allOrgIdsWithConnections = async (db: Queryable) =>
  (await db.query<{ org_id: string }>('SELECT DISTINCT org_id FROM pact_connection')).map((r) => r.org_id);

export const findConnection = async (db: Queryable, id: string) =>
  (await db.query<ConnectionRow>(`SELECT ${CONN_COLS} FROM pact_connection c WHERE c.id = $1`, [id]))[0];

export const connectionsOf = (db: Queryable, orgIds: string[]) =>
  db.query<ConnectionRow>(
    `SELECT ${CONN_COLS} FROM pact_connection c WHERE c.org_id = ANY($1::uuid[]) ORDER BY c.name`,
    [orgIds],
  );
export const connectionRowsOf = connectionsOf;

export async function insertConnection(
  db: Queryable,
  c: {
    id: string;
    orgId: string;
    name: string;
    baseUrl: string;
    specMajor: number;
    clientId: string;
    secretEnc: string;
    createdBy: string;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO pact_connection (id, org_id, name, base_url, spec_major, client_id, secret_enc, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [c.id, c.orgId, c.name, c.baseUrl, c.specMajor, c.clientId, c.secretEnc, c.createdBy],
  );
}

export async function markFailing(db: Queryable, id: string, error: string): Promise<void> {
  await db.query(
    `UPDATE pact_connection SET status = 'failing', failing_since = coalesce(failing_since, now()),
       last_error = $2, last_attempt_at = now() WHERE id = $1`,
    [id, error],
  );
}

export async function markOk(db: Queryable, id: string, note: string | null): Promise<void> {
  await db.query(
    `UPDATE pact_connection SET status = 'ok', failing_since = NULL, last_error = $2,
       last_attempt_at = now(), last_pulled_at = now() WHERE id = $1`,
    [id, note],
  );
}

export async function upsertPulled(db: Queryable, connectionId: string, p: Pulled): Promise<void> {
  await db.query(
    `INSERT INTO pact_pulled_footprint (connection_id, pf_id, spec_version, version, preceding_pf_ids, status,
       product_ids, product_name, company_name, pcf_excluding_biogenic, declared_amount, declared_unit,
       supplier_footprint, raw, created)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (connection_id, pf_id) DO UPDATE SET spec_version = EXCLUDED.spec_version,
       version = EXCLUDED.version, preceding_pf_ids = EXCLUDED.preceding_pf_ids, status = EXCLUDED.status,
       product_ids = EXCLUDED.product_ids, product_name = EXCLUDED.product_name,
       company_name = EXCLUDED.company_name, pcf_excluding_biogenic = EXCLUDED.pcf_excluding_biogenic,
       declared_amount = EXCLUDED.declared_amount, declared_unit = EXCLUDED.declared_unit,
       supplier_footprint = EXCLUDED.supplier_footprint, raw = EXCLUDED.raw, created = EXCLUDED.created,
       pulled_at = now()`,
    [
      connectionId,
      p.pfId,
      p.specVersion,
      p.version,
      JSON.stringify(p.precedingPfIds),
      p.status,
      JSON.stringify(p.productIds),
      p.productName,
      p.companyName,
      p.pcfExcludingBiogenic,
      p.declaredAmount,
      p.declaredUnit,
      JSON.stringify(p.supplierFootprint),
      JSON.stringify(p.raw),
      p.created,
    ],
  );
}

export const findPulled = async (db: Queryable, connectionId: string, pfId: string) =>
  (
    await db.query<PulledRow>(
      `SELECT ${PULLED_COLS} FROM pact_pulled_footprint p JOIN pact_connection c ON c.id = p.connection_id
       WHERE p.connection_id = $1 AND p.pf_id = $2`,
      [connectionId, pfId],
    )
  )[0];

export const pulledOf = (db: Queryable, f: { connectionIds?: string[]; orgIds?: string[] }) =>
  db.query<PulledRow>(
    `SELECT ${PULLED_COLS} FROM pact_pulled_footprint p JOIN pact_connection c ON c.id = p.connection_id
     WHERE ${f.connectionIds ? 'p.connection_id = ANY($1::uuid[])' : 'c.org_id = ANY($1::uuid[])'}
     ORDER BY p.created DESC LIMIT 1000`,
    [f.connectionIds ?? f.orgIds ?? []],
  );

export async function upsertLink(
  db: Queryable,
  l: { productId: string; materialIndex: number; connectionId: string; pfId: string; version: number | null },
): Promise<void> {
  await db.query(
    `INSERT INTO pact_link (product_id, material_index, connection_id, pf_id, version) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (product_id, material_index) DO UPDATE SET connection_id = EXCLUDED.connection_id,
       pf_id = EXCLUDED.pf_id, version = EXCLUDED.version, linked_at = now()`,
    [l.productId, l.materialIndex, l.connectionId, l.pfId, l.version],
  );
}

export interface LinkRow {
  product_id: string;
  product_name: string;
  model: unknown;
  material_index: number;
  connection_id: string;
  pf_id: string;
  version: number | null;
}

export const linksOf = (db: Queryable, orgIds: string[]) =>
  db.query<LinkRow>(
    `SELECT l.product_id, p.name AS product_name, p.model, l.material_index, l.connection_id, l.pf_id, l.version
     FROM pact_link l JOIN footprint_product p ON p.id = l.product_id
     WHERE p.org_id = ANY($1::uuid[]) ORDER BY p.name, l.material_index`,
    [orgIds],
  );

export async function insertRequest(
  db: Queryable,
  r: {
    id: string;
    connectionId: string;
    productIds: string[];
    comment: string | null;
    status: string;
    error: string | null;
    createdBy: string;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO pact_client_request (id, connection_id, product_ids, comment, status, error, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [r.id, r.connectionId, JSON.stringify(r.productIds), r.comment, r.status, r.error, r.createdBy],
  );
}

export const findRequest = async (db: Queryable, id: string) =>
  (
    await db.query<{ id: string; connection_id: string; status: string }>(
      'SELECT id, connection_id, status FROM pact_client_request WHERE id = $1',
      [id],
    )
  )[0];

export async function answerRequest(
  db: Queryable,
  id: string,
  status: 'fulfilled' | 'rejected',
  error: string | null,
): Promise<void> {
  await db.query('UPDATE pact_client_request SET status = $2, error = $3 WHERE id = $1', [id, status, error]);
}
