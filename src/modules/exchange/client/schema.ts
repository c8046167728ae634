import type { Migration } from '../../../db/index.js';

/**
 * Connections to suppliers' PACT hosts (owned by the organisation that made them; the client
 * secret only encrypted), the footprints pulled through them (the raw document as received, and
 * the fields the client validated and uses), the links from product-model materials to a pulled
 * footprint, and the footprint requests sent.
 */
export const pactClientMigrations: Migration[] = [
  {
    id: 'exchange/0201_pact_client',
    sql: `
CREATE TABLE pact_connection (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  name text NOT NULL,
  base_url text NOT NULL,
  spec_major integer NOT NULL DEFAULT 3 CHECK (spec_major IN (2, 3)),
  client_id text NOT NULL,
  secret_enc text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'ok', 'failing')),
  failing_since timestamptz,
  last_error text,
  last_attempt_at timestamptz,
  last_pulled_at timestamptz,
  UNIQUE (org_id, name)
);
CREATE TABLE pact_pulled_footprint (
  connection_id uuid NOT NULL REFERENCES pact_connection(id) ON DELETE CASCADE,
  pf_id uuid NOT NULL,
  spec_version text NOT NULL,
  version integer,
  preceding_pf_ids json NOT NULL DEFAULT '[]',
  status text NOT NULL,
  product_ids json NOT NULL,
  product_name text NOT NULL,
  company_name text NOT NULL,
  pcf_excluding_biogenic numeric NOT NULL,
  declared_amount numeric NOT NULL,
  declared_unit text NOT NULL,
  supplier_footprint json NOT NULL,
  raw json NOT NULL,
  created timestamptz NOT NULL,
  pulled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connection_id, pf_id)
);
CREATE TABLE pact_link (
  product_id uuid NOT NULL REFERENCES footprint_product(id) ON DELETE CASCADE,
  material_index integer NOT NULL CHECK (material_index >= 0),
  connection_id uuid NOT NULL REFERENCES pact_connection(id) ON DELETE CASCADE,
  pf_id uuid NOT NULL,
  version integer,
  linked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (product_id, material_index)
);
CREATE TABLE pact_client_request (
  id uuid PRIMARY KEY,
  connection_id uuid NOT NULL REFERENCES pact_connection(id) ON DELETE CASCADE,
  product_ids json NOT NULL,
  comment text,
  status text NOT NULL CHECK (status IN ('sent', 'failed', 'fulfilled', 'rejected')),
  error text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pact_client_request_connection ON pact_client_request (connection_id, created_at DESC);
`,
  },
];
