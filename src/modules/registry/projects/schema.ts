import type { Migration } from '../../../db/index.js';

/**
 * Tables of the projects part: who validates a project, its workflow history and documents,
 * monitoring reports, issuance requests, quality controls, compliance obligations and
 * double-issuance screening. The project itself and its crediting periods live in the core
 * (units/schema.ts). Every write keeps the ledger entry (index, leaf hash) that records it.
 */
export const projectsMigrations: Migration[] = [
  {
    id: 'registry/0101_projects',
    sql: `
-- The verifier organisation the proponent named to validate the project.
CREATE TABLE registry_project_validator (
  project_id uuid PRIMARY KEY REFERENCES registry_project(id) ON DELETE CASCADE,
  org_id uuid NOT NULL REFERENCES organisation(id)
);

-- Every step of the workflow (created, edited, submitted, validated...), with its ledger entry.
CREATE TABLE registry_project_event (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id uuid NOT NULL REFERENCES registry_project(id) ON DELETE CASCADE,
  action text NOT NULL,
  from_status text,
  to_status text NOT NULL,
  actor text NOT NULL,
  org_id uuid REFERENCES organisation(id),
  reason text,
  ledger_index bigint NOT NULL,
  leaf_hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registry_project_event_project ON registry_project_event (project_id, created_at);

CREATE TABLE registry_project_document (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id uuid NOT NULL REFERENCES registry_project(id) ON DELETE CASCADE,
  kind text NOT NULL,
  filename text NOT NULL,
  content_type text NOT NULL,
  size integer NOT NULL CHECK (size > 0),
  sha256 bytea NOT NULL,
  content bytea NOT NULL,
  uploaded_by text NOT NULL,
  ledger_index bigint NOT NULL,
  leaf_hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registry_project_document_project ON registry_project_document (project_id);

CREATE TABLE registry_monitoring_report (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id uuid NOT NULL REFERENCES registry_project(id),
  period_start date NOT NULL,
  period_end date NOT NULL CHECK (period_end >= period_start),
  claimed bigint NOT NULL CHECK (claimed > 0),
  verifier_org_id uuid NOT NULL REFERENCES organisation(id),
  status text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'verified', 'rejected')),
  verified bigint CHECK (verified > 0 AND verified <= claimed),
  statement text,
  reason text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  decided_by text,
  decided_at timestamptz,
  ledger_index bigint NOT NULL,
  leaf_hash bytea NOT NULL
);
CREATE INDEX registry_monitoring_report_project ON registry_monitoring_report (project_id);

CREATE TABLE registry_issuance_request (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  report_id uuid NOT NULL REFERENCES registry_monitoring_report(id),
  project_id uuid NOT NULL REFERENCES registry_project(id),
  vintage integer NOT NULL CHECK (vintage BETWEEN 1990 AND 2100),
  quantity bigint NOT NULL CHECK (quantity > 0),
  unit_type text NOT NULL CHECK (unit_type ~ '^[A-Z0-9]{2,12}$'),
  buffer_percent numeric(5, 2) NOT NULL DEFAULT 0 CHECK (buffer_percent >= 0 AND buffer_percent < 100),
  to_account_id uuid NOT NULL REFERENCES registry_account(id),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  reason text,
  issuance_id uuid REFERENCES registry_issuance(id),
  buffer_issuance_id uuid REFERENCES registry_issuance(id),
  -- The Idempotency-Key of the approval: a retry with it answers the first approval.
  idempotency_key text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  decided_by text,
  decided_at timestamptz,
  ledger_index bigint NOT NULL,
  leaf_hash bytea NOT NULL
);
CREATE INDEX registry_issuance_request_report ON registry_issuance_request (report_id);

-- Quality controls: every change is a new version; the highest version is in force.
CREATE TABLE registry_quality_control (
  version integer PRIMARY KEY CHECK (version >= 1),
  vintage_cutoff integer CHECK (vintage_cutoff BETWEEN 1990 AND 2100),
  allowed_methodologies text[] NOT NULL DEFAULT '{}',
  labels_for_import text[] NOT NULL DEFAULT '{}',
  labels_for_use text[] NOT NULL DEFAULT '{}',
  note text NOT NULL DEFAULT '',
  set_by text NOT NULL,
  set_at timestamptz NOT NULL DEFAULT now(),
  ledger_index bigint NOT NULL,
  leaf_hash bytea NOT NULL
);

-- A compliance obligation of an organisation, and the share of it offsets may meet.
CREATE TABLE registry_obligation (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organisation(id),
  year integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  obligation_tonnes bigint NOT NULL CHECK (obligation_tonnes > 0),
  max_offset_percent numeric(5, 2) NOT NULL DEFAULT 5 CHECK (max_offset_percent >= 0 AND max_offset_percent <= 100),
  scheme text NOT NULL DEFAULT '',
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  ledger_index bigint NOT NULL,
  leaf_hash bytea NOT NULL,
  UNIQUE (org_id, year, scheme)
);

-- Projects registered elsewhere (a CAD Trust extract, say), for double-issuance screening.
CREATE TABLE registry_external_project (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  registry text NOT NULL,
  external_id text NOT NULL,
  name text NOT NULL,
  country text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  sector text NOT NULL,
  starts date,
  ends date,
  latitude numeric CHECK (latitude BETWEEN -90 AND 90),
  longitude numeric CHECK (longitude BETWEEN -180 AND 180),
  imported_by text NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (registry, external_id)
);

CREATE TABLE registry_screening_flag (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id uuid NOT NULL REFERENCES registry_project(id) ON DELETE CASCADE,
  -- The look-alike: another project of this registry, or one registered elsewhere.
  other_project_id uuid REFERENCES registry_project(id) ON DELETE CASCADE,
  other_external_id uuid REFERENCES registry_external_project(id) ON DELETE CASCADE,
  CHECK ((other_project_id IS NULL) <> (other_external_id IS NULL)),
  reasons text[] NOT NULL,
  name_score numeric(4, 3) NOT NULL,
  distance_km numeric,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed')),
  dismissed_by text,
  dismissed_reason text,
  dismissed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, other_project_id),
  UNIQUE (project_id, other_external_id)
);
`,
  },
];
