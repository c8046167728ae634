import type { Migration } from '../../../db/index.js';

export const factorMigrations: Migration[] = [
  {
    id: 'footprint/0001_factor_library',
    sql: `
-- A release of an emission-factor library: shared public data (owner NULL, loaded from data/factors)
-- or an organisation's own. Once published it never changes: footprints name its factors.
CREATE TABLE factor_release (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9.-]{1,62}$'),
  version text NOT NULL CHECK (version ~ '^[A-Za-z0-9][A-Za-z0-9._+-]{0,39}$'),
  name text NOT NULL,
  owner_org_id uuid REFERENCES organisation(id),
  status text NOT NULL CHECK (status IN ('draft', 'published')),
  source text NOT NULL DEFAULT '',
  licence text NOT NULL DEFAULT '',
  checksum text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
  factor_count integer NOT NULL CHECK (factor_count >= 0),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  ledger_index bigint,
  ledger_leaf bytea,
  UNIQUE (slug, version),
  CHECK ((status = 'published') = (published_at IS NOT NULL))
);
CREATE INDEX factor_release_owner ON factor_release (owner_org_id);

-- The bytes of each shipped file (and its manifest entry) last loaded: an unchanged file is not
-- parsed again at start (parsing all of them costs ~0.1 s on every start).
CREATE TABLE factor_shipped_file (
  file text PRIMARY KEY,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$')
);

CREATE TABLE emission_factor (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  release_id uuid NOT NULL REFERENCES factor_release(id),
  key text NOT NULL,
  name text NOT NULL,
  activity text NOT NULL,
  unit text NOT NULL,
  value numeric NOT NULL,
  region text NOT NULL,
  year smallint NOT NULL CHECK (year BETWEEN 1990 AND 2100),
  gwp_set text CHECK (gwp_set IN ('AR4', 'AR5', 'AR6')),
  fossil numeric,
  biogenic numeric,
  biogenic_removal numeric CHECK (biogenic_removal <= 0),
  luc numeric,
  aircraft numeric,
  co2 numeric,
  ch4 numeric,
  n2o numeric,
  other_ghg numeric,
  source text NOT NULL DEFAULT '',
  licence text NOT NULL DEFAULT '',
  dq_technological smallint CHECK (dq_technological BETWEEN 1 AND 3),
  dq_temporal smallint CHECK (dq_temporal BETWEEN 1 AND 3),
  dq_geographical smallint CHECK (dq_geographical BETWEEN 1 AND 3),
  dq_completeness smallint CHECK (dq_completeness BETWEEN 1 AND 3),
  dq_reliability smallint CHECK (dq_reliability BETWEEN 1 AND 3),
  -- Tags separated by ';' (a tag holds none), so that the search vector below can be generated.
  tags text NOT NULL DEFAULT '',
  search tsvector GENERATED ALWAYS AS (
    to_tsvector('english'::regconfig,
      name || ' ' || translate(activity, '._-', '   ') || ' ' || replace(tags, ';', ' ') || ' ' ||
      translate(key, '._:/+-', '      '))
  ) STORED,
  UNIQUE (release_id, key)
);
CREATE INDEX emission_factor_search ON emission_factor USING gin (search);
CREATE INDEX emission_factor_activity ON emission_factor (activity, region, year);

-- Immutability in the database itself, whatever the code above it does: a published release
-- stays as it is (no update, no unpublishing, no delete), and so do its factors (none added,
-- changed or removed). (The migration runner splits on ";" at a line end: inside the function
-- bodies no line ends with one.)
CREATE FUNCTION factor_release_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'published' THEN
    RAISE EXCEPTION 'factor release %@% is published and cannot be changed', OLD.slug, OLD.version
      USING ERRCODE = 'integrity_constraint_violation'; END IF
  ; RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END
; END $$;
CREATE TRIGGER factor_release_immutable BEFORE UPDATE OR DELETE ON factor_release
  FOR EACH ROW EXECUTE FUNCTION factor_release_immutable();

CREATE FUNCTION emission_factor_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM factor_release WHERE id = NEW.release_id AND status = 'published'))
     OR (TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM factor_release WHERE id = OLD.release_id AND status = 'published')) THEN
    RAISE EXCEPTION 'the factors of a published release cannot be added, changed or deleted'
      USING ERRCODE = 'integrity_constraint_violation'; END IF
  ; RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END
; END $$;
CREATE TRIGGER emission_factor_immutable BEFORE INSERT OR UPDATE OR DELETE ON emission_factor
  FOR EACH ROW EXECUTE FUNCTION emission_factor_immutable();

-- TRUNCATE skips row triggers: refuse it outright on both tables.
CREATE FUNCTION factor_library_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the factor library cannot be truncated' USING ERRCODE = 'integrity_constraint_violation'; END $$;
CREATE TRIGGER factor_release_no_truncate BEFORE TRUNCATE ON factor_release
  FOR EACH STATEMENT EXECUTE FUNCTION factor_library_no_truncate();
CREATE TRIGGER emission_factor_no_truncate BEFORE TRUNCATE ON emission_factor
  FOR EACH STATEMENT EXECUTE FUNCTION factor_library_no_truncate();
`,
  },
];
