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
 *   reveal the secrets. The same scheme as the PACT client's secrets (kernel/secrets.ts), with a
 *   key of its own.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import { AppError } from '../../../kernel/errors.js';
import * as secrets from '../../../kernel/secrets.js';

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

export const loadSecretKey = (dataDir: string | undefined, env: NodeJS.ProcessEnv = process.env): Buffer =>
  secrets.loadSecretKey({ envVar: 'GREENTRADE_INTEROP_KEY', file: SECRET_KEY_FILE }, dataDir, env);

export const encryptSecret = (key: Buffer, peerCode: string, secret: string): string =>
  secrets.encryptSecret(key, `registry-peer:${peerCode}`, secret);

export function decryptSecret(key: Buffer, peerCode: string, stored: string): string {
  const secret = secrets.decryptSecret(key, `registry-peer:${peerCode}`, stored);
  if (secret === null)
    throw new AppError(
      'conflict',
      `the client secret for peer ${peerCode} cannot be decrypted with this server's key: enter it again`,
    );
  return secret;
}
