import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from './hex.js';

/**
 * The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1: leaf hash
 * SHA-256(0x00 || entry), interior node SHA-256(0x01 || left || right), a tree of n leaves split
 * at the largest power of two below n. Sizes and indexes are JS numbers (exact to 2^53).
 */
export type Hash = Uint8Array;
/** A SHA-256 implementation: @noble/hashes by default (browser), node:crypto on the server. */
export type Sha256 = (data: Uint8Array) => Uint8Array;

export const defaultSha256: Sha256 = (data) => sha256(data);

export function leafHash(entry: Uint8Array, h: Sha256 = defaultSha256): Hash {
  const buf = new Uint8Array(entry.length + 1);
  buf.set(entry, 1);
  return h(buf);
}

export function nodeHash(left: Hash, right: Hash, h: Sha256 = defaultSha256): Hash {
  const buf = new Uint8Array(65);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 33);
  return h(buf);
}

/** The largest power of two strictly below n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * A source of the hashes of perfect subtrees: level 0 is the leaf hashes, the node at (level,
 * index) covers leaves [index * 2^level, (index + 1) * 2^level).
 */
export type NodeSource = (level: number, index: number) => Hash;

const log2 = (k: number) => Math.round(Math.log2(k));
export const isPowerOfTwo = (n: number): boolean => n >= 1 && 2 ** log2(n) === n;

/** MTH(D[a:b]) for a range that the RFC's splitting produces (a is a multiple of the split). */
export function rangeHash(a: number, b: number, node: NodeSource, h: Sha256 = defaultSha256): Hash {
  const n = b - a;
  if (n === 1) return node(0, a);
  if (isPowerOfTwo(n) && a % n === 0) return node(log2(n), a / n);
  const k = splitPoint(n);
  return nodeHash(rangeHash(a, a + k, node, h), rangeHash(a + k, b, node, h), h);
}

/** The root of a tree of `size` leaves; SHA-256 of nothing for the empty tree. */
export function rootHash(size: number, node: NodeSource, h: Sha256 = defaultSha256): Hash {
  return size === 0 ? h(new Uint8Array(0)) : rangeHash(0, size, node, h);
}

/** RFC 9162 2.1.3.1: the audit path of leaf `index` in the tree of `size` leaves. */
export function inclusionPath(
  index: number,
  size: number,
  node: NodeSource,
  h: Sha256 = defaultSha256,
): Hash[] {
  const path: Hash[] = [];
  let lo = 0;
  let hi = size;
  // Walk down from the root, collecting the sibling of each subtree that holds the leaf; the
  // path lists them from the leaf up.
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      path.push(rangeHash(lo + k, hi, node, h));
      hi = lo + k;
    } else {
      path.push(rangeHash(lo, lo + k, node, h));
      lo += k;
    }
  }
  return path.reverse();
}

/** RFC 9162 2.1.4.1: the consistency proof between the trees of size `first` and `second`. */
export function consistencyProof(
  first: number,
  second: number,
  node: NodeSource,
  h: Sha256 = defaultSha256,
): Hash[] {
  if (first <= 0 || first >= second) return [];
  const proof: Hash[] = [];
  // SUBPROOF(m, D[lo:hi], b), unrolled; the elements are found from the root down and listed
  // from the leaves up, as the recursion would append them.
  let lo = 0;
  let hi = second;
  let m = first;
  let complete = true;
  const tail: Hash[] = [];
  for (;;) {
    const n = hi - lo;
    if (m === n) {
      if (!complete) proof.push(rangeHash(lo, hi, node, h));
      break;
    }
    const k = splitPoint(n);
    if (m <= k) {
      tail.push(rangeHash(lo + k, hi, node, h));
      hi = lo + k;
    } else {
      tail.push(rangeHash(lo, lo + k, node, h));
      lo += k;
      m -= k;
      complete = false;
    }
  }
  return [...proof, ...tail.reverse()];
}

export interface Check {
  ok: boolean;
  /** Why not, when not. */
  reason?: string;
}
const fail = (reason: string): Check => ({ ok: false, reason });
const OK: Check = { ok: true };

const isHash = (x: unknown): x is Hash => x instanceof Uint8Array && x.length === 32;

/** RFC 9162 2.1.3.2: does `path` prove the leaf at `index` in the tree of `size` leaves with `root`? */
export function verifyInclusion(
  leaf: Hash,
  index: number,
  size: number,
  path: readonly Hash[],
  root: Hash,
  h: Sha256 = defaultSha256,
): Check {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || size < 1)
    return fail('the index and the tree size must be whole numbers, with a tree of at least one entry');
  if (index >= size) return fail(`index ${index} is not in a tree of ${size} entries`);
  if (!isHash(leaf) || !isHash(root) || !path.every(isHash)) return fail('every hash must be 32 bytes');
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return fail('the path is longer than the tree is deep');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r, h);
      if (fn % 2 === 0)
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
    } else r = nodeHash(r, p, h);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return fail('the path is shorter than the tree is deep');
  return equalBytes(r, root) ? OK : fail('the path does not lead to the root hash');
}

/** RFC 9162 2.1.4.2: is the tree (second, secondRoot) an extension of (first, firstRoot)? */
export function verifyConsistency(
  first: number,
  second: number,
  proof: readonly Hash[],
  firstRoot: Hash,
  secondRoot: Hash,
  h: Sha256 = defaultSha256,
): Check {
  if (![first, second].every((n) => Number.isSafeInteger(n) && n >= 0))
    return fail('tree sizes must be whole numbers');
  if (first > second) return fail(`a tree of ${second} entries cannot extend one of ${first}`);
  if (!isHash(firstRoot) || !isHash(secondRoot) || !proof.every(isHash))
    return fail('every hash must be 32 bytes');
  if (first === second)
    return proof.length > 0
      ? fail('trees of the same size need an empty proof')
      : equalBytes(firstRoot, secondRoot)
        ? OK
        : fail('trees of the same size have different root hashes');
  if (first === 0) return proof.length > 0 ? fail('the empty tree needs an empty proof') : OK;
  if (proof.length === 0) return fail('the proof is empty');
  const path = [...proof];
  if (isPowerOfTwo(first)) path.unshift(firstRoot);
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return fail('the proof is longer than needed');
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr, h);
      sr = nodeHash(c, sr, h);
      if (fn % 2 === 0)
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
    } else sr = nodeHash(sr, c, h);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return fail('the proof is shorter than needed');
  if (!equalBytes(fr, firstRoot))
    return fail(`the proof does not lead to the root hash of the tree of ${first}`);
  if (!equalBytes(sr, secondRoot))
    return fail(`the proof does not lead to the root hash of the tree of ${second}`);
  return OK;
}
