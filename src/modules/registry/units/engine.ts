/**
 * The unit engine's rules as plain functions over plain data: blocks in, blocks and changes out.
 * The database service (service.ts) locks the blocks, calls these, and writes what they return;
 * the model-based test runs them against a naive one-record-per-unit model.
 *
 * A block is a run of consecutive serials of one issuance with the same account, state and
 * Article 6 marks. Moving part of a block splits it at the range edges: the parts outside the
 * range keep everything; the part inside gets the new account and state.
 */
import { AppError } from '../../../kernel/errors.js';
import { FINAL_STATES, type SerialRange, type TransactionKind, type UnitState } from './contract.js';

export interface EBlock {
  id: string;
  issuanceId: string;
  start: bigint;
  end: bigint;
  accountId: string;
  state: UnitState;
  authorizationId: string | null;
  firstTransferred: boolean;
}

/** Moves of authorised units of these kinds are their first transfer (the host then adjusts). */
export const FIRST_TRANSFER_KINDS: readonly TransactionKind[] = [
  'transfer',
  'export',
  'ndc-use',
  'cancellation',
];

export type Namer = (issuanceId: string, start: bigint, end: bigint) => string;
const plainName: Namer = (_i, s, e) => (s === e ? `${s}` : `${s}-${e}`);

export const isFinal = (s: UnitState): boolean => FINAL_STATES.includes(s);

/** Sorted, non-overlapping, positive ranges; a 400 naming `field` otherwise. */
export function normaliseRanges(ranges: readonly SerialRange[], field = 'units.ranges'): SerialRange[] {
  if (ranges.length === 0) throw new AppError('bad_request', `${field}: name at least one range`, { field });
  const sorted = ranges.map((r) => ({ start: r.start, end: r.end })).sort((a, b) => cmp(a.start, b.start));
  sorted.forEach((r, i) => {
    if (r.start < 1n || r.end < r.start)
      throw new AppError(
        'bad_request',
        `${field}.${i}: a range runs from a serial ≥ 1 to one not before it`,
        {
          field: `${field}.${i}`,
        },
      );
    const prev = sorted[i - 1];
    if (prev && r.start <= prev.end)
      throw new AppError(
        'bad_request',
        `${field}: ranges ${prev.start}-${prev.end} and ${r.start}-${r.end} overlap`,
        {
          field,
        },
      );
  });
  return sorted;
}

const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
export const sizeOf = (r: SerialRange): bigint => r.end - r.start + 1n;

/**
 * The lowest serials of `blocks` (already filtered to one issuance, account and state) adding up
 * to `quantity`; a 409 saying how many there are when too few.
 */
export function takeLowest(
  blocks: readonly EBlock[],
  quantity: bigint,
  describe: () => string,
): SerialRange[] {
  const out: SerialRange[] = [];
  let left = quantity;
  for (const b of [...blocks].sort((x, y) => cmp(x.start, y.start))) {
    if (left === 0n) break;
    const n = sizeOf(b) < left ? sizeOf(b) : left;
    out.push({ start: b.start, end: b.start + n - 1n });
    left -= n;
  }
  if (left > 0n)
    throw new AppError(
      'conflict',
      `${describe()} holds only ${quantity - left} of the ${quantity} units asked for`,
      {
        field: 'units.quantity',
        details: { available: String(quantity - left) },
      },
    );
  return mergeRanges(out);
}

/** Adjacent ranges joined (input sorted). */
export function mergeRanges<R extends SerialRange>(
  ranges: readonly R[],
  same: (a: R, b: R) => boolean = () => true,
): R[] {
  const out: R[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && last.end + 1n === r.start && same(last, r)) out[out.length - 1] = { ...last, end: r.end };
    else out.push({ ...r });
  }
  return out;
}

export interface MoveOp {
  kind: TransactionKind;
  /** null: any account (authorisation). */
  fromAccountId: string | null;
  fromState: UnitState;
  /** null: the units stay in their account. */
  toAccountId: string | null;
  toState: UnitState;
  /** Set the units' letter of authorisation (they must not have one). */
  authorize?: string;
  /** Account numbers for messages. */
  accountName?: (id: string) => string;
}

export interface MovedRange extends SerialRange {
  issuanceId: string;
}
export interface Adjustment extends SerialRange {
  issuanceId: string;
  authorizationId: string;
}

export interface MovePlan {
  /** Existing blocks with their new bounds and attributes (the leftmost part keeps the block's id). */
  updates: EBlock[];
  /** New blocks: the other parts of split blocks. */
  inserts: EBlock[];
  /** What moved, adjacent ranges of one issuance joined. */
  moved: MovedRange[];
  quantity: bigint;
  /** Ranges whose first transfer this is: one corresponding adjustment each. */
  adjustments: Adjustment[];
  /** The units about to move, as they are now (for guards). */
  before: EBlock[];
}

/**
 * Plans a move of `ranges` (normalised) out of `blocks` (those overlapping the ranges). Refuses,
 * naming the first serial at fault: units not held (no block, another account, another state),
 * units in a final state, units already authorised (for an authorisation).
 */
export function planMove(
  blocks: readonly EBlock[],
  ranges: readonly SerialRange[],
  op: MoveOp,
  newId: () => string,
  name: Namer = plainName,
): MovePlan {
  const sorted = [...blocks].sort((a, b) => cmp(a.start, b.start));
  const acct = op.accountName ?? ((id: string) => id);
  const touched = new Map<EBlock, SerialRange[]>();
  // Check coverage and each block's state, walking the ranges in order.
  let bi = 0;
  for (const r of ranges) {
    let cursor = r.start;
    while (cursor <= r.end) {
      while (bi < sorted.length && sorted[bi]!.end < cursor) bi++;
      const b = sorted[bi];
      if (!b || b.start > cursor) {
        const gapEnd = b && b.start - 1n < r.end ? b.start - 1n : r.end;
        throw new AppError('conflict', `serial ${name('', cursor, gapEnd)}: no such units are held here`, {
          field: 'units',
          details: { serial: name('', cursor, gapEnd) },
        });
      }
      const end = b.end < r.end ? b.end : r.end;
      const serial = name(b.issuanceId, cursor, end);
      if (isFinal(b.state))
        throw new AppError('conflict', `serial ${serial} is ${b.state}; ${b.state} units never move again`, {
          field: 'units',
          details: { serial, state: b.state },
        });
      if (op.fromAccountId !== null && b.accountId !== op.fromAccountId)
        throw new AppError('conflict', `serial ${serial} is not held in account ${acct(op.fromAccountId)}`, {
          field: 'units',
          details: { serial },
        });
      if (b.state !== op.fromState)
        throw new AppError('conflict', `serial ${serial} is ${b.state}, not ${op.fromState}`, {
          field: 'units',
          details: { serial, state: b.state },
        });
      if (op.authorize !== undefined && b.authorizationId !== null)
        throw new AppError('conflict', `serial ${serial} is already authorised`, {
          field: 'units',
          details: { serial, authorizationId: b.authorizationId },
        });
      const list = touched.get(b) ?? [];
      list.push({ start: cursor, end });
      touched.set(b, list);
      cursor = end + 1n;
    }
  }

  const updates: EBlock[] = [];
  const inserts: EBlock[] = [];
  const movedPieces: MovedRange[] = [];
  const adjustments: Adjustment[] = [];
  const before: EBlock[] = [];
  const firstTransferKind = FIRST_TRANSFER_KINDS.includes(op.kind);
  for (const [b, parts] of touched) {
    const pieces: EBlock[] = [];
    let cursor = b.start;
    for (const p of parts) {
      if (p.start > cursor) pieces.push({ ...b, start: cursor, end: p.start - 1n });
      before.push({ ...b, start: p.start, end: p.end });
      const moved: EBlock = {
        ...b,
        start: p.start,
        end: p.end,
        accountId: op.toAccountId ?? b.accountId,
        state: op.toState,
      };
      if (op.authorize !== undefined) moved.authorizationId = op.authorize;
      if (firstTransferKind && moved.authorizationId !== null && !moved.firstTransferred) {
        moved.firstTransferred = true;
        adjustments.push({
          issuanceId: b.issuanceId,
          authorizationId: moved.authorizationId,
          start: p.start,
          end: p.end,
        });
      }
      pieces.push(moved);
      movedPieces.push({ issuanceId: b.issuanceId, start: p.start, end: p.end });
      cursor = p.end + 1n;
    }
    if (cursor <= b.end) pieces.push({ ...b, start: cursor, end: b.end });
    pieces.forEach((p, i) => {
      if (i === 0) updates.push({ ...p, id: b.id });
      else inserts.push({ ...p, id: newId() });
    });
  }
  const byStart = <R extends SerialRange>(a: R, b: R) => cmp(a.start, b.start);
  const moved = mergeRanges(movedPieces.sort(byStart), (a, b) => a.issuanceId === b.issuanceId);
  return {
    updates,
    inserts,
    moved,
    quantity: moved.reduce((s, r) => s + sizeOf(r), 0n),
    adjustments: mergeRanges(
      adjustments.sort(byStart),
      (a, b) => a.issuanceId === b.issuanceId && a.authorizationId === b.authorizationId,
    ),
    before,
  };
}

/** Applies a plan to an in-memory set of blocks (keyed by id). */
export function applyPlan(blocks: Map<string, EBlock>, plan: MovePlan): void {
  for (const u of plan.updates) blocks.set(u.id, u);
  for (const i of plan.inserts) blocks.set(i.id, i);
}
