import { verifyCheckpoint, type Checkpoint } from './checkpoint.js';
import { entryLeafHash } from './entry.js';
import { equalBytes, fromHex, toHex } from './hex.js';
import { verifyConsistency, verifyInclusion, type Check, type Sha256 } from './merkle.js';

/** An inclusion proof as `greentrade ledger proof` prints it (RFC 9162 audit path, hex). */
export interface InclusionProof {
  index: number;
  treeSize: number;
  leafHash: string;
  rootHash: string;
  path: string[];
  /** The entry's canonical JSON text, when the proof carries it. */
  entry?: string;
  /** A signed checkpoint of the same tree size, when the proof carries one. */
  checkpoint?: Checkpoint;
}

export interface ConsistencyProof {
  fromSize: number;
  toSize: number;
  fromRoot: string;
  toRoot: string;
  proof: string[];
}

const fail = (reason: string): Check => ({ ok: false, reason });

const hashList = (xs: unknown): Uint8Array[] | null => {
  if (!Array.isArray(xs)) return null;
  const out = xs.map((x) => fromHex(x, 32));
  return out.every((x) => x !== null) ? (out as Uint8Array[]) : null;
};

/**
 * Checks an inclusion proof: the audit path leads from the leaf to the root; the entry (when
 * given) hashes to the leaf; the checkpoint (when given) is validly signed, by one of
 * `trustedKeys` when those are given, for the same tree size and root. Never throws.
 */
export function checkInclusionProof(
  proof: unknown,
  options: { trustedKeys?: readonly string[]; sha256?: Sha256 } = {},
): Check {
  if (typeof proof !== 'object' || proof === null) return fail('a proof must be a JSON object');
  const p = proof as Partial<Record<keyof InclusionProof, unknown>>;
  if (typeof p.index !== 'number' || !Number.isSafeInteger(p.index) || p.index < 0)
    return fail('index must be a whole number');
  if (typeof p.treeSize !== 'number' || !Number.isSafeInteger(p.treeSize) || p.treeSize < 1)
    return fail('treeSize must be a whole number above 0');
  const leaf = fromHex(p.leafHash, 32);
  if (!leaf) return fail('leafHash must be 32 bytes of hex');
  const root = fromHex(p.rootHash, 32);
  if (!root) return fail('rootHash must be 32 bytes of hex');
  const path = hashList(p.path);
  if (!path) return fail('path must be a list of 32-byte hex hashes');
  if (p.entry !== undefined) {
    if (typeof p.entry !== 'string') return fail('entry must be the canonical JSON text of the entry');
    const h = entryLeafHash(p.entry, options.sha256);
    if (!equalBytes(h, leaf)) return fail(`the entry hashes to ${toHex(h)}, not to leafHash`);
  }
  const inclusion = verifyInclusion(leaf, p.index, p.treeSize, path, root, options.sha256);
  if (!inclusion.ok) return inclusion;
  if (p.checkpoint !== undefined) {
    const cp = verifyCheckpoint(p.checkpoint, options.trustedKeys);
    if (!cp.ok) return fail(`checkpoint: ${cp.reason}`);
    const c = p.checkpoint as Checkpoint;
    if (c.treeSize !== p.treeSize || c.rootHash.toLowerCase() !== toHex(root))
      return fail('the checkpoint is of another tree size or root hash');
  } else if (options.trustedKeys)
    return fail('the proof carries no signed checkpoint to check the root against');
  return { ok: true };
}

/** Checks a consistency proof between two tree heads. Never throws. */
export function checkConsistencyProof(proof: unknown, sha?: Sha256): Check {
  if (typeof proof !== 'object' || proof === null) return fail('a proof must be a JSON object');
  const p = proof as Partial<Record<keyof ConsistencyProof, unknown>>;
  if (typeof p.fromSize !== 'number' || typeof p.toSize !== 'number')
    return fail('fromSize and toSize must be numbers');
  const fromRoot = fromHex(p.fromRoot, 32);
  const toRoot = fromHex(p.toRoot, 32);
  if (!fromRoot || !toRoot) return fail('fromRoot and toRoot must be 32 bytes of hex');
  const hashes = hashList(p.proof);
  if (!hashes) return fail('proof must be a list of 32-byte hex hashes');
  return verifyConsistency(p.fromSize, p.toSize, hashes, fromRoot, toRoot, sha);
}
