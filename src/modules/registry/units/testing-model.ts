/** The naive model of the unit tests: one record per unit, the rules written from the issue, not from engine.ts. */
import { FINAL_STATES, type SerialRange, type TransactionKind, type UnitState } from './contract.js';

export interface Unit {
  issuance: string;
  account: string;
  state: UnitState;
  auth: string | null;
  ft: boolean;
}
export interface Move {
  kind: TransactionKind;
  from: string | null;
  fromState: UnitState;
  to: string | null;
  toState: UnitState;
  authorize?: string;
}
const FIRST: readonly TransactionKind[] = ['transfer', 'export', 'ndc-use', 'cancellation'];

/** What the model says a move does to each unit, written from the rules, not from engine.ts. */
export function modelMove(units: Map<bigint, Unit>, ranges: SerialRange[], m: Move): 'refused' | bigint[] {
  const serials: bigint[] = [];
  for (const r of ranges) for (let s = r.start; s <= r.end; s++) serials.push(s);
  for (const s of serials) {
    const u = units.get(s);
    if (!u || FINAL_STATES.includes(u.state)) return 'refused';
    if (m.from !== null && u.account !== m.from) return 'refused';
    if (u.state !== m.fromState) return 'refused';
    if (m.authorize !== undefined && u.auth !== null) return 'refused';
  }
  const adjusted: bigint[] = [];
  for (const s of serials) {
    const u = units.get(s)!;
    if (m.authorize !== undefined) u.auth = m.authorize;
    if (FIRST.includes(m.kind) && u.auth !== null && !u.ft) {
      u.ft = true;
      adjusted.push(s);
    }
    u.account = m.to ?? u.account;
    u.state = m.toState;
  }
  return adjusted;
}
