import { randomBytes, type webcrypto } from 'node:crypto';
import {
  SignJWT,
  jwtVerify,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  importJWK,
  type JWK,
} from 'jose';
import type { Db, Queryable } from '../../db/index.js';
import { ROLES, type Principal, type Role } from '../../kernel/access.js';
import { AppError } from '../../kernel/errors.js';
import { dummyHash, hashSecret, verifySecret } from './passwords.js';
import * as store from './store.js';
import type { UserView } from './model.js';

const ISSUER = 'greentrade';
const AUDIENCE = 'greentrade-api';
const ALG = 'EdDSA';
export const USER_TOKEN_SECONDS = 8 * 3600;
export const CLIENT_TOKEN_SECONDS = 3600;

type CryptoKey = webcrypto.CryptoKey;
/** Verified tokens kept at most (a bearer token is sent with every API request). */
const VERIFIED_MAX = 10_000;
type SigningKey = { kid: string; privateKey: CryptoKey; publicKey: CryptoKey; publicJwk: JWK };

/** Identity and access: password login, OAuth2 client credentials, signed JWTs (Ed25519, via jose). */
export class IdentityService {
  /**
   * Tokens already verified, with the caller each stands for, until they expire: checking the
   * Ed25519 signature is most of the work of a small request. A token's answer depends only on
   * the token, the keys (fixed at open) and the time, so this answers as jwtVerify would.
   */
  private readonly verified = new Map<string, { principal: Principal; exp: number }>();

  private constructor(
    private readonly db: Db,
    private readonly key: SigningKey,
    private readonly verifyKeys: Map<string, CryptoKey>,
  ) {}

  /** Loads the newest signing key, or makes one on first start. */
  static async open(db: Db): Promise<IdentityService> {
    let rows = await store.signingKeys(db);
    if (rows.length === 0) {
      const { privateKey, publicKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
      const kid = randomBytes(8).toString('hex');
      await store.insertSigningKey(db, {
        kid,
        alg: ALG,
        private_pkcs8: await exportPKCS8(privateKey),
        public_jwk: { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' },
      });
      rows = await store.signingKeys(db); // another instance may have won the race: use what is stored
    }
    const verifyKeys = new Map<string, CryptoKey>();
    for (const r of rows) verifyKeys.set(r.kid, (await importJWK(r.public_jwk as JWK, ALG)) as CryptoKey);
    const newest = rows[0]!;
    const key: SigningKey = {
      kid: newest.kid,
      privateKey: (await importPKCS8(newest.private_pkcs8, ALG)) as CryptoKey,
      publicKey: verifyKeys.get(newest.kid)!,
      publicJwk: newest.public_jwk as JWK,
    };
    return new IdentityService(db, key, verifyKeys);
  }

  /** The public keys, as a JWKS, so that anyone can check our tokens. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.key.publicJwk] };
  }

  async login(
    email: string,
    password: string,
  ): Promise<{ token: string; expiresIn: number; user: UserView }> {
    const user = await store.findUserByEmail(this.db, email);
    // Verify against a dummy hash when there is no such user: the answer takes as long either way.
    const ok = await verifySecret(password, user?.password_hash ?? (await dummyHash()));
    if (!user || !ok || user.disabled) throw new AppError('unauthorized', 'wrong email or password');
    const memberships = await store.membershipsOf(this.db, user.id);
    const principal: Principal = {
      kind: 'user',
      id: user.id,
      name: user.name,
      memberships: memberships.map((m) => ({ orgId: m.org_id, role: m.role })),
    };
    return {
      token: await this.sign(principal, USER_TOKEN_SECONDS),
      expiresIn: USER_TOKEN_SECONDS,
      user: {
        id: user.id,
        email: user.email,
        name: user.name,
        kind: 'user',
        memberships: memberships.map((m) => ({ orgId: m.org_id, orgName: m.org_name, role: m.role })),
      },
    };
  }

  /** OAuth2 client-credentials grant (RFC 6749 §4.4). Returns null on any bad credential. */
  async clientToken(clientId: string, secret: string): Promise<string | null> {
    const client = await store.findClient(this.db, clientId);
    const ok = await verifySecret(secret, client?.secret_hash ?? (await dummyHash()));
    if (!client || !ok || client.revoked_at) return null;
    return this.sign(
      {
        kind: 'client',
        id: client.client_id,
        name: client.name,
        memberships: client.roles.map((role) => ({ orgId: client.org_id, role })),
      },
      CLIENT_TOKEN_SECONDS,
    );
  }

  private sign(p: Principal, seconds: number): Promise<string> {
    return new SignJWT({ typ: p.kind, name: p.name, m: p.memberships.map((m) => [m.orgId, m.role]) })
      .setProtectedHeader({ alg: ALG, kid: this.key.kid, typ: 'JWT' })
      .setSubject(p.id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${seconds}s`)
      .sign(this.key.privateKey);
  }

  /** The caller a token stands for, or null when it is invalid, expired or not ours. */
  async verify(token: string): Promise<Principal | null> {
    const known = this.verified.get(token);
    if (known) {
      // jose's test: expired once exp <= now, in whole seconds.
      if (known.exp > Math.floor(Date.now() / 1000)) return known.principal;
      this.verified.delete(token);
      return null;
    }
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          const k = header.kid ? this.verifyKeys.get(header.kid) : undefined;
          if (!k) throw new Error('unknown key');
          return k;
        },
        { issuer: ISSUER, audience: AUDIENCE, algorithms: [ALG] },
      );
      const m = payload['m'];
      if (!payload.sub || !Array.isArray(m)) return null;
      const principal: Principal = {
        kind: payload['typ'] === 'client' ? 'client' : 'user',
        id: payload.sub,
        name: String(payload['name'] ?? ''),
        memberships: m
          .filter((x): x is [string, Role] => Array.isArray(x) && ROLES.includes(x[1]))
          .map(([orgId, role]) => ({ orgId, role })),
      };
      if (typeof payload.exp === 'number') {
        if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
        this.verified.set(token, { principal, exp: payload.exp });
      }
      return principal;
    } catch {
      return null;
    }
  }

  async me(p: Principal): Promise<UserView> {
    if (p.kind === 'client') {
      const c = await store.findClient(this.db, p.id);
      if (!c || c.revoked_at) throw new AppError('unauthorized', 'this API client is no longer active');
      return {
        id: c.client_id,
        email: '',
        name: c.name,
        kind: 'client',
        memberships: c.roles.map((role) => ({ orgId: c.org_id, orgName: c.org_name, role })),
      };
    }
    const u = await store.findUserById(this.db, p.id);
    if (!u || u.disabled) throw new AppError('unauthorized', 'this account is no longer active');
    const ms = await store.membershipsOf(this.db, u.id);
    return {
      id: u.id,
      email: u.email,
      name: u.name,
      kind: 'user',
      memberships: ms.map((m) => ({ orgId: m.org_id, orgName: m.org_name, role: m.role })),
    };
  }
}

/** Administration used by the CLI and the demo seed. */
export const admin = {
  ensureOrg: (db: Queryable, slug: string, name: string) => store.upsertOrg(db, slug, name),

  async orgIdBySlug(db: Queryable, slug: string): Promise<string> {
    const org = await store.findOrgBySlug(db, slug);
    if (!org) throw new AppError('not_found', `no organisation with slug ${slug}`, { field: 'org' });
    return org.id;
  },

  async createUser(
    db: Queryable,
    u: { email: string; name: string; password: string; orgId: string; roles: Role[] },
  ): Promise<string> {
    if (await store.findUserByEmail(db, u.email))
      throw new AppError('conflict', `a user with email ${u.email} exists`, { field: 'email' });
    const id = await store.insertUser(db, u.email, u.name, await hashSecret(u.password));
    for (const role of u.roles) await store.grantRole(db, id, u.orgId, role);
    return id;
  },

  async grant(db: Queryable, email: string, orgId: string, role: Role): Promise<void> {
    const user = await store.findUserByEmail(db, email);
    if (!user) throw new AppError('not_found', `no user with email ${email}`, { field: 'email' });
    await store.grantRole(db, user.id, orgId, role);
  },

  /** Returns the secret, shown once; only its hash is stored. */
  async createClient(
    db: Queryable,
    c: { clientId: string; name: string; orgId: string; roles: Role[]; secret?: string },
  ): Promise<string> {
    if (await store.findClient(db, c.clientId))
      throw new AppError('conflict', `an API client ${c.clientId} exists`, { field: 'clientId' });
    const secret = c.secret ?? randomBytes(24).toString('base64url');
    await store.insertClient(db, { ...c, secretHash: await hashSecret(secret) });
    return secret;
  },

  userExists: async (db: Queryable, email: string) => (await store.findUserByEmail(db, email)) !== undefined,
};
