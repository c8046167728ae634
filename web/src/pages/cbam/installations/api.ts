/**
 * The exporter's installation calls (src/modules/cbam/installations/routes.ts) and the
 * communication file's (issued by the communication part). Types are written by hand against the
 * routes until `npm run openapi` regenerates web/src/api-schema.d.ts with them.
 */
import { request } from '../../../api';

export type FigureSource = 'actual' | 'default';

export interface InstallationSummary {
  id: string;
  orgId: string;
  orgSlug: string;
  name: string;
  country: string;
  version: number;
  latestVersion: number;
  reportingPeriod: { start: string; end: string };
  updatedAt: string;
  createdBy: string;
}

export interface InstallationDetail extends InstallationSummary {
  data: Record<string, unknown>;
  versions: { version: number; createdBy: string; createdAt: string }[];
}

export interface ProcessResult {
  process: string;
  goodsCategory: string;
  route: string | null;
  production: string;
  directEmissions: string;
  attributedDirect: string;
  attributedIndirect: string;
  precursorsDirect: string;
  precursorsIndirect: string;
  seeDirect: string;
  seeIndirect: string;
  seeTotal: string;
  defaults: string[];
  warnings: string[];
}

export interface GoodResult {
  cn: string;
  process: string;
  goodsCategory: string;
  route: string | null;
  sector: string;
  seeDirect: string;
  seeIndirect: string;
  seeTotal: string;
  source: FigureSource;
  electricity: { factor: string; source: 'grid' | 'ppa' | 'direct_connection' } | null;
}

export interface Calculation {
  installation: { name: string; country: string };
  reportingPeriod: { start: string; end: string };
  sourceStreams: { id: string; emissions: string }[];
  totalDirectEmissions: string;
  processes: ProcessResult[];
  goods: GoodResult[];
  warnings: string[];
}

/** What the communication part answers when it issues a file (only the id is relied on). */
export interface IssuedFile {
  id: string;
  issuedAt?: string;
  [more: string]: unknown;
}

const P = '/cbam/installations';
const enc = encodeURIComponent;

export const installationsApi = {
  list: (signal?: AbortSignal) => request<{ installations: InstallationSummary[] }>('GET', P, { signal }),
  get: (id: string, version?: number, signal?: AbortSignal) =>
    request<{ installation: InstallationDetail }>('GET', `${P}/${enc(id)}`, { query: { version }, signal }),
  calculation: (id: string, version?: number, signal?: AbortSignal) =>
    request<{ calculation: Calculation }>('GET', `${P}/${enc(id)}/calculation`, {
      query: { version },
      signal,
    }),
  create: (data: unknown, org?: string) =>
    request<{ installation: InstallationSummary }>('POST', P, { body: data, query: { org } }),
  update: (id: string, data: unknown) =>
    request<{ installation: InstallationSummary }>('PUT', `${P}/${enc(id)}`, { body: data }),
  /** Calculates, signs, ledger-records and stores a communication file for the latest version. */
  issueCommunication: async (id: string): Promise<IssuedFile> => {
    const r = await request<IssuedFile | { file: IssuedFile } | { communication: IssuedFile }>(
      'POST',
      `${P}/${enc(id)}/communication`,
    );
    return 'file' in r ? (r.file as IssuedFile) : 'communication' in r ? (r.communication as IssuedFile) : r;
  },
};

/** Downloads of an issued communication file (the session cookie authorises a plain link). */
export const communicationUrl = (fileId: string, format: 'xlsx' | 'json') =>
  `/api/v1/cbam/communications/${enc(fileId)}.${format}`;
