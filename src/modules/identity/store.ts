import type { Queryable } from '../../db/index.js';
import type { Role } from '../../kernel/access.js';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  disabled: boolean;
}
export interface MembershipRow {
  org_id: string;
  org_name: string;
  role: Role;
}
export interface ClientRow {
  client_id: string;
  org_id: string;
  org_name: string;
  name: string;
  secret_hash: string;
  roles: Role[];
  revoked_at: Date | null;
}

export const findUserByEmail = async (db: Queryable, email: string) =>
  (await db.query<UserRow>('SELECT * FROM app_user WHERE email = $1', [email.toLowerCase()]))[0];

export const findUserById = async (db: Queryable, id: string) =>
  (await db.query<UserRow>('SELECT * FROM app_user WHERE id = $1', [id]))[0];

export const membershipsOf = (db: Queryable, userId: string) =>
  db.query<MembershipRow>(
    `SELECT m.org_id, o.name AS org_name, m.role FROM membership m JOIN organisation o ON o.id = m.org_id
     WHERE m.user_id = $1 ORDER BY o.name, m.role`,
    [userId],
  );

export const findClient = async (db: Queryable, clientId: string) =>
  (
    await db.query<ClientRow>(
      `SELECT c.*, o.name AS org_name FROM api_client c JOIN organisation o ON o.id = c.org_id WHERE c.client_id = $1`,
      [clientId],
    )
  )[0];

export async function upsertOrg(db: Queryable, slug: string, name: string): Promise<string> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO organisation (slug, name) VALUES ($1, $2)
     ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [slug, name],
  );
  return rows[0]!.id;
}

export const findOrgBySlug = async (db: Queryable, slug: string) =>
  (
    await db.query<{ id: string; name: string }>('SELECT id, name FROM organisation WHERE slug = $1', [slug])
  )[0];

export async function insertUser(
  db: Queryable,
  email: string,
  name: string,
  passwordHash: string,
): Promise<string> {
  const rows = await db.query<{ id: string }>(
    'INSERT INTO app_user (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id',
    [email.toLowerCase(), name, passwordHash],
  );
  return rows[0]!.id;
}

export async function grantRole(db: Queryable, userId: string, orgId: string, role: Role): Promise<void> {
  await db.query(
    'INSERT INTO membership (user_id, org_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [userId, orgId, role],
  );
}

export async function insertClient(
  db: Queryable,
  c: { clientId: string; orgId: string; name: string; secretHash: string; roles: Role[] },
): Promise<void> {
  await db.query(
    'INSERT INTO api_client (client_id, org_id, name, secret_hash, roles) VALUES ($1, $2, $3, $4, $5)',
    [c.clientId, c.orgId, c.name, c.secretHash, c.roles],
  );
}

export interface SigningKeyRow {
  kid: string;
  alg: string;
  private_pkcs8: string;
  public_jwk: Record<string, unknown>;
}
export const signingKeys = (db: Queryable) =>
  db.query<SigningKeyRow>(
    'SELECT kid, alg, private_pkcs8, public_jwk FROM signing_key ORDER BY created_at DESC',
  );
export async function insertSigningKey(db: Queryable, k: SigningKeyRow): Promise<void> {
  await db.query(
    'INSERT INTO signing_key (kid, alg, private_pkcs8, public_jwk) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
    [k.kid, k.alg, k.private_pkcs8, JSON.stringify(k.public_jwk)],
  );
}
