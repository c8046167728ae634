import type { Queryable } from '../../../db/index.js';

export interface PeerRow {
  code: string;
  name: string;
  base_url: string;
  public_key: string;
  client_id: string | null;
  secret_enc: string | null;
  inbound_client_id: string;
  org_id: string;
  created_at: Date;
  updated_at: Date;
}

export interface OutgoingRow {
  id: string;
  peer_code: string;
  to_account: string;
  from_account_id: string;
  from_account_number: string;
  org_id: string;
  quantity: string;
  ranges: { start: string; end: string; issuanceId: string; serial: string }[];
  message: Record<string, unknown>;
  message_sha256: string;
  state: 'pending' | 'exported' | 'reverted';
  answer: Record<string, unknown> | null;
  reason: string | null;
  attempts: number;
  last_error: string | null;
  last_attempt_at: Date | null;
  actor: string;
  idempotency_key: string | null;
  request_sha256: string | null;
  ledger_index: string | null;
  leaf_hash: Uint8Array | null;
  completion_ledger_index: string | null;
  completion_leaf_hash: Uint8Array | null;
  created_at: Date;
  completed_at: Date | null;
}

export interface IncomingRow {
  id: string;
  from_registry: string;
  transfer_id: string;
  to_account: string;
  to_account_id: string | null;
  org_id: string | null;
  quantity: string;
  state: 'accepted' | 'rejected';
  reason: string | null;
  message: Record<string, unknown>;
  message_sha256: string;
  answer: Record<string, unknown>;
  mirrors: { originSerial: string; serial: string; quantity: string }[];
  ledger_index: string | null;
  leaf_hash: Uint8Array | null;
  created_at: Date;
}

/* ---------- peers ---------- */

export const peers = (q: Queryable) => q.query<PeerRow>('SELECT * FROM registry_interop_peer ORDER BY code');

export const peer = async (q: Queryable, code: string) =>
  (await q.query<PeerRow>('SELECT * FROM registry_interop_peer WHERE code = $1', [code]))[0];

export const peerByInboundClient = async (q: Queryable, clientId: string) =>
  (await q.query<PeerRow>('SELECT * FROM registry_interop_peer WHERE inbound_client_id = $1', [clientId]))[0];

export async function insertPeer(
  q: Queryable,
  p: {
    code: string;
    name: string;
    baseUrl: string;
    publicKey: string;
    clientId: string | null;
    secretEnc: string | null;
    inboundClientId: string;
    orgId: string;
    createdBy: string;
  },
): Promise<void> {
  await q.query(
    `INSERT INTO registry_interop_peer
       (code, name, base_url, public_key, client_id, secret_enc, inbound_client_id, org_id, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      p.code,
      p.name,
      p.baseUrl,
      p.publicKey,
      p.clientId,
      p.secretEnc,
      p.inboundClientId,
      p.orgId,
      p.createdBy,
    ],
  );
}

export async function updatePeer(
  q: Queryable,
  code: string,
  p: { name: string; baseUrl: string; publicKey: string; clientId: string | null; secretEnc: string | null },
): Promise<void> {
  await q.query(
    `UPDATE registry_interop_peer
        SET name = $2, base_url = $3, public_key = $4, client_id = $5, secret_enc = $6, updated_at = now()
      WHERE code = $1`,
    [code, p.name, p.baseUrl, p.publicKey, p.clientId, p.secretEnc],
  );
}

export async function setPeerLedger(q: Queryable, code: string, index: number, leaf: Buffer): Promise<void> {
  await q.query('UPDATE registry_interop_peer SET ledger_index = $2, leaf_hash = $3 WHERE code = $1', [
    code,
    index,
    leaf,
  ]);
}

/* ---------- outgoing ---------- */

const OUT_COLS = `o.*, a.number AS from_account_number`;
const OUT_FROM = `registry_interop_outgoing o JOIN registry_account a ON a.id = o.from_account_id`;

export const outgoing = async (q: Queryable, id: string, lock = false) =>
  (
    await q.query<OutgoingRow>(
      `SELECT ${OUT_COLS} FROM ${OUT_FROM} WHERE o.id = $1${lock ? ' FOR UPDATE OF o' : ''}`,
      [id],
    )
  )[0];

export const outgoingByKey = async (q: Queryable, orgId: string, key: string) =>
  (
    await q.query<OutgoingRow>(
      `SELECT ${OUT_COLS} FROM ${OUT_FROM} WHERE o.org_id = $1 AND o.idempotency_key = $2`,
      [orgId, key],
    )
  )[0];

/** Exports of these organisations (all when `orgIds` is null), newest first. */
export const outgoingList = (q: Queryable, orgIds: string[] | null, state?: string, limit = 200) =>
  q.query<OutgoingRow>(
    `SELECT ${OUT_COLS} FROM ${OUT_FROM}
      WHERE ($1::uuid[] IS NULL OR o.org_id = ANY($1::uuid[])) AND ($2::text IS NULL OR o.state = $2)
      ORDER BY o.created_at DESC, o.id LIMIT $3`,
    [orgIds, state ?? null, limit],
  );

export const pendingIds = async (q: Queryable, limit = 500) =>
  (
    await q.query<{ id: string }>(
      `SELECT id FROM registry_interop_outgoing WHERE state = 'pending' ORDER BY created_at LIMIT $1`,
      [limit],
    )
  ).map((r) => r.id);

export async function insertOutgoing(
  q: Queryable,
  o: {
    id: string;
    peerCode: string;
    toAccount: string;
    fromAccountId: string;
    orgId: string;
    quantity: bigint;
    ranges: OutgoingRow['ranges'];
    message: Record<string, unknown>;
    messageSha256: string;
    actor: string;
    idempotencyKey: string | null;
    requestSha256: string | null;
    exportTransactionId: string;
    ledgerIndex: number;
    leafHash: Buffer;
  },
): Promise<void> {
  await q.query(
    `INSERT INTO registry_interop_outgoing
       (id, peer_code, to_account, from_account_id, org_id, quantity, ranges, message, message_sha256, state,
        actor, idempotency_key, request_sha256, export_transaction_id, ledger_index, leaf_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, 'pending', $10, $11, $12, $13, $14, $15)`,
    [
      o.id,
      o.peerCode,
      o.toAccount,
      o.fromAccountId,
      o.orgId,
      o.quantity.toString(),
      JSON.stringify(o.ranges),
      JSON.stringify(o.message),
      o.messageSha256,
      o.actor,
      o.idempotencyKey,
      o.requestSha256,
      o.exportTransactionId,
      o.ledgerIndex,
      o.leafHash,
    ],
  );
}

export async function recordAttempt(q: Queryable, id: string, error: string | null): Promise<void> {
  await q.query(
    `UPDATE registry_interop_outgoing
        SET attempts = attempts + 1, last_error = $2, last_attempt_at = now()
      WHERE id = $1 AND state = 'pending'`,
    [id, error],
  );
}

export async function completeOutgoing(
  q: Queryable,
  id: string,
  c: {
    state: 'exported' | 'reverted';
    answer: Record<string, unknown>;
    reason: string | null;
    transactionId: string;
    ledgerIndex: number;
    leafHash: Buffer;
  },
): Promise<void> {
  await q.query(
    `UPDATE registry_interop_outgoing
        SET state = $2, answer = $3::jsonb, reason = $4, completion_transaction_id = $5,
            completion_ledger_index = $6, completion_leaf_hash = $7, completed_at = now(), last_error = NULL
      WHERE id = $1`,
    [id, c.state, JSON.stringify(c.answer), c.reason, c.transactionId, c.ledgerIndex, c.leafHash],
  );
}

/* ---------- incoming ---------- */

export const incoming = async (q: Queryable, fromRegistry: string, transferId: string) =>
  (
    await q.query<IncomingRow>(
      'SELECT * FROM registry_interop_incoming WHERE from_registry = $1 AND transfer_id = $2',
      [fromRegistry, transferId],
    )
  )[0];

export const incomingList = (q: Queryable, orgIds: string[] | null, limit = 200) =>
  q.query<IncomingRow>(
    `SELECT * FROM registry_interop_incoming
      WHERE $1::uuid[] IS NULL OR org_id = ANY($1::uuid[])
      ORDER BY created_at DESC, id LIMIT $2`,
    [orgIds, limit],
  );

export async function insertIncoming(
  q: Queryable,
  i: {
    fromRegistry: string;
    transferId: string;
    toAccount: string;
    toAccountId: string | null;
    orgId: string | null;
    quantity: bigint;
    state: 'accepted' | 'rejected';
    reason: string | null;
    message: Record<string, unknown>;
    messageSha256: string;
    answer: Record<string, unknown>;
    mirrors: IncomingRow['mirrors'];
    ledgerIndex: number;
    leafHash: Buffer;
  },
): Promise<void> {
  await q.query(
    `INSERT INTO registry_interop_incoming
       (from_registry, transfer_id, to_account, to_account_id, org_id, quantity, state, reason, message,
        message_sha256, answer, mirrors, ledger_index, leaf_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11::jsonb, $12::jsonb, $13, $14)`,
    [
      i.fromRegistry,
      i.transferId,
      i.toAccount,
      i.toAccountId,
      i.orgId,
      i.quantity.toString(),
      i.state,
      i.reason,
      JSON.stringify(i.message),
      i.messageSha256,
      JSON.stringify(i.answer),
      JSON.stringify(i.mirrors),
      i.ledgerIndex,
      i.leafHash,
    ],
  );
}

/* ---------- the core tables (read, and mirror projects) ---------- */

export interface ProjectInfo {
  id: string;
  code: string;
  name: string;
  methodology: string;
  host_country: string;
  sector: string;
  labels: string[];
}

export const projectsById = (q: Queryable, ids: string[]) =>
  q.query<ProjectInfo>(
    `SELECT id, code, name, methodology, host_country, sector, labels FROM registry_project WHERE id = ANY($1::uuid[])`,
    [ids],
  );

export const projectByCode = async (q: Queryable, code: string) =>
  (
    await q.query<ProjectInfo>(
      `SELECT id, code, name, methodology, host_country, sector, labels FROM registry_project WHERE code = $1`,
      [code],
    )
  )[0];

/** A mirror of a project of another registry: registered, owned by the organisation standing for that registry. */
export async function insertMirrorProject(
  q: Queryable,
  p: {
    code: string;
    orgId: string;
    name: string;
    methodology: string;
    hostCountry: string;
    sector: string;
    labels: string[];
    description: string;
    createdBy: string;
  },
): Promise<string> {
  const rows = await q.query<{ id: string }>(
    `INSERT INTO registry_project
       (code, org_id, name, methodology, host_country, sector, description, status, labels, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'registered', $8, $9)
     ON CONFLICT (code) DO NOTHING RETURNING id`,
    [p.code, p.orgId, p.name, p.methodology, p.hostCountry, p.sector, p.description, p.labels, p.createdBy],
  );
  if (rows[0]) return rows[0].id;
  return (await projectByCode(q, p.code))!.id;
}

/** Units of this registry per state (the count the tests and the page show). */
export const unitsByState = (q: Queryable) =>
  q.query<{ state: string; quantity: string }>(
    `SELECT state, sum(serial_end - serial_start + 1)::text AS quantity FROM registry_block GROUP BY state ORDER BY state`,
  );
