/**
 * Calls of the certificates pages (/api/v1/registry/certificates/...). The shapes are written
 * here by hand from the server's schemas (routes.ts); they can move to the generated types once
 * docs/openapi.json holds these routes.
 */
import { newIdempotencyKey, request } from '../../../api';

/** A fresh Idempotency-Key per submitted form: the server answers a resent request once. */
const writeKey = () => ({ 'Idempotency-Key': newIdempotencyKey() });
export type CertState = 'active' | 'cancelled' | 'expired' | 'withdrawn';
export interface OrgRef {
  id: string;
  slug: string;
  name: string;
}
export interface Device {
  id: string;
  code: string;
  org: OrgRef;
  name: string;
  energySource: string;
  capacityMW: string;
  country: string;
  gridZone: string;
  commissioned: string;
  latitude: string | null;
  longitude: string | null;
  status: 'pending' | 'approved' | 'rejected';
  decisionReason: string | null;
  createdAt: string;
}
export interface Issuance {
  id: string;
  scheme: string;
  device: { id: string; code: string; name: string };
  periodStart: string;
  periodEnd: string;
  quantity: string;
  unit: string;
  energyWh: string;
  serial: string;
  expiresAt: string;
}
export interface Block {
  id: string;
  serial: string;
  scheme: string;
  unit: string;
  issuanceId: string;
  issuingBody: string;
  device: { id: string; code: string; name: string; energySource: string; country: string; gridZone: string };
  periodStart: string;
  periodEnd: string;
  quantity: string;
  energyWh: string;
  holder: OrgRef;
  state: CertState;
  expiresAt: string;
  cancellationId: string | null;
}
export interface Cancellation {
  id: string;
  serial: string;
  scheme: string;
  quantity: string;
  unit: string;
  energyKWh: string;
  holder: OrgRef;
  beneficiary: OrgRef;
  beneficiaryName: string;
  consumptionStart: string;
  consumptionEnd: string;
  purpose: string;
  createdAt: string;
  claim: { id: string; amountKWh: string; footprintId: string | null; createdAt: string } | null;
}
export interface TxResult {
  transactionId: string;
  kind: string;
  quantity: string;
  serial: string;
  block: Block;
}

const P = '/registry/certificates';
export const certificatesApi = {
  holdings: (signal?: AbortSignal) => request<{ blocks: Block[] }>('GET', `${P}/holdings`, { signal }),
  devices: (signal?: AbortSignal) => request<{ devices: Device[] }>('GET', `${P}/devices`, { signal }),
  issuances: (signal?: AbortSignal) =>
    request<{ issuances: Issuance[] }>('GET', `${P}/issuances`, { signal }),
  cancellations: (signal?: AbortSignal) =>
    request<{ cancellations: Cancellation[] }>('GET', `${P}/cancellations`, { signal }),
  registerDevice: (body: Record<string, string>) =>
    request<{ device: Device }>('POST', `${P}/devices`, { body }),
  decide: (id: string, approve: boolean, reason?: string) =>
    request<{ device: Device }>('POST', `${P}/devices/${encodeURIComponent(id)}/decision`, {
      body: { approve, ...(reason ? { reason } : {}) },
    }),
  issue: (body: Record<string, string>) =>
    request<{ issuance: Issuance; block: Block }>('POST', `${P}/issuances`, { body, headers: writeKey() }),
  transfer: (body: { block: string; quantity: string; to: string }) =>
    request<TxResult>('POST', `${P}/transfers`, { body, headers: writeKey() }),
  cancel: (body: Record<string, string>) =>
    request<TxResult & { cancellation: Cancellation }>('POST', `${P}/cancellations`, {
      body,
      headers: writeKey(),
    }),
  claim: (body: { cancellation: string; amountKWh: string; reference?: string }) =>
    request<{ claim: { id: string } }>('POST', `${P}/claims`, { body }),
  expire: () => request<{ expired: unknown[] }>('POST', `${P}/expire`, { body: {} }),
};
