/** The unit engine's SQL. bigint columns come back as text; they are passed back as text too. */
import type { Queryable } from '../../../db/index.js';
import type { AccountKind, AccountRow, SerialRange, UnitState } from './contract.js';
import type { Adjustment, EBlock, MovedRange } from './engine.js';

export interface AccountDbRow {
  id: string;
  number: string;
  org_id: string;
  kind: AccountKind;
  national: boolean;
  name: string;
  closed_at: string | null;
  created_at: Date | string;
  org_slug: string;
  org_name: string;
}

export const accountRow = (r: Omit<AccountDbRow, 'created_at' | 'org_slug' | 'org_name'>): AccountRow => ({
  id: r.id,
  number: r.number,
  orgId: r.org_id,
  kind: r.kind,
  national: r.national,
  name: r.name,
});

const ACCOUNT_SELECT = `SELECT a.id, a.number, a.org_id, a.kind, a.national, a.name, a.closed_at, a.created_at,
  o.slug AS org_slug, o.name AS org_name FROM registry_account a JOIN organisation o ON o.id = a.org_id`;

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function accountBy(q: Queryable, idOrNumber: string): Promise<AccountDbRow | undefined> {
  const byId = UUID_RE.test(idOrNumber);
  return (
    await q.query<AccountDbRow>(`${ACCOUNT_SELECT} WHERE ${byId ? 'a.id = $1::uuid' : 'a.number = $1'}`, [
      idOrNumber,
    ])
  )[0];
}

/** Accounts by number, each with whether its organisation already used an idempotency key: one round trip. */
export async function accountsWithKey(
  q: Queryable,
  numbers: string[],
  key: string | null,
): Promise<(AccountDbRow & { key_used: boolean })[]> {
  return q.query<AccountDbRow & { key_used: boolean }>(
    `SELECT a.id, a.number, a.org_id, a.kind, a.national, a.name, a.closed_at, a.created_at,
       o.slug AS org_slug, o.name AS org_name,
       ($2::text IS NOT NULL AND EXISTS (SELECT 1 FROM registry_transaction t WHERE t.org_id = a.org_id AND t.idempotency_key = $2)) AS key_used
     FROM registry_account a JOIN organisation o ON o.id = a.org_id WHERE a.number = ANY($1::text[])`,
    [numbers, key],
  );
}

export async function accountsByNumbers(q: Queryable, numbers: string[]): Promise<AccountDbRow[]> {
  return q.query<AccountDbRow>(`${ACCOUNT_SELECT} WHERE a.number = ANY($1::text[])`, [numbers]);
}

export async function listAccounts(q: Queryable, orgIds: string[] | null): Promise<AccountDbRow[]> {
  return orgIds === null
    ? q.query<AccountDbRow>(`${ACCOUNT_SELECT} ORDER BY o.slug, a.number LIMIT 5000`)
    : q.query<AccountDbRow>(`${ACCOUNT_SELECT} WHERE a.org_id = ANY($1::uuid[]) ORDER BY o.slug, a.number`, [
        orgIds,
      ]);
}

/** The oldest open account of an organisation of a kind, or undefined. */
export async function firstAccount(
  q: Queryable,
  orgId: string,
  kind: AccountKind,
  national: boolean,
): Promise<AccountDbRow | undefined> {
  return (
    await q.query<AccountDbRow>(
      `${ACCOUNT_SELECT} WHERE a.org_id = $1 AND a.kind = $2 AND a.national = $3 AND a.closed_at IS NULL
       ORDER BY a.created_at, a.number LIMIT 1`,
      [orgId, kind, national],
    )
  )[0];
}

export async function nationalAccount(q: Queryable, kind: AccountKind): Promise<AccountDbRow | undefined> {
  return (
    await q.query<AccountDbRow>(
      `${ACCOUNT_SELECT} WHERE a.kind = $1 AND a.national AND a.closed_at IS NULL ORDER BY a.created_at, a.number LIMIT 1`,
      [kind],
    )
  )[0];
}

/** Serialises account creation for one organisation and kind within the transaction. */
export const lockAccountKind = (tx: Queryable, orgId: string, kind: AccountKind) =>
  tx.query(`SELECT pg_advisory_xact_lock(hashtext('registry_account:' || $1 || ':' || $2))`, [orgId, kind]);

export async function nextAccountSeq(tx: Queryable): Promise<bigint> {
  return BigInt((await tx.query<{ n: string }>(`SELECT nextval('registry_account_seq') AS n`))[0]!.n);
}

export async function insertAccount(
  tx: Queryable,
  a: { number: string; orgId: string; kind: AccountKind; national: boolean; name: string },
): Promise<string> {
  return (
    await tx.query<{ id: string }>(
      'INSERT INTO registry_account (number, org_id, kind, national, name) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [a.number, a.orgId, a.kind, a.national, a.name],
    )
  )[0]!.id;
}

export interface IssuanceInfo {
  id: string;
  projectId: string;
  projectCode: string;
  projectName: string;
  hostCountry: string;
  vintage: number;
  unitType: string;
}

export async function issuanceInfo(q: Queryable, ids: string[]): Promise<IssuanceInfo[]> {
  return q.query<IssuanceInfo>(
    `SELECT i.id, i.project_id AS "projectId", p.code AS "projectCode", p.name AS "projectName",
       p.host_country AS "hostCountry", i.vintage, i.unit_type AS "unitType"
     FROM registry_issuance i JOIN registry_project p ON p.id = i.project_id WHERE i.id = ANY($1::uuid[])`,
    [ids],
  );
}

export interface BlockDbRow {
  id: string;
  issuance_id: string;
  serial_start: string;
  serial_end: string;
  account_id: string;
  state: UnitState;
  authorization_id: string | null;
  first_transferred: boolean;
}

const BLOCK_COLUMNS =
  'b.id, b.issuance_id, b.serial_start, b.serial_end, b.account_id, b.state, b.authorization_id, b.first_transferred';

export const eblock = (r: BlockDbRow): EBlock => ({
  id: r.id,
  issuanceId: r.issuance_id,
  start: BigInt(r.serial_start),
  end: BigInt(r.serial_end),
  accountId: r.account_id,
  state: r.state,
  authorizationId: r.authorization_id,
  firstTransferred: r.first_transferred,
});

const rangeArrays = (ranges: readonly SerialRange[]) => [
  ranges.map((r) => r.start.toString()),
  ranges.map((r) => r.end.toString()),
];

/** Blocks overlapping any of the ranges, in serial order; locked FOR UPDATE when `lock`. */
export async function blocksOverlapping(
  q: Queryable,
  ranges: readonly SerialRange[],
  lock: boolean,
): Promise<EBlock[]> {
  const rows = await q.query<BlockDbRow>(
    `SELECT ${BLOCK_COLUMNS} FROM registry_block b
     JOIN unnest($1::bigint[], $2::bigint[]) AS r(s, e)
       ON int8range(b.serial_start, b.serial_end, '[]') && int8range(r.s, r.e, '[]')
     ORDER BY b.serial_start${lock ? ' FOR UPDATE OF b' : ''}`,
    rangeArrays(ranges),
  );
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(r.id) && seen.add(r.id)).map(eblock);
}

/** The lowest-serial blocks of an issuance in an account and state that hold `quantity` units, locked. */
export async function lockLowest(
  tx: Queryable,
  issuanceId: string,
  accountId: string,
  state: UnitState,
  quantity: bigint,
): Promise<EBlock[]> {
  const rows = await tx.query<BlockDbRow>(
    `SELECT ${BLOCK_COLUMNS} FROM registry_block b
     WHERE b.id IN (
       SELECT id FROM (
         SELECT id, sum(serial_end - serial_start + 1) OVER (ORDER BY serial_start) - (serial_end - serial_start + 1) AS before
         FROM registry_block WHERE issuance_id = $1 AND account_id = $2 AND state = $3) s
       WHERE before < $4::bigint)
       AND b.account_id = $2 AND b.state = $3
     ORDER BY b.serial_start FOR UPDATE OF b`,
    [issuanceId, accountId, state, quantity.toString()],
  );
  return rows.map(eblock);
}

export async function lockBlock(tx: Queryable, id: string): Promise<EBlock | undefined> {
  const r = (
    await tx.query<BlockDbRow>(`SELECT ${BLOCK_COLUMNS} FROM registry_block b WHERE b.id = $1 FOR UPDATE`, [
      id,
    ])
  )[0];
  return r && eblock(r);
}

const blockArrays = (bs: readonly EBlock[]) => [
  bs.map((b) => b.id),
  bs.map((b) => b.start.toString()),
  bs.map((b) => b.end.toString()),
  bs.map((b) => b.accountId),
  bs.map((b) => b.state),
  bs.map((b) => b.authorizationId),
  bs.map((b) => b.firstTransferred),
];

/** Writes a plan: first the kept parts (which only shrink), then the new parts in the freed serials. */
export async function writeBlocks(
  tx: Queryable,
  updates: readonly EBlock[],
  inserts: readonly EBlock[],
): Promise<void> {
  if (updates.length > 0)
    await tx.query(
      `UPDATE registry_block b SET serial_start = u.s, serial_end = u.e, account_id = u.a, state = u.st,
         authorization_id = u.au, first_transferred = u.ft, updated_at = now()
       FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::uuid[], $5::text[], $6::uuid[], $7::boolean[])
         AS u(id, s, e, a, st, au, ft)
       WHERE b.id = u.id`,
      blockArrays(updates),
    );
  if (inserts.length > 0)
    await tx.query(
      `INSERT INTO registry_block (id, serial_start, serial_end, account_id, state, authorization_id, first_transferred, issuance_id)
       SELECT u.id, u.s, u.e, u.a, u.st, u.au, u.ft, u.iss
       FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::uuid[], $5::text[], $6::uuid[], $7::boolean[], $8::uuid[])
         AS u(id, s, e, a, st, au, ft, iss)`,
      [...blockArrays(inserts), inserts.map((b) => b.issuanceId)],
    );
}

export interface NewTransaction {
  id: string;
  kind: string;
  fromAccount: string | null;
  toAccount: string | null;
  quantity: bigint;
  orgId: string | null;
  actor: string;
  details: Record<string, unknown>;
  idempotencyKey: string | null;
  requestSha256: string | null;
  ledgerIndex: number;
  leafHash: string;
  ranges: readonly MovedRange[];
  adjustments: readonly (Adjustment & { hostCountry: string })[];
}

/** The transaction, its ranges and its corresponding adjustments: one statement. */
export async function insertTransaction(tx: Queryable, t: NewTransaction): Promise<void> {
  await tx.query(
    `WITH t AS (
       INSERT INTO registry_transaction (id, kind, from_account, to_account, quantity, org_id, actor, details,
         idempotency_key, request_sha256, ledger_index, leaf_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, decode($12, 'hex')) RETURNING id),
     r AS (
       INSERT INTO registry_transaction_range (transaction_id, issuance_id, serial_start, serial_end)
       SELECT $1, u.i, u.s, u.e FROM unnest($13::uuid[], $14::bigint[], $15::bigint[]) AS u(i, s, e))
     INSERT INTO registry_corresponding_adjustment (transaction_id, authorization_id, host_country, serial_start, serial_end)
     SELECT $1, u.a, u.h, u.s, u.e FROM unnest($16::uuid[], $17::text[], $18::bigint[], $19::bigint[]) AS u(a, h, s, e)`,
    [
      t.id,
      t.kind,
      t.fromAccount,
      t.toAccount,
      t.quantity.toString(),
      t.orgId,
      t.actor,
      JSON.stringify(t.details),
      t.idempotencyKey,
      t.requestSha256,
      t.ledgerIndex,
      t.leafHash,
      t.ranges.map((r) => r.issuanceId),
      t.ranges.map((r) => r.start.toString()),
      t.ranges.map((r) => r.end.toString()),
      t.adjustments.map((a) => a.authorizationId),
      t.adjustments.map((a) => a.hostCountry),
      t.adjustments.map((a) => a.start.toString()),
      t.adjustments.map((a) => a.end.toString()),
    ],
  );
}

export interface TransactionDbRow {
  id: string;
  kind: string;
  from_account: string | null;
  to_account: string | null;
  from_number: string | null;
  to_number: string | null;
  quantity: string;
  org_id: string | null;
  actor: string;
  details: Record<string, unknown> | string;
  idempotency_key: string | null;
  request_sha256: string | null;
  ledger_index: string | null;
  leaf_hash: string | null;
  created_at: Date | string;
}

const TX_SELECT = `SELECT t.id, t.kind, t.from_account, t.to_account, fa.number AS from_number, ta.number AS to_number,
  t.quantity, t.org_id, t.actor, t.details, t.idempotency_key, t.request_sha256, t.ledger_index,
  encode(t.leaf_hash, 'hex') AS leaf_hash, t.created_at
  FROM registry_transaction t
  LEFT JOIN registry_account fa ON fa.id = t.from_account
  LEFT JOIN registry_account ta ON ta.id = t.to_account`;

export async function transactionById(q: Queryable, id: string): Promise<TransactionDbRow | undefined> {
  if (!UUID_RE.test(id)) return undefined;
  return (await q.query<TransactionDbRow>(`${TX_SELECT} WHERE t.id = $1`, [id]))[0];
}

export async function transactionByKey(
  q: Queryable,
  orgId: string,
  key: string,
): Promise<TransactionDbRow | undefined> {
  return (
    await q.query<TransactionDbRow>(`${TX_SELECT} WHERE t.org_id = $1 AND t.idempotency_key = $2`, [
      orgId,
      key,
    ])
  )[0];
}

export interface TransactionFilter {
  /** Only transactions touching these accounts (null: all). */
  accountIds: string[] | null;
  kind?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  /** Only transactions of these accounts' organisations (visibility), null for all. */
  limit: number;
  /** created_at|id of the last row of the previous page. */
  before?: { createdAt: string; id: string } | undefined;
}

export async function listTransactions(q: Queryable, f: TransactionFilter): Promise<TransactionDbRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.accountIds !== null) {
    const a = p(f.accountIds);
    where.push(`(t.from_account = ANY(${a}::uuid[]) OR t.to_account = ANY(${a}::uuid[]))`);
  }
  if (f.kind) where.push(`t.kind = ${p(f.kind)}`);
  if (f.since) where.push(`t.created_at >= ${p(f.since)}::timestamptz`);
  if (f.until) where.push(`t.created_at < ${p(f.until)}::timestamptz`);
  if (f.before)
    where.push(`(t.created_at, t.id) < (${p(f.before.createdAt)}::timestamptz, ${p(f.before.id)}::uuid)`);
  return q.query<TransactionDbRow>(
    `${TX_SELECT} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY t.created_at DESC, t.id DESC LIMIT ${p(f.limit)}`,
    params,
  );
}

export interface RangeDbRow {
  transaction_id: string;
  issuance_id: string;
  serial_start: string;
  serial_end: string;
}

export async function rangesOf(q: Queryable, txIds: string[]): Promise<RangeDbRow[]> {
  return q.query<RangeDbRow>(
    `SELECT transaction_id, issuance_id, serial_start, serial_end FROM registry_transaction_range
     WHERE transaction_id = ANY($1::uuid[]) ORDER BY serial_start`,
    [txIds],
  );
}

/** Every transaction one of whose ranges holds a serial of [start, end], oldest first. */
export async function historyOf(q: Queryable, range: SerialRange): Promise<TransactionDbRow[]> {
  return q.query<TransactionDbRow>(
    `${TX_SELECT} WHERE t.id IN (SELECT transaction_id FROM registry_transaction_range
       WHERE int8range(serial_start, serial_end, '[]') && int8range($1::bigint, $2::bigint, '[]'))
     ORDER BY t.created_at, t.ledger_index NULLS FIRST, t.id`,
    [range.start.toString(), range.end.toString()],
  );
}

export async function blocksOfAccount(q: Queryable, accountId: string): Promise<EBlock[]> {
  return (
    await q.query<BlockDbRow>(
      `SELECT ${BLOCK_COLUMNS} FROM registry_block b WHERE b.account_id = $1 ORDER BY b.serial_start LIMIT 20000`,
      [accountId],
    )
  ).map(eblock);
}

export async function orgIdBySlug(q: Queryable, slug: string): Promise<string | undefined> {
  return (await q.query<{ id: string }>('SELECT id FROM organisation WHERE slug = $1', [slug]))[0]?.id;
}

export interface LedgerEntryRow {
  type: string;
  subject: string;
  /** The canonical entry text. */
  entry: string;
  leafHash: Uint8Array;
  orgId: string | null;
  public: boolean;
  time: string;
}

/** registry_commit's arguments after the blocks: the transaction, its ranges and adjustments, the entry. */
function commitParams(
  updates: readonly EBlock[],
  inserts: readonly EBlock[],
  t: Omit<NewTransaction, 'ledgerIndex' | 'leafHash'>,
  e: LedgerEntryRow,
): unknown[] {
  return [
    ...blockArrays(updates),
    ...blockArrays(inserts),
    inserts.map((b) => b.issuanceId),
    t.id,
    t.kind,
    t.fromAccount,
    t.toAccount,
    t.quantity.toString(),
    t.orgId,
    t.actor,
    JSON.stringify(t.details),
    t.idempotencyKey,
    t.requestSha256,
    t.ranges.map((r) => r.issuanceId),
    t.ranges.map((r) => r.start.toString()),
    t.ranges.map((r) => r.end.toString()),
    t.adjustments.map((a) => a.authorizationId),
    t.adjustments.map((a) => a.hostCountry),
    t.adjustments.map((a) => a.start.toString()),
    t.adjustments.map((a) => a.end.toString()),
    e.type,
    e.subject,
    e.entry,
    Buffer.from(e.leafHash.buffer, e.leafHash.byteOffset, e.leafHash.length),
    e.orgId,
    e.public,
    e.time,
  ];
}
const BLOCK_CASTS = ['uuid[]', 'bigint[]', 'bigint[]', 'uuid[]', 'text[]', 'uuid[]', 'boolean[]'];
const COMMIT_CASTS = [
  ...BLOCK_CASTS,
  ...BLOCK_CASTS,
  'uuid[]',
  'uuid',
  'text',
  'uuid',
  'uuid',
  'bigint',
  'uuid',
  'text',
  'json',
  'text',
  'text',
  'uuid[]',
  'bigint[]',
  'bigint[]',
  'uuid[]',
  'text[]',
  'bigint[]',
  'bigint[]',
  'text',
  'text',
  'text',
  'bytea',
  'uuid',
  'boolean',
  'timestamptz',
];
const argList = (casts: readonly string[]) => casts.map((c, i) => `$${i + 1}::${c}`).join(', ');
const COMMIT_SQL = `SELECT registry_commit(${argList([...COMMIT_CASTS, 'boolean'])}) AS idx`;
const MOVE_COMMIT_SQL = `SELECT registry_move_commit(${argList([...BLOCK_CASTS, ...COMMIT_CASTS])}) AS idx`;

/** Blocks, ledger entry, transaction, ranges and adjustments in one call of registry_commit; the entry's index. */
export async function commit(
  tx: Queryable,
  updates: readonly EBlock[],
  inserts: readonly EBlock[],
  t: Omit<NewTransaction, 'ledgerIndex' | 'leafHash'>,
  e: LedgerEntryRow,
  /** Append the ledger entry when the database transaction commits: the index is read afterwards. */
  defer = false,
): Promise<number | null> {
  const params = [...commitParams(updates, inserts, t, e), defer];
  const row = (await tx.query<{ idx: string | null }>(COMMIT_SQL, params))[0]!;
  return row.idx === null ? null : Number(row.idx);
}

/**
 * registry_move_commit: as commit() with the entry appended now, in a statement that is its own
 * transaction, once it has locked `read` (the blocks the plan was made from) and found them
 * unchanged; null, with nothing written, when one changed.
 */
export async function commitUnchanged(
  q: Queryable,
  read: readonly EBlock[],
  updates: readonly EBlock[],
  inserts: readonly EBlock[],
  t: Omit<NewTransaction, 'ledgerIndex' | 'leafHash'>,
  e: LedgerEntryRow,
): Promise<number | null> {
  const params = [...blockArrays(read), ...commitParams(updates, inserts, t, e)];
  const row = (await q.query<{ idx: string | null }>(MOVE_COMMIT_SQL, params))[0]!;
  return row.idx === null ? null : Number(row.idx);
}

interface MoveReadRow {
  r_block: boolean;
  r_id: string;
  r_number: string;
  r_org_id: string;
  r_kind: AccountKind;
  r_national: boolean;
  r_name: string;
  r_closed_at: string | null;
  r_issuance_id: string;
  r_serial_start: string;
  r_serial_end: string;
  r_account_id: string;
  r_state: UnitState;
  r_authorization_id: string | null;
  r_first_transferred: boolean;
}

/** An account as the unit engine needs it (AccountDbRow without its organisation's names). */
export type AccountBase = Omit<AccountDbRow, 'created_at' | 'org_slug' | 'org_name'>;

/**
 * In one statement without locks (registry_move_read): two accounts by number, and the
 * lowest-serial blocks of an issuance in the `from` account and `state` that hold `quantity`.
 */
export async function moveRead(
  q: Queryable,
  from: string,
  to: string,
  issuanceId: string,
  state: UnitState,
  quantity: bigint,
): Promise<{ accounts: AccountBase[]; blocks: EBlock[] }> {
  const rows = await q.query<MoveReadRow>(
    'SELECT * FROM registry_move_read($1::text, $2::text, $3::uuid, $4::text, $5::bigint)',
    [from, to, issuanceId, state, quantity.toString()],
  );
  const accounts: AccountBase[] = [];
  const blocks: EBlock[] = [];
  for (const r of rows)
    if (r.r_block)
      blocks.push({
        id: r.r_id,
        issuanceId: r.r_issuance_id,
        start: BigInt(r.r_serial_start),
        end: BigInt(r.r_serial_end),
        accountId: r.r_account_id,
        state: r.r_state,
        authorizationId: r.r_authorization_id,
        firstTransferred: r.r_first_transferred,
      });
    else
      accounts.push({
        id: r.r_id,
        number: r.r_number,
        org_id: r.r_org_id,
        kind: r.r_kind,
        national: r.r_national,
        name: r.r_name,
        closed_at: r.r_closed_at,
      });
  return { accounts, blocks };
}

/** The ledger index of committed transactions (appended at commit). */
export async function ledgerIndexes(q: Queryable, ids: string[]): Promise<Map<string, number>> {
  const rows = await q.query<{ id: string; ledger_index: string | null }>(
    'SELECT id, ledger_index FROM registry_transaction WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return new Map(rows.filter((r) => r.ledger_index !== null).map((r) => [r.id, Number(r.ledger_index)]));
}
