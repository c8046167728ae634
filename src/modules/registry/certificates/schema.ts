import type { Migration } from '../../../db/index.js';

/**
 * Energy-attribute certificates: production devices, the schemes (GEC, I-REC, EnergyTag hourly),
 * issuances, the certificate blocks that hold every certificate number, cancellations for a
 * beneficiary, and the claims that use a cancellation in a footprint (once).
 *
 * Two rules are database constraints, so that no code path can break them:
 * - a device's production periods never overlap between issuances: every issuance keeps
 *   `device_no * 10^10 + epoch seconds` for its start and end, and a GiST exclusion over that
 *   int8range refuses an overlap for the same device (built-in range types only: PGlite has no
 *   btree_gist, and epoch seconds stay under 10^10 until the year 2286);
 * - certificate numbers never overlap between blocks, and a cancelled range is claimed at most
 *   once (GiST exclusions over int8range, like the carbon-unit blocks).
 */
export const certificateMigrations: Migration[] = [
  {
    id: 'registry/0401_certificates',
    sql: `
CREATE TABLE cert_scheme (
  code text PRIMARY KEY,
  name text NOT NULL,
  issuing_body text NOT NULL,
  -- What one certificate stands for, in Wh (1 MWh = 1,000,000 Wh; EnergyTag: 1 Wh).
  wh_per_certificate bigint NOT NULL CHECK (wh_per_certificate > 0),
  unit text NOT NULL,
  -- month: one calendar month (China Standard Time); any: up to max_period_hours; hour: at most one hour.
  period_rule text NOT NULL CHECK (period_rule IN ('month', 'any', 'hour')),
  max_period_hours integer NOT NULL CHECK (max_period_hours > 0),
  -- A certificate not cancelled validity_months after the start or the end of its production period expires.
  validity_months integer NOT NULL CHECK (validity_months > 0),
  validity_from text NOT NULL CHECK (validity_from IN ('period_start', 'period_end'))
);
INSERT INTO cert_scheme VALUES
  ('GEC', 'China Green Electricity Certificate (绿证)', 'National Energy Administration (国家能源局)', 1000000, 'MWh', 'month', 744, 24, 'period_start'),
  ('I-REC', 'I-REC(E) International Renewable Energy Certificate', 'I-TRACK Foundation (local issuer)', 1000000, 'MWh', 'any', 8784, 12, 'period_end'),
  ('EnergyTag', 'EnergyTag granular certificate (hourly)', 'EnergyTag-conformant issuing body', 1, 'Wh', 'hour', 1, 12, 'period_end');

CREATE SEQUENCE cert_device_no;
CREATE TABLE cert_device (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  device_no bigint NOT NULL UNIQUE DEFAULT nextval('cert_device_no') CHECK (device_no < 900000000),
  code text NOT NULL UNIQUE,
  org_id uuid NOT NULL REFERENCES organisation(id),
  name text NOT NULL,
  energy_source text NOT NULL,
  capacity_mw numeric NOT NULL CHECK (capacity_mw > 0),
  country text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  grid_zone text NOT NULL,
  commissioned date NOT NULL,
  latitude numeric CHECK (latitude BETWEEN -90 AND 90),
  longitude numeric CHECK (longitude BETWEEN -180 AND 180),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  decision_reason text,
  decided_by text,
  decided_at timestamptz,
  decision_ledger_index bigint,
  decision_ledger_leaf text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  ledger_index bigint NOT NULL,
  ledger_leaf text NOT NULL
);
CREATE INDEX cert_device_org ON cert_device (org_id);

-- The next free certificate number (all schemes share one sequence of numbers).
CREATE TABLE cert_serial_counter (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  next bigint NOT NULL CHECK (next >= 1)
);
INSERT INTO cert_serial_counter (next) VALUES (1);

CREATE TABLE cert_issuance (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  scheme text NOT NULL REFERENCES cert_scheme(code),
  device_id uuid NOT NULL REFERENCES cert_device(id),
  device_no bigint NOT NULL,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL CHECK (period_end > period_start),
  start_s bigint NOT NULL CHECK (start_s >= 0 AND start_s < 10000000000),
  end_s bigint NOT NULL CHECK (end_s > start_s AND end_s < 10000000000),
  energy_wh bigint NOT NULL CHECK (energy_wh > 0),
  quantity bigint NOT NULL CHECK (quantity > 0),
  serial_start bigint NOT NULL,
  serial_end bigint NOT NULL,
  CHECK (serial_end - serial_start + 1 = quantity),
  -- g CO2e per kWh of the certified production (0 for wind, solar, hydro).
  emission_factor numeric NOT NULL DEFAULT 0 CHECK (emission_factor >= 0),
  expires_at timestamptz NOT NULL,
  org_id uuid NOT NULL REFERENCES organisation(id),
  actor text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  ledger_index bigint NOT NULL,
  ledger_leaf text NOT NULL,
  EXCLUDE USING gist (
    int8range(device_no * 10000000000 + start_s, device_no * 10000000000 + end_s, '[)') WITH &&
  )
);
CREATE INDEX cert_issuance_device ON cert_issuance (device_id, period_start);

CREATE TABLE cert_cancellation (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  issuance_id uuid NOT NULL REFERENCES cert_issuance(id),
  serial_start bigint NOT NULL,
  serial_end bigint NOT NULL CHECK (serial_end >= serial_start),
  energy_wh bigint NOT NULL CHECK (energy_wh > 0),
  holder_org uuid NOT NULL REFERENCES organisation(id),
  beneficiary_org uuid NOT NULL REFERENCES organisation(id),
  beneficiary_name text NOT NULL,
  consumption_start date NOT NULL,
  consumption_end date NOT NULL CHECK (consumption_end >= consumption_start),
  purpose text NOT NULL,
  location text,
  actor text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  ledger_index bigint NOT NULL,
  ledger_leaf text NOT NULL
);
CREATE INDEX cert_cancellation_beneficiary ON cert_cancellation (beneficiary_org, created_at DESC);

CREATE TABLE cert_block (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  issuance_id uuid NOT NULL REFERENCES cert_issuance(id),
  serial_start bigint NOT NULL,
  serial_end bigint NOT NULL CHECK (serial_end >= serial_start),
  holder_org uuid NOT NULL REFERENCES organisation(id),
  state text NOT NULL CHECK (state IN ('active', 'cancelled', 'expired', 'withdrawn')),
  cancellation_id uuid REFERENCES cert_cancellation(id),
  CHECK ((state = 'cancelled') = (cancellation_id IS NOT NULL)),
  updated_at timestamptz NOT NULL DEFAULT now(),
  EXCLUDE USING gist (int8range(serial_start, serial_end, '[]') WITH &&)
);
CREATE INDEX cert_block_holder ON cert_block (holder_org, state);
CREATE INDEX cert_block_issuance ON cert_block (issuance_id);

-- Every transaction on certificates (issuance, transfer, cancellation, withdrawal, expiry, claim).
CREATE TABLE cert_transaction (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('issuance', 'transfer', 'cancellation', 'withdrawal', 'expiry', 'claim')),
  issuance_id uuid REFERENCES cert_issuance(id),
  serial_start bigint,
  serial_end bigint,
  quantity bigint NOT NULL CHECK (quantity > 0),
  from_org uuid REFERENCES organisation(id),
  to_org uuid REFERENCES organisation(id),
  actor text NOT NULL,
  details json NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  ledger_index bigint NOT NULL,
  ledger_leaf text NOT NULL
);
CREATE INDEX cert_transaction_issuance ON cert_transaction (issuance_id, created_at);

-- A cancelled range used by a footprint's market-based electricity (or another claim): once.
CREATE TABLE cert_claim (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  cancellation_id uuid NOT NULL UNIQUE REFERENCES cert_cancellation(id),
  serial_start bigint NOT NULL,
  serial_end bigint NOT NULL CHECK (serial_end >= serial_start),
  org_id uuid NOT NULL REFERENCES organisation(id),
  amount_kwh numeric NOT NULL CHECK (amount_kwh > 0),
  footprint_id uuid,
  reference text,
  actor text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  ledger_index bigint NOT NULL,
  ledger_leaf text NOT NULL,
  EXCLUDE USING gist (int8range(serial_start, serial_end, '[]') WITH &&)
);

-- Answers to writes sent with an Idempotency-Key, per acting organisation.
CREATE TABLE cert_idempotency (
  scope text NOT NULL,
  key text NOT NULL,
  request_sha256 text NOT NULL,
  response json NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
`,
  },
];
