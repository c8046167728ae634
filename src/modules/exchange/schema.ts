import type { Migration } from '../../db/index.js';

/**
 * The PACT host's tables.
 * - pact_publication: a footprint as its owner published it. `id` is the PACT ProductFootprint
 *   id. The documents (v3 and v2.3) are written once at publication and never rewritten (`json`,
 *   so they read back byte for byte); what changes later (status, its comment, the v2 version and
 *   `updated`) lives in columns and is laid over the document when served. The filter columns
 *   hold lower-cased copies of the ids, because PACT filters match case-insensitively.
 * - pact_agreement (+ _footprint): a data owner shares all its publications, or selected ones,
 *   with a recipient organisation.
 * - pact_access_log: who pulled what (list or get), for the owner to see.
 * - pact_event: CloudEvents received at /pact/{2,3}/events, and the PublishedEvents we make;
 *   pact_request: footprint requests
 *   (RequestCreated) for an owner to fulfil or reject.
 */
export const exchangeHostMigrations: Migration[] = [
  {
    id: 'exchange/0001_pact_host',
    sql: `
CREATE TABLE pact_publication (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  -- Recorded footprints are not deleted in operation; when one goes (its product deleted, a
  -- test emptying the ledger), its publications go with it rather than point at nothing.
  footprint_id uuid NOT NULL REFERENCES product_footprint(id) ON DELETE CASCADE,
  product_id uuid NOT NULL,
  preceding_ids uuid[] NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'Active' CHECK (status IN ('Active','Deprecated')),
  status_comment text,
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  doc_v3 json NOT NULL,
  doc_v2 json,
  product_ids_lc text[] NOT NULL,
  company_ids_lc text[] NOT NULL,
  classifications_lc text[] NOT NULL DEFAULT '{}',
  geography_lc text[] NOT NULL DEFAULT '{}',
  validity_start timestamptz NOT NULL,
  validity_end timestamptz NOT NULL,
  published_by text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  seq bigserial NOT NULL UNIQUE
);
CREATE INDEX pact_publication_org ON pact_publication (org_id, seq);
CREATE INDEX pact_publication_product ON pact_publication (product_id, seq);

CREATE TABLE pact_agreement (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_org uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  recipient_org uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  scope text NOT NULL CHECK (scope IN ('all','selected')),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  CHECK (owner_org <> recipient_org)
);
-- One live agreement per pair: a second one would make "what does this recipient see" ambiguous.
CREATE UNIQUE INDEX pact_agreement_live ON pact_agreement (owner_org, recipient_org) WHERE ended_at IS NULL;
CREATE INDEX pact_agreement_recipient ON pact_agreement (recipient_org) WHERE ended_at IS NULL;
CREATE TABLE pact_agreement_footprint (
  agreement_id uuid NOT NULL REFERENCES pact_agreement(id) ON DELETE CASCADE,
  publication_id uuid NOT NULL REFERENCES pact_publication(id) ON DELETE CASCADE,
  PRIMARY KEY (agreement_id, publication_id)
);

CREATE TABLE pact_access_log (
  id bigserial PRIMARY KEY,
  owner_org uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  recipient_org uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  client_id text NOT NULL,
  publication_id uuid NOT NULL REFERENCES pact_publication(id) ON DELETE CASCADE,
  action text NOT NULL CHECK (action IN ('list','get','request')),
  spec text NOT NULL CHECK (spec IN ('2','3')),
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pact_access_log_owner ON pact_access_log (owner_org, id DESC);

CREATE TABLE pact_event (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- in: received at /pact/{2,3}/events (sender_org = the caller's); out: made by us (a
  -- PublishedEvent at each publication, sender_org = the owner) for whoever delivers it.
  direction text NOT NULL DEFAULT 'in' CHECK (direction IN ('in','out')),
  spec text NOT NULL CHECK (spec IN ('2','3')),
  event_id text NOT NULL,
  source text NOT NULL,
  type text NOT NULL,
  sender_org uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  client_id text NOT NULL,
  event json NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (sender_org, source, event_id)
);

CREATE TABLE pact_request (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_pk uuid NOT NULL REFERENCES pact_event(id) ON DELETE CASCADE,
  owner_org uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  recipient_org uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  spec text NOT NULL CHECK (spec IN ('2','3')),
  request_event_id text NOT NULL,
  source text NOT NULL,
  criteria json NOT NULL,
  comment text,
  status text NOT NULL DEFAULT 'Pending' CHECK (status IN ('Pending','Fulfilled','Rejected')),
  publication_ids uuid[] NOT NULL DEFAULT '{}',
  answer json,
  answered_by text,
  answered_at timestamptz,
  delivery json,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pact_request_owner ON pact_request (owner_org, created_at DESC);
`,
  },
];
