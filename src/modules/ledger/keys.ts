import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from './lib/index.js';

/** The log's Ed25519 signing key. */
export interface LedgerSigner {
  /** Raw public key, lower-case hex. */
  publicKey: string;
  sign(data: Uint8Array): Uint8Array;
}

export const KEY_FILE = 'ledger-signing-key.pem';

export function signerOf(privateKey: KeyObject): LedgerSigner {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the ledger key must be an Ed25519 key');
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return {
    publicKey: toHex(new Uint8Array(spki.subarray(spki.length - 32))),
    sign: (data) => new Uint8Array(sign(null, data, privateKey)),
  };
}

/** A key for tests and for a process that keeps nothing (it signs nothing that must last). */
export const ephemeralSigner = (): LedgerSigner => signerOf(generateKeyPairSync('ed25519').privateKey);

/**
 * The key from GREENTRADE_LEDGER_KEY (PKCS#8 PEM), or the one kept in the data directory, made
 * there (readable by the owner only) on first start. Several servers on one database must be
 * given the same key through the environment.
 */
export function loadSigner(dataDir: string, env: NodeJS.ProcessEnv = process.env): LedgerSigner {
  const fromEnv = env['GREENTRADE_LEDGER_KEY'];
  if (fromEnv) {
    try {
      return signerOf(createPrivateKey(fromEnv.replace(/\\n/g, '\n')));
    } catch {
      throw new Error('GREENTRADE_LEDGER_KEY must be an Ed25519 private key in PKCS#8 PEM');
    }
  }
  const file = join(dataDir, KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  }
  return signerOf(createPrivateKey(readFileSync(file)));
}

/** Earlier public keys of this log (hex, comma-separated), still trusted for old checkpoints. */
export function trustedKeysFrom(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = (env['GREENTRADE_LEDGER_TRUSTED_KEYS'] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const k of list)
    if (!fromHex(k, 32))
      throw new Error(`GREENTRADE_LEDGER_TRUSTED_KEYS: "${k}" is not a 32-byte hex public key`);
  return list;
}
