/**
 * Secrets we must send to others (a supplier's PACT client secret, a peer registry's), encrypted
 * at rest with AES-256-GCM. The additional data binds a ciphertext to its record, so it cannot be
 * moved to another. The key comes from an environment variable (32 bytes, hex or base64) or, unset,
 * from a key file made on first use in the data directory (owner-only), as the ledger's signing key
 * is: a dump of the database alone does not reveal the secrets. Several servers sharing one
 * database must share the key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SecretKeySource {
  /** The environment variable that gives the key. */
  envVar: string;
  /** The key file's name in the data directory. */
  file: string;
}

/** The key; without a data directory (tests) a key that lives only in memory. */
export function loadSecretKey(
  source: SecretKeySource,
  dataDir: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Buffer {
  const given = env[source.envVar];
  if (given) {
    const key = /^[0-9a-f]{64}$/i.test(given) ? Buffer.from(given, 'hex') : Buffer.from(given, 'base64');
    if (key.length !== 32) throw new Error(`${source.envVar} must be 32 bytes (64 hex digits or base64)`);
    return key;
  }
  if (!dataDir) return randomBytes(32);
  const file = join(dataDir, source.file);
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte key`);
    return key;
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}

/** `v1.<iv>.<tag>.<ciphertext>`, base64 parts. */
export function encryptSecret(key: Buffer, additionalData: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(additionalData));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(
    '.',
  );
}

/** The secret, or null when it cannot be decrypted (another key, or tampered with). */
export function decryptSecret(key: Buffer, additionalData: string, stored: string): string | null {
  const [v, iv, tag, body] = stored.split('.');
  try {
    if (v !== 'v1' || !iv || !tag || body === undefined) return null;
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(additionalData));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
