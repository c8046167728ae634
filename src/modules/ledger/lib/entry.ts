import canonicalize from 'canonicalize';
import { leafHash, type Hash, type Sha256, defaultSha256 } from './merkle.js';

/** What a ledger entry says: hashed as the RFC 8785 canonical JSON of these four fields. */
export interface LedgerEntry {
  type: string;
  subject: string;
  /** ISO 8601, UTC, milliseconds. */
  time: string;
  body: unknown;
}

/** The canonical JSON text of an entry: the same entry always gives the same bytes. */
export function canonicalEntry(entry: LedgerEntry): string {
  const text = canonicalize({ type: entry.type, subject: entry.subject, time: entry.time, body: entry.body });
  if (text === undefined) throw new Error('the entry cannot be written as JSON');
  return text;
}

const utf8 = new TextEncoder();

export function entryLeafHash(canonicalText: string, h: Sha256 = defaultSha256): Hash {
  return leafHash(utf8.encode(canonicalText), h);
}

/** Reads a stored entry text back, and says whether it is in canonical form. */
export function parseEntry(text: string): { entry: LedgerEntry; canonical: boolean } | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (typeof v['type'] !== 'string' || typeof v['subject'] !== 'string' || typeof v['time'] !== 'string')
    return null;
  const entry: LedgerEntry = { type: v['type'], subject: v['subject'], time: v['time'], body: v['body'] };
  let canonical: boolean;
  try {
    canonical = canonicalEntry(entry) === text && Object.keys(v).length === 4;
  } catch {
    canonical = false; // RFC 8785 refuses some texts JSON allows (a lone surrogate); never throw
  }
  return { entry, canonical };
}
