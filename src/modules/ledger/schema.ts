import type { Migration } from '../../db/index.js';

export const ledgerMigrations: Migration[] = [
  {
    id: 'ledger/0001_entries_nodes_checkpoints',
    sql: `
-- One row per entry: the canonical JSON text exactly as hashed, and its RFC 9162 leaf hash.
CREATE TABLE ledger_entry (
  idx bigint PRIMARY KEY CHECK (idx >= 0),
  type text NOT NULL,
  subject text NOT NULL,
  entry text NOT NULL,
  leaf_hash bytea NOT NULL CHECK (length(leaf_hash) = 32),
  org_id uuid REFERENCES organisation(id),
  public boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL
);
CREATE INDEX ledger_entry_subject ON ledger_entry (type, subject);
-- The roots of the perfect subtrees (level >= 1; level 0 is the leaf hash): node (level, idx)
-- covers entries [idx * 2^level, (idx + 1) * 2^level). Proofs read O(log n) of them.
CREATE TABLE ledger_node (
  level smallint NOT NULL CHECK (level > 0),
  idx bigint NOT NULL CHECK (idx >= 0),
  hash bytea NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, idx)
);
-- The tree size; its row lock makes appends one at a time.
CREATE TABLE ledger_head (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  size bigint NOT NULL CHECK (size >= 0)
);
INSERT INTO ledger_head (one, size) VALUES (true, 0);
CREATE TABLE ledger_checkpoint (
  id bigserial PRIMARY KEY,
  origin text NOT NULL,
  tree_size bigint NOT NULL,
  root_hash bytea NOT NULL,
  signed_time text NOT NULL,
  signature bytea NOT NULL,
  public_key bytea NOT NULL,
  note text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_checkpoint_size ON ledger_checkpoint (tree_size);
-- Outside documents anchored by their SHA-256.
CREATE TABLE ledger_notarization (
  entry_idx bigint PRIMARY KEY REFERENCES ledger_entry(idx),
  leaf_hash bytea NOT NULL,
  doc_hash bytea NOT NULL CHECK (length(doc_hash) = 32),
  org_id uuid REFERENCES organisation(id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_notarization_doc ON ledger_notarization (doc_hash);
`,
  },
];
