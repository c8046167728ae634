/**
 * The public explorer's calls and the regulator's view. The types follow
 * src/modules/registry/supervision/model.ts (written by hand until the generated OpenAPI types
 * include the registry's routes).
 */
import { request, type LedgerProof } from '../../../api';

export interface LedgerRef {
  index: number;
  leafHash: string;
  entryPath: string;
}
export interface Paged {
  total: number;
  limit: number;
  offset: number;
}
export interface ExplorerProject {
  id: string;
  code: string;
  name: string;
  proponent: string;
  methodology: string;
  hostCountry: string;
  sector: string;
  status: string;
  labels: string[];
  creditingPeriods: { starts: string; ends: string }[];
  issued: string;
  createdAt: string;
  updatedAt: string;
}
export interface ExplorerIssuance {
  id: string;
  projectCode: string;
  projectName: string;
  hostCountry: string;
  vintage: number;
  unitType: string;
  quantity: string;
  serialStart: string;
  serialEnd: string;
  serial: string;
  origin: { registry: string; serial: string } | null;
  retired: string;
  cancelled: string;
  transactionId: string | null;
  ledger: LedgerRef | null;
  createdAt: string;
}
export interface ExplorerProjectDetail extends ExplorerProject {
  description: string;
  latitude: string | null;
  longitude: string | null;
  documents: { name: string; sha256: string | null }[];
  issuances: ExplorerIssuance[];
  entries: (LedgerRef & { type: string; time: string })[];
}
export interface SerialRange {
  start: string;
  end: string;
  quantity: string;
  serial: string;
  issuanceId: string;
  projectCode: string;
  projectName: string;
  hostCountry: string;
  vintage: number;
  unitType: string;
}
export interface ExplorerRetirement {
  id: string;
  kind: 'retirement' | 'cancellation';
  quantity: string;
  beneficiary: string | null;
  purpose: string | null;
  claimPeriod: { from: string | null; to: string | null } | null;
  ranges: SerialRange[];
  ledger: LedgerRef | null;
  createdAt: string;
  statementPath: string | null;
}
export interface ExplorerRetirementDetail extends ExplorerRetirement {
  registry: string;
  verificationUrl: string;
  proof: LedgerProof | null;
}
export interface ExplorerSummary {
  registry: string;
  projects: number;
  issuances: number;
  retirements: number;
  cancellations: number;
  byVintage: { vintage: number; unitType: string; issued: string; retired: string; cancelled: string }[];
  article6: {
    hostCountry: string;
    authorizations: number;
    authorizedUnits: string;
    adjustments: number;
    adjustedUnits: string;
  }[];
  certificates: {
    scheme: string;
    issuances: number;
    issued: string;
    cancellations: number;
    cancelled: string;
  }[];
}
export interface RegulatorOverview {
  registry: string;
  totals: { issued: string; byState: Record<string, string> };
  orgs: {
    org: { id: string; slug: string; name: string };
    accounts: number;
    balances: Record<string, string>;
  }[];
  accounts: {
    id: string;
    number: string;
    name: string;
    kind: string;
    national: boolean;
    closed: boolean;
    org: { id: string; slug: string; name: string };
    balances: Record<string, string>;
  }[];
  transactions: {
    id: string;
    kind: string;
    quantity: string;
    from: string | null;
    to: string | null;
    org: string | null;
    actor: string;
    ledger: LedgerRef | null;
    createdAt: string;
  }[];
  transactionsTotal: number;
}
export interface InvariantReport {
  ok: boolean;
  checkedAt: string;
  counts: { issuances: number; blocks: number; transactions: number; units: string };
  checks: { name: string; description: string; ok: boolean; violations: number; examples: string[] }[];
}

type Q = Record<string, string | number | undefined>;
const enc = encodeURIComponent;
const X = '/registry/explorer';

export const explorerApi = {
  summary: (signal?: AbortSignal) => request<ExplorerSummary>('GET', `${X}/summary`, { signal }),
  projects: (query: Q, signal?: AbortSignal) =>
    request<Paged & { projects: ExplorerProject[] }>('GET', `${X}/projects`, { query, signal }),
  project: (code: string, signal?: AbortSignal) =>
    request<ExplorerProjectDetail>('GET', `${X}/projects/${enc(code)}`, { signal }),
  issuances: (query: Q, signal?: AbortSignal) =>
    request<Paged & { issuances: ExplorerIssuance[] }>('GET', `${X}/issuances`, { query, signal }),
  retirements: (query: Q, signal?: AbortSignal) =>
    request<Paged & { retirements: ExplorerRetirement[] }>('GET', `${X}/retirements`, { query, signal }),
  retirement: (id: string, signal?: AbortSignal) =>
    request<ExplorerRetirementDetail>('GET', `${X}/retirements/${enc(id)}`, { signal }),
  overview: (signal?: AbortSignal) =>
    request<RegulatorOverview>('GET', '/registry/regulator/overview', { query: { limit: 100 }, signal }),
  invariants: (signal?: AbortSignal) =>
    request<InvariantReport>('GET', '/registry/regulator/invariants', { signal }),
};

/** Download links are plain URLs: the browser sends the session cookie and saves the file. */
export const exportUrl = (what: string, format: 'csv' | 'xlsx') =>
  `/api/v1/registry/regulator/export?what=${enc(what)}&format=${format}`;
export const statementUrl = (id: string) => `/api/v1/registry/retirements/${enc(id)}/statement.pdf`;
