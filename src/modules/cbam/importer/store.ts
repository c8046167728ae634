// SQL of the importer part. Every query names the organisation: nothing crosses importers.
import type { Queryable } from '../../../db/index.js';
import type { ShipmentRow, SupplierGood } from './aggregate.js';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (v: Date | string) => new Date(v).toISOString();

export interface OrgRow {
  id: string;
  slug: string;
  name: string;
}
export const findOrg = async (db: Queryable, idOrSlug: string): Promise<OrgRow | undefined> =>
  (
    await db.query<OrgRow>(
      UUID_RE.test(idOrSlug)
        ? 'SELECT id, slug, name FROM organisation WHERE id = $1'
        : 'SELECT id, slug, name FROM organisation WHERE slug = $1',
      [idOrSlug],
    )
  )[0];

export interface SupplierRow {
  id: string;
  name: string;
  country: string;
  operator: string;
  key_thumbprint: string | null;
}

/** The supplier row, created when new, locked for this transaction (versions are numbered under it). */
export async function lockSupplier(
  tx: Queryable,
  s: { orgId: string; identity: string; name: string; country: string; operator: string },
): Promise<SupplierRow> {
  await tx.query(
    `INSERT INTO cbam_supplier (org_id, identity, name, country, operator) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (org_id, identity) DO NOTHING`,
    [s.orgId, s.identity, s.name, s.country, s.operator],
  );
  return (
    await tx.query<SupplierRow>(
      `SELECT id, name, country, operator, key_thumbprint FROM cbam_supplier
       WHERE org_id = $1 AND identity = $2 FOR UPDATE`,
      [s.orgId, s.identity],
    )
  )[0]!;
}

export const pinKey = (tx: Queryable, supplierId: string, thumbprint: string) =>
  tx.query('UPDATE cbam_supplier SET key_thumbprint = $2 WHERE id = $1', [supplierId, thumbprint]);

export const nextVersion = async (tx: Queryable, supplierId: string): Promise<number> =>
  (
    await tx.query<{ v: number }>(
      'SELECT COALESCE(MAX(version), 0) + 1 AS v FROM cbam_supplier_file WHERE supplier_id = $1',
      [supplierId],
    )
  )[0]!.v;

export async function insertFile(
  tx: Queryable,
  f: {
    orgId: string;
    supplierId: string;
    version: number;
    filename: string;
    format: 'json' | 'xlsx';
    signed: boolean;
    keyThumbprint: string | null;
    fileId: string | null;
    period: { start: string; end: string };
    goods: SupplierGood[];
    warnings: string[];
    file: unknown;
    actor: string;
  },
): Promise<string> {
  return (
    await tx.query<{ id: string }>(
      `INSERT INTO cbam_supplier_file (org_id, supplier_id, version, filename, format, signed, key_thumbprint,
         file_id, period_start, period_end, goods, warnings, file, imported_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb, $13::jsonb, $14) RETURNING id`,
      [
        f.orgId,
        f.supplierId,
        f.version,
        f.filename,
        f.format,
        f.signed,
        f.keyThumbprint,
        f.fileId,
        f.period.start,
        f.period.end,
        JSON.stringify(f.goods),
        JSON.stringify(f.warnings),
        JSON.stringify(f.file),
        f.actor,
      ],
    )
  )[0]!.id;
}

interface FileDbRow {
  id: string;
  supplier_id: string;
  name: string;
  country: string;
  operator: string;
  version: number;
  filename: string;
  format: 'json' | 'xlsx';
  signed: boolean;
  key_thumbprint: string | null;
  period_start: string;
  period_end: string;
  goods: SupplierGood[] | string;
  warnings: string[] | string;
  imported_at: Date | string;
  latest: boolean;
  file?: unknown;
}

export interface SupplierFileRow {
  id: string;
  supplier: string;
  installation: string;
  country: string;
  operator: string;
  version: number;
  filename: string;
  format: 'json' | 'xlsx';
  importedAt: string;
  signed: boolean;
  keyThumbprint: string | null;
  latest: boolean;
  reportingPeriod: { start: string; end: string };
  warnings: string[];
  goods: SupplierGood[];
}

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
const fileRow = (r: FileDbRow): SupplierFileRow => ({
  id: r.id,
  supplier: r.supplier_id,
  installation: r.name,
  country: r.country,
  operator: r.operator,
  version: r.version,
  filename: r.filename,
  format: r.format,
  importedAt: iso(r.imported_at),
  signed: r.signed,
  keyThumbprint: r.key_thumbprint,
  latest: r.latest,
  reportingPeriod: { start: r.period_start, end: r.period_end },
  warnings: json(r.warnings),
  goods: json(r.goods),
});

const FILE_SELECT = `SELECT f.id, f.supplier_id, s.name, s.country, s.operator, f.version, f.filename, f.format,
    f.signed, f.key_thumbprint, to_char(f.period_start, 'YYYY-MM-DD') AS period_start,
    to_char(f.period_end, 'YYYY-MM-DD') AS period_end, f.goods, f.warnings, f.imported_at,
    f.version = (SELECT MAX(x.version) FROM cbam_supplier_file x WHERE x.supplier_id = f.supplier_id) AS latest`;

export const listFiles = async (db: Queryable, orgId: string, limit = 1000): Promise<SupplierFileRow[]> =>
  (
    await db.query<FileDbRow>(
      `${FILE_SELECT} FROM cbam_supplier_file f JOIN cbam_supplier s ON s.id = f.supplier_id
       WHERE f.org_id = $1 ORDER BY f.imported_at DESC, f.version DESC LIMIT $2`,
      [orgId, limit],
    )
  ).map(fileRow);

/** The latest version of every supplier of the organisation: what shipments link to. */
export const latestFiles = async (db: Queryable, orgId: string): Promise<SupplierFileRow[]> =>
  (
    await db.query<FileDbRow>(
      `${FILE_SELECT} FROM cbam_supplier_file f JOIN cbam_supplier s ON s.id = f.supplier_id
       WHERE f.org_id = $1 AND f.version = (SELECT MAX(x.version) FROM cbam_supplier_file x WHERE x.supplier_id = f.supplier_id)`,
      [orgId],
    )
  ).map(fileRow);

export async function getFile(
  db: Queryable,
  orgId: string,
  id: string,
): Promise<(SupplierFileRow & { file: unknown }) | undefined> {
  if (!UUID_RE.test(id)) return undefined;
  const r = (
    await db.query<FileDbRow>(
      `${FILE_SELECT}, f.file FROM cbam_supplier_file f JOIN cbam_supplier s ON s.id = f.supplier_id
       WHERE f.org_id = $1 AND f.id = $2`,
      [orgId, id],
    )
  )[0];
  return r ? { ...fileRow(r), file: json(r.file) } : undefined;
}

export const existingReferences = async (tx: Queryable, orgId: string, refs: string[]): Promise<string[]> =>
  (
    await tx.query<{ reference: string }>(
      'SELECT reference FROM cbam_shipment WHERE org_id = $1 AND reference = ANY($2::text[])',
      [orgId, refs],
    )
  ).map((r) => r.reference);

const BATCH = 2000;
export async function insertShipments(
  tx: Queryable,
  orgId: string,
  rows: readonly ShipmentRow[],
  actor: string,
): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    const b = rows.slice(i, i + BATCH);
    await tx.query(
      `INSERT INTO cbam_shipment (org_id, reference, import_date, cn, country, sector, net_mass, installation, imported_by)
       SELECT $1, u.r, u.d, u.c, u.o, u.s, u.m, u.i, $2
       FROM unnest($3::text[], $4::date[], $5::text[], $6::text[], $7::text[], $8::numeric[], $9::text[])
         AS u(r, d, c, o, s, m, i)`,
      [
        orgId,
        actor,
        b.map((s) => s.reference),
        b.map((s) => s.importDate),
        b.map((s) => s.cn),
        b.map((s) => s.countryOfOrigin),
        b.map((s) => s.sector),
        b.map((s) => s.netMass),
        b.map((s) => s.installation),
      ],
    );
  }
}

export const shipmentsOf = async (
  db: Queryable,
  orgId: string,
  from: string,
  to: string,
): Promise<ShipmentRow[]> =>
  (
    await db.query<{
      reference: string;
      import_date: string;
      cn: string;
      country: string;
      sector: ShipmentRow['sector'];
      net_mass: string;
      installation: string | null;
    }>(
      `SELECT reference, to_char(import_date, 'YYYY-MM-DD') AS import_date, cn, country, sector,
              net_mass::text AS net_mass, installation
       FROM cbam_shipment WHERE org_id = $1 AND import_date BETWEEN $2::date AND $3::date
       ORDER BY import_date, reference`,
      [orgId, from, to],
    )
  ).map((r) => ({
    reference: r.reference,
    importDate: r.import_date,
    cn: r.cn,
    countryOfOrigin: r.country,
    sector: r.sector,
    netMass: r.net_mass,
    installation: r.installation,
  }));
