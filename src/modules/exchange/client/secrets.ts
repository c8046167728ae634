/**
 * Client secrets of connections, encrypted at rest with AES-256-GCM (the connection id as
 * additional data, so a ciphertext cannot be moved to another connection). The key is
 * GREENTRADE_PACT_KEY (32 bytes, base64 or hex) or, unset, a key file made on first use in the
 * data directory (owner-only), as the ledger's signing key is: a dump of the database alone does
 * not reveal the secrets. Several servers sharing a database must share GREENTRADE_PACT_KEY.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../../kernel/errors.js';

export const KEY_FILE = 'pact-client-key';

export function loadKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const given = env['GREENTRADE_PACT_KEY'];
  if (given) {
    const key = /^[0-9a-f]{64}$/i.test(given) ? Buffer.from(given, 'hex') : Buffer.from(given, 'base64');
    if (key.length !== 32) throw new Error('GREENTRADE_PACT_KEY must be 32 bytes (64 hex digits or base64)');
    return key;
  }
  const file = join(dataDir, KEY_FILE);
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

export function encryptSecret(key: Buffer, connectionId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(connectionId));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(
    '.',
  );
}

export function decryptSecret(key: Buffer, connectionId: string, stored: string): string {
  const [v, iv, tag, body] = stored.split('.');
  try {
    if (v !== 'v1' || !iv || !tag || body === undefined) throw new Error('format');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(connectionId));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    // The key changed (another data directory, GREENTRADE_PACT_KEY not shared): say so, not a crypto error.
    throw new AppError(
      'conflict',
      "the connection secret cannot be decrypted with this server's key: enter it again",
    );
  }
}
