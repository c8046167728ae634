import type { Migration } from '../../db/index.js';

export const classificationMigrations: Migration[] = [
  {
    id: 'classification/0001_nomenclature_lists_proposals',
    sql: `
CREATE TABLE hs_section (
  edition text NOT NULL,
  id text NOT NULL,
  name text NOT NULL,
  name_zh text,
  PRIMARY KEY (edition, id)
);
CREATE TABLE hs_code (
  edition text NOT NULL,
  code text NOT NULL CHECK (code ~ '^[0-9]{2,6}$'),
  level smallint NOT NULL CHECK (level IN (2, 4, 6)),
  parent text,
  section text NOT NULL,
  description text NOT NULL,
  name_zh text,
  search tsvector GENERATED ALWAYS AS (to_tsvector('english', description)) STORED,
  PRIMARY KEY (edition, code)
);
CREATE INDEX hs_code_search ON hs_code USING gin (search);
CREATE INDEX hs_code_parent ON hs_code (edition, parent);
CREATE TABLE hs_concordance (
  from_edition text NOT NULL,
  from_code text NOT NULL CHECK (from_code ~ '^[0-9]{2,10}$'),
  to_edition text NOT NULL,
  to_code text NOT NULL CHECK (to_code ~ '^[0-9]{2,10}$'),
  relation text NOT NULL CHECK (relation IN ('1:1', '1:n', 'n:1', 'n:n')),
  source text NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (from_edition, from_code, to_edition, to_code)
);
CREATE INDEX hs_concordance_to ON hs_concordance (to_edition, to_code);
CREATE TABLE reference_dataset (
  name text PRIMARY KEY,
  checksum text NOT NULL,
  loaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE green_list (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name text NOT NULL,
  name_zh text,
  description text NOT NULL DEFAULT '',
  description_zh text,
  owner_org_id uuid NOT NULL REFERENCES organisation(id),
  visibility text NOT NULL CHECK (visibility IN ('public', 'private')),
  hs_edition text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE green_list_version (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  list_id uuid NOT NULL REFERENCES green_list(id) ON DELETE CASCADE,
  number integer NOT NULL CHECK (number > 0),
  hs_edition text NOT NULL,
  effective_from date NOT NULL,
  changelog text NOT NULL,
  created_by text NOT NULL,
  proposal_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (list_id, number)
);
CREATE TABLE green_list_entry (
  version_id uuid NOT NULL REFERENCES green_list_version(id) ON DELETE CASCADE,
  code text NOT NULL CHECK (code ~ '^[0-9]{2,10}$'),
  rule text NOT NULL CHECK (rule IN ('include', 'exclude')),
  coverage text NOT NULL CHECK (coverage IN ('full', 'partial')),
  category text NOT NULL DEFAULT '',
  scope_note text NOT NULL DEFAULT '',
  scope_note_zh text,
  PRIMARY KEY (version_id, code, rule)
);
CREATE TABLE change_proposal (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  list_id uuid NOT NULL REFERENCES green_list(id) ON DELETE CASCADE,
  base_version integer NOT NULL,
  title text NOT NULL,
  reason text NOT NULL,
  effective_from date NOT NULL,
  status text NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected', 'withdrawn')),
  proposed_by uuid,
  proposed_by_name text NOT NULL,
  reviewed_by uuid,
  reviewed_by_name text,
  review_comment text,
  resulting_version integer,
  created_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz
);
CREATE INDEX change_proposal_list ON change_proposal (list_id, status);
CREATE TABLE change_proposal_item (
  proposal_id uuid NOT NULL REFERENCES change_proposal(id) ON DELETE CASCADE,
  seq integer NOT NULL,
  action text NOT NULL CHECK (action IN ('add', 'remove', 'amend')),
  code text NOT NULL CHECK (code ~ '^[0-9]{2,10}$'),
  rule text NOT NULL CHECK (rule IN ('include', 'exclude')),
  coverage text CHECK (coverage IN ('full', 'partial')),
  category text,
  scope_note text,
  reason text NOT NULL,
  PRIMARY KEY (proposal_id, seq)
);
`,
  },
  {
    id: 'classification/0002_list_versions_in_the_ledger',
    sql: `
-- An approved version is recorded in the ledger; the row keeps its entry and leaf hash.
ALTER TABLE green_list_version ADD COLUMN ledger_index bigint, ADD COLUMN ledger_leaf bytea;
`,
  },
];
