/** Article 6 calls (/api/v1/registry/article6). Types written by hand against the server's schemas (A6*). */
import { request } from '../../../api';

export type Use = 'ndc' | 'oimp';
export type CaStatus = 'Not Started' | 'Pending' | 'Completed';
export interface LedgerRef {
  index: number;
  leafHash: string;
}
export interface Approach {
  id: string;
  code: string;
  name: string;
  description: string;
  parties: string[];
  createdAt: string;
  ledger: LedgerRef;
}
export interface Authorization {
  id: string;
  code: string;
  approach: { id: string; code: string; name: string };
  hostParty: string;
  acquiringParty: string | null;
  uses: Use[];
  oimpPurpose: string | null;
  firstTransferOimp: string | null;
  metric: string;
  sector: string;
  activityType: string;
  mitigationType: string;
  authorizedQuantity: string | null;
  validFrom: string;
  validUntil: string;
  vintageFrom: number | null;
  vintageTo: number | null;
  projects: { id: string; code: string; name: string }[];
  document: { name: string; sha256: string };
  status: 'active' | 'revoked';
  units: { authorized: string; firstTransferred: string };
  createdAt: string;
  ledger: LedgerRef;
  revocation: { at: string; by: string; reason: string; ledger: LedgerRef } | null;
}
export interface Unit {
  serial: string;
  start: string;
  end: string;
  quantity: string;
  vintage: number;
  projectCode: string;
  state: string;
  firstTransferred: boolean;
  adjustment: CaStatus;
  account: string | null;
}
export interface Adjustments {
  summary: { party: string; year: number; pending: string; completed: string; total: string }[];
  notStarted: { party: string; quantity: string }[];
  adjustments: {
    id: string;
    party: string;
    year: number;
    authorization: string | null;
    vintage: number | null;
    start: string;
    end: string;
    quantity: string;
    status: CaStatus;
    reference: string | null;
  }[];
}
export interface UseRecord {
  transactionId: string;
  use: Use;
  party: string;
  quantity: string;
  fromAccount: string | null;
  year: number | null;
  purpose: string | null;
  at: string;
}
export interface NewAuthorization {
  code: string;
  approach: string;
  hostParty: string;
  acquiringParty: string | null;
  uses: Use[];
  oimpPurpose: string | null;
  firstTransferOimp: string | null;
  sector: string;
  activityType: string;
  authorizedQuantity: string | null;
  validFrom: string;
  validUntil: string;
  vintageFrom: number | null;
  vintageTo: number | null;
  projects: string[];
  document: { name: string; sha256: string };
}

const B = '/registry/article6';
const enc = encodeURIComponent;

export const article6Api = {
  approaches: (signal?: AbortSignal) =>
    request<{ approaches: Approach[] }>('GET', `${B}/approaches`, { signal }),
  createApproach: (body: { code: string; name: string; description: string; parties: string[] }) =>
    request<{ approach: Approach }>('POST', `${B}/approaches`, { body }),
  authorizations: (signal?: AbortSignal) =>
    request<{ authorizations: Authorization[] }>('GET', `${B}/authorizations`, { signal }),
  createAuthorization: (body: NewAuthorization) =>
    request<{ authorization: Authorization }>('POST', `${B}/authorizations`, { body }),
  units: (id: string, signal?: AbortSignal) =>
    request<{ units: Unit[] }>('GET', `${B}/authorizations/${enc(id)}/units`, { signal }),
  mark: (id: string, start: string, end: string) =>
    request<{ quantity: string }>('POST', `${B}/authorizations/${enc(id)}/units`, {
      body: { ranges: [{ start, end }] },
    }),
  revoke: (id: string, reason: string) =>
    request<{ authorization: Authorization }>('POST', `${B}/authorizations/${enc(id)}/revoke`, {
      body: { reason },
    }),
  adjustments: (signal?: AbortSignal) =>
    request<Adjustments>('GET', `${B}/corresponding-adjustments`, { signal }),
  applyAdjustments: (body: { party: string; year: number; reference: string }) =>
    request<{ quantity: string }>('POST', `${B}/corresponding-adjustments/applied`, { body }),
  uses: (signal?: AbortSignal) => request<{ uses: UseRecord[] }>('GET', `${B}/uses`, { signal }),
  aefUrl: (party: string, year: number, format: 'xlsx' | 'json') =>
    `/api/v1${B}/aef?party=${enc(party)}&year=${year}&format=${format}`,
};

/** SHA-256 of a file, in the browser, as lower-case hex. */
export async function sha256Hex(file: File): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
