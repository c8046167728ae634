import type { Migration } from '../../../db/index.js';

/**
 * The importer's data: its suppliers (an installation, pinned to the key of its first signed
 * file), every imported version of their communication files, and its shipments. Figures are
 * numeric; the goods of a file are kept as the file states them (decimal strings in jsonb).
 */
export const importerMigrations: Migration[] = [
  {
    id: 'cbam/importer/0001_suppliers_files_shipments',
    sql: `
CREATE TABLE cbam_supplier (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  -- lower(trim(name)) | country | lower(trim(operator)): who the supplier is.
  identity text NOT NULL,
  name text NOT NULL,
  country text NOT NULL,
  operator text NOT NULL,
  key_thumbprint text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, identity)
);
CREATE TABLE cbam_supplier_file (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  supplier_id uuid NOT NULL REFERENCES cbam_supplier(id) ON DELETE CASCADE,
  version integer NOT NULL CHECK (version > 0),
  filename text NOT NULL,
  format text NOT NULL CHECK (format IN ('json','xlsx')),
  signed boolean NOT NULL,
  key_thumbprint text,
  file_id text,
  period_start date NOT NULL,
  period_end date NOT NULL,
  goods jsonb NOT NULL,
  warnings jsonb NOT NULL,
  file jsonb NOT NULL,
  imported_by text NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (supplier_id, version)
);
CREATE INDEX cbam_supplier_file_org ON cbam_supplier_file (org_id, imported_at);
CREATE TABLE cbam_shipment (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  reference text NOT NULL,
  import_date date NOT NULL,
  cn text NOT NULL CHECK (cn ~ '^[0-9]{8}$'),
  country text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  sector text NOT NULL,
  -- tonnes, or MWh for electricity
  net_mass numeric NOT NULL CHECK (net_mass > 0),
  installation text,
  imported_by text NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, reference)
);
CREATE INDEX cbam_shipment_org_date ON cbam_shipment (org_id, import_date);
`,
  },
];
