import type { Migration } from '../../../db/index.js';

/**
 * Communication files: each organisation's signing key (the private half encrypted at rest) and
 * every file it issued, kept as the exact JSON that was signed. The ledger entry of a file holds
 * only its id, hash and key thumbprint; the figures stay here, visible to the organisation.
 */
export const communicationMigrations: Migration[] = [
  {
    id: 'cbam/communication/0001_files',
    sql: `
CREATE TABLE cbam_comm_signing_key (
  org_id uuid PRIMARY KEY REFERENCES organisation(id),
  private_key text NOT NULL,
  public_jwk text NOT NULL,
  thumbprint text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE cbam_communication (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organisation(id),
  installation_id text NOT NULL,
  installation_version integer NOT NULL,
  installation_name text NOT NULL,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  key_thumbprint text NOT NULL,
  ledger_index bigint NOT NULL,
  json text NOT NULL,
  issued_by text NOT NULL,
  issued_at timestamptz NOT NULL
);
CREATE INDEX cbam_communication_org ON cbam_communication (org_id, issued_at DESC);
CREATE INDEX cbam_communication_installation ON cbam_communication (installation_id, installation_version);
`,
  },
];
