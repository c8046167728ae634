/** Calls of the cross-registry transfer page (types written here: they mirror src/modules/registry/interop/model.ts). */
import { newIdempotencyKey, request } from '../../../api';

export interface Peer {
  code: string;
  name: string;
  baseUrl: string;
  publicKey: string;
  credentials: boolean;
  clientId: string | null;
  inboundClientId: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface PeerCreated extends Peer {
  inbound: { clientId: string; clientSecret: string } | null;
}
export interface PublicKey {
  registry: string;
  algorithm: 'Ed25519';
  publicKey: string;
  publicUrl: string;
  protocol: string;
}
export interface Mirror {
  originSerial: string;
  serial: string;
  quantity: string;
}
export interface Export {
  id: string;
  peer: string;
  toAccount: string;
  fromAccount: { id: string; number: string };
  quantity: string;
  ranges: { start: string; end: string; serial: string }[];
  state: 'pending' | 'exported' | 'reverted';
  reason: string | null;
  mirrors: Mirror[];
  attempts: number;
  lastError: string | null;
  lastAttemptAt: string | null;
  createdAt: string;
  completedAt: string | null;
}
export interface Import {
  id: string;
  fromRegistry: string;
  transferId: string;
  toAccount: string;
  quantity: string;
  state: 'accepted' | 'rejected';
  reason: string | null;
  mirrors: Mirror[];
  createdAt: string;
}
export interface ReconcileReport {
  checked: number;
  exported: number;
  reverted: number;
  pending: number;
  errors: { id: string; error: string }[];
}
export interface Account {
  id: string;
  number: string;
  org: { id: string; slug: string; name: string };
  kind: string;
  national: boolean;
  name: string;
  closed: boolean;
}
export interface Holding {
  issuanceId: string;
  projectCode: string;
  projectName: string;
  vintage: number;
  unitType: string;
  byState: Record<string, string>;
}
export interface PeerInput {
  code: string;
  name: string;
  baseUrl: string;
  publicKey: string;
  clientId?: string;
  clientSecret?: string;
}
export interface ExportInput {
  peer: string;
  toAccount: string;
  fromAccount: string;
  issuanceId: string;
  quantity: string;
}

const P = '/registry/interop';
export const interopApi = {
  publicKey: (signal?: AbortSignal) => request<PublicKey>('GET', `${P}/public-key`, { signal }),
  peers: (signal?: AbortSignal) => request<{ peers: Peer[] }>('GET', `${P}/peers`, { signal }),
  createPeer: (body: PeerInput) => request<PeerCreated>('POST', `${P}/peers`, { body }),
  setCredentials: (code: string, body: { clientId: string; clientSecret: string }) =>
    request<Peer>('PUT', `${P}/peers/${encodeURIComponent(code)}`, { body }),
  exports: (signal?: AbortSignal) => request<{ exports: Export[] }>('GET', `${P}/exports`, { signal }),
  createExport: (body: ExportInput) =>
    request<Export>('POST', `${P}/exports`, { body, headers: { 'Idempotency-Key': newIdempotencyKey() } }),
  reconcileOne: (id: string) => request<Export>('POST', `${P}/exports/${encodeURIComponent(id)}/reconcile`),
  reconcileAll: () => request<ReconcileReport>('POST', `${P}/reconcile`),
  imports: (signal?: AbortSignal) => request<{ imports: Import[] }>('GET', `${P}/imports`, { signal }),
  accounts: (signal?: AbortSignal) =>
    request<{ accounts: Account[] }>('GET', '/registry/accounts', { signal }),
  holdings: (number: string, signal?: AbortSignal) =>
    request<{ holdings: Holding[] }>('GET', `/registry/accounts/${encodeURIComponent(number)}`, { signal }),
};
