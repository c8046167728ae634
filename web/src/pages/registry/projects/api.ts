/** The registry's projects API (/api/v1/registry/...), typed by hand against the server's schemas. */
import { request } from '../../../api';

export interface OrgRef {
  id: string;
  slug: string;
  name: string;
}
export interface LedgerRef {
  index: number;
  leafHash: string;
}
export type ProjectStatus = 'draft' | 'submitted' | 'validated' | 'registered' | 'rejected' | 'withdrawn';
export interface Project {
  id: string;
  code: string;
  org: OrgRef;
  name: string;
  methodology: string;
  hostCountry: string;
  sector: string;
  description: string;
  latitude: number | null;
  longitude: number | null;
  status: ProjectStatus;
  labels: string[];
  creditingPeriods: { starts: string; ends: string }[];
  validatorOrg: OrgRef | null;
  openFlags: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}
export interface ProjectDocument {
  id: string;
  kind: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  uploadedBy: string;
  ledger: LedgerRef;
  uploadedAt: string;
}
export interface Report {
  id: string;
  project: { id: string; code: string; name: string };
  periodStart: string;
  periodEnd: string;
  claimed: string;
  verifierOrg: OrgRef;
  status: 'submitted' | 'verified' | 'rejected';
  verified: string | null;
  requested: string;
  remaining: string;
  statement: string | null;
  reason: string | null;
  createdAt: string;
}
export interface IssuanceRequest {
  id: string;
  reportId: string;
  project: { id: string; code: string; name: string };
  vintage: number;
  quantity: string;
  unitType: string;
  bufferPercent: string;
  toAccount: { id: string; number: string };
  status: 'pending' | 'approved' | 'rejected';
  reason: string | null;
  createdAt: string;
}
export interface Flag {
  id: string;
  other: { kind: 'internal' | 'external'; registry: string | null; id: string; name: string };
  reasons: string[];
  nameScore: number;
  distanceKm: number | null;
  status: 'open' | 'dismissed';
  dismissedBy: string | null;
  dismissedReason: string | null;
}
export interface ProjectEvent {
  id: string;
  action: string;
  from: string | null;
  to: string;
  actor: string;
  reason: string | null;
  ledger: LedgerRef;
  at: string;
}
export interface ProjectDetail extends Project {
  actions: string[];
  events: ProjectEvent[];
  documents: ProjectDocument[];
  monitoringReports: Report[];
  issuanceRequests: IssuanceRequest[];
  flags: Flag[];
}
export interface Controls {
  version: number;
  vintageCutoff: number | null;
  allowedMethodologies: string[];
  labelsForImport: string[];
  labelsForUse: string[];
  note: string;
  setBy: string;
  setAt: string | null;
}
export interface Obligation {
  id: string;
  org: OrgRef;
  year: number;
  scheme: string;
  obligationTonnes: string;
  maxOffsetPercent: string;
  maxOffsetUnits: string;
  used: string;
  remaining: string;
}
export interface ProjectInput {
  name: string;
  methodology: string;
  hostCountry: string;
  sector: string;
  description: string;
  latitude: number | null;
  longitude: number | null;
  creditingPeriods: { starts: string; ends: string }[];
  labels: string[];
  validatorOrg: string | null;
}

const R = '/registry';
const enc = encodeURIComponent;

export const projectsApi = {
  list: (signal?: AbortSignal) => request<{ projects: Project[] }>('GET', `${R}/projects`, { signal }),
  get: (id: string, signal?: AbortSignal) =>
    request<{ project: ProjectDetail }>('GET', `${R}/projects/${enc(id)}`, { signal }),
  create: (body: ProjectInput) => request<{ project: Project }>('POST', `${R}/projects`, { body }),
  step: (id: string, action: string, reason?: string) =>
    request<{ project: Project }>('POST', `${R}/projects/${enc(id)}/${action}`, {
      body: reason ? { reason } : {},
    }),
  upload: (
    id: string,
    body: { kind: string; filename: string; contentType: string; contentBase64: string },
  ) => request<{ document: ProjectDocument }>('POST', `${R}/projects/${enc(id)}/documents`, { body }),
  documentUrl: (id: string, docId: string) => `/api/v1${R}/projects/${enc(id)}/documents/${enc(docId)}`,
  addReport: (
    id: string,
    body: { periodStart: string; periodEnd: string; claimed: string; verifierOrg: string },
  ) => request<{ report: Report }>('POST', `${R}/projects/${enc(id)}/monitoring-reports`, { body }),
  verifyReport: (id: string, body: { verified: string; statement: string }) =>
    request<{ report: Report }>('POST', `${R}/monitoring-reports/${enc(id)}/verify`, { body }),
  rejectReport: (id: string, reason: string) =>
    request<{ report: Report }>('POST', `${R}/monitoring-reports/${enc(id)}/reject`, { body: { reason } }),
  requestIssuance: (body: {
    reportId: string;
    vintage: number;
    quantity: string;
    unitType: string;
    bufferPercent: string;
  }) => request<{ request: IssuanceRequest }>('POST', `${R}/issuance-requests`, { body }),
  approve: (id: string) =>
    request<{ request: IssuanceRequest }>('POST', `${R}/issuance-requests/${enc(id)}/approve`, {
      // One key per request: a second click answers the first approval instead of a conflict.
      headers: { 'Idempotency-Key': `approve-${id}` },
    }),
  rejectRequest: (id: string, reason: string) =>
    request<{ request: IssuanceRequest }>('POST', `${R}/issuance-requests/${enc(id)}/reject`, {
      body: { reason },
    }),
  queue: (signal?: AbortSignal) =>
    request<{ registrations: Project[]; awaitingRequests: Report[]; issuanceRequests: IssuanceRequest[] }>(
      'GET',
      `${R}/queue`,
      { signal },
    ),
  controls: (signal?: AbortSignal) =>
    request<{ controls: Controls; history: Controls[] }>('GET', `${R}/controls`, { signal }),
  setControls: (body: {
    vintageCutoff: number | null;
    allowedMethodologies: string[];
    labelsForImport: string[];
    labelsForUse: string[];
    note: string;
  }) => request<{ controls: Controls }>('PUT', `${R}/controls`, { body }),
  obligations: (signal?: AbortSignal) =>
    request<{ obligations: Obligation[] }>('GET', `${R}/obligations`, { signal }),
  addObligation: (body: {
    org: string;
    year: number;
    obligationTonnes: string;
    maxOffsetPercent: string;
    scheme: string;
  }) => request<{ obligation: Obligation }>('POST', `${R}/obligations`, { body }),
  importExternal: (body: { format: 'csv' | 'json'; content: string }) =>
    request<{ rows: number; inserted: number; updated: number }>('POST', `${R}/screening/external-projects`, {
      body,
    }),
  screen: (id: string) => request<{ flags: Flag[] }>('POST', `${R}/projects/${enc(id)}/screening`),
  dismiss: (id: string, flagId: string, reason: string) =>
    request<{ flags: Flag[] }>('POST', `${R}/projects/${enc(id)}/screening/${enc(flagId)}/dismiss`, {
      body: { reason },
    }),
};
