import type { Queryable } from '../../../db/index.js';

export interface ProductRow {
  id: string;
  org_id: string;
  org_slug: string;
  name: string;
  model: unknown;
  version: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  footprints: string;
}

export interface FootprintRow {
  id: string;
  product_id: string;
  product_version: number;
  org_id: string;
  model: unknown;
  factors: unknown;
  result: unknown;
  total: string;
  result_sha256: string;
  ledger_index: string;
  ledger_leaf: string;
  created_by: string;
  created_at: Date;
}

const PRODUCT_COLS = `p.id, p.org_id, o.slug AS org_slug, p.name, p.model, p.version, p.created_by, p.created_at, p.updated_at,
  (SELECT count(*) FROM product_footprint f WHERE f.product_id = p.id) AS footprints`;
const FOOTPRINT_COLS = `id, product_id, product_version, org_id, model, factors, result, total, result_sha256,
  ledger_index, encode(ledger_leaf, 'hex') AS ledger_leaf, created_by, created_at`;

export const orgIdBySlug = async (db: Queryable, slug: string) =>
  (await db.query<{ id: string }>('SELECT id FROM organisation WHERE slug = $1', [slug]))[0]?.id;

export const productsOf = (db: Queryable, orgIds: string[], limit: number) =>
  db.query<ProductRow>(
    `SELECT ${PRODUCT_COLS} FROM footprint_product p JOIN organisation o ON o.id = p.org_id
     WHERE p.org_id = ANY($1::uuid[]) ORDER BY p.updated_at DESC, p.id LIMIT $2`,
    [orgIds, limit],
  );

export const findProduct = async (db: Queryable, id: string, forUpdate = false) =>
  (
    await db.query<ProductRow>(
      `SELECT ${PRODUCT_COLS} FROM footprint_product p JOIN organisation o ON o.id = p.org_id
       WHERE p.id = $1${forUpdate ? ' FOR UPDATE OF p' : ''}`,
      [id],
    )
  )[0];

export const insertProduct = async (
  db: Queryable,
  p: { orgId: string; name: string; model: unknown; createdBy: string },
) =>
  (
    await db.query<{ id: string }>(
      'INSERT INTO footprint_product (org_id, name, model, created_by) VALUES ($1, $2, $3::json, $4) RETURNING id',
      [p.orgId, p.name, JSON.stringify(p.model), p.createdBy],
    )
  )[0]!.id;

export const updateProduct = (db: Queryable, id: string, name: string, model: unknown) =>
  db.query(
    'UPDATE footprint_product SET name = $2, model = $3::json, version = version + 1, updated_at = now() WHERE id = $1',
    [id, name, JSON.stringify(model)],
  );

export const insertFootprint = async (
  db: Queryable,
  f: {
    id: string;
    productId: string;
    productVersion: number;
    orgId: string;
    model: unknown;
    factors: unknown;
    result: unknown;
    total: string;
    sha256: string;
    ledgerIndex: number;
    ledgerLeaf: string;
    createdBy: string;
  },
) =>
  (
    await db.query<{ id: string }>(
      `INSERT INTO product_footprint (product_id, product_version, org_id, model, factors, result, total,
         result_sha256, ledger_index, ledger_leaf, created_by, id)
       VALUES ($1, $2, $3, $4::json, $5::json, $6::json, $7, $8, $9, decode($10, 'hex'), $11, $12) RETURNING id`,
      [
        f.productId,
        f.productVersion,
        f.orgId,
        JSON.stringify(f.model),
        JSON.stringify(f.factors),
        JSON.stringify(f.result),
        f.total,
        f.sha256,
        f.ledgerIndex,
        f.ledgerLeaf,
        f.createdBy,
        f.id,
      ],
    )
  )[0]!.id;

export const findFootprint = async (db: Queryable, id: string) =>
  (await db.query<FootprintRow>(`SELECT ${FOOTPRINT_COLS} FROM product_footprint WHERE id = $1`, [id]))[0];

export const footprintsOf = (db: Queryable, productId: string) =>
  db.query<Omit<FootprintRow, 'model' | 'factors' | 'result'>>(
    `SELECT id, product_id, product_version, org_id, total, result_sha256, ledger_index,
       encode(ledger_leaf, 'hex') AS ledger_leaf, created_by, created_at
     FROM product_footprint WHERE product_id = $1 ORDER BY created_at DESC, id`,
    [productId],
  );
