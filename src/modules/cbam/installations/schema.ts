import type { Migration } from '../../../db/index.js';

/**
 * Installations an exporter reports for, with every version of their data kept: a save adds a
 * version, nothing is overwritten, so a communication file issued from version 3 can always be
 * traced back to exactly what was calculated. The data is the validated InstallationData as JSON
 * (`json` keeps it as saved); name, country and period are copied out for listing.
 */
export const installationsMigrations: Migration[] = [
  {
    id: 'cbam/installations/0001_installations',
    sql: `
CREATE TABLE cbam_installation (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organisation(id),
  latest_version integer NOT NULL DEFAULT 1 CHECK (latest_version >= 1),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cbam_installation_org ON cbam_installation (org_id);

CREATE TABLE cbam_installation_version (
  installation_id uuid NOT NULL REFERENCES cbam_installation(id) ON DELETE CASCADE,
  version integer NOT NULL CHECK (version >= 1),
  name text NOT NULL,
  country text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  period_start date NOT NULL,
  period_end date NOT NULL CHECK (period_end >= period_start),
  data json NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (installation_id, version)
);
`,
  },
];
