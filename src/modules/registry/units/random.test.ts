import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import { openTestPlatform } from '../../../testing/db.js';
import { prngFor } from './testing.js';
import type { SerialRange, UnitState } from './contract.js';
import type { UnitService } from './operations.js';
import { modelMove, type Move, type Unit } from './testing-model.js';
import { unitFixture, type UnitFixture } from './testing.js';

/**
 * The same model as the engine's model-based test, against the database: 1,000 random operations
 * through the engine's contract (issue, move, authorize), and after every batch of 50 the blocks in
 * the database compared unit by unit with the model, with the database's own invariants.
 */
let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let units: UnitService;
let f: UnitFixture;
const OPS = 1_000;
const BATCH = 50;

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  units = platform.registry.units;
  f = await unitFixture(platform.db, units, '-rnd');
});
afterAll(async () => platform?.dispose());

describe('random operations on the database against the model', () => {
  it(
    `runs ${OPS} operations, comparing the database with the model every ${BATCH}`,
    { timeout: 300_000 },
    async () => {
      const rand = prngFor(2026);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
      const db = platform.db;
      const holding = [f.accounts.seller.id, f.accounts.buyer.id, f.accounts.nationalHolding.id];
      const retirement = await units.ensureAccount(db, {
        orgId: f.orgs.seller,
        kind: 'retirement',
        name: 'R',
      });
      const cancellation = await units.ensureAccount(db, {
        orgId: f.orgs.seller,
        kind: 'cancellation',
        name: 'X',
      });
      const model = new Map<bigint, Unit>();
      const issuances: { id: string; start: bigint; end: bigint }[] = [];
      const auths = [randomUUID(), randomUUID()];
      const adjusted = new Map<bigint, number>();
      const counts = { done: 0, refused: 0 };
      let lo = 0n;
      let hi = 0n;

      const compare = async () => {
        const rows = await db.query<{
          serial_start: string;
          serial_end: string;
          account_id: string;
          state: UnitState;
          authorization_id: string | null;
          first_transferred: boolean;
          issuance_id: string;
        }>(
          'SELECT serial_start, serial_end, account_id, state, authorization_id, first_transferred, issuance_id FROM registry_block WHERE serial_start >= $1 ORDER BY serial_start',
          [lo.toString()],
        );
        let seen = 0;
        let prevEnd = 0n;
        for (const r of rows) {
          const s0 = BigInt(r.serial_start);
          const e0 = BigInt(r.serial_end);
          expect(s0 > prevEnd).toBe(true); // no overlap
          prevEnd = e0;
          for (let s = s0; s <= e0; s++) {
            seen++;
            const u = model.get(s);
            if (
              !u ||
              u.account !== r.account_id ||
              u.state !== r.state ||
              u.auth !== r.authorization_id ||
              u.ft !== r.first_transferred ||
              u.issuance !== r.issuance_id
            )
              expect({ serial: String(s), db: r }).toEqual({ serial: String(s), model: u });
          }
        }
        expect(seen).toBe(model.size);
        // Once per first-transferred unit, in the database.
        const ca = await db.query<{ s: string; e: string }>(
          'SELECT serial_start AS s, serial_end AS e FROM registry_corresponding_adjustment WHERE serial_start >= $1',
          [lo.toString()],
        );
        let caUnits = 0n;
        for (const c of ca) caUnits += BigInt(c.e) - BigInt(c.s) + 1n;
        expect(caUnits).toBe(BigInt([...model.values()].filter((u) => u.ft).length));
        expect([...adjusted.values()].every((n) => n === 1)).toBe(true);
      };

      for (let i = 0; i < OPS; i++) {
        const kind = pick([
          'issue',
          'transfer',
          'transfer',
          'qty',
          'retire',
          'cancel',
          'authorize',
          'export',
          'revert',
          'unretire',
        ] as const);
        if (kind === 'issue' || issuances.length === 0) {
          const qty = BigInt(1 + Math.floor(rand() * 12));
          const to = pick(holding);
          const r = await db.transaction((tx) =>
            units.issue(tx, {
              projectId: f.projectId,
              vintage: 2024,
              unitType: 'VER',
              quantity: qty,
              toAccountId: to,
              actor: 't',
              orgId: f.orgs.operator,
            }),
          );
          if (lo === 0n) lo = r.range.start;
          hi = r.range.end;
          issuances.push({ id: r.issuanceId, ...r.range });
          for (let s = r.range.start; s <= r.range.end; s++)
            model.set(s, { issuance: r.issuanceId, account: to, state: 'held', auth: null, ft: false });
          counts.done++;
          continue;
        }
        const start = lo + BigInt(Math.floor(rand() * Number(hi - lo + 3n)));
        const ranges: SerialRange[] = [{ start, end: start + BigInt(Math.floor(rand() * 5)) }];
        const from = pick(holding);
        const to = pick(holding.filter((h) => h !== from));
        let m: Move;
        switch (kind) {
          case 'transfer':
          case 'qty':
            m = { kind: 'transfer', from, fromState: 'held', to, toState: 'held' };
            break;
          case 'retire':
            m = { kind: 'retirement', from, fromState: 'held', to: retirement.id, toState: 'retired' };
            break;
          case 'cancel':
            m = { kind: 'cancellation', from, fromState: 'held', to: cancellation.id, toState: 'cancelled' };
            break;
          case 'authorize':
            m = {
              kind: 'authorization',
              from: null,
              fromState: 'held',
              to: null,
              toState: 'held',
              authorize: pick(auths),
            };
            break;
          case 'export':
            m = { kind: 'export', from, fromState: 'held', to: from, toState: 'pending_export' };
            break;
          case 'revert':
            m = { kind: 'export-reverted', from, fromState: 'pending_export', to: from, toState: 'held' };
            break;
          case 'unretire':
            m = { kind: 'transfer', from: retirement.id, fromState: 'retired', to, toState: 'held' };
            break;
        }
        let sel: SerialRange[] = ranges;
        if (kind === 'qty') {
          // A quantity of one issuance: the model's lowest held serials are what must move.
          const iss = pick(issuances);
          const qty = 1 + Math.floor(rand() * 6);
          const held: bigint[] = [];
          for (let s = iss.start; s <= iss.end; s++) {
            const u = model.get(s)!;
            if (u.account === from && u.state === 'held') held.push(s);
          }
          sel = held.slice(0, qty).map((s) => ({ start: s, end: s }));
          let outcome: 'done' | 'refused';
          try {
            const r = await db.transaction((tx) =>
              units.move(tx, {
                kind: 'transfer',
                fromAccountId: from,
                toAccountId: to,
                units: { issuanceId: iss.id, quantity: BigInt(qty) },
                toState: 'held',
                actor: 't',
                orgId: f.orgs.seller,
              }),
            );
            expect(r.quantity).toBe(BigInt(qty));
            outcome = 'done';
          } catch (e) {
            expect((e as AppError).status).toBe(409);
            outcome = 'refused';
          }
          expect(outcome).toBe(held.length >= qty ? 'done' : 'refused');
          if (outcome === 'done') modelMove(model, sel, m);
          counts[outcome]++;
        } else {
          let outcome: 'done' | 'refused';
          try {
            await db.transaction((tx) =>
              m.authorize
                ? units.authorize(tx, sel, m.authorize, 't', f.orgs.operator)
                : units.move(tx, {
                    kind: m.kind,
                    fromAccountId: m.from!,
                    toAccountId: m.to!,
                    units: { ranges: sel },
                    fromState: m.fromState,
                    toState: m.toState,
                    actor: 't',
                    orgId: f.orgs.seller,
                  }),
            );
            outcome = 'done';
          } catch (e) {
            expect(e).toBeInstanceOf(AppError);
            expect((e as AppError).status).toBe(409);
            outcome = 'refused';
          }
          const expected = modelMove(model, sel, m);
          expect(outcome).toBe(expected === 'refused' ? 'refused' : 'done');
          if (expected !== 'refused') for (const s of expected) adjusted.set(s, (adjusted.get(s) ?? 0) + 1);
          counts[outcome]++;
        }
        if ((i + 1) % BATCH === 0) await compare();
      }
      await compare();
      // Both outcomes happened many times; the ledger holds one entry per operation done and verifies.
      expect(counts.done).toBeGreaterThan(200);
      expect(counts.refused).toBeGreaterThan(200);
      const report = await platform.ledger.verify();
      expect(report.firstBad).toBeUndefined();
      expect(report.ok).toBe(true);
      console.log(`database random run: ${OPS} operations, ${counts.done} done, ${counts.refused} refused`);
    },
  );
});
