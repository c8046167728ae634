import type { Migration } from '../../../db/index.js';

/**
 * Article 6: cooperative approaches, letters of authorisation, the markings that made units ITMOs,
 * and the host's reports of corresponding adjustments.
 *
 * The units themselves stay in the core tables (registry_block.authorization_id and
 * first_transferred; registry_corresponding_adjustment, one row per first-transferred range with a
 * GiST exclusion so a serial is adjusted at most once). Every row here keeps the ledger entry that
 * recorded it (index and leaf hash), checked by `ledger verify`.
 */
export const article6Migrations: Migration[] = [
  {
    id: 'registry/0301_article6',
    sql: `
CREATE TABLE registry_a6_approach (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE CHECK (code ~ '^CA[0-9]{4}$'),
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  parties text[] NOT NULL CHECK (cardinality(parties) >= 2),
  org_id uuid NOT NULL REFERENCES organisation(id),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  ledger_index bigint NOT NULL,
  leaf_hash bytea NOT NULL
);

CREATE TABLE registry_a6_authorization (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE,
  approach_id uuid NOT NULL REFERENCES registry_a6_approach(id),
  host_party text NOT NULL CHECK (host_party ~ '^[A-Z]{2}$'),
  acquiring_party text CHECK (acquiring_party ~ '^[A-Z]{2}$'),
  uses text[] NOT NULL CHECK (uses <@ ARRAY['ndc', 'oimp'] AND cardinality(uses) >= 1),
  oimp_purpose text,
  first_transfer_oimp text CHECK (first_transfer_oimp IN ('authorization', 'issuance', 'use-or-cancellation')),
  metric text NOT NULL DEFAULT 'GHG',
  sector text NOT NULL,
  activity_type text NOT NULL,
  mitigation_type text NOT NULL,
  authorized_quantity bigint CHECK (authorized_quantity > 0),
  valid_from date NOT NULL,
  valid_until date NOT NULL CHECK (valid_until >= valid_from),
  vintage_from integer,
  vintage_to integer,
  project_ids uuid[] NOT NULL,
  issuance_ids uuid[] NOT NULL DEFAULT '{}',
  document_name text NOT NULL,
  document_sha256 text NOT NULL CHECK (document_sha256 ~ '^[0-9a-f]{64}$'),
  terms text NOT NULL DEFAULT '',
  version integer NOT NULL DEFAULT 1,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  org_id uuid NOT NULL REFERENCES organisation(id),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  ledger_index bigint NOT NULL,
  leaf_hash bytea NOT NULL,
  revoked_at timestamptz,
  revoked_by text,
  revoke_reason text,
  revoke_ledger_index bigint,
  revoke_leaf_hash bytea
);
CREATE INDEX registry_a6_authorization_host ON registry_a6_authorization (host_party);

-- Serial ranges marked as ITMOs under a letter: the unit engine's 'authorization' transaction.
CREATE TABLE registry_a6_marking (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  authorization_id uuid NOT NULL REFERENCES registry_a6_authorization(id),
  transaction_id uuid NOT NULL UNIQUE REFERENCES registry_transaction(id),
  quantity bigint NOT NULL CHECK (quantity > 0),
  -- The first transfer happened at this marking (OIMP letters whose first transfer is authorisation or issuance).
  first_transfer boolean NOT NULL DEFAULT false,
  first_transfer_ledger_index bigint,
  first_transfer_leaf_hash bytea,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  ledger_index bigint NOT NULL,
  leaf_hash bytea NOT NULL
);
CREATE INDEX registry_a6_marking_authorization ON registry_a6_marking (authorization_id);

-- The host reports corresponding adjustments applied (in its biennial transparency report).
CREATE TABLE registry_a6_adjustment_report (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  host_party text NOT NULL,
  year integer NOT NULL,
  reference text NOT NULL,
  quantity bigint NOT NULL CHECK (quantity > 0),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  ledger_index bigint NOT NULL,
  leaf_hash bytea NOT NULL
);
CREATE TABLE registry_a6_adjustment_applied (
  adjustment_id uuid PRIMARY KEY REFERENCES registry_corresponding_adjustment(id),
  report_id uuid NOT NULL REFERENCES registry_a6_adjustment_report(id)
);
`,
  },
];
