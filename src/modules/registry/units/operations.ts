import type { Queryable } from '../../../db/index.js';
import { hasRoleIn, orgIdsOf, type Principal } from '../../../kernel/access.js';
import { AppError, isAppError } from '../../../kernel/errors.js';
import {
  ACCOUNT_KINDS,
  type AccountKind,
  type AccountRow,
  type MoveInput,
  type MoveResult,
  type TransactionKind,
  type UnitSelection,
  type UnitState,
} from './contract.js';
import { sizeOf } from './engine.js';
import { parseSerial } from './serial.js';
import {
  actorOf,
  hasWriteRole,
  parseQuantity,
  readsAll,
  UnitCore,
  type RangeView,
  type Viewer,
} from './service.js';
import * as store from './store.js';

/** Which units a request names: serial strings, or a quantity of an issuance (lowest serials first), or of a block. */
export interface UnitsInput {
  serials?: string[] | undefined;
  issuanceId?: string | undefined;
  blockId?: string | undefined;
  quantity?: string | number | undefined;
}

export interface MoveRequest {
  from: string;
  units: UnitsInput;
  idempotencyKey?: string | undefined;
}

export interface TransferRequest extends MoveRequest {
  to: string;
  memo?: string | undefined;
}

export interface RetireRequest extends MoveRequest {
  beneficiary: string;
  purpose: string;
  claimPeriod: { start: string; end: string };
  obligationReference?: string | undefined;
}

export interface CancelRequest extends MoveRequest {
  reason?: string | undefined;
}

export interface BufferRequest extends MoveRequest {
  reason?: string | undefined;
}

export interface AccountView {
  id: string;
  number: string;
  org: { id: string; slug: string; name: string };
  kind: AccountKind;
  national: boolean;
  name: string;
  closed: boolean;
  createdAt: string;
}

export interface HoldingBlockView {
  id: string;
  serial: string;
  start: string;
  end: string;
  quantity: string;
  state: UnitState;
  authorizationId: string | null;
  firstTransferred: boolean;
}

export interface HoldingView {
  issuanceId: string;
  projectId: string;
  projectCode: string;
  projectName: string;
  hostCountry: string;
  vintage: number;
  unitType: string;
  quantity: string;
  /** Units per state (held, retired...). */
  byState: Record<string, string>;
  blocks: HoldingBlockView[];
}

export interface MoveAnswer {
  transactionId: string;
  kind: TransactionKind;
  from: string;
  to: string;
  quantity: string;
  ranges: RangeView[];
  ledger: { index: number; leafHash: string };
  replayed: boolean;
}

export interface TransactionView {
  id: string;
  kind: string;
  from: string | null;
  to: string | null;
  quantity: string;
  orgId: string | null;
  actor: string;
  details: Record<string, unknown>;
  ranges: RangeView[];
  ledger: { index: number; leafHash: string } | null;
  createdAt: string;
}

export interface SerialHistory {
  serial: string;
  start: string;
  end: string;
  /** Where the units are now. */
  current: { serial: string; account: string | null; state: UnitState }[];
  transactions: TransactionView[];
}

/** The two links a retirement answer carries (the supervision part serves them). */
export const retirementLinks = (publicUrl: string, id: string) => ({
  statementUrl: `${publicUrl.replace(/\/+$/, '')}/api/v1/registry/retirements/${id}/statement.pdf`,
  verifyUrl: `${publicUrl.replace(/\/+$/, '')}/registry/explorer/retirements/${id}`,
});

const iso = (d: Date | string): string => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (s: string) =>
  DATE_RE.test(s) &&
  !Number.isNaN(Date.parse(s + 'T00:00:00Z')) &&
  new Date(s + 'T00:00:00Z').toISOString().startsWith(s);

function text(v: unknown, field: string, max: number, required = true): string | undefined {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '' && !required)) {
    if (required) throw new AppError('bad_request', `${field}: required`, { field });
    return undefined;
  }
  if (typeof v !== 'string' || v.trim().length === 0 || v.length > max)
    throw new AppError('bad_request', `${field}: 1 to ${max} characters`, { field });
  return v.trim();
}

const accountView = (r: store.AccountDbRow): AccountView => ({
  id: r.id,
  number: r.number,
  org: { id: r.org_id, slug: r.org_slug, name: r.org_name },
  kind: r.kind,
  national: r.national,
  name: r.name,
  closed: r.closed_at !== null,
  createdAt: iso(r.created_at),
});

const answerOf = (kind: TransactionKind, from: string, to: string, r: MoveResult): MoveAnswer => ({
  transactionId: r.transactionId,
  kind,
  from,
  to,
  quantity: r.quantity.toString(),
  ranges: r.ranges.map((x) => ({
    issuanceId: x.issuanceId,
    start: x.start.toString(),
    end: x.end.toString(),
    quantity: sizeOf(x).toString(),
    serial: x.serial,
  })),
  ledger: r.ledger,
  replayed: r.replayed,
});

/**
 * The unit engine with the operations people call (HTTP, CLI): transfer, retire, cancel, buffer
 * contribution, accounts and holdings, transactions and the history of a serial; each checks who
 * is calling. Members act only from their own organisations' accounts; the registry operator and
 * the regulator read everything; the regulator never writes.
 */
export class UnitService extends UnitCore {
  /** Retries a whole operation once when a concurrent request with the same idempotency key won, or on a deadlock. */
  private async run<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction(fn);
      } catch (e) {
        const retry =
          (isAppError(e) && e.details?.['retry'] === true) || (e as { code?: string }).code === '40P01';
        if (!retry || attempt >= 3) throw e;
      }
    }
  }

  private selection(units: UnitsInput | undefined): UnitSelection {
    if (!units || typeof units !== 'object')
      throw new AppError('bad_request', 'units: name serials, or an issuanceId or blockId with a quantity', {
        field: 'units',
      });
    const named = [
      units.serials !== undefined,
      units.issuanceId !== undefined,
      units.blockId !== undefined,
    ].filter(Boolean).length;
    if (named !== 1)
      throw new AppError('bad_request', 'units: name exactly one of serials, issuanceId, blockId', {
        field: 'units',
      });
    if (units.serials !== undefined) {
      if (!Array.isArray(units.serials) || units.serials.length === 0 || units.serials.length > 1000)
        throw new AppError('bad_request', 'units.serials: 1 to 1000 serials', { field: 'units.serials' });
      return {
        ranges: units.serials.map((s, i) => {
          const p = parseSerial(String(s), `units.serials.${i}`);
          if (p.registry !== this.registryCode)
            throw new AppError(
              'bad_request',
              `units.serials.${i}: ${s} is a serial of registry ${p.registry}, not ${this.registryCode}`,
              {
                field: `units.serials.${i}`,
              },
            );
          return { start: p.start, end: p.end };
        }),
      };
    }
    if (units.issuanceId !== undefined) {
      if (units.quantity === undefined)
        throw new AppError('bad_request', 'units.quantity: required with issuanceId', {
          field: 'units.quantity',
        });
      return {
        issuanceId: String(units.issuanceId),
        quantity: parseQuantity(units.quantity, 'units.quantity'),
      };
    }
    return {
      blockId: String(units.blockId),
      ...(units.quantity === undefined ? {} : { quantity: parseQuantity(units.quantity, 'units.quantity') }),
    };
  }

  /** Serials must name the units they number: the project, vintage and unit type of the blocks. */
  private async checkSerials(tx: Queryable, units: UnitsInput): Promise<void> {
    if (!units.serials) return;
    for (const [i, s] of units.serials.entries()) {
      const p = parseSerial(s, `units.serials.${i}`);
      for (const b of await this.blocksIn(tx, [{ start: p.start, end: p.end }]))
        if (
          b.projectCode !== p.projectCode ||
          b.vintage !== p.vintage ||
          b.unitType !== p.unitType ||
          b.hostCountry !== p.hostCountry
        )
          throw new AppError(
            'bad_request',
            `units.serials.${i}: serials ${p.start}-${p.end} are ${b.hostCountry} ${b.unitType} of project ${b.projectCode}, vintage ${b.vintage}, not what ${s} says`,
            { field: `units.serials.${i}` },
          );
    }
  }

  /** The account units leave: one of the caller's organisation's, and the caller may act for it. */
  private source<A extends store.AccountBase>(viewer: Viewer, n: string, a: A | undefined): A {
    const mine = a && (viewer === 'system' || orgIdsOf(viewer).includes(a.org_id) || readsAll(viewer));
    if (!a || !mine) throw new AppError('not_found', `from: no account ${n} of yours`, { field: 'from' });
    if (!hasWriteRole(viewer, a.org_id))
      throw new AppError('forbidden', `from: you may not move units out of account ${n}`, { field: 'from' });
    if (a.closed_at !== null)
      throw new AppError('conflict', `from: account ${n} is closed`, { field: 'from' });
    if (a.kind !== 'holding')
      throw new AppError('conflict', `from: ${n} is a ${a.kind} account; units leave holding accounts only`, {
        field: 'from',
      });
    return a;
  }

  private async doMove(
    viewer: Viewer,
    req: MoveRequest,
    kind: TransactionKind,
    toState: UnitState,
    target: (
      tx: Queryable,
      from: store.AccountDbRow,
      read: Map<string, store.AccountDbRow>,
    ) => Promise<AccountRow>,
    details: Record<string, unknown>,
    /** Another account number to read with the source account (the receiving one). */
    alsoRead?: string,
    /**
     * `target` for a quantity of an issuance on the unlocked path (UnitCore.moveUnlocked), tried
     * first when given: it looks only at the two accounts read (the source and `alsoRead`).
     */
    unlockedTarget?: (from: store.AccountBase, read: Map<string, store.AccountBase>) => AccountRow,
  ): Promise<MoveAnswer> {
    const fromNumber = text(req.from, 'from', 64)!;
    const units = this.selection(req.units);
    if (
      req.idempotencyKey !== undefined &&
      (req.idempotencyKey.length === 0 || req.idempotencyKey.length > 200)
    )
      throw new AppError('bad_request', 'Idempotency-Key: 1 to 200 characters', { field: 'idempotencyKey' });
    const input = (from: store.AccountBase, to: AccountRow): MoveInput => ({
      kind,
      fromAccountId: from.id,
      toAccountId: to.id,
      units,
      toState,
      actor: actorOf(viewer),
      orgId: from.org_id,
      details,
      ...(req.idempotencyKey === undefined ? {} : { idempotencyKey: req.idempotencyKey }),
    });
    if (
      unlockedTarget &&
      alsoRead !== undefined &&
      'issuanceId' in units &&
      store.UUID_RE.test(units.issuanceId)
    )
      for (let attempt = 0; attempt < 2; attempt++) {
        const { accounts, blocks } = await store.moveRead(
          this.db,
          fromNumber,
          alsoRead,
          units.issuanceId,
          'held',
          units.quantity,
        );
        const read = new Map(accounts.map((r) => [r.number, r]));
        const from = this.source(viewer, fromNumber, read.get(fromNumber));
        const to = unlockedTarget(from, read);
        const r = await this.moveUnlocked({ ...input(from, to), units }, store.accountRow(from), to, blocks);
        if (r === undefined) break;
        if (r !== 'changed') return answerOf(kind, from.number, to.number, r);
      }
    const answer = await this.run(async (tx) => {
      const rows = await store.accountsWithKey(
        tx,
        alsoRead ? [fromNumber, alsoRead] : [fromNumber],
        req.idempotencyKey ?? null,
      );
      const read = new Map(rows.map((r) => [r.number, r]));
      const fromRow = read.get(fromNumber);
      const from = this.source(viewer, fromNumber, fromRow);
      const to = await target(tx, from, read);
      await this.checkSerials(tx, req.units);
      const r: MoveResult = await this.moveBetween(tx, input(from, to), store.accountRow(from), to, {
        deferLedger: true,
        keyUnused: fromRow?.key_used === false,
      });
      return answerOf(kind, from.number, to.number, r);
    });
    // The entry was appended as the transaction committed: its index is read now.
    if (answer.ledger.index < 0)
      answer.ledger.index =
        (await store.ledgerIndexes(this.db, [answer.transactionId])).get(answer.transactionId) ?? -1;
    return answer;
  }

  async transfer(viewer: Viewer, req: TransferRequest): Promise<MoveAnswer> {
    const memo = text(req.memo, 'memo', 500, false);
    const toNumber = text(req.to, 'to', 64)!;
    const receiving = (from: store.AccountBase, read: Map<string, store.AccountBase>): AccountRow => {
      const to = read.get(toNumber);
      if (!to) throw new AppError('not_found', `to: no account ${toNumber}`, { field: 'to' });
      if (to.kind !== 'holding' || to.closed_at !== null)
        throw new AppError(
          'conflict',
          `to: ${toNumber} is ${to.closed_at ? 'closed' : `a ${to.kind} account`}; transfers go to open holding accounts`,
          {
            field: 'to',
          },
        );
      if (to.id === from.id)
        throw new AppError('bad_request', 'to: the same account as from', { field: 'to' });
      return store.accountRow(to);
    };
    return this.doMove(
      viewer,
      req,
      'transfer',
      'held',
      async (_tx, from, read) => receiving(from, read),
      memo ? { memo } : {},
      toNumber,
      receiving,
    );
  }

  async retire(viewer: Viewer, req: RetireRequest): Promise<MoveAnswer & { retirementId: string }> {
    const beneficiary = text(req.beneficiary, 'beneficiary', 200)!;
    const purpose = text(req.purpose, 'purpose', 500)!;
    const cp = req.claimPeriod as { start?: unknown; end?: unknown } | undefined;
    if (!cp || typeof cp !== 'object')
      throw new AppError('bad_request', 'claimPeriod: required, {start, end} dates', {
        field: 'claimPeriod',
      });
    for (const k of ['start', 'end'] as const)
      if (typeof cp[k] !== 'string' || !validDate(cp[k]))
        throw new AppError('bad_request', `claimPeriod.${k}: a date YYYY-MM-DD`, {
          field: `claimPeriod.${k}`,
        });
    const start = cp.start as string;
    const end = cp.end as string;
    if (end < start)
      throw new AppError('bad_request', 'claimPeriod.end: before the start', { field: 'claimPeriod.end' });
    const obligationReference = text(req.obligationReference, 'obligationReference', 200, false);
    const answer = await this.doMove(
      viewer,
      req,
      'retirement',
      'retired',
      (tx, from) =>
        this.ensureAccount(tx, {
          orgId: from.org_id,
          kind: 'retirement',
          name: `${from.org_name} retirement`,
        }),
      {
        beneficiary,
        purpose,
        claimPeriod: { start, end },
        ...(obligationReference ? { obligationReference } : {}),
      },
    );
    return { ...answer, retirementId: answer.transactionId };
  }

  async cancel(viewer: Viewer, req: CancelRequest): Promise<MoveAnswer> {
    const reason = text(req.reason, 'reason', 500, false);
    return this.doMove(
      viewer,
      req,
      'cancellation',
      'cancelled',
      (tx, from) =>
        this.ensureAccount(tx, {
          orgId: from.org_id,
          kind: 'cancellation',
          name: `${from.org_name} cancellation`,
        }),
      reason ? { reason } : {},
    );
  }

  async bufferContribution(viewer: Viewer, req: BufferRequest): Promise<MoveAnswer> {
    const reason = text(req.reason, 'reason', 500, false);
    return this.doMove(
      viewer,
      req,
      'buffer',
      'buffer',
      async (tx) => {
        const b = await store.nationalAccount(tx, 'buffer');
        if (!b)
          throw new AppError(
            'conflict',
            'the registry has no national buffer account yet; the registry operator opens one',
          );
        return store.accountRow(b);
      },
      reason ? { reason } : {},
    );
  }

  // ---- reading ----

  private async orgOf(viewer: Viewer, org: string | undefined, forWrite: boolean): Promise<string> {
    if (org === undefined) {
      if (viewer === 'system')
        throw new AppError('bad_request', 'org: name the organisation', { field: 'org' });
      const own = orgIdsOf(viewer).filter((o) => !forWrite || hasWriteRole(viewer, o));
      if (own.length !== 1)
        throw new AppError('bad_request', 'org: name the organisation (you belong to several)', {
          field: 'org',
        });
      return own[0]!;
    }
    const id = store.UUID_RE.test(org)
      ? (await this.db.query<{ id: string }>('SELECT id FROM organisation WHERE id = $1', [org]))[0]?.id
      : await store.orgIdBySlug(this.db, org);
    if (!id || !(readsAll(viewer) || orgIdsOf(viewer as Principal).includes(id)))
      throw new AppError('not_found', `org: no organisation "${org}" of yours`, { field: 'org' });
    return id;
  }

  async listAccounts(viewer: Viewer, filter: { org?: string | undefined } = {}): Promise<AccountView[]> {
    if (filter.org !== undefined)
      return (await store.listAccounts(this.db, [await this.orgOf(viewer, filter.org, false)])).map(
        accountView,
      );
    return (await store.listAccounts(this.db, readsAll(viewer) ? null : orgIdsOf(viewer as Principal))).map(
      accountView,
    );
  }

  async createAccount(
    viewer: Viewer,
    input: { org?: string | undefined; kind: string; name: string; national?: boolean | undefined },
  ): Promise<AccountView> {
    if (!ACCOUNT_KINDS.includes(input.kind as AccountKind))
      throw new AppError('bad_request', `kind: one of ${ACCOUNT_KINDS.join(', ')}`, { field: 'kind' });
    const name = text(input.name, 'name', 200)!;
    const orgId = await this.orgOf(viewer, input.org, true);
    if (viewer !== 'system') {
      if (!hasWriteRole(viewer, orgId) || !hasRoleIn(viewer, orgId, ['admin', 'registry_operator']))
        throw new AppError(
          'forbidden',
          'accounts are opened by an admin of the organisation or the registry operator',
          {
            field: 'org',
          },
        );
      if (input.national && !hasRoleIn(viewer, orgId, ['registry_operator']))
        throw new AppError('forbidden', 'national: only the registry operator opens national accounts', {
          field: 'national',
        });
    }
    const row = await this.db.transaction((tx) =>
      this.createAccountRow(tx, {
        orgId,
        kind: input.kind as AccountKind,
        name,
        national: input.national ?? false,
      }),
    );
    return accountView((await store.accountBy(this.db, row.id))!);
  }

  private async visibleAccount(
    viewer: Viewer,
    number: string,
    field = 'number',
  ): Promise<store.AccountDbRow> {
    const a = await store.accountBy(this.db, number);
    if (!a || !(readsAll(viewer) || orgIdsOf(viewer as Principal).includes(a.org_id)))
      throw new AppError('not_found', `no account ${number.slice(0, 64)}`, { field });
    return a;
  }

  async getAccount(viewer: Viewer, number: string): Promise<AccountView & { holdings: HoldingView[] }> {
    const a = await this.visibleAccount(viewer, number);
    return { ...accountView(a), holdings: await this.holdings(a.id) };
  }

  private async holdings(accountId: string): Promise<HoldingView[]> {
    const blocks = await store.blocksOfAccount(this.db, accountId);
    const info = await this.infoOf(
      this.db,
      blocks.map((b) => b.issuanceId),
    );
    const groups = new Map<string, HoldingView>();
    for (const b of blocks) {
      const i = info.get(b.issuanceId);
      let g = groups.get(b.issuanceId);
      if (!g) {
        g = {
          issuanceId: b.issuanceId,
          projectId: i?.projectId ?? '',
          projectCode: i?.projectCode ?? '',
          projectName: i?.projectName ?? '',
          hostCountry: i?.hostCountry ?? '',
          vintage: i?.vintage ?? 0,
          unitType: i?.unitType ?? '',
          quantity: '0',
          byState: {},
          blocks: [],
        };
        groups.set(b.issuanceId, g);
      }
      const n = sizeOf(b);
      g.quantity = (BigInt(g.quantity) + n).toString();
      g.byState[b.state] = (BigInt(g.byState[b.state] ?? '0') + n).toString();
      g.blocks.push({
        id: b.id,
        serial: this.serialOf(i, b.start, b.end),
        start: b.start.toString(),
        end: b.end.toString(),
        quantity: n.toString(),
        state: b.state,
        authorizationId: b.authorizationId,
        firstTransferred: b.firstTransferred,
      });
    }
    return [...groups.values()].sort(
      (x, y) =>
        x.projectCode.localeCompare(y.projectCode) ||
        x.vintage - y.vintage ||
        x.unitType.localeCompare(y.unitType),
    );
  }

  private async views(q: Queryable, rows: store.TransactionDbRow[]): Promise<TransactionView[]> {
    if (rows.length === 0) return [];
    const ranges = await store.rangesOf(
      q,
      rows.map((r) => r.id),
    );
    const info = await this.infoOf(
      q,
      ranges.map((r) => r.issuance_id),
    );
    const byTx = new Map<string, RangeView[]>();
    for (const r of ranges) {
      const start = BigInt(r.serial_start);
      const end = BigInt(r.serial_end);
      const list = byTx.get(r.transaction_id) ?? [];
      list.push({
        issuanceId: r.issuance_id,
        start: r.serial_start,
        end: r.serial_end,
        quantity: (end - start + 1n).toString(),
        serial: this.serialOf(info.get(r.issuance_id), start, end),
      });
      byTx.set(r.transaction_id, list);
    }
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      from: r.from_number,
      to: r.to_number,
      quantity: r.quantity,
      orgId: r.org_id,
      actor: r.actor,
      details: typeof r.details === 'string' ? (JSON.parse(r.details) as Record<string, unknown>) : r.details,
      ranges: byTx.get(r.id) ?? [],
      ledger: r.ledger_index === null ? null : { index: Number(r.ledger_index), leafHash: r.leaf_hash ?? '' },
      createdAt: iso(r.created_at),
    }));
  }

  /** Account ids of the caller's organisations (null: the caller sees all). */
  private async ownAccountIds(viewer: Viewer): Promise<string[] | null> {
    if (readsAll(viewer)) return null;
    return (await store.listAccounts(this.db, orgIdsOf(viewer as Principal))).map((a) => a.id);
  }

  private seesTransaction(own: string[] | null, viewer: Viewer, r: store.TransactionDbRow): boolean {
    if (own === null) return true;
    return (
      (r.from_account !== null && own.includes(r.from_account)) ||
      (r.to_account !== null && own.includes(r.to_account)) ||
      (r.org_id !== null && orgIdsOf(viewer as Principal).includes(r.org_id))
    );
  }

  async getTransaction(viewer: Viewer, id: string): Promise<TransactionView> {
    const r = await store.transactionById(this.db, id);
    if (!r || !this.seesTransaction(await this.ownAccountIds(viewer), viewer, r))
      throw new AppError('not_found', `no transaction ${id.slice(0, 64)}`, { field: 'id' });
    return (await this.views(this.db, [r]))[0]!;
  }

  async listTransactions(
    viewer: Viewer,
    f: {
      account?: string | undefined;
      kind?: string | undefined;
      since?: string | undefined;
      until?: string | undefined;
      limit?: number | undefined;
      cursor?: string | undefined;
    },
  ): Promise<{ transactions: TransactionView[]; nextCursor: string | null }> {
    const limit = f.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new AppError('bad_request', 'limit: 1 to 1000', { field: 'limit' });
    let accountIds = await this.ownAccountIds(viewer);
    if (f.account !== undefined) accountIds = [(await this.visibleAccount(viewer, f.account, 'account')).id];
    for (const k of ['since', 'until'] as const)
      if (f[k] !== undefined && Number.isNaN(Date.parse(f[k])))
        throw new AppError('bad_request', `${k}: a date or time (ISO 8601)`, { field: k });
    let before: { createdAt: string; id: string } | undefined;
    if (f.cursor !== undefined) {
      const [createdAt, id] = Buffer.from(f.cursor, 'base64url').toString('utf8').split('|');
      if (!createdAt || !id || !store.UUID_RE.test(id) || Number.isNaN(Date.parse(createdAt)))
        throw new AppError('bad_request', 'cursor: not a cursor this server gave', { field: 'cursor' });
      before = { createdAt, id };
    }
    const rows = await store.listTransactions(this.db, {
      accountIds,
      kind: f.kind,
      since: f.since,
      until: f.until,
      limit,
      before,
    });
    const last = rows[rows.length - 1];
    return {
      transactions: await this.views(this.db, rows),
      nextCursor:
        rows.length === limit && last
          ? Buffer.from(`${iso(last.created_at)}|${last.id}`).toString('base64url')
          : null,
    };
  }

  /** Every transaction that moved any of the serial's units, oldest first, and where they are now. */
  async history(viewer: Viewer, serial: string): Promise<SerialHistory> {
    const p = parseSerial(serial, 'serial');
    const range = { start: p.start, end: p.end };
    const rows = await store.historyOf(this.db, range);
    const own = await this.ownAccountIds(viewer);
    if (rows.length === 0 || !rows.some((r) => this.seesTransaction(own, viewer, r)))
      throw new AppError('not_found', `serial ${serial.slice(0, 200)}: no units of yours ever had it`, {
        field: 'serial',
      });
    const blocks = await this.blocksIn(this.db, [range]);
    const accounts = new Map<string, string>();
    for (const b of blocks)
      if (!accounts.has(b.accountId))
        accounts.set(b.accountId, (await store.accountBy(this.db, b.accountId))?.number ?? '');
    return {
      serial,
      start: p.start.toString(),
      end: p.end.toString(),
      current: blocks.map((b) => {
        const s = b.start > p.start ? b.start : p.start;
        const e = b.end < p.end ? b.end : p.end;
        return {
          serial: this.formatSerial({ ...b, start: s, end: e }),
          account: accounts.get(b.accountId) ?? null,
          state: b.state,
        };
      }),
      transactions: await this.views(this.db, rows),
    };
  }
}
