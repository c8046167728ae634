import type { Migration } from '../../../db/index.js';

/**
 * Transfers between two GreenTrade registries: the peers this registry talks to, the transfers it
 * sends (outgoing) and the ones it received (incoming). The units themselves stay in units/'
 * tables: an outgoing transfer holds its units in the state `pending_export` until the peer's
 * signed answer is known; an accepted incoming transfer issued mirror holdings.
 */
export const interopMigrations: Migration[] = [
  {
    id: 'registry/interop/0001_peers_transfers',
    sql: `
CREATE TABLE registry_interop_peer (
  code text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9]{1,7}$'),
  name text NOT NULL,
  base_url text NOT NULL,
  -- The peer's Ed25519 public key (raw, hex): its messages must verify with it.
  public_key text NOT NULL CHECK (public_key ~ '^[0-9a-f]{64}$'),
  -- The credentials we call the peer with (an API client its operator made for us), secret encrypted.
  client_id text,
  secret_enc text,
  -- The API client of ours that the peer calls us with.
  inbound_client_id text NOT NULL UNIQUE,
  -- The organisation standing for the peer here: owns its inbound client and the mirror projects.
  org_id uuid NOT NULL REFERENCES organisation(id),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  ledger_index bigint,
  leaf_hash bytea
);

CREATE TABLE registry_interop_outgoing (
  id uuid PRIMARY KEY,
  peer_code text NOT NULL REFERENCES registry_interop_peer(code),
  to_account text NOT NULL,
  from_account_id uuid NOT NULL REFERENCES registry_account(id),
  org_id uuid NOT NULL REFERENCES organisation(id),
  quantity bigint NOT NULL CHECK (quantity > 0),
  -- This registry's serial ranges held in pending_export: [{start, end, issuanceId, serial}].
  ranges jsonb NOT NULL,
  -- The signed transfer message, as sent (and sent again until an answer is known).
  message jsonb NOT NULL,
  message_sha256 text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'exported', 'reverted')),
  -- The peer's signed acknowledgement or rejection.
  answer jsonb,
  reason text,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  last_attempt_at timestamptz,
  actor text NOT NULL,
  idempotency_key text,
  request_sha256 text,
  export_transaction_id uuid,
  completion_transaction_id uuid,
  ledger_index bigint,
  leaf_hash bytea,
  completion_ledger_index bigint,
  completion_leaf_hash bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  UNIQUE (org_id, idempotency_key)
);
CREATE INDEX registry_interop_outgoing_pending ON registry_interop_outgoing (created_at) WHERE state = 'pending';
CREATE INDEX registry_interop_outgoing_org ON registry_interop_outgoing (org_id, created_at);

CREATE TABLE registry_interop_incoming (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  from_registry text NOT NULL REFERENCES registry_interop_peer(code),
  transfer_id uuid NOT NULL,
  to_account text NOT NULL,
  to_account_id uuid REFERENCES registry_account(id),
  org_id uuid REFERENCES organisation(id),
  quantity bigint NOT NULL CHECK (quantity > 0),
  state text NOT NULL CHECK (state IN ('accepted', 'rejected')),
  reason text,
  -- The peer's signed transfer message, kept as proof of who sent what.
  message jsonb NOT NULL,
  message_sha256 text NOT NULL,
  -- Our signed answer, given again to a replay or a status query.
  answer jsonb NOT NULL,
  -- The mirror holdings issued: [{originSerial, issuanceId, serial, start, end, quantity}].
  mirrors jsonb NOT NULL DEFAULT '[]',
  ledger_index bigint,
  leaf_hash bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (from_registry, transfer_id)
);
`,
  },
];
