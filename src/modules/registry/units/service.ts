import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Db, Queryable } from '../../../db/index.js';
import { hasRoleIn, orgIdsOf, type Principal, type Role } from '../../../kernel/access.js';
import { AppError, isAppError } from '../../../kernel/errors.js';
import { ledgerLib, sha256, type LedgerService, type ReferenceSource } from '../../ledger/index.js';
import {
  ACCOUNT_KINDS,
  UNIT_STATES,
  type AccountKind,
  type AccountRow,
  type BlockRow,
  type Guard,
  type IssueInput,
  type Issued,
  type MoveInput,
  type MoveResult,
  type SerialRange,
  type TransactionKind,
  type UnitEngine,
  type UnitSelection,
  type UnitState,
} from './contract.js';
import {
  normaliseRanges,
  planMove,
  sizeOf,
  takeLowest,
  type EBlock,
  type MovePlan,
  type MovedRange,
} from './engine.js';
import { formatAccountNumber, formatSerial } from './serial.js';
import * as store from './store.js';

/** A signed-in caller, or the local operator (the CLI). */
export type Viewer = Principal | 'system';

/** For `ledger verify`: every registry transaction keeps the entry that records it. */
export const registryTransactionReferences: ReferenceSource = {
  name: 'registry transaction',
  sql: `SELECT 'registry transaction ' || id AS ref, ledger_index AS idx, leaf_hash AS leaf FROM registry_transaction WHERE ledger_index IS NOT NULL`,
};

/** Entries the public explorer shows; transfers and buffer contributions stay private. */
const PUBLIC_KINDS: readonly TransactionKind[] = [
  'issuance',
  'import',
  'retirement',
  'cancellation',
  'authorization',
];
/** Who acts from an organisation's accounts. */
const WRITE_ROLES: readonly Role[] = ['admin', 'member', 'registry_operator'];
const READ_ALL_ROLES: readonly Role[] = ['registry_operator', 'regulator'];

export const readsAll = (v: Viewer): boolean =>
  v === 'system' || v.memberships.some((m) => READ_ALL_ROLES.includes(m.role));
export const actorOf = (v: Viewer): string => (v === 'system' ? 'local operator' : `${v.kind}:${v.id}`);

/** A quantity of units: a positive whole number, as a string or a safe integer; a 400 naming `field` otherwise. */
export function parseQuantity(v: unknown, field: string): bigint {
  const text =
    typeof v === 'number'
      ? Number.isSafeInteger(v)
        ? String(v)
        : String(v)
      : typeof v === 'string'
        ? v.trim()
        : '';
  if (typeof v === 'bigint') {
    if (v <= 0n) throw new AppError('bad_request', `${field}: a positive whole number of units`, { field });
    return v;
  }
  if (!/^-?[0-9]+$/.test(text))
    throw new AppError(
      'bad_request',
      `${field}: "${String(v).slice(0, 40)}" is not a whole number of units`,
      { field },
    );
  const n = BigInt(text);
  if (n <= 0n)
    throw new AppError('bad_request', `${field}: a positive whole number of units, not ${text}`, { field });
  if (n > 10n ** 15n) throw new AppError('bad_request', `${field}: at most 10^15 units at once`, { field });
  return n;
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
/** The ledger's entry limit (ledger/model.ts MAX_ENTRY_BYTES). */
const MAX_ENTRY_BYTES = 64 * 1024;

/** A ledger entry as LedgerService.append would make it: canonical text and leaf hash, written by registry_commit. */
function ledgerEntry(input: {
  type: string;
  subject: string;
  body: unknown;
  orgId: string | null;
  public: boolean;
}): store.LedgerEntryRow {
  const time = new Date().toISOString();
  const entry = ledgerLib.canonicalEntry({
    type: input.type,
    subject: input.subject,
    time,
    body: input.body,
  });
  if (Buffer.byteLength(entry, 'utf8') > MAX_ENTRY_BYTES)
    throw new AppError(
      'bad_request',
      `the operation is too large for one ledger entry (over ${MAX_ENTRY_BYTES} bytes): name fewer ranges`,
      {
        field: 'units',
      },
    );
  return { ...input, entry, time, leafHash: ledgerLib.entryLeafHash(entry, sha256) };
}
const jsonSafe = (v: unknown): unknown =>
  JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)));

export interface RangeView {
  issuanceId: string;
  start: string;
  end: string;
  quantity: string;
  serial: string;
}

/**
 * The unit engine (contract.ts) on the database: blocks are locked in serial order, split by the
 * pure engine (engine.ts), written back, and recorded as a transaction with its ranges and a
 * ledger entry, all in the caller's transaction.
 */
export class UnitCore implements UnitEngine {
  private readonly guards: Guard[] = [];
  private readonly issuances = new Map<string, store.IssuanceInfo>();

  constructor(
    readonly db: Db,
    readonly ledger: LedgerService,
    readonly registryCode: string,
  ) {
    ledger.registerReferences(registryTransactionReferences);
  }

  addGuard(guard: Guard): void {
    this.guards.push(guard);
  }

  formatSerial(
    b: Pick<BlockRow, 'hostCountry' | 'unitType' | 'projectCode' | 'vintage' | 'start' | 'end'>,
  ): string {
    return formatSerial(this.registryCode, b);
  }

  /** Project and vintage of issuances, cached: an issuance never changes. */
  protected async infoOf(q: Queryable, ids: readonly string[]): Promise<Map<string, store.IssuanceInfo>> {
    const missing = [...new Set(ids)].filter((id) => !this.issuances.has(id));
    if (missing.length > 0) for (const i of await store.issuanceInfo(q, missing)) this.issuances.set(i.id, i);
    const out = new Map<string, store.IssuanceInfo>();
    for (const id of ids) {
      const i = this.issuances.get(id);
      if (i) out.set(id, i);
    }
    return out;
  }

  protected serialOf(info: store.IssuanceInfo | undefined, start: bigint, end: bigint): string {
    return info ? this.formatSerial({ ...info, start, end }) : `${this.registryCode}-${start}-${end}`;
  }

  protected blockRow(b: EBlock, info: Map<string, store.IssuanceInfo>): BlockRow {
    const i = info.get(b.issuanceId);
    return {
      ...b,
      projectId: i?.projectId ?? '',
      projectCode: i?.projectCode ?? '',
      hostCountry: i?.hostCountry ?? '',
      vintage: i?.vintage ?? 0,
      unitType: i?.unitType ?? '',
      serial: this.serialOf(i, b.start, b.end),
    };
  }

  protected rangeViews(ranges: readonly MovedRange[], info: Map<string, store.IssuanceInfo>): RangeView[] {
    return ranges.map((r) => ({
      issuanceId: r.issuanceId,
      start: r.start.toString(),
      end: r.end.toString(),
      quantity: sizeOf(r).toString(),
      serial: this.serialOf(info.get(r.issuanceId), r.start, r.end),
    }));
  }

  async account(q: Queryable, idOrNumber: string): Promise<AccountRow | null> {
    const r = await store.accountBy(q, idOrNumber);
    return r ? store.accountRow(r) : null;
  }

  async ensureAccount(
    tx: Queryable,
    input: { orgId: string; kind: AccountKind; name: string; national?: boolean },
  ): Promise<AccountRow> {
    const national = input.national ?? false;
    const found = await store.firstAccount(tx, input.orgId, input.kind, national);
    if (found) return store.accountRow(found);
    await store.lockAccountKind(tx, input.orgId, input.kind);
    const again = await store.firstAccount(tx, input.orgId, input.kind, national);
    if (again) return store.accountRow(again);
    return this.createAccountRow(tx, { ...input, national });
  }

  protected async createAccountRow(
    tx: Queryable,
    input: { orgId: string; kind: AccountKind; name: string; national: boolean },
  ): Promise<AccountRow> {
    if (!ACCOUNT_KINDS.includes(input.kind))
      throw new AppError('bad_request', `kind: one of ${ACCOUNT_KINDS.join(', ')}`, { field: 'kind' });
    const name = input.name.trim();
    if (name.length === 0 || name.length > 200)
      throw new AppError('bad_request', 'name: 1 to 200 characters', { field: 'name' });
    const number = formatAccountNumber(this.registryCode, input.kind, await store.nextAccountSeq(tx));
    const id = await store.insertAccount(tx, { ...input, name, number });
    return { id, number, orgId: input.orgId, kind: input.kind, national: input.national, name };
  }

  async blocksIn(q: Queryable, ranges: SerialRange[]): Promise<BlockRow[]> {
    if (ranges.length === 0) return [];
    const blocks = await store.blocksOverlapping(q, normaliseRanges(ranges, 'ranges'), false);
    const info = await this.infoOf(
      q,
      blocks.map((b) => b.issuanceId),
    );
    return blocks.map((b) => this.blockRow(b, info));
  }

  async issue(tx: Queryable, input: IssueInput): Promise<Issued> {
    const quantity = parseQuantity(input.quantity, 'quantity');
    if (!Number.isInteger(input.vintage) || input.vintage < 1990 || input.vintage > 2100)
      throw new AppError('bad_request', 'vintage: a year from 1990 to 2100', { field: 'vintage' });
    if (!/^[A-Z0-9]{2,12}$/.test(input.unitType))
      throw new AppError(
        'bad_request',
        'unitType: 2 to 12 capital letters or digits (VER, CER, CCER, ITMO...)',
        {
          field: 'unitType',
        },
      );
    const state = input.state ?? 'held';
    if (!UNIT_STATES.includes(state))
      throw new AppError('bad_request', 'state: not a unit state', { field: 'state' });
    if (!store.UUID_RE.test(input.projectId))
      throw new AppError('not_found', `projectId: no project ${input.projectId}`, { field: 'projectId' });
    const project = (
      await tx.query<{ code: string; name: string; host_country: string }>(
        'SELECT code, name, host_country FROM registry_project WHERE id = $1',
        [input.projectId],
      )
    )[0];
    if (!project)
      throw new AppError('not_found', `projectId: no project ${input.projectId}`, { field: 'projectId' });
    const account = await this.account(tx, input.toAccountId);
    if (!account)
      throw new AppError('not_found', `toAccountId: no account ${input.toAccountId}`, {
        field: 'toAccountId',
      });
    const startText = (
      await tx.query<{ start: string }>(
        'UPDATE registry_serial_counter SET next = next + $1::bigint WHERE one RETURNING next - $1::bigint AS start',
        [quantity.toString()],
      )
    )[0]!.start;
    const range = { start: BigInt(startText), end: BigInt(startText) + quantity - 1n };
    const issuanceId = randomUUID();
    const transactionId = randomUUID();
    const kind: TransactionKind = input.origin ? 'import' : 'issuance';
    await tx.query(
      `INSERT INTO registry_issuance (id, project_id, vintage, unit_type, quantity, serial_start, serial_end, origin_registry, origin_serial)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        issuanceId,
        input.projectId,
        input.vintage,
        input.unitType,
        quantity.toString(),
        range.start.toString(),
        range.end.toString(),
        input.origin?.registry ?? null,
        input.origin?.serial ?? null,
      ],
    );
    const info: store.IssuanceInfo = {
      id: issuanceId,
      projectId: input.projectId,
      projectCode: project.code,
      projectName: project.name,
      hostCountry: project.host_country,
      vintage: input.vintage,
      unitType: input.unitType,
    };
    this.issuances.set(issuanceId, info);
    const block: EBlock = {
      id: randomUUID(),
      issuanceId,
      start: range.start,
      end: range.end,
      accountId: account.id,
      state,
      authorizationId: input.authorizationId ?? null,
      firstTransferred: false,
    };
    const serial = this.serialOf(info, range.start, range.end);
    const details = { ...(input.details ?? {}), ...(input.origin ? { origin: input.origin } : {}) };
    const entry = ledgerEntry({
      type: `registry.${kind}`,
      subject: `registry/issuances/${issuanceId}`,
      body: jsonSafe({
        transaction: transactionId,
        issuance: issuanceId,
        project: {
          id: input.projectId,
          code: project.code,
          name: project.name,
          hostCountry: project.host_country,
        },
        vintage: input.vintage,
        unitType: input.unitType,
        quantity: quantity.toString(),
        serial,
        state,
        ...(input.authorizationId ? { authorizationId: input.authorizationId } : {}),
        details,
      }),
      orgId: input.orgId,
      public: true,
    });
    const index = (await store.commit(
      tx,
      [],
      [block],
      {
        id: transactionId,
        kind,
        fromAccount: null,
        toAccount: account.id,
        quantity,
        orgId: input.orgId,
        actor: input.actor,
        details: jsonSafe({ ...details, issuanceId }) as Record<string, unknown>,
        idempotencyKey: null,
        requestSha256: null,
        ranges: [{ issuanceId, ...range }],
        adjustments: [],
      },
      entry,
    ))!;
    const ledger = { index, leafHash: ledgerLib.toHex(entry.leafHash) };
    return { issuanceId, transactionId, range, serial, ledger };
  }

  /** The ranges a selection names, with the blocks holding them locked in serial order. */
  private async lockSelection(
    tx: Queryable,
    sel: UnitSelection,
    from: AccountRow | null,
    fromState: UnitState,
  ): Promise<{ ranges: SerialRange[]; blocks: EBlock[] }> {
    if ('ranges' in sel) {
      const ranges = normaliseRanges(sel.ranges);
      // A block split by a transaction we waited for leaves its other part unseen by this
      // statement: read again while the locked blocks do not cover the ranges.
      let blocks = await store.blocksOverlapping(tx, ranges, true);
      for (let i = 0; i < 3 && !covers(blocks, ranges); i++)
        blocks = await store.blocksOverlapping(tx, ranges, true);
      return { ranges, blocks };
    }
    if ('issuanceId' in sel) {
      const quantity = parseQuantity(sel.quantity, 'units.quantity');
      if (!store.UUID_RE.test(sel.issuanceId) || !from)
        throw new AppError('not_found', `units.issuanceId: no issuance ${sel.issuanceId} held here`, {
          field: 'units.issuanceId',
        });
      let blocks: EBlock[] = [];
      for (let i = 0; i < 4; i++) {
        blocks = await store.lockLowest(tx, sel.issuanceId, from.id, fromState, quantity);
        if (blocks.reduce((s, b) => s + sizeOf(b), 0n) >= quantity) break;
      }
      const info = await this.infoOf(tx, [sel.issuanceId]);
      const i = info.get(sel.issuanceId);
      const ranges = takeLowest(
        blocks,
        quantity,
        () =>
          `account ${from.number}${i ? ` (${i.projectCode} ${i.vintage} ${i.unitType}, ${fromState})` : ` (issuance ${sel.issuanceId}, ${fromState})`}`,
      );
      return { ranges, blocks };
    }
    if (!store.UUID_RE.test(sel.blockId))
      throw new AppError('not_found', `units.blockId: no block ${sel.blockId}`, { field: 'units.blockId' });
    const block = await store.lockBlock(tx, sel.blockId);
    if (!block)
      throw new AppError('not_found', `units.blockId: no block ${sel.blockId}`, { field: 'units.blockId' });
    const quantity =
      sel.quantity === undefined ? sizeOf(block) : parseQuantity(sel.quantity, 'units.quantity');
    if (quantity > sizeOf(block))
      throw new AppError('conflict', `the block holds only ${sizeOf(block)} units, not ${quantity}`, {
        field: 'units.quantity',
      });
    return { ranges: [{ start: block.start, end: block.start + quantity - 1n }], blocks: [block] };
  }

  private requestHash(input: MoveInput): string {
    return sha256Hex(
      canonicalize(
        jsonSafe({
          kind: input.kind,
          from: input.fromAccountId,
          to: input.toAccountId,
          units: input.units,
          fromState: input.fromState ?? 'held',
          toState: input.toState,
          details: input.details ?? {},
        }),
      ) ?? '',
    );
  }

  /** The first answer to a request, from its records. */
  async resultOf(q: Queryable, row: store.TransactionDbRow, replayed: boolean): Promise<MoveResult> {
    const ranges = (await store.rangesOf(q, [row.id])).map((r) => ({
      issuanceId: r.issuance_id,
      start: BigInt(r.serial_start),
      end: BigInt(r.serial_end),
    }));
    const info = await this.infoOf(
      q,
      ranges.map((r) => r.issuanceId),
    );
    return {
      transactionId: row.id,
      quantity: BigInt(row.quantity),
      ranges: ranges.map((r) => ({ ...r, serial: this.serialOf(info.get(r.issuanceId), r.start, r.end) })),
      ledger: { index: Number(row.ledger_index ?? -1), leafHash: row.leaf_hash ?? '' },
      replayed,
    };
  }

  async move(tx: Queryable, input: MoveInput): Promise<MoveResult> {
    const from = await this.account(tx, input.fromAccountId);
    if (!from) throw new AppError('not_found', `no account ${input.fromAccountId}`, { field: 'from' });
    const to = input.toAccountId === input.fromAccountId ? from : await this.account(tx, input.toAccountId);
    if (!to) throw new AppError('not_found', `no account ${input.toAccountId}`, { field: 'to' });
    return this.moveBetween(tx, input, from, to);
  }

  /** move() with both accounts already read (the HTTP and CLI operations read them to check access). */
  protected async moveBetween(
    tx: Queryable,
    input: MoveInput,
    from: AccountRow,
    to: AccountRow,
    opts: {
      /** Append the ledger entry at commit (the answer's ledger index is then -1 until read after the commit). */
      deferLedger?: boolean;
      /** The caller knows no transaction has this idempotency key yet (read with the accounts). */
      keyUnused?: boolean;
    } = {},
  ): Promise<MoveResult> {
    const deferLedger = opts.deferLedger ?? false;
    const fromState = input.fromState ?? 'held';
    if (!UNIT_STATES.includes(input.toState))
      throw new AppError('bad_request', 'toState: not a unit state', { field: 'toState' });
    let requestSha256: string | null = null;
    if (input.idempotencyKey !== undefined) {
      if (input.idempotencyKey.length === 0 || input.idempotencyKey.length > 200)
        throw new AppError('bad_request', 'Idempotency-Key: 1 to 200 characters', {
          field: 'idempotencyKey',
        });
      requestSha256 = this.requestHash(input);
      const earlier = opts.keyUnused
        ? undefined
        : await store.transactionByKey(tx, input.orgId, input.idempotencyKey);
      if (earlier) {
        if (earlier.request_sha256 !== requestSha256)
          throw new AppError(
            'conflict',
            `Idempotency-Key "${input.idempotencyKey}" was used for another request (transaction ${earlier.id})`,
            { field: 'idempotencyKey', details: { transactionId: earlier.id } },
          );
        return this.resultOf(tx, earlier, true);
      }
    }
    const { ranges, blocks } = await this.lockSelection(tx, input.units, from, fromState);
    const info = await this.infoOf(
      tx,
      blocks.map((b) => b.issuanceId),
    );
    const plan = planMove(
      blocks,
      ranges,
      {
        kind: input.kind,
        fromAccountId: from.id,
        fromState,
        toAccountId: to.id,
        toState: input.toState,
        accountName: (id) => (id === from.id ? from.number : id === to.id ? to.number : id),
      },
      randomUUID,
      (iss, s, e) => this.serialOf(info.get(iss), s, e),
    );
    const details = input.details ?? {};
    for (const guard of this.guards)
      await guard(tx, {
        kind: input.kind,
        blocks: plan.before.map((b) => this.blockRow(b, info)),
        fromAccount: from,
        toAccount: to,
        details,
        orgId: input.orgId,
      });
    return this.record(tx, plan, info, {
      kind: input.kind,
      from,
      to,
      orgId: input.orgId,
      actor: input.actor,
      details,
      idempotencyKey: input.idempotencyKey ?? null,
      requestSha256,
      deferLedger,
    });
  }

  async authorize(
    tx: Queryable,
    ranges: SerialRange[],
    authorizationId: string,
    actor: string,
    orgId: string,
  ): Promise<MoveResult> {
    if (!store.UUID_RE.test(authorizationId))
      throw new AppError('bad_request', 'authorizationId: a UUID', { field: 'authorizationId' });
    const { ranges: sorted, blocks } = await this.lockSelection(tx, { ranges }, null, 'held');
    const info = await this.infoOf(
      tx,
      blocks.map((b) => b.issuanceId),
    );
    const plan = planMove(
      blocks,
      sorted,
      {
        kind: 'authorization',
        fromAccountId: null,
        fromState: 'held',
        toAccountId: null,
        toState: 'held',
        authorize: authorizationId,
      },
      randomUUID,
      (iss, s, e) => this.serialOf(info.get(iss), s, e),
    );
    const accounts = [...new Set(plan.before.map((b) => b.accountId))];
    const only = accounts.length === 1 ? await this.account(tx, accounts[0]!) : null;
    for (const guard of this.guards)
      await guard(tx, {
        kind: 'authorization',
        blocks: plan.before.map((b) => this.blockRow(b, info)),
        fromAccount: only,
        toAccount: only ?? (await this.account(tx, accounts[0]!))!,
        details: { authorizationId },
        orgId,
      });
    return this.record(tx, plan, info, {
      kind: 'authorization',
      from: only,
      to: only,
      orgId,
      actor,
      details: { authorizationId },
      idempotencyKey: null,
      requestSha256: null,
    });
  }

  /** What record() writes for a plan: the transaction row, its ranges' serials, its ledger entry. */
  private recordOf(plan: MovePlan, info: Map<string, store.IssuanceInfo>, t: RecordInput) {
    const transactionId = randomUUID();
    const ranges = this.rangeViews(plan.moved, info);
    const entry = ledgerEntry({
      type: `registry.${t.kind}`,
      subject: `registry/transactions/${transactionId}`,
      body: jsonSafe({
        transaction: transactionId,
        kind: t.kind,
        from: t.from?.number ?? null,
        to: t.to?.number ?? null,
        quantity: plan.quantity.toString(),
        serials: ranges.map((r) => r.serial),
        details: t.details,
        ...(plan.adjustments.length > 0
          ? {
              correspondingAdjustments: plan.adjustments.map((a) => ({
                authorizationId: a.authorizationId,
                hostCountry: info.get(a.issuanceId)?.hostCountry ?? null,
                serial: this.serialOf(info.get(a.issuanceId), a.start, a.end),
              })),
            }
          : {}),
      }),
      orgId: t.orgId,
      public: PUBLIC_KINDS.includes(t.kind),
    });
    const row = {
      id: transactionId,
      kind: t.kind,
      fromAccount: t.from?.id ?? null,
      toAccount: t.to?.id ?? null,
      quantity: plan.quantity,
      orgId: t.orgId,
      actor: t.actor,
      details: jsonSafe(t.details) as Record<string, unknown>,
      idempotencyKey: t.idempotencyKey,
      requestSha256: t.requestSha256,
      ranges: plan.moved,
      adjustments: plan.adjustments.map((a) => ({
        ...a,
        hostCountry: info.get(a.issuanceId)?.hostCountry ?? 'XX',
      })),
    };
    const result = (index: number | null): MoveResult => ({
      transactionId,
      quantity: plan.quantity,
      ranges: plan.moved.map((r, i) => ({ ...r, serial: ranges[i]!.serial })),
      ledger: { index: index ?? -1, leafHash: ledgerLib.toHex(entry.leafHash) },
      replayed: false,
    });
    return { row, entry, result };
  }

  /** Writes a plan: blocks, then the ledger entry, then the transaction with its ledger index. */
  private async record(
    tx: Queryable,
    plan: MovePlan,
    info: Map<string, store.IssuanceInfo>,
    t: RecordInput,
  ): Promise<MoveResult> {
    const { row, entry, result } = this.recordOf(plan, info, t);
    try {
      return result(await store.commit(tx, plan.updates, plan.inserts, row, entry, t.deferLedger ?? false));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === '23505' && t.idempotencyKey !== null)
        throw new AppError(
          'conflict',
          `Idempotency-Key "${t.idempotencyKey}": a request with this key was just made`,
          {
            field: 'idempotencyKey',
            details: { retry: true },
            cause: e,
          },
        );
      if (code === '23P01')
        throw new AppError(
          'conflict',
          'a corresponding adjustment is already recorded for some of these units',
          {
            cause: e,
          },
        );
      throw e;
    }
  }

  /**
   * A move of a quantity of one issuance without a transaction of its own: planned from `blocks`
   * (store.moveRead, no locks) and written by one statement that locks them, checks they are
   * unchanged and appends the ledger entry (store.commitUnchanged). Every refusal is left to the
   * locked path (moveBetween), as is any plan a guard must read the database for: undefined then,
   * and 'changed' when a block changed meanwhile; nothing is written in either case.
   */
  protected async moveUnlocked(
    input: MoveInput & { units: { issuanceId: string; quantity: bigint } },
    from: AccountRow,
    to: AccountRow,
    blocks: readonly EBlock[],
  ): Promise<MoveResult | 'changed' | undefined> {
    const fromState = input.fromState ?? 'held';
    if (!UNIT_STATES.includes(input.toState)) return undefined;
    const info = await this.infoOf(this.db, [input.units.issuanceId]);
    let plan: MovePlan;
    try {
      const ranges = takeLowest(blocks, input.units.quantity, () => '');
      plan = planMove(
        blocks,
        ranges,
        {
          kind: input.kind,
          fromAccountId: from.id,
          fromState,
          toAccountId: to.id,
          toState: input.toState,
        },
        randomUUID,
      );
      const details = input.details ?? {};
      for (const guard of this.guards)
        await guard(noQueries, {
          kind: input.kind,
          blocks: plan.before.map((b) => this.blockRow(b, info)),
          fromAccount: from,
          toAccount: to,
          details,
          orgId: input.orgId,
        });
    } catch (e) {
      if (isAppError(e) || e === NEEDS_QUERIES) return undefined;
      throw e;
    }
    const kept = new Set(plan.updates.map((b) => b.id));
    const { row, entry, result } = this.recordOf(plan, info, {
      kind: input.kind,
      from,
      to,
      orgId: input.orgId,
      actor: input.actor,
      details: input.details ?? {},
      idempotencyKey: input.idempotencyKey ?? null,
      requestSha256: input.idempotencyKey === undefined ? null : this.requestHash(input),
    });
    try {
      const index = await store.commitUnchanged(
        this.db,
        blocks.filter((b) => kept.has(b.id)),
        plan.updates,
        plan.inserts,
        row,
        entry,
      );
      return index === null ? 'changed' : result(index);
    } catch (e) {
      // The key was just used, a corresponding adjustment exists, a deadlock: the locked path
      // answers these as it always has.
      const code = (e as { code?: string }).code;
      if (code === '23505' || code === '23P01' || code === '40P01') return undefined;
      throw e;
    }
  }
}

interface RecordInput {
  kind: TransactionKind;
  from: AccountRow | null;
  to: AccountRow | null;
  orgId: string;
  actor: string;
  details: Record<string, unknown>;
  idempotencyKey: string | null;
  requestSha256: string | null;
  deferLedger?: boolean;
}

/** Given to guards on the unlocked path: a guard that reads the database sends the move down the locked one. */
const NEEDS_QUERIES = new Error('this guard reads the database: take the locked path');
const noQueries: Queryable = {
  query: () => Promise.reject(NEEDS_QUERIES),
};

function covers(blocks: readonly EBlock[], ranges: readonly SerialRange[]): boolean {
  const sorted = [...blocks].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  for (const r of ranges) {
    let cursor = r.start;
    for (const b of sorted) {
      if (b.end < cursor) continue;
      if (b.start > cursor) break;
      cursor = b.end + 1n;
      if (cursor > r.end) break;
    }
    if (cursor <= r.end) return false;
  }
  return true;
}

export const hasWriteRole = (v: Viewer, orgId: string): boolean =>
  v === 'system' || hasRoleIn(v, orgId, WRITE_ROLES);
export const seesOrg = (v: Viewer, orgId: string): boolean =>
  readsAll(v) || orgIdsOf(v as Principal).includes(orgId);
