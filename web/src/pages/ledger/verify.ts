/**
 * Checks made in the browser with the ledger's own verification library (pure: @noble/hashes,
 * @noble/curves, canonicalize), the same code the server and the CLI use.
 */
import {
  canonicalEntry,
  checkInclusionProof,
  defaultSha256,
  toHex,
} from '../../../../src/modules/ledger/lib/index.js';
import type { LedgerEntry, LedgerProof } from '../../api';

/** The outcome of "verify in this browser": a reason from the library, or an i18n key of ours. */
export type Verification =
  | { ok: true; index: number; treeSize: number; key: string }
  | { ok: false; reason: string }
  | { ok: false; reasonKey: string; values: Record<string, string | number> };

/**
 * Entry `index` as shown (`entry`) is in the tree the proof leads to, and that tree's root is in a
 * checkpoint signed by one of `trustedKeys`. Never throws.
 */
export function verifyEntry(
  index: number,
  entry: LedgerEntry,
  proof: LedgerProof,
  trustedKeys: readonly string[],
): Verification {
  // The library checks: entry text → leaf hash, audit path → root hash, checkpoint signature by a
  // trusted key, checkpoint of the same size and root.
  const check = checkInclusionProof(proof, { trustedKeys });
  if (!check.ok) return { ok: false, reason: check.reason ?? 'unknown' };
  // The proof must be about this entry, and about what the page shows of it.
  if (proof.index !== index)
    return {
      ok: false,
      reasonKey: 'ledgerEntry.verify.otherIndex',
      values: { got: proof.index, want: index },
    };
  let shown: string | null;
  try {
    shown = canonicalEntry({ type: entry.type, subject: entry.subject, time: entry.time, body: entry.body });
  } catch {
    shown = null;
  }
  if (shown !== proof.entry || entry.entry !== proof.entry || entry.leafHash !== proof.leafHash)
    return { ok: false, reasonKey: 'ledgerEntry.verify.entryMismatch', values: {} };
  return { ok: true, index, treeSize: proof.treeSize, key: proof.checkpoint?.publicKey ?? '' };
}

/**
 * The SHA-256 of a file's bytes, lower-case hex, computed here: Web Crypto, or the library's
 * SHA-256 where the page is not a secure context (plain http on a LAN address has no crypto.subtle).
 */
export async function sha256Hex(data: ArrayBuffer): Promise<string> {
  const subtle = globalThis.crypto?.subtle as SubtleCrypto | undefined;
  const digest = subtle
    ? new Uint8Array(await subtle.digest('SHA-256', data))
    : defaultSha256(new Uint8Array(data));
  return toHex(digest);
}
