import type { Migration } from '../../../db/index.js';

/**
 * The registry's core: accounts, projects, issuances, the unit blocks that hold every serial,
 * and the transactions that moved them. Every serial of this registry is numbered once, in one
 * registry-wide sequence, so "serial ranges never overlap" is a database constraint (a GiST
 * exclusion on the block ranges), not only a rule in code. Units imported from another registry
 * get local serials too and keep their original serial in `origin_serial`.
 *
 * Owned by units/; other parts of the registry add their own tables in their own migrations.
 */
export const unitMigrations: Migration[] = [
  {
    id: 'registry/0001_core',
    sql: `
CREATE TABLE registry_account (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number text NOT NULL UNIQUE,
  org_id uuid NOT NULL REFERENCES organisation(id),
  kind text NOT NULL CHECK (kind IN ('holding', 'retirement', 'cancellation', 'buffer')),
  national boolean NOT NULL DEFAULT false,
  name text NOT NULL,
  closed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registry_account_org ON registry_account (org_id);

CREATE TABLE registry_project (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE,
  org_id uuid NOT NULL REFERENCES organisation(id),
  name text NOT NULL,
  methodology text NOT NULL,
  host_country text NOT NULL CHECK (host_country ~ '^[A-Z]{2}$'),
  sector text NOT NULL,
  description text NOT NULL DEFAULT '',
  latitude numeric CHECK (latitude BETWEEN -90 AND 90),
  longitude numeric CHECK (longitude BETWEEN -180 AND 180),
  status text NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'submitted', 'validated', 'registered', 'rejected', 'withdrawn')),
  labels text[] NOT NULL DEFAULT '{}',
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registry_project_org ON registry_project (org_id);

CREATE TABLE registry_crediting_period (
  project_id uuid NOT NULL REFERENCES registry_project(id) ON DELETE CASCADE,
  starts date NOT NULL,
  ends date NOT NULL CHECK (ends >= starts),
  PRIMARY KEY (project_id, starts)
);

-- The next free serial number of this registry.
CREATE TABLE registry_serial_counter (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  next bigint NOT NULL CHECK (next >= 1)
);
INSERT INTO registry_serial_counter (next) VALUES (1);

CREATE TABLE registry_issuance (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id uuid NOT NULL REFERENCES registry_project(id),
  vintage integer NOT NULL CHECK (vintage BETWEEN 1990 AND 2100),
  unit_type text NOT NULL CHECK (unit_type ~ '^[A-Z0-9]{2,12}$'),
  quantity bigint NOT NULL CHECK (quantity > 0),
  serial_start bigint NOT NULL,
  serial_end bigint NOT NULL,
  CHECK (serial_end - serial_start + 1 = quantity),
  -- A mirror issuance of units exported by another registry: its code and the original serial.
  origin_registry text,
  origin_serial text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE registry_block (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  issuance_id uuid NOT NULL REFERENCES registry_issuance(id),
  serial_start bigint NOT NULL,
  serial_end bigint NOT NULL CHECK (serial_end >= serial_start),
  account_id uuid NOT NULL REFERENCES registry_account(id),
  state text NOT NULL CHECK (state IN
    ('held', 'retired', 'cancelled', 'buffer', 'pending_export', 'exported', 'expired')),
  -- Article 6: the letter of authorisation that makes these units ITMOs, and whether their
  -- first transfer (which triggers the host's corresponding adjustment) has happened.
  authorization_id uuid,
  first_transferred boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  EXCLUDE USING gist (int8range(serial_start, serial_end, '[]') WITH &&)
);
CREATE INDEX registry_block_account ON registry_block (account_id, state);
CREATE INDEX registry_block_issuance ON registry_block (issuance_id);

CREATE TABLE registry_transaction (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL,
  from_account uuid REFERENCES registry_account(id),
  to_account uuid REFERENCES registry_account(id),
  quantity bigint NOT NULL CHECK (quantity > 0),
  org_id uuid REFERENCES organisation(id),
  actor text NOT NULL,
  details json NOT NULL DEFAULT '{}',
  idempotency_key text,
  request_sha256 text,
  ledger_index bigint,
  leaf_hash bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, idempotency_key)
);
CREATE INDEX registry_transaction_from ON registry_transaction (from_account, created_at);
CREATE INDEX registry_transaction_to ON registry_transaction (to_account, created_at);

-- The serial ranges a transaction moved: the history of any serial is the transactions whose ranges hold it.
CREATE TABLE registry_transaction_range (
  transaction_id uuid NOT NULL REFERENCES registry_transaction(id),
  issuance_id uuid NOT NULL REFERENCES registry_issuance(id),
  serial_start bigint NOT NULL,
  serial_end bigint NOT NULL CHECK (serial_end >= serial_start),
  PRIMARY KEY (transaction_id, serial_start)
);
CREATE INDEX registry_transaction_range_serial ON registry_transaction_range
  USING gist (int8range(serial_start, serial_end, '[]'));

-- Article 6: the host's corresponding adjustment, once per first-transferred unit (enforced by the exclusion).
CREATE TABLE registry_corresponding_adjustment (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  transaction_id uuid NOT NULL REFERENCES registry_transaction(id),
  authorization_id uuid NOT NULL,
  host_country text NOT NULL,
  serial_start bigint NOT NULL,
  serial_end bigint NOT NULL CHECK (serial_end >= serial_start),
  created_at timestamptz NOT NULL DEFAULT now(),
  EXCLUDE USING gist (int8range(serial_start, serial_end, '[]') WITH &&)
);
`,
  },
];
