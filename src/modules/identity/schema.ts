import type { Migration } from '../../db/index.js';

export const identityMigrations: Migration[] = [
  {
    id: 'identity/0001_organisations_users_clients',
    sql: `
CREATE TABLE organisation (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE app_user (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL UNIQUE CHECK (email = lower(email)),
  name text NOT NULL,
  password_hash text NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE membership (
  user_id uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
  org_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('admin','member','verifier','registry_operator','regulator')),
  PRIMARY KEY (user_id, org_id, role)
);
CREATE TABLE api_client (
  client_id text PRIMARY KEY CHECK (client_id ~ '^[A-Za-z0-9._-]{3,100}$'),
  org_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  name text NOT NULL,
  secret_hash text NOT NULL,
  roles text[] NOT NULL,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE signing_key (
  kid text PRIMARY KEY,
  alg text NOT NULL,
  private_pkcs8 text NOT NULL,
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
];
