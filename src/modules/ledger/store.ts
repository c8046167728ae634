import type { Queryable } from '../../db/index.js';

// bigint columns come back as text (the db layer keeps int8 exact); hashes as bytea.
export interface EntryRow {
  idx: string;
  type: string;
  subject: string;
  entry: string;
  leaf_hash: Uint8Array;
  org_id: string | null;
  public: boolean;
  created_at: string;
}

export interface CheckpointRow {
  id: string;
  origin: string;
  tree_size: string;
  root_hash: Uint8Array;
  signed_time: string;
  signature: Uint8Array;
  public_key: Uint8Array;
  note: string;
}

export interface NewEntryRow {
  idx: number;
  type: string;
  subject: string;
  entry: string;
  leafHash: Uint8Array;
  orgId: string | null;
  public: boolean;
  time: string;
}

/** Bytes from either driver: PGlite gives a Uint8Array, pg a Buffer (also a Uint8Array). */
export const bytes = (x: Uint8Array): Uint8Array => (x instanceof Uint8Array ? x : new Uint8Array(x));
const param = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length);

/** Locks the head row for the rest of the transaction: appends go one at a time. */
export const lockHead = async (tx: Queryable): Promise<number> =>
  Number((await tx.query<{ size: string }>('SELECT size FROM ledger_head WHERE one FOR UPDATE'))[0]!.size);

export const headSize = async (q: Queryable): Promise<number> =>
  Number((await q.query<{ size: string }>('SELECT size FROM ledger_head WHERE one'))[0]!.size);

export const setHead = (tx: Queryable, size: number) =>
  tx.query('UPDATE ledger_head SET size = $1 WHERE one', [size]);

/** Multi-row inserts, a few hundred rows a statement (well under the 65,535 parameters allowed). */
async function insertRows(tx: Queryable, head: string, width: number, rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const values = chunk.map(
      (_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(',')})`,
    );
    await tx.query(`${head} VALUES ${values.join(',')}`, chunk.flat());
  }
}

export const insertEntries = (tx: Queryable, rows: readonly NewEntryRow[]) =>
  insertRows(
    tx,
    'INSERT INTO ledger_entry (idx, type, subject, entry, leaf_hash, org_id, public, created_at)',
    8,
    rows.map((r) => [r.idx, r.type, r.subject, r.entry, param(r.leafHash), r.orgId, r.public, r.time]),
  );

export const insertNodes = (
  tx: Queryable,
  nodes: readonly { level: number; idx: number; hash: Uint8Array }[],
) =>
  insertRows(
    tx,
    'INSERT INTO ledger_node (level, idx, hash)',
    3,
    nodes.map((n) => [n.level, n.idx, param(n.hash)]),
  );

/** Hashes of the given (level, idx) pairs: leaf hashes for level 0, stored nodes above. */
export async function hashesOf(
  q: Queryable,
  keys: readonly [number, number][],
): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const leaves = keys.filter(([l]) => l === 0).map(([, i]) => i);
  const nodes = keys.filter(([l]) => l > 0);
  if (leaves.length > 0)
    for (const r of await q.query<{ idx: string; leaf_hash: Uint8Array }>(
      'SELECT idx, leaf_hash FROM ledger_entry WHERE idx = ANY($1::bigint[])',
      [leaves],
    ))
      out.set(`0:${r.idx}`, bytes(r.leaf_hash));
  if (nodes.length > 0)
    for (const r of await q.query<{ level: number; idx: string; hash: Uint8Array }>(
      `SELECT n.level, n.idx, n.hash FROM ledger_node n
       JOIN unnest($1::smallint[], $2::bigint[]) AS k(level, idx) ON n.level = k.level AND n.idx = k.idx`,
      [nodes.map(([l]) => l), nodes.map(([, i]) => i)],
    ))
      out.set(`${r.level}:${r.idx}`, bytes(r.hash));
  return out;
}

const ENTRY_COLUMNS = 'idx, type, subject, entry, leaf_hash, org_id, public, created_at';

export const entryAt = async (q: Queryable, idx: number) =>
  (await q.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM ledger_entry WHERE idx = $1`, [idx]))[0];

/**
 * Stored nodes that complete within entries [from, to): node (l, i) completes at entry
 * (i + 1) * 2^l - 1. One row per level, the hashes joined in order (as leavesFrom); a level with a
 * gap comes node by node, so that the missing one can be named.
 */
export async function nodesCompletingIn(
  q: Queryable,
  from: number,
  to: number,
  maxLevel: number,
): Promise<{ level: number; idx: number; hash: Uint8Array }[]> {
  const levels: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  for (let l = 1; l <= maxLevel; l++) {
    const first = Math.ceil((from + 1) / 2 ** l) - 1;
    const last = Math.floor(to / 2 ** l) - 1;
    if (last >= first) {
      levels.push(l);
      lo.push(first);
      hi.push(last);
    }
  }
  if (levels.length === 0) return [];
  const rows = await q.query<{ level: number; n: string; first: string | null; hashes: string | null }>(
    `SELECT r.level, count(n.idx) AS n, min(n.idx) AS first,
            encode(string_agg(n.hash, ''::bytea ORDER BY n.idx), 'hex') AS hashes
     FROM unnest($1::smallint[], $2::bigint[], $3::bigint[]) AS r(level, lo, hi)
     LEFT JOIN ledger_node n ON n.level = r.level AND n.idx BETWEEN r.lo AND r.hi
     GROUP BY r.level`,
    [levels, lo, hi],
  );
  const out: { level: number; idx: number; hash: Uint8Array }[] = [];
  for (const r of rows) {
    const i = levels.indexOf(r.level);
    const want = hi[i]! - lo[i]! + 1;
    if (Number(r.n) === want && Number(r.first) === lo[i]) {
      const hashes = Buffer.from(r.hashes ?? '', 'hex');
      for (let k = 0; k < want; k++)
        out.push({ level: r.level, idx: lo[i]! + k, hash: hashes.subarray(32 * k, 32 * k + 32) });
    } else
      for (const n of await q.query<{ idx: string; hash: Uint8Array }>(
        'SELECT idx, hash FROM ledger_node WHERE level = $1 AND idx BETWEEN $2 AND $3',
        [r.level, lo[i], hi[i]],
      ))
        out.push({ level: r.level, idx: Number(n.idx), hash: bytes(n.hash) });
  }
  return out;
}

/** Nodes that no entry accounts for (beyond the entries there are). */
export const nodesBeyond = async (q: Queryable, size: number) =>
  q.query<{ level: number; idx: string }>(
    'SELECT level, idx FROM ledger_node WHERE (idx + 1) * (2::numeric ^ level) > $1 ORDER BY level, idx LIMIT 1',
    [size],
  );

const CHECKPOINT_COLUMNS = 'id, origin, tree_size, root_hash, signed_time, signature, public_key, note';

export const insertCheckpoint = (
  q: Queryable,
  c: {
    origin: string;
    treeSize: number;
    rootHash: Uint8Array;
    time: string;
    signature: Uint8Array;
    publicKey: Uint8Array;
    note: string;
  },
) =>
  q.query(
    `INSERT INTO ledger_checkpoint (origin, tree_size, root_hash, signed_time, signature, public_key, note)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [c.origin, c.treeSize, param(c.rootHash), c.time, param(c.signature), param(c.publicKey), c.note],
  );

export const latestCheckpoint = async (q: Queryable) =>
  (
    await q.query<CheckpointRow>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM ledger_checkpoint ORDER BY tree_size DESC, id DESC LIMIT 1`,
    )
  )[0];

export const checkpointOfSize = async (q: Queryable, size: number) =>
  (
    await q.query<CheckpointRow>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM ledger_checkpoint WHERE tree_size = $1 ORDER BY id DESC LIMIT 1`,
      [size],
    )
  )[0];

export const allCheckpoints = (q: Queryable) =>
  q.query<CheckpointRow>(`SELECT ${CHECKPOINT_COLUMNS} FROM ledger_checkpoint ORDER BY tree_size, id`);

export const recentCheckpoints = (q: Queryable, limit: number) =>
  q.query<CheckpointRow>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM ledger_checkpoint ORDER BY tree_size DESC, id DESC LIMIT $1`,
    [limit],
  );

export const insertNotarization = (
  tx: Queryable,
  idx: number,
  leafHash: Uint8Array,
  docHash: Uint8Array,
  orgId: string | null,
) =>
  tx.query(
    'INSERT INTO ledger_notarization (entry_idx, leaf_hash, doc_hash, org_id) VALUES ($1, $2, $3, $4)',
    [idx, param(leafHash), param(docHash), orgId],
  );

/** The notarisations of a document, with their entries' texts (for the time they state). */
export const notarizationsOf = (q: Queryable, docHash: Uint8Array) =>
  q.query<{ entry_idx: string; created_at: string; entry: string | null }>(
    `SELECT n.entry_idx, n.created_at, e.entry FROM ledger_notarization n
     LEFT JOIN ledger_entry e ON e.idx = n.entry_idx WHERE n.doc_hash = $1 ORDER BY n.entry_idx`,
    [param(docHash)],
  );

/** An entry as verify reads it: the leaf hash input (0x00 || the entry's UTF-8 bytes) and the stored leaf hash. */
export interface LeafRow {
  idx: number;
  input: Uint8Array;
  stored: Uint8Array;
}

/**
 * Entries [from, from + limit) for verify, in one row per page: the texts joined (each cut out by
 * its byte length, not by a separator, which a changed text could contain), the leaf hashes and the
 * lengths as hex. Several times faster than a row per entry on PGlite and on a server. The 0x00
 * prefix of each leaf input is written over the byte before the entry, so no entry is copied.
 * A page with a gap is read row by row, so that the missing entry can be named.
 */
export async function leavesFrom(q: Queryable, from: number, limit: number): Promise<LeafRow[]> {
  const [page] = await q.query<{
    n: string;
    last: string | null;
    entries: string | null;
    leaves: string | null;
    lengths: string | null;
  }>(
    `SELECT count(*) AS n, max(idx) AS last, string_agg(entry, E'\\n' ORDER BY idx) AS entries,
            encode(string_agg(leaf_hash, ''::bytea ORDER BY idx), 'hex') AS leaves,
            encode(string_agg(int4send(octet_length(entry)), ''::bytea ORDER BY idx), 'hex') AS lengths
     FROM ledger_entry WHERE idx >= $1 AND idx < $2`,
    [from, from + limit],
  );
  const n = Number(page!.n);
  if (n === 0) return [];
  if (Number(page!.last) !== from + n - 1) {
    const zero = Buffer.from([0]);
    return (
      await q.query<{ idx: string; entry: string; leaf_hash: Uint8Array }>(
        'SELECT idx, entry, leaf_hash FROM ledger_entry WHERE idx >= $1 AND idx < $2 ORDER BY idx',
        [from, from + limit],
      )
    ).map((r) => ({
      idx: Number(r.idx),
      input: Buffer.concat([zero, Buffer.from(r.entry, 'utf8')]),
      stored: bytes(r.leaf_hash),
    }));
  }
  const text = page!.entries ?? '';
  const buf = Buffer.allocUnsafe(Buffer.byteLength(text) + 1);
  buf.write(text, 1);
  const leaves = Buffer.from(page!.leaves ?? '', 'hex');
  const lengths = Buffer.from(page!.lengths ?? '', 'hex');
  const rows: LeafRow[] = [];
  for (let k = 0, start = 1; k < n; k++) {
    const end = start + lengths.readInt32BE(4 * k);
    buf[start - 1] = 0;
    rows.push({
      idx: from + k,
      input: buf.subarray(start - 1, end),
      stored: leaves.subarray(32 * k, 32 * k + 32),
    });
    start = end + 1;
  }
  return rows;
}
