/**
 * What the rest of the registry calls on the unit engine (units/). Projects approve issuances
 * through `issue`, Article 6 marks units and uses them towards an NDC through `authorize` and
 * `move`, cross-registry transfers hold and release units through `move` and create mirror
 * holdings through `issue`, quality controls refuse operations through `addGuard`.
 *
 * Every method with a `tx` runs inside the caller's transaction and appends its ledger entry
 * there, so the caller's record, the unit changes and the ledger entry commit together.
 */
import type { Queryable } from '../../../db/index.js';

export const ACCOUNT_KINDS = ['holding', 'retirement', 'cancellation', 'buffer'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

/** CAD Trust's unit status vocabulary, in lower case. */
export const UNIT_STATES = [
  'held',
  'retired',
  'cancelled',
  'buffer',
  'pending_export',
  'exported',
  'expired',
] as const;
export type UnitState = (typeof UNIT_STATES)[number];
/** No operation takes units out of these states. */
export const FINAL_STATES: readonly UnitState[] = ['retired', 'cancelled', 'exported', 'expired'];

export const TRANSACTION_KINDS = [
  'issuance',
  'transfer',
  'retirement',
  'cancellation',
  'buffer',
  'authorization',
  'ndc-use',
  'export',
  'export-confirmed',
  'export-reverted',
  'import',
  'expiry',
] as const;
export type TransactionKind = (typeof TRANSACTION_KINDS)[number];

/** An inclusive range of this registry's serial numbers. Numbers are bigint: registries issue billions. */
export interface SerialRange {
  start: bigint;
  end: bigint;
}

export interface AccountRow {
  id: string;
  number: string;
  orgId: string;
  kind: AccountKind;
  national: boolean;
  name: string;
}

export interface BlockRow {
  id: string;
  issuanceId: string;
  projectId: string;
  projectCode: string;
  hostCountry: string;
  vintage: number;
  unitType: string;
  start: bigint;
  end: bigint;
  accountId: string;
  state: UnitState;
  authorizationId: string | null;
  firstTransferred: boolean;
  /** The full serial of this block in the documented format. */
  serial: string;
}

export interface IssueInput {
  projectId: string;
  vintage: number;
  unitType: string;
  quantity: bigint;
  toAccountId: string;
  actor: string;
  /** The organisation acting (the registry operator's for an approved request). */
  orgId: string;
  details?: Record<string, unknown>;
  authorizationId?: string;
  /** Mirror holdings of units exported by another registry. */
  origin?: { registry: string; serial: string };
  /** The state the new units start in (default 'held'). */
  state?: UnitState;
}

export interface Issued {
  issuanceId: string;
  transactionId: string;
  range: SerialRange;
  serial: string;
  ledger: { index: number; leafHash: string };
}

/** Which units an operation takes: explicit serial ranges, or a quantity of one issuance (lowest serials first). */
export type UnitSelection =
  | { ranges: SerialRange[] }
  | { issuanceId: string; quantity: bigint }
  | { blockId: string; quantity?: bigint };

export interface MoveInput {
  kind: TransactionKind;
  fromAccountId: string;
  /** Same account when only the state changes. */
  toAccountId: string;
  units: UnitSelection;
  /** The state the units must be in now (default 'held'). */
  fromState?: UnitState;
  toState: UnitState;
  actor: string;
  orgId: string;
  details?: Record<string, unknown>;
  idempotencyKey?: string;
}

export interface MoveResult {
  transactionId: string;
  quantity: bigint;
  ranges: (SerialRange & { issuanceId: string; serial: string })[];
  ledger: { index: number; leafHash: string };
  /** True when this answers a replay of an earlier request with the same idempotency key. */
  replayed: boolean;
}

/** What a guard sees before an operation is written; it throws an AppError to refuse it. */
export interface GuardContext {
  kind: TransactionKind;
  blocks: BlockRow[];
  fromAccount: AccountRow | null;
  toAccount: AccountRow;
  details: Record<string, unknown>;
  orgId: string;
}
export type Guard = (tx: Queryable, ctx: GuardContext) => Promise<void>;

export interface UnitEngine {
  readonly registryCode: string;
  issue(tx: Queryable, input: IssueInput): Promise<Issued>;
  move(tx: Queryable, input: MoveInput): Promise<MoveResult>;
  /** Marks units as authorised ITMOs (splitting blocks at the range edges). */
  authorize(
    tx: Queryable,
    ranges: SerialRange[],
    authorizationId: string,
    actor: string,
    orgId: string,
  ): Promise<MoveResult>;
  blocksIn(q: Queryable, ranges: SerialRange[]): Promise<BlockRow[]>;
  account(q: Queryable, idOrNumber: string): Promise<AccountRow | null>;
  ensureAccount(
    tx: Queryable,
    input: { orgId: string; kind: AccountKind; name: string; national?: boolean },
  ): Promise<AccountRow>;
  addGuard(guard: Guard): void;
  formatSerial(
    block: Pick<BlockRow, 'hostCountry' | 'unitType' | 'projectCode' | 'vintage' | 'start' | 'end'>,
  ): string;
}
