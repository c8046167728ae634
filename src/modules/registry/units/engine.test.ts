import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import { FINAL_STATES, type SerialRange } from './contract.js';
import { applyPlan, normaliseRanges, planMove, takeLowest, type EBlock } from './engine.js';
import { formatSerial, parseSerial } from './serial.js';
import { modelMove, type Move, type Unit } from './testing-model.js';

describe('serials', () => {
  it('formats and parses the documented format', () => {
    const b = {
      hostCountry: 'CN',
      unitType: 'VER',
      projectCode: 'P0001',
      vintage: 2024,
      start: 1001n,
      end: 1500n,
    };
    expect(formatSerial('GTR', b)).toBe('GTR-CN-VER-P0001-2024-1001-1500');
    expect(parseSerial('GTR-CN-VER-P0001-2024-1001-1500')).toEqual({ registry: 'GTR', ...b });
    // A project code with dashes: everything between the unit type and the vintage.
    expect(parseSerial('GTR-IN-CER-GS-0042-2019-7-7').projectCode).toBe('GS-0042');
  });
  it('refuses what is not a serial, naming the field', () => {
    for (const bad of [
      'GTR-CN-VER-P1-2024-10',
      'GTR-CN-VER-P1-2024-10-9',
      'GTR-C1-VER-P1-2024-1-2',
      'GTR-CN-VER-P1-2024-0-2',
      'x',
    ])
      expect(() => parseSerial(bad, 'units.serials.0')).toThrow(/units\.serials\.0/);
  });
});

const block = (id: string, start: bigint, end: bigint, over: Partial<EBlock> = {}): EBlock => ({
  id,
  issuanceId: 'I',
  start,
  end,
  accountId: 'A',
  state: 'held',
  authorizationId: null,
  firstTransferred: false,
  ...over,
});
let n = 0;
const newId = () => `new${n++}`;
const transfer = {
  kind: 'transfer' as const,
  fromAccountId: 'A',
  fromState: 'held' as const,
  toAccountId: 'B',
  toState: 'held' as const,
};

describe('planMove', () => {
  it('splits a block at both edges: the outer parts keep their account, the middle moves', () => {
    const p = planMove([block('b1', 1n, 100n)], [{ start: 11n, end: 20n }], transfer, newId);
    expect(p.updates).toEqual([block('b1', 1n, 10n)]);
    expect(p.inserts.map((b) => [b.start, b.end, b.accountId])).toEqual([
      [11n, 20n, 'B'],
      [21n, 100n, 'A'],
    ]);
    expect(p.quantity).toBe(10n);
  });
  it('moves a whole block without splitting it', () => {
    const p = planMove([block('b1', 5n, 9n)], [{ start: 5n, end: 9n }], transfer, newId);
    expect(p.updates).toEqual([block('b1', 5n, 9n, { accountId: 'B' })]);
    expect(p.inserts).toEqual([]);
  });
  it('refuses a gap, another account, another state and a final state, naming the serial', () => {
    const name = (_i: string, s: bigint, e: bigint) => `S-${s}-${e}`;
    const blocks = [
      block('b1', 1n, 10n),
      block('b2', 11n, 20n, { accountId: 'C' }),
      block('b3', 31n, 40n, { state: 'retired' }),
    ];
    const refuse = (r: SerialRange, text: RegExp) => {
      const e = (() => {
        try {
          planMove(blocks, [r], transfer, newId, name);
        } catch (x) {
          return x as AppError;
        }
        return undefined;
      })();
      expect(e?.status).toBe(409);
      expect(e?.message).toMatch(text);
    };
    refuse({ start: 5n, end: 15n }, /serial S-11-15 is not held in account A/);
    refuse({ start: 21n, end: 25n }, /serial S-21-25: no such units/);
    refuse({ start: 35n, end: 35n }, /serial S-35-35 is retired; retired units never move again/);
  });
  it('records a corresponding adjustment on the first transfer of authorised units only', () => {
    const auth = { authorizationId: 'L1' };
    const first = planMove([block('b1', 1n, 10n, auth)], [{ start: 1n, end: 4n }], transfer, newId);
    expect(first.adjustments).toEqual([{ issuanceId: 'I', authorizationId: 'L1', start: 1n, end: 4n }]);
    const moved = first.inserts.concat(first.updates).find((b) => b.accountId === 'B')!;
    expect(moved.firstTransferred).toBe(true);
    // The second transfer of the same units: no adjustment.
    const again = planMove(
      [{ ...moved }],
      [{ start: 1n, end: 4n }],
      { ...transfer, fromAccountId: 'B', toAccountId: 'A' },
      newId,
    );
    expect(again.adjustments).toEqual([]);
    // A retirement is not a first transfer.
    const ret = planMove(
      [block('b2', 1n, 10n, auth)],
      [{ start: 1n, end: 10n }],
      { ...transfer, kind: 'retirement', toAccountId: 'R', toState: 'retired' },
      newId,
    );
    expect(ret.adjustments).toEqual([]);
  });
  it('refuses overlapping or empty ranges with a 400', () => {
    expect(() =>
      normaliseRanges([
        { start: 1n, end: 5n },
        { start: 5n, end: 6n },
      ]),
    ).toThrow(/overlap/);
    expect(() => normaliseRanges([])).toThrow(/at least one/);
    expect(() => normaliseRanges([{ start: 0n, end: 5n }])).toThrow(/units\.ranges\.0/);
  });
  it('takes the lowest serials for a quantity, and says how many there are when too few', () => {
    const blocks = [block('b2', 21n, 25n), block('b1', 1n, 3n)];
    expect(takeLowest(blocks, 5n, () => 'A')).toEqual([
      { start: 1n, end: 3n },
      { start: 21n, end: 22n },
    ]);
    expect(() => takeLowest(blocks, 9n, () => 'account A')).toThrow(
      'account A holds only 8 of the 9 units asked for',
    );
  });
});

// ---- model-based test: the engine against one record per unit ----

const HOLDING = ['H1', 'H2', 'H3'];
type OpKind =
  | 'issue'
  | 'transfer'
  | 'retire'
  | 'cancel'
  | 'buffer'
  | 'authorize'
  | 'export'
  | 'confirm'
  | 'revert'
  | 'ndc'
  | 'unretire'
  | 'qty';
interface Op {
  t: OpKind;
  a: number;
  b: number;
  c: number;
  d: number;
  two: boolean;
}
const opArb: fc.Arbitrary<Op> = fc.record({
  t: fc.constantFrom<OpKind>(
    'issue',
    'issue',
    'transfer',
    'transfer',
    'retire',
    'cancel',
    'buffer',
    'authorize',
    'export',
    'confirm',
    'revert',
    'ndc',
    'unretire',
    'qty',
    'qty',
  ),
  a: fc.nat(10_000),
  b: fc.nat(10_000),
  c: fc.nat(10_000),
  d: fc.nat(10_000),
  two: fc.boolean(),
});

/** A failed invariant: plain throws in the hot loop (expect() is too slow for 100,000 operations). */
function assert(cond: boolean, what: () => string): void {
  if (!cond) throw new Error(what());
}
const key = (u: Unit) => `${u.issuance}|${u.account}|${u.state}|${u.auth}|${u.ft}`;
const show = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x));

class World {
  blocks = new Map<string, EBlock>();
  units = new Map<bigint, Unit>();
  issuances: { id: string; start: bigint; end: bigint }[] = [];
  byId = new Map<string, { start: bigint; end: bigint }>();
  next = 1n;
  adjustedCount = new Map<bigint, number>();
  /** Units as they were when they reached a final state. */
  finals = new Map<bigint, string>();
  ids = 0;
  newId = () => `b${this.ids++}`;

  issue(account: string, qty: bigint): void {
    const id = `I${this.issuances.length}`;
    const start = this.next;
    const end = start + qty - 1n;
    this.next = end + 1n;
    this.issuances.push({ id, start, end });
    this.byId.set(id, { start, end });
    const bid = this.newId();
    this.blocks.set(bid, {
      id: bid,
      issuanceId: id,
      start,
      end,
      accountId: account,
      state: 'held',
      authorizationId: null,
      firstTransferred: false,
    });
    for (let s = start; s <= end; s++)
      this.units.set(s, { issuance: id, account, state: 'held', auth: null, ft: false });
  }

  move(ranges: SerialRange[], m: Move): 'refused' | 'bad' | 'done' {
    let sorted: SerialRange[] | undefined;
    try {
      sorted = normaliseRanges(ranges);
    } catch (e) {
      assert(e instanceof AppError && e.status === 400, () => `not a 400: ${String(e)}`);
    }
    if (!sorted) {
      // Overlapping ranges: refused before anything is looked at.
      const overlap = ranges.some((r, i) =>
        ranges.some((q, j) => i !== j && r.start <= q.end && q.start <= r.end),
      );
      assert(overlap, () => 'ranges refused that do not overlap');
      return 'bad';
    }
    const sel = sorted;
    const touched = [...this.blocks.values()].filter((b) =>
      sel.some((r) => b.start <= r.end && r.start <= b.end),
    );
    let adjustments: SerialRange[] | 'refused';
    try {
      const plan = planMove(
        touched,
        sel,
        {
          kind: m.kind,
          fromAccountId: m.from,
          fromState: m.fromState,
          toAccountId: m.to,
          toState: m.toState,
          ...(m.authorize ? { authorize: m.authorize } : {}),
        },
        this.newId,
      );
      applyPlan(this.blocks, plan);
      adjustments = plan.adjustments;
    } catch (e) {
      assert(e instanceof AppError && e.status === 409, () => `not a 409: ${String(e)}`);
      adjustments = 'refused';
    }
    const expected = modelMove(this.units, sel, m);
    if (expected === 'refused') {
      assert(
        adjustments === 'refused',
        () => `the engine did a move the model refuses: ${m.kind} ${show(sel)}`,
      );
      return 'refused';
    }
    assert(
      adjustments !== 'refused',
      () => `the engine refused a move the model allows: ${m.kind} ${show(sel)}`,
    );
    const got: bigint[] = [];
    for (const r of adjustments as SerialRange[]) for (let s = r.start; s <= r.end; s++) got.push(s);
    got.sort((x, y) => (x < y ? -1 : 1));
    assert(
      got.join() === expected.join(),
      () => `adjustments ${got.join()}, the model says ${expected.join()}`,
    );
    for (const s of got) this.adjustedCount.set(s, (this.adjustedCount.get(s) ?? 0) + 1);
    for (const r of sel)
      for (let s = r.start; s <= r.end; s++) {
        const u = this.units.get(s)!;
        if (FINAL_STATES.includes(u.state) && !this.finals.has(s)) this.finals.set(s, key(u));
      }
    return 'done';
  }

  /** Every invariant, after every operation. */
  check(): void {
    const blocks = [...this.blocks.values()].sort((x, y) => (x.start < y.start ? -1 : 1));
    // Ranges never overlap.
    for (let i = 1; i < blocks.length; i++)
      assert(blocks[i - 1]!.end < blocks[i]!.start, () => `blocks overlap at ${blocks[i]!.start}`);
    // Units of each issuance conserved: its blocks lie inside it and add up to its quantity.
    const sum = new Map<string, bigint>();
    for (const b of blocks) {
      const iss = this.byId.get(b.issuanceId)!;
      assert(b.start >= iss.start && b.end <= iss.end, () => `block ${b.id} outside its issuance`);
      sum.set(b.issuanceId, (sum.get(b.issuanceId) ?? 0n) + b.end - b.start + 1n);
    }
    for (const i of this.issuances)
      assert(sum.get(i.id) === i.end - i.start + 1n, () => `issuance ${i.id} has ${sum.get(i.id)} units`);
    // Each serial in exactly one account and one state: the blocks say what the model says, unit by unit.
    let count = 0;
    for (const b of blocks)
      for (let s = b.start; s <= b.end; s++) {
        count++;
        const u = this.units.get(s)!;
        assert(
          u.account === b.accountId &&
            u.state === b.state &&
            u.auth === b.authorizationId &&
            u.ft === b.firstTransferred &&
            u.issuance === b.issuanceId,
          () => `serial ${s}: block ${show(b)}, model ${show(u)}`,
        );
      }
    assert(count === this.units.size, () => `blocks hold ${count} serials, the model ${this.units.size}`);
    // Final states are final: a unit that reached one is as it was then.
    for (const [s, k] of this.finals)
      assert(key(this.units.get(s)!) === k, () => `final serial ${s} changed`);
    // A corresponding adjustment once per first-transferred unit, never twice.
    for (const [s, u] of this.units)
      assert(
        (this.adjustedCount.get(s) ?? 0) === (u.ft ? 1 : 0),
        () => `serial ${s}: ${this.adjustedCount.get(s) ?? 0} adjustments, first transferred ${u.ft}`,
      );
  }
}

const outcomes = { done: 0, refused: 0, bad: 0 };
let opsRun = 0;
function runOps(ops: Op[]): void {
  const w = new World();
  w.issue('H1', 5n);
  for (const op of ops) {
    opsRun++;
    const span = w.next + 2n;
    const range = (x: number, y: number): SerialRange => {
      const start = 1n + (BigInt(x) % span);
      return { start, end: start + BigInt(y % 6) };
    };
    const ranges = op.two ? [range(op.a, op.b), range(op.c, op.d)] : [range(op.a, op.b)];
    const from = HOLDING[op.c % 3]!;
    const to = HOLDING[op.d % 3]!;
    let r: 'refused' | 'bad' | 'done' = 'done';
    switch (op.t) {
      case 'issue':
        w.issue(HOLDING[op.a % 3]!, 1n + BigInt(op.b % 12));
        break;
      case 'transfer':
        r = w.move(ranges, { kind: 'transfer', from, fromState: 'held', to, toState: 'held' });
        break;
      case 'retire':
        r = w.move(ranges, { kind: 'retirement', from, fromState: 'held', to: 'R', toState: 'retired' });
        break;
      case 'cancel':
        r = w.move(ranges, { kind: 'cancellation', from, fromState: 'held', to: 'X', toState: 'cancelled' });
        break;
      case 'buffer':
        r = w.move(ranges, { kind: 'buffer', from, fromState: 'held', to: 'F', toState: 'buffer' });
        break;
      case 'authorize':
        r = w.move(ranges, {
          kind: 'authorization',
          from: null,
          fromState: 'held',
          to: null,
          toState: 'held',
          authorize: `L${op.d % 2}`,
        });
        break;
      case 'export':
        r = w.move(ranges, { kind: 'export', from, fromState: 'held', to: from, toState: 'pending_export' });
        break;
      case 'confirm':
        r = w.move(ranges, {
          kind: 'export-confirmed',
          from,
          fromState: 'pending_export',
          to: from,
          toState: 'exported',
        });
        break;
      case 'revert':
        r = w.move(ranges, {
          kind: 'export-reverted',
          from,
          fromState: 'pending_export',
          to: from,
          toState: 'held',
        });
        break;
      case 'ndc':
        r = w.move(ranges, { kind: 'ndc-use', from, fromState: 'held', to: 'N', toState: 'retired' });
        break;
      case 'unretire':
        // Always refused: retired units never move.
        r = w.move(ranges, { kind: 'transfer', from: 'R', fromState: 'retired', to, toState: 'held' });
        assert(r !== 'done', () => 'retired units moved');
        break;
      case 'qty': {
        const iss = w.issuances[op.a % w.issuances.length]!;
        const qty = 1n + BigInt(op.b % 10);
        const mine = [...w.blocks.values()].filter(
          (b) => b.issuanceId === iss.id && b.accountId === from && b.state === 'held',
        );
        const held: bigint[] = [];
        for (let s = iss.start; s <= iss.end; s++) {
          const u = w.units.get(s)!;
          if (u.account === from && u.state === 'held') held.push(s);
        }
        let picked: SerialRange[] | undefined;
        try {
          picked = takeLowest(mine, qty, () => from);
        } catch {
          assert(BigInt(held.length) < qty, () => 'a quantity refused that is held');
          r = 'refused';
        }
        if (picked) {
          // The lowest serials held, as the model lists them.
          const serials: bigint[] = [];
          for (const x of picked) for (let s = x.start; s <= x.end; s++) serials.push(s);
          assert(serials.join() === held.slice(0, Number(qty)).join(), () => 'not the lowest serials');
          r = w.move(picked, { kind: 'transfer', from, fromState: 'held', to, toState: 'held' });
          assert(r === 'done', () => 'a quantity held was refused');
        }
        break;
      }
    }
    outcomes[r]++;
    w.check();
  }
}

describe('model-based: the engine against a one-record-per-unit model', () => {
  it(
    'runs at least 100,000 random operations with every invariant checked after each',
    { timeout: 180_000 },
    () => {
      opsRun = 0;
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 100, maxLength: 100 }), (ops) => runOps(ops)),
        { numRuns: 1000, seed: 5, endOnFailure: true },
      );
      // 1,000 runs of 100 operations each.
      expect(opsRun).toBeGreaterThanOrEqual(100_000);
      // Both outcomes are exercised in bulk: moves done and moves refused.
      expect(outcomes.done).toBeGreaterThan(10_000);
      expect(outcomes.refused).toBeGreaterThan(10_000);
      console.log(
        `model-based test: ${opsRun} operations: ${outcomes.done} done, ${outcomes.refused} refused (409), ${outcomes.bad} bad input (400)`,
      );
    },
  );
});
