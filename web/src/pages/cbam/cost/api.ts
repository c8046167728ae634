/**
 * The CBAM cost part's calls: the EU ETS price series, certificates owed for a year, and the
 * projection to 2034. Types are written by hand against src/modules/cbam/cost/routes.ts until
 * `npm run openapi:web` regenerates web/src/api-schema.d.ts with them. The price CSV goes up as a
 * raw text/csv body (the shared `request` sends JSON only), with the same error shape.
 */
import { ApiError, request, type ErrorBody } from '../../../api';

export type PriceKind = 'quarterly' | 'weekly';

export interface EtsPrice {
  periodStart: string;
  periodEnd: string;
  priceEur: string;
  kind: PriceKind;
  importedAt: string;
}

export interface YearPrice {
  year: number;
  eurPerCertificate: string;
  kind: PriceKind;
  periods: number;
  complete: boolean;
  rule: string;
}

export interface OwedLine {
  cn: string;
  country: string;
  sector: string | null;
  route: string | null;
  netMass: string;
  embedded: string;
  freeAllocationShare: string;
  benchmark: string | null;
  benchmarkSource: string | null;
  freeAllocationAdjustment: string;
  carbonPriceDeduction: string;
  certificates: string;
  costEur: string | null;
  notes: string[];
}

export interface Owed {
  orgId: string;
  year: number;
  exempt: boolean;
  exemptReason: string | null;
  price: YearPrice | null;
  lines: OwedLine[];
  totals: {
    embedded: string;
    freeAllocationAdjustment: string;
    carbonPriceDeduction: string;
    certificatesExact: string;
    certificatesToSurrender: string;
    costEur: string | null;
  };
  timeline: { certificatesOnSaleFrom: string; declarationDue: string; surrenderBy: string };
  notes: string[];
}

export interface ProjectionInput {
  cn: string;
  country: string;
  route?: string;
  tonnesPerYear: string;
  seeDirect: string;
  seeIndirect?: string;
  carbonPricePaidEurPerT?: string;
  priceEur?: string;
  priceGrowthPerYear?: string;
  org?: string;
}

export interface ProjectionRow {
  year: number;
  freeAllocationShare: string;
  see: string;
  embedded: string;
  benchmark: string | null;
  benchmarkAdjustment: string;
  carbonPriceDeduction: string;
  certificates: string;
  wholeCertificates: string;
  priceEur: string;
  costEur: string;
}

export interface Projection {
  cn: string;
  country: string;
  route: string | null;
  sector: string | null;
  benchmark: { value: string; source: string } | null;
  priceBasis: string;
  rows: ProjectionRow[];
  totals: { certificates: string; costEur: string };
  notes: string[];
}

const enc = encodeURIComponent;

async function postCsv<T>(path: string, csv: string, query: Record<string, string>): Promise<T> {
  const qs = new URLSearchParams(query).toString();
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}${qs ? `?${qs}` : ''}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'text/csv', Accept: 'application/json' },
      body: csv,
    });
  } catch (e) {
    throw new ApiError(0, { code: 'network', message: e instanceof Error ? e.message : String(e) });
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = (json as { error?: ErrorBody } | undefined)?.error;
    // An expired session: let the shared transport take the user to the login page.
    if (res.status === 401) await request('GET', '/auth/me').catch(() => undefined);
    throw new ApiError(
      res.status,
      err && typeof err.message === 'string'
        ? err
        : { code: `http_${res.status}`, message: `${res.status} ${res.statusText}`.trim() },
    );
  }
  return json as T;
}

export const costApi = {
  prices: (org: string, signal?: AbortSignal) =>
    request<{ orgId: string; prices: EtsPrice[] }>('GET', '/cbam/prices', { query: { org }, signal }),
  importPrices: (org: string, csv: string) => postCsv<{ imported: number }>('/cbam/prices', csv, { org }),
  owed: (org: string, year: number, signal?: AbortSignal) =>
    request<Owed>('GET', `/cbam/cost/${enc(String(year))}`, { query: { org }, signal }),
  projection: (input: ProjectionInput) =>
    request<Projection>('POST', '/cbam/cost/projection', { body: input }),
};
