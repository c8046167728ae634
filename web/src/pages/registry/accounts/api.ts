/** The registry's unit calls (accounts, holdings, transfers, retirements, serial history). */
import { newIdempotencyKey, request } from '../../../api';

export type UnitState =
  'held' | 'retired' | 'cancelled' | 'buffer' | 'pending_export' | 'exported' | 'expired';

export interface Account {
  id: string;
  number: string;
  org: { id: string; slug: string; name: string };
  kind: 'holding' | 'retirement' | 'cancellation' | 'buffer';
  national: boolean;
  name: string;
  closed: boolean;
  createdAt: string;
}

export interface Holding {
  issuanceId: string;
  projectId: string;
  projectCode: string;
  projectName: string;
  hostCountry: string;
  vintage: number;
  unitType: string;
  quantity: string;
  byState: Record<string, string>;
  blocks: {
    id: string;
    serial: string;
    start: string;
    end: string;
    quantity: string;
    state: UnitState;
    authorizationId: string | null;
    firstTransferred: boolean;
  }[];
}

export interface Range {
  issuanceId: string;
  start: string;
  end: string;
  quantity: string;
  serial: string;
}

export interface Transaction {
  id: string;
  kind: string;
  from: string | null;
  to: string | null;
  quantity: string;
  orgId: string | null;
  actor: string;
  details: Record<string, unknown>;
  ranges: Range[];
  ledger: { index: number; leafHash: string } | null;
  createdAt: string;
}

export interface MoveAnswer {
  transactionId: string;
  kind: string;
  from: string;
  to: string;
  quantity: string;
  ranges: Range[];
  ledger: { index: number; leafHash: string };
  replayed: boolean;
}

export interface Retirement extends MoveAnswer {
  retirementId: string;
  statementUrl: string;
  verifyUrl: string;
}

export interface History {
  serial: string;
  start: string;
  end: string;
  current: { serial: string; account: string | null; state: UnitState }[];
  transactions: Transaction[];
}

export type Units = { serials: string[] } | { issuanceId: string; quantity: string };

/** A fresh key per submitted form: a double click or a retried request moves the units once. */
export const newKey = newIdempotencyKey;

const P = '/registry';
export const unitsApi = {
  accounts: (signal?: AbortSignal) => request<{ accounts: Account[] }>('GET', `${P}/accounts`, { signal }),
  account: (number: string, signal?: AbortSignal) =>
    request<{ account: Account; holdings: Holding[] }>('GET', `${P}/accounts/${encodeURIComponent(number)}`, {
      signal,
    }),
  transfer: (body: { from: string; to: string; units: Units; memo?: string; idempotencyKey: string }) =>
    request<MoveAnswer>('POST', `${P}/transfers`, { body }),
  retire: (body: {
    from: string;
    units: Units;
    beneficiary: string;
    purpose: string;
    claimPeriod: { start: string; end: string };
    idempotencyKey: string;
  }) => request<Retirement>('POST', `${P}/retirements`, { body }),
  transactions: (query: { kind?: string; account?: string; limit?: number }, signal?: AbortSignal) =>
    request<{ transactions: Transaction[]; nextCursor: string | null }>('GET', `${P}/transactions`, {
      query,
      signal,
    }),
  history: (serial: string, signal?: AbortSignal) =>
    request<History>('GET', `${P}/serials/${encodeURIComponent(serial)}/history`, { signal }),
};

/** Where a retirement's statement and public verification page are (served by the supervision part). */
export const statementPath = (id: string) =>
  `/api/v1${P}/retirements/${encodeURIComponent(id)}/statement.pdf`;
export const verifyPath = (id: string) => `/registry/explorer/retirements/${encodeURIComponent(id)}`;
