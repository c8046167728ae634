import type { Db, Queryable } from '../../db/index.js';

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

export const entriesFrom = (q: Queryable, from: number, limit: number) =>
  q.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM ledger_entry WHERE idx >= $1 ORDER BY idx LIMIT $2`, [
    from,
    limit,
  ]);

export const entriesOf = (q: Queryable, type: string, subject: string) =>
  q.query<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM ledger_entry WHERE type = $1 AND subject = $2 ORDER BY idx`,
    [type, subject],
  );

export const entryCount = async (q: Queryable) =>
  Number((await q.query<{ n: string; last: string | null }>('SELECT count(*) AS n FROM ledger_entry'))[0]!.n);

/**
 * Stored nodes that complete within entries [from, to): node (l, i) completes at entry
 * (i + 1) * 2^l - 1. Through binary COPY on PGlite, as leavesFrom.
 */
export async function nodesCompletingIn(
  q: Queryable & Pick<Db, 'copyOutBinary'>,
  from: number,
  to: number,
  maxLevel: number,
): Promise<{ level: number; idx: number; hash: Uint8Array }[]> {
  const ranges: string[] = [];
  for (let l = 1; l <= maxLevel; l++) {
    const first = Math.ceil((from + 1) / 2 ** l) - 1;
    const last = Math.floor(to / 2 ** l) - 1;
    if (last >= first) ranges.push(`(level = ${l} AND idx BETWEEN ${first} AND ${last})`);
  }
  if (ranges.length === 0) return [];
  const select = `SELECT level, idx, hash FROM ledger_node WHERE ${ranges.join(' OR ')}`;
  if (!q.copyOutBinary)
    return (await q.query<{ level: number; idx: string; hash: Uint8Array }>(select)).map((r) => ({
      level: r.level,
      idx: Number(r.idx),
      hash: bytes(r.hash),
    }));
  const raw = await q.copyOutBinary(select);
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  if (!buf.subarray(0, 11).equals(COPY_SIGNATURE)) throw new Error('not a PostgreSQL binary COPY');
  let at = 15;
  at += 4 + buf.readInt32BE(at);
  const out: { level: number; idx: number; hash: Uint8Array }[] = [];
  for (;;) {
    const fields = buf.readInt16BE(at);
    at += 2;
    if (fields === -1) break;
    const level = buf.readInt16BE(at + 4);
    const idx = Number(buf.readBigInt64BE(at + 10));
    at += 18;
    const n = buf.readInt32BE(at);
    out.push({ level, idx, hash: buf.subarray(at + 4, at + 4 + n) });
    at += 4 + n;
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

export const notarizationsOf = (q: Queryable, docHash: Uint8Array) =>
  q.query<{ entry_idx: string; created_at: string }>(
    'SELECT entry_idx, created_at FROM ledger_notarization WHERE doc_hash = $1 ORDER BY entry_idx',
    [param(docHash)],
  );

/** An entry as verify reads it: the leaf hash input (0x00 || the entry's UTF-8 bytes) and the stored leaf hash. */
export interface LeafRow {
  idx: number;
  input: Uint8Array;
  stored: Uint8Array;
}

const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * Entries [from, from + limit) for verify. On PGlite through binary COPY (several times faster
 * than the row protocol); the leaf input is cut from the COPY buffer without a copy, by writing
 * the 0x00 prefix over the last byte of the field's length, which is read by then.
 */
export async function leavesFrom(
  q: Queryable & Pick<Db, 'copyOutBinary'>,
  from: number,
  limit: number,
): Promise<LeafRow[]> {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(limit))
    throw new Error('from and limit must be integers');
  const select = `SELECT idx, entry, leaf_hash FROM ledger_entry WHERE idx >= ${from} ORDER BY idx LIMIT ${limit}`;
  if (!q.copyOutBinary) {
    const zero = Buffer.from([0]);
    return (await q.query<{ idx: string; entry: string; leaf_hash: Uint8Array }>(select)).map((r) => ({
      idx: Number(r.idx),
      input: Buffer.concat([zero, Buffer.from(r.entry, 'utf8')]),
      stored: bytes(r.leaf_hash),
    }));
  }
  const raw = await q.copyOutBinary(select);
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  if (!buf.subarray(0, 11).equals(COPY_SIGNATURE)) throw new Error('not a PostgreSQL binary COPY');
  let at = 15;
  at += 4 + buf.readInt32BE(at); // header extension
  const rows: LeafRow[] = [];
  for (;;) {
    const fields = buf.readInt16BE(at);
    at += 2;
    if (fields === -1) break;
    if (fields !== 3) throw new Error(`binary COPY: a row of ${fields} fields`);
    const idx = Number(buf.readBigInt64BE(at + 4));
    at += 12;
    const textLength = buf.readInt32BE(at);
    at += 4;
    buf[at - 1] = 0;
    const input = buf.subarray(at - 1, at + textLength);
    at += textLength;
    const leafLength = buf.readInt32BE(at);
    at += 4;
    rows.push({ idx, input, stored: buf.subarray(at, at + leafLength) });
    at += leafLength;
  }
  return rows;
}
