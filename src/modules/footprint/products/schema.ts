import type { Migration } from '../../../db/index.js';

/**
 * Product models (the current model, edited in place, with a version counter) and the footprints
 * recorded from them. A footprint keeps everything needed to recompute and explain it: the model
 * as it was, the factors as they were, the result, the SHA-256 of the result's canonical JSON,
 * and the ledger entry that anchors it (index and leaf hash, checked by `ledger verify`).
 * Documents are `json`, not `jsonb`: they come back as they were written (key order kept), so the
 * JSON export reads as calculated; nothing queries inside them.
 */
export const productMigrations: Migration[] = [
  {
    id: 'footprint/0101_products_footprints',
    sql: `
CREATE TABLE footprint_product (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  name text NOT NULL,
  model json NOT NULL,
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX footprint_product_org ON footprint_product (org_id, name);
CREATE TABLE product_footprint (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  product_id uuid NOT NULL REFERENCES footprint_product(id) ON DELETE CASCADE,
  product_version integer NOT NULL,
  org_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  model json NOT NULL,
  factors json NOT NULL,
  result json NOT NULL,
  total numeric NOT NULL,
  result_sha256 text NOT NULL CHECK (result_sha256 ~ '^[0-9a-f]{64}$'),
  ledger_index bigint NOT NULL,
  ledger_leaf bytea NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_footprint_product ON product_footprint (product_id, created_at DESC);
`,
  },
];
