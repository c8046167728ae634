import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes, fromHex, toHex } from './hex.js';
import type { Check } from './merkle.js';

/**
 * A signed checkpoint: the tree size and root hash at a time, signed with the log's Ed25519 key.
 * The signed bytes are a C2SP tlog-checkpoint note body (origin, size, base64 root hash, then a
 * `time` extension line), so that transparency-log witnesses can cosign it as it is; `note` is
 * the whole C2SP signed note.
 */
export interface Checkpoint {
  origin: string;
  treeSize: number;
  /** Lower-case hex. */
  rootHash: string;
  /** ISO 8601, UTC. */
  timestamp: string;
  /** Ed25519 signature of the note body, lower-case hex. */
  signature: string;
  /** Raw Ed25519 public key, lower-case hex. */
  publicKey: string;
  note: string;
}

const utf8 = new TextEncoder();
const base64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));

export function checkpointBody(
  c: Pick<Checkpoint, 'origin' | 'treeSize' | 'rootHash' | 'timestamp'>,
): string {
  const root = fromHex(c.rootHash, 32);
  if (!root) throw new Error('rootHash must be 32 bytes of hex');
  return `${c.origin}\n${c.treeSize}\n${base64(root)}\ntime ${c.timestamp}\n`;
}

/** The C2SP signed-note key id: the first 4 bytes of SHA-256(name || 0x0A || 0x01 || key). */
export function noteKeyId(origin: string, publicKey: Uint8Array): Uint8Array {
  const name = utf8.encode(origin);
  const buf = new Uint8Array(name.length + 2 + publicKey.length);
  buf.set(name);
  buf[name.length] = 0x0a;
  buf[name.length + 1] = 0x01;
  buf.set(publicKey, name.length + 2);
  return sha256(buf).subarray(0, 4);
}

export function signedNote(
  body: string,
  origin: string,
  publicKey: Uint8Array,
  signature: Uint8Array,
): string {
  const sig = new Uint8Array(68);
  sig.set(noteKeyId(origin, publicKey));
  sig.set(signature, 4);
  return `${body}\n\u2014 ${origin} ${base64(sig)}\n`;
}

const fail = (reason: string): Check => ({ ok: false, reason });

/**
 * Checks a checkpoint's signature over its fields (and its note, when given). With `trustedKeys`
 * (hex), the signing key must be one of them: a log re-signed with another key is caught here.
 */
export function verifyCheckpoint(c: unknown, trustedKeys?: readonly string[]): Check {
  if (typeof c !== 'object' || c === null) return fail('a checkpoint must be a JSON object');
  const cp = c as Partial<Record<keyof Checkpoint, unknown>>;
  if (typeof cp.origin !== 'string' || cp.origin === '' || /\s/.test(cp.origin))
    return fail('origin must be a non-empty string without spaces');
  if (typeof cp.treeSize !== 'number' || !Number.isSafeInteger(cp.treeSize) || cp.treeSize < 0)
    return fail('treeSize must be a whole number');
  if (!fromHex(cp.rootHash, 32)) return fail('rootHash must be 32 bytes of lower-case hex');
  if (typeof cp.timestamp !== 'string' || Number.isNaN(Date.parse(cp.timestamp)))
    return fail('timestamp must be an ISO 8601 time');
  const signature = fromHex(cp.signature, 64);
  if (!signature) return fail('signature must be 64 bytes of hex');
  const publicKey = fromHex(cp.publicKey, 32);
  if (!publicKey) return fail('publicKey must be 32 bytes of hex');
  if (trustedKeys && !trustedKeys.some((k) => fromHex(k, 32) && equalBytes(fromHex(k, 32)!, publicKey)))
    return fail(`the checkpoint is signed by key ${toHex(publicKey)}, which is not the log's key`);
  const body = checkpointBody(cp as Checkpoint);
  let valid: boolean;
  try {
    valid = ed25519.verify(signature, utf8.encode(body), publicKey);
  } catch {
    valid = false; // a public key that is not a curve point
  }
  if (!valid) return fail('the signature does not match the checkpoint');
  if (cp.note !== undefined && cp.note !== signedNote(body, cp.origin, publicKey, signature))
    return fail('the signed note does not match the checkpoint');
  return { ok: true };
}
