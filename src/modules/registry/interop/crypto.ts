/**
 * The keys of the registry-to-registry protocol.
 *
 * - This registry's Ed25519 key pair signs every message it sends to a peer registry (a transfer,
 *   an acknowledgement, a rejection). It is GREENTRADE_REGISTRY_SIGNING_KEY (PKCS#8 PEM) or a key
 *   made on first start in the data directory (`registry-interop-key.pem`, owner-only), as the
 *   ledger's key is. Without a data directory (tests) the key lives only in memory.
 * - The client secrets a peer gave us are kept encrypted with AES-256-GCM (the peer code as
 *   additional data, so a ciphertext cannot be moved to another peer). The key is
 *   GREENTRADE_INTEROP_KEY (32 bytes, hex or base64) or a file made on first use in the data
 *   directory (`registry-interop-secret-key`, owner-only): a dump of the database alone does not
 *   reveal the secrets. The same scheme as the PACT client's secrets (exchange/client/secrets.ts),
 *   with a key of its own.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import { AppError } from '../../../kernel/errors.js';

export const SIGNING_KEY_FILE = 'registry-interop-key.pem';
export const SECRET_KEY_FILE = 'registry-interop-secret-key';

/** The DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface RegistrySigner {
  /** Raw Ed25519 public key, lower-case hex (64 digits). */
  publicKey: string;
  /** Base64 signature of the RFC 8785 canonical JSON of `message`. */
  sign(message: unknown): string;
}

function signerOf(privateKey: KeyObject): RegistrySigner {
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error('GREENTRADE_REGISTRY_SIGNING_KEY must be an Ed25519 key');
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return {
    publicKey: spki.subarray(spki.length - 32).toString('hex'),
    sign: (message) => sign(null, Buffer.from(canonical(message)), privateKey).toString('base64'),
  };
}

export function loadRegistrySigner(
  dataDir: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): RegistrySigner {
  const given = env['GREENTRADE_REGISTRY_SIGNING_KEY'];
  if (given) {
    try {
      return signerOf(createPrivateKey(given.replace(/\\n/g, '\n')));
    } catch {
      throw new Error('GREENTRADE_REGISTRY_SIGNING_KEY must be an Ed25519 private key in PKCS#8 PEM');
    }
  }
  if (!dataDir) return signerOf(generateKeyPairSync('ed25519').privateKey);
  const file = join(dataDir, SIGNING_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  }
  return signerOf(createPrivateKey(readFileSync(file)));
}

/** RFC 8785 canonical JSON: the bytes that are signed and hashed. */
export function canonical(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('cannot canonicalize this value');
  return text;
}

/** Checks a base64 Ed25519 signature by a raw hex public key over the canonical JSON of `message`. */
export function verifySignature(publicKeyHex: string, message: unknown, signature: string): boolean {
  try {
    const key = createPublicKey({
      key: Buffer.concat([SPKI_PREFIX, Buffer.from(publicKeyHex, 'hex')]),
      format: 'der',
      type: 'spki',
    });
    return verify(null, Buffer.from(canonical(message)), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** A signed message: its fields and `signature` over all the others. */
export function signMessage<T extends Record<string, unknown>>(
  signer: RegistrySigner,
  message: T,
): T & { signature: string } {
  return { ...message, signature: signer.sign(message) };
}

export function verifyMessage(publicKeyHex: string, signed: Record<string, unknown>): boolean {
  const { signature, ...message } = signed;
  return typeof signature === 'string' && verifySignature(publicKeyHex, message, signature);
}

export function loadSecretKey(dataDir: string | undefined, env: NodeJS.ProcessEnv = process.env): Buffer {
  const given = env['GREENTRADE_INTEROP_KEY'];
  if (given) {
    const key = /^[0-9a-f]{64}$/i.test(given) ? Buffer.from(given, 'hex') : Buffer.from(given, 'base64');
    if (key.length !== 32)
      throw new Error('GREENTRADE_INTEROP_KEY must be 32 bytes (64 hex digits or base64)');
    return key;
  }
  if (!dataDir) return randomBytes(32);
  const file = join(dataDir, SECRET_KEY_FILE);
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

export function encryptSecret(key: Buffer, peerCode: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`registry-peer:${peerCode}`));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(
    '.',
  );
}

export function decryptSecret(key: Buffer, peerCode: string, stored: string): string {
  const [v, iv, tag, body] = stored.split('.');
  try {
    if (v !== 'v1' || !iv || !tag || body === undefined) throw new Error('format');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(`registry-peer:${peerCode}`));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new AppError(
      'conflict',
      `the client secret for peer ${peerCode} cannot be decrypted with this server's key: enter it again`,
    );
  }
}
