// Signing communication files. Each organisation has an Ed25519 key, made on first use; its
// private half is kept encrypted at rest (kernel/secrets.ts, AES-256-GCM, the organisation id as
// additional data) with GREENTRADE_CBAM_KEY or the data directory's `cbam-signing-secret-key`, as
// the registry keeps its peers' secrets. The signature is a compact JWS (EdDSA) whose detached
// payload is the SHA-256 (hex) of the RFC 8785 canonical form of the file without `proof`.
import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { CompactSign, calculateJwkThumbprint, compactVerify, importJWK, type JWK } from 'jose';
import type { Queryable } from '../../../db/index.js';
import { AppError } from '../../../kernel/errors.js';
import * as secrets from '../../../kernel/secrets.js';

export const SECRET_KEY_FILE = 'cbam-signing-secret-key';

export const loadSecretKey = (dataDir: string | undefined, env: NodeJS.ProcessEnv = process.env): Buffer =>
  secrets.loadSecretKey({ envVar: 'GREENTRADE_CBAM_KEY', file: SECRET_KEY_FILE }, dataDir, env);

/** RFC 8785 canonical JSON. */
export function canonical(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new AppError('bad_request', 'the file cannot be put in canonical JSON form');
  return text;
}

/** SHA-256 hex of the canonical form of a file without its `proof`. */
export function fileHash(file: Record<string, unknown>): string {
  const { proof: _proof, ...rest } = file;
  return createHash('sha256').update(canonical(rest), 'utf8').digest('hex');
}

export interface OrgKey {
  privateKey: KeyObject;
  publicJwk: Record<string, string>;
  thumbprint: string;
}

const publicJwkOf = (privateKey: KeyObject): Record<string, string> => {
  const jwk = privateKey.export({ format: 'jwk' }) as Record<string, string>;
  return { kty: jwk['kty']!, crv: jwk['crv']!, x: jwk['x']! };
};

/** RFC 7638 thumbprint (SHA-256, base64url) of a public JWK. */
export const thumbprint = (jwk: Record<string, string>): Promise<string> =>
  calculateJwkThumbprint(jwk as JWK, 'sha256');

/** A fresh key, not stored (tests sign with "another key" this way). */
export async function newKey(): Promise<OrgKey> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicJwk = publicJwkOf(privateKey);
  return { privateKey, publicJwk, thumbprint: await thumbprint(publicJwk) };
}

/** The organisation's key; made and stored the first time it is needed. */
export async function orgKey(db: Queryable, secretKey: Buffer, orgId: string): Promise<OrgKey> {
  const aad = `cbam-signing:${orgId}`;
  const find = async () =>
    (
      await db.query<{ private_key: string; public_jwk: string; thumbprint: string }>(
        'SELECT private_key, public_jwk, thumbprint FROM cbam_comm_signing_key WHERE org_id = $1',
        [orgId],
      )
    )[0];
  let row = await find();
  if (!row) {
    const fresh = await newKey();
    const pem = fresh.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    // Two first uses at once: one insert wins and both use its key.
    await db.query(
      `INSERT INTO cbam_comm_signing_key (org_id, private_key, public_jwk, thumbprint)
       VALUES ($1, $2, $3, $4) ON CONFLICT (org_id) DO NOTHING`,
      [orgId, secrets.encryptSecret(secretKey, aad, pem), JSON.stringify(fresh.publicJwk), fresh.thumbprint],
    );
    row = await find();
  }
  const pem = secrets.decryptSecret(secretKey, aad, row!.private_key);
  if (pem === null)
    throw new AppError(
      'conflict',
      "the organisation's CBAM signing key cannot be decrypted with this server's key (GREENTRADE_CBAM_KEY or the data directory's cbam-signing-secret-key must be the one it was made with)",
    );
  return {
    privateKey: createPrivateKey(pem),
    publicJwk: JSON.parse(row!.public_jwk) as Record<string, string>,
    thumbprint: row!.thumbprint,
  };
}

/** A compact JWS over the hash, with the payload detached: `header..signature`. */
export async function signHash(key: OrgKey, sha256: string): Promise<string> {
  const jws = await new CompactSign(new TextEncoder().encode(sha256))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.thumbprint })
    .sign(key.privateKey);
  const [h, , s] = jws.split('.');
  return `${h}..${s}`;
}

/** Whether `jws` (detached) signs `sha256` with `publicJwk`. */
export async function verifyHash(
  jws: string,
  sha256: string,
  publicJwk: Record<string, string>,
): Promise<boolean> {
  const [h, empty, s] = jws.split('.');
  if (!h || empty !== '' || !s) return false;
  try {
    const key = await importJWK(publicJwk as JWK, 'EdDSA');
    const payload = Buffer.from(sha256, 'utf8').toString('base64url');
    await compactVerify(`${h}.${payload}.${s}`, key, { algorithms: ['EdDSA'] });
    return true;
  } catch {
    return false;
  }
}
