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
  {
    id: 'registry/0002_units',
    sql: `
-- Account numbers: <registry>-<kind code>-<this sequence, six digits>.
CREATE SEQUENCE registry_account_seq;
CREATE INDEX registry_account_org_kind ON registry_account (org_id, kind, national, created_at);
-- The lowest serials of an issuance in an account and state: moves by quantity.
CREATE INDEX registry_block_holding ON registry_block (issuance_id, account_id, state, serial_start);
CREATE INDEX registry_transaction_created ON registry_transaction (created_at, id);
CREATE INDEX registry_corresponding_adjustment_tx ON registry_corresponding_adjustment (transaction_id);
`,
  },
  {
    id: 'registry/0003_commit',
    // Statements inside the function bodies end in "; --": migrations are split at ";" line ends.
    sql: `
-- The ledger append of LedgerService.appendMany (RFC 9162), in SQL: the entry (its canonical text
-- and leaf hash made in TypeScript by the ledger's own library), the perfect-subtree nodes it
-- completes, the head. Called with the unit changes already written, so that the head row's lock
-- is held for as short a time as can be.
CREATE FUNCTION registry_ledger_append(
  l_type text, l_subject text, l_entry text, l_leaf bytea, l_org uuid, l_public boolean, l_time timestamptz
) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  v_idx bigint; --
  v_lvl integer := 1; --
  v_j bigint; --
  v_h bytea := l_leaf; --
  v_left bytea; --
BEGIN
  SELECT size INTO v_idx FROM ledger_head WHERE one FOR UPDATE; --
  INSERT INTO ledger_entry (idx, type, subject, entry, leaf_hash, org_id, public, created_at)
  VALUES (v_idx, l_type, l_subject, l_entry, l_leaf, l_org, l_public, l_time); --
  WHILE (v_idx + 1) % (1::bigint << v_lvl) = 0 LOOP
    v_j := (v_idx + 1) / (1::bigint << v_lvl) - 1; --
    IF v_lvl = 1 THEN
      SELECT e.leaf_hash INTO v_left FROM ledger_entry e WHERE e.idx = 2 * v_j; --
    ELSE
      SELECT n.hash INTO v_left FROM ledger_node n WHERE n.level = v_lvl - 1 AND n.idx = 2 * v_j; --
    END IF; --
    IF v_left IS NULL THEN
      RAISE EXCEPTION 'the ledger lacks node (%, %); run ledger verify', v_lvl - 1, 2 * v_j; --
    END IF; --
    v_h := sha256('\\x01'::bytea || v_left || v_h); --
    INSERT INTO ledger_node (level, idx, hash) VALUES (v_lvl, v_j, v_h); --
    v_left := NULL; --
    v_lvl := v_lvl + 1; --
  END LOOP; --
  UPDATE ledger_head SET size = v_idx + 1 WHERE one; --
  RETURN v_idx; --
END
$fn$;

-- Entries to append when the transaction commits (the registry's own operations, whose answer is
-- made after the commit): the head row is then locked only for the commit itself.
CREATE TABLE registry_ledger_pending (
  transaction_id uuid PRIMARY KEY REFERENCES registry_transaction(id),
  type text NOT NULL,
  subject text NOT NULL,
  entry text NOT NULL,
  leaf_hash bytea NOT NULL,
  org_id uuid,
  public boolean NOT NULL,
  time timestamptz NOT NULL
);

CREATE FUNCTION registry_ledger_flush() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  v_idx bigint; --
BEGIN
  v_idx := registry_ledger_append(NEW.type, NEW.subject, NEW.entry, NEW.leaf_hash, NEW.org_id, NEW.public, NEW.time); --
  UPDATE registry_transaction SET ledger_index = v_idx, leaf_hash = NEW.leaf_hash WHERE id = NEW.transaction_id; --
  DELETE FROM registry_ledger_pending WHERE transaction_id = NEW.transaction_id; --
  RETURN NULL; --
END
$fn$;

CREATE CONSTRAINT TRIGGER registry_ledger_pending_flush AFTER INSERT ON registry_ledger_pending
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION registry_ledger_flush();

-- Writes a planned unit operation in one round trip: the blocks, the transaction with its ranges
-- and corresponding adjustments, and its ledger entry: appended now (l_defer false; the index is
-- returned) or when the transaction commits (l_defer true; NULL is returned).
CREATE FUNCTION registry_commit(
  u_id uuid[], u_s bigint[], u_e bigint[], u_a uuid[], u_st text[], u_au uuid[], u_ft boolean[],
  i_id uuid[], i_s bigint[], i_e bigint[], i_a uuid[], i_st text[], i_au uuid[], i_ft boolean[], i_iss uuid[],
  t_id uuid, t_kind text, t_from uuid, t_to uuid, t_qty bigint, t_org uuid, t_actor text, t_details json,
  t_key text, t_sha text,
  r_iss uuid[], r_s bigint[], r_e bigint[],
  c_auth uuid[], c_host text[], c_s bigint[], c_e bigint[],
  l_type text, l_subject text, l_entry text, l_leaf bytea, l_org uuid, l_public boolean, l_time timestamptz,
  l_defer boolean
) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  v_idx bigint; --
BEGIN
  IF cardinality(u_id) > 0 THEN
    UPDATE registry_block b SET serial_start = u.s, serial_end = u.e, account_id = u.a, state = u.st,
      authorization_id = u.au, first_transferred = u.ft, updated_at = now()
    FROM unnest(u_id, u_s, u_e, u_a, u_st, u_au, u_ft) AS u(id, s, e, a, st, au, ft)
    WHERE b.id = u.id; --
  END IF; --
  IF cardinality(i_id) > 0 THEN
    INSERT INTO registry_block (id, serial_start, serial_end, account_id, state, authorization_id, first_transferred, issuance_id)
    SELECT * FROM unnest(i_id, i_s, i_e, i_a, i_st, i_au, i_ft, i_iss); --
  END IF; --
  INSERT INTO registry_transaction (id, kind, from_account, to_account, quantity, org_id, actor, details,
    idempotency_key, request_sha256)
  VALUES (t_id, t_kind, t_from, t_to, t_qty, t_org, t_actor, t_details, t_key, t_sha); --
  INSERT INTO registry_transaction_range (transaction_id, issuance_id, serial_start, serial_end)
  SELECT t_id, u.i, u.s, u.e FROM unnest(r_iss, r_s, r_e) AS u(i, s, e); --
  IF cardinality(c_auth) > 0 THEN
    INSERT INTO registry_corresponding_adjustment (transaction_id, authorization_id, host_country, serial_start, serial_end)
    SELECT t_id, u.a, u.h, u.s, u.e FROM unnest(c_auth, c_host, c_s, c_e) AS u(a, h, s, e); --
  END IF; --
  IF l_defer THEN
    INSERT INTO registry_ledger_pending (transaction_id, type, subject, entry, leaf_hash, org_id, public, time)
    VALUES (t_id, l_type, l_subject, l_entry, l_leaf, l_org, l_public, l_time); --
    RETURN NULL; --
  END IF; --
  v_idx := registry_ledger_append(l_type, l_subject, l_entry, l_leaf, l_org, l_public, l_time); --
  UPDATE registry_transaction SET ledger_index = v_idx, leaf_hash = l_leaf WHERE id = t_id; --
  RETURN v_idx; --
END
$fn$;
`,
  },
  {
    id: 'registry/0004_move_unlocked',
    // Statements inside the function bodies end in "; --": migrations are split at ";" line ends.
    sql: `
-- A transfer by quantity in two statements, each its own transaction (two round trips instead of
-- six): this read, without locks, of both accounts and of the lowest blocks of the issuance in
-- the source account that hold the quantity, then registry_move_commit.
CREATE FUNCTION registry_move_read(p_from text, p_to text, p_issuance uuid, p_state text, p_qty bigint)
RETURNS TABLE (
  r_block boolean, r_id uuid, r_number text, r_org_id uuid, r_kind text, r_national boolean, r_name text,
  r_closed_at timestamptz, r_issuance_id uuid, r_serial_start bigint, r_serial_end bigint, r_account_id uuid,
  r_state text, r_authorization_id uuid, r_first_transferred boolean
) LANGUAGE plpgsql STABLE AS $fn$
BEGIN
  RETURN QUERY
  SELECT false, a.id, a.number, a.org_id, a.kind, a.national, a.name, a.closed_at,
    NULL::uuid, NULL::bigint, NULL::bigint, NULL::uuid, NULL::text, NULL::uuid, NULL::boolean
  FROM registry_account a WHERE a.number IN (p_from, p_to); --
  RETURN QUERY
  SELECT true, s.id, NULL::text, NULL::uuid, NULL::text, NULL::boolean, NULL::text, NULL::timestamptz,
    s.issuance_id, s.serial_start, s.serial_end, s.account_id, s.state, s.authorization_id, s.first_transferred
  FROM (
    SELECT b.id, b.issuance_id, b.serial_start, b.serial_end, b.account_id, b.state, b.authorization_id, b.first_transferred,
      sum(b.serial_end - b.serial_start + 1) OVER (ORDER BY b.serial_start) - (b.serial_end - b.serial_start + 1) AS before
    FROM registry_block b
    WHERE b.issuance_id = p_issuance AND b.state = p_state
      AND b.account_id = (SELECT a.id FROM registry_account a WHERE a.number = p_from)) s
  WHERE s.before < p_qty ORDER BY s.serial_start; --
END
$fn$;

-- Writes a move planned from blocks read without locks: locks those blocks (x_*: as they were
-- read, in serial order) and, when every one is still as read, writes as registry_commit does
-- with the ledger entry appended now; as the statement is its own transaction, the head row is
-- then locked only until it commits. NULL, with nothing written, when a block changed meanwhile.
CREATE FUNCTION registry_move_commit(
  x_id uuid[], x_s bigint[], x_e bigint[], x_a uuid[], x_st text[], x_au uuid[], x_ft boolean[],
  u_id uuid[], u_s bigint[], u_e bigint[], u_a uuid[], u_st text[], u_au uuid[], u_ft boolean[],
  i_id uuid[], i_s bigint[], i_e bigint[], i_a uuid[], i_st text[], i_au uuid[], i_ft boolean[], i_iss uuid[],
  t_id uuid, t_kind text, t_from uuid, t_to uuid, t_qty bigint, t_org uuid, t_actor text, t_details json,
  t_key text, t_sha text,
  r_iss uuid[], r_s bigint[], r_e bigint[],
  c_auth uuid[], c_host text[], c_s bigint[], c_e bigint[],
  l_type text, l_subject text, l_entry text, l_leaf bytea, l_org uuid, l_public boolean, l_time timestamptz
) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  v_n bigint; --
BEGIN
  -- Only the id is a key here, so that the blocks are found by the primary key.
  PERFORM 1 FROM registry_block b
    JOIN unnest(x_id, x_s, x_e, x_a, x_st, x_au, x_ft) AS x(id, s, e, a, st, au, ft) ON b.id = x.id
  WHERE (b.serial_start, b.serial_end, b.account_id, b.state, b.authorization_id, b.first_transferred)
    IS NOT DISTINCT FROM (x.s, x.e, x.a, x.st, x.au, x.ft)
  ORDER BY b.serial_start FOR UPDATE OF b; --
  GET DIAGNOSTICS v_n = ROW_COUNT; --
  IF v_n <> cardinality(x_id) THEN
    RETURN NULL; --
  END IF; --
  RETURN registry_commit(u_id, u_s, u_e, u_a, u_st, u_au, u_ft, i_id, i_s, i_e, i_a, i_st, i_au, i_ft, i_iss,
    t_id, t_kind, t_from, t_to, t_qty, t_org, t_actor, t_details, t_key, t_sha, r_iss, r_s, r_e,
    c_auth, c_host, c_s, c_e, l_type, l_subject, l_entry, l_leaf, l_org, l_public, l_time, false); --
END
$fn$;

-- Plans of the statements in these bodies (and of the foreign-key checks they fire) are kept per
-- session. Left to choose, PL/pgSQL planned the statements that unnest arrays again on every call
-- (a plan sized for the arrays at hand always looks cheaper than the generic one): a fifth of the
-- database's time for a transfer. Kept plans must not scan whole tables: a plan made while a table
-- was a page or two (a new registry) would scan it whole for as long as the session lasts, and
-- every statement here finds its rows by an index.
ALTER FUNCTION registry_move_read SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION registry_move_read SET enable_seqscan = off;
ALTER FUNCTION registry_move_commit SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION registry_move_commit SET enable_seqscan = off;
ALTER FUNCTION registry_commit SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION registry_commit SET enable_seqscan = off;
ALTER FUNCTION registry_ledger_append SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION registry_ledger_append SET enable_seqscan = off;
ALTER FUNCTION registry_ledger_flush SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION registry_ledger_flush SET enable_seqscan = off;
`,
  },
];
