/**
 * The CBAM importer's calls (supplier files, shipments, the declaration), shared by the suppliers
 * and the declaration pages. The response types are written here by hand against the importer's
 * routes (src/modules/cbam/importer/routes.ts) until `npm run openapi` regenerates
 * web/src/api-schema.d.ts with them.
 *
 * Files go up as raw bodies (JSON, XLSX, CSV): the shared `request` sends JSON only, so uploads and
 * the XML download use `fetch` here, with the same cookie, the same error body and the same
 * `ApiError` as every other call.
 */
import { ApiError, isApiError, request, type ErrorBody } from '../../../api';

export type FigureSource = 'actual' | 'default';

export interface SupplierGood {
  cn: string;
  sector?: string;
  /** t CO2e per t of good. */
  seeDirect: string;
  seeIndirect: string | null;
  seeTotal: string;
  source: FigureSource;
}

/** One version of a supplier's file (GET /cbam/supplier-files). */
export interface SupplierFile {
  id: string;
  /** The supplier's id: one installation (name, country, operator) across its versions. */
  supplier: string;
  installation: string;
  country: string;
  operator?: string;
  version: number;
  importedAt: string;
  signed: boolean;
  /** RFC 7638 thumbprint of the key that signed it (pinned by the supplier's first signed file). */
  keyThumbprint: string | null;
  filename?: string | null;
  /** The version used for linking shipments. */
  latest?: boolean;
  reportingPeriod?: { start: string; end: string };
  warnings?: string[];
  goods: SupplierGood[];
}

export interface SupplierImport {
  id: string;
  supplier: string;
  installation: string;
  version: number;
  warnings: string[];
}

/** `supplier`: the supplier's data; `default`: the Commission's default value; `missing`: neither. */
export type ShipmentSource = 'supplier' | 'default' | 'missing';

export interface ShipmentRow {
  reference: string;
  importDate: string;
  cn: string;
  countryOfOrigin: string;
  sector?: string;
  /** In `unit`: t, or MWh for electricity. */
  netMass: string;
  unit?: string;
  installation: string | null;
  linked: { supplierFileId: string; version: number } | null;
  source: ShipmentSource;
  /** t CO2e embedded in the shipment; null when `missing`. */
  direct: string | null;
  indirect: string | null;
  total: string | null;
}

export interface DeclarationLine {
  cn: string;
  country: string;
  sector: string;
  /** The production route the supplier files state; null for default values. */
  route?: string | null;
  unit?: string;
  netMass: string;
  direct: string;
  indirect: string;
  total: string;
  /** Whether the year's rules count indirect emissions for the sector. */
  indirectCounted?: boolean;
  /** Share of the line's emissions that rest on default values, 0–1. */
  defaultShare: string;
  shipments: number;
  supplierFiles: { id: string; version: number; installation: string }[] | number;
}

export interface Declaration {
  year: number;
  declarant: { id: string; slug?: string; name: string } | string;
  dueDate: string;
  period?: { start: string; end: string };
  deMinimis: {
    exempt: boolean;
    totalMass: string;
    threshold: string | null;
    excludedSectors?: string[];
    source?: string;
    explanation: string;
  };
  lines: DeclarationLine[];
  /** netMass: tonnes only; electricity's MWh apart. */
  totals: { netMass: string; electricity?: string; direct: string; indirect: string; total: string };
  /** False when a shipment has neither supplier data nor a default value (see warnings). */
  complete?: boolean;
  warnings?: string[];
}

/** The per-line errors of a refused shipments file (`error.details.errors`). */
export interface LineError {
  line: number;
  column?: string;
  message: string;
}

export function lineErrors(error: unknown): LineError[] {
  if (!isApiError(error)) return [];
  const details = error.body['details'];
  if (!details || typeof details !== 'object') return [];
  const errors = (details as { errors?: unknown }).errors;
  return Array.isArray(errors)
    ? errors.filter((e): e is LineError => !!e && typeof (e as LineError).message === 'string')
    : [];
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const BASE = '/api/v1';
const P = '/cbam';
const enc = encodeURIComponent;

/** The API's error body as an ApiError, as the shared transport makes it. */
async function failure(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let body: ErrorBody = { code: `http_${res.status}`, message: `${res.status} ${res.statusText}`.trim() };
  try {
    const json = JSON.parse(text) as { error?: Partial<ErrorBody> };
    if (json.error && typeof json.error.message === 'string')
      body = { ...json.error, code: json.error.code ?? body.code, message: json.error.message };
  } catch {
    // not JSON: keep the status line
  }
  // An expired session: let the shared transport take the user to the login page.
  if (res.status === 401) await request('GET', '/auth/me').catch(() => undefined);
  return new ApiError(res.status, body);
}

async function send(path: string, init: RequestInit, query: Record<string, string> = {}): Promise<Response> {
  const qs = new URLSearchParams(query).toString();
  let res: Response;
  try {
    res = await fetch(`${BASE}${path}${qs ? `?${qs}` : ''}`, { credentials: 'same-origin', ...init });
  } catch (e) {
    throw new ApiError(0, { code: 'network', message: e instanceof Error ? e.message : String(e) });
  }
  if (!res.ok) throw await failure(res);
  return res;
}

async function postRaw<T>(
  path: string,
  body: Blob | string,
  contentType: string,
  query?: Record<string, string>,
): Promise<T> {
  const res = await send(
    path,
    { method: 'POST', headers: { 'Content-Type': contentType, Accept: 'application/json' }, body },
    query,
  );
  return (await res.json()) as T;
}

/** The content type the server reads a supplier file as: by its name, since browsers guess poorly. */
export const supplierFileType = (file: File): string =>
  /\.xlsx$/i.test(file.name) || file.type === XLSX_TYPE ? XLSX_TYPE : 'application/json';

export const importerApi = {
  uploadSupplierFile: (file: File) =>
    postRaw<SupplierImport>(`${P}/supplier-files`, file, supplierFileType(file), { filename: file.name }),
  supplierFiles: (signal?: AbortSignal) =>
    request<{ items: SupplierFile[] }>('GET', `${P}/supplier-files`, { signal }),
  supplierFile: (id: string, signal?: AbortSignal) =>
    request<SupplierFile>('GET', `${P}/supplier-files/${enc(id)}`, { signal }),
  uploadShipments: (csv: Blob | string) => postRaw<{ imported: number }>(`${P}/shipments`, csv, 'text/csv'),
  shipments: (year: number, signal?: AbortSignal) =>
    request<{ items: ShipmentRow[] }>('GET', `${P}/shipments`, { query: { year }, signal }),
  declaration: (year: number, signal?: AbortSignal) =>
    request<Declaration>('GET', `${P}/declarations/${year}`, { signal }),
  /** The declaration as XML (the server's documented structure), as a Blob to save. */
  declarationXml: async (year: number): Promise<Blob> => {
    const res = await send(`${P}/declarations/${year}/xml`, {
      method: 'GET',
      headers: { Accept: 'application/xml' },
    });
    return res.blob();
  },
};

/** Saves a Blob under a file name through a temporary link (the browser's own download). */
export function saveBlob(blob: Blob, filename: string): void {
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Give the browser the time to start the download before the URL goes.
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

/**
 * A decimal string with the reader's digit grouping, without going through a binary float (the
 * figures are exact decimals from the server): "12345.678" → "12,345.678" in English.
 */
export function formatDecimal(value: string | null | undefined, lang: string): string {
  if (value === null || value === undefined || value === '') return '–';
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value);
  if (!m) return value;
  const [, sign, int, frac] = m;
  // Both languages of the app (en, zh-CN) write the decimal point as ".".
  return `${sign}${BigInt(int!).toLocaleString(lang)}${frac ? `.${frac}` : ''}`;
}

/** A share 0–1 as a percentage for display ("0.25" → "25%"); never summed, so a float is fine here. */
export function formatShare(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '–';
  const n = Number(value);
  return Number.isFinite(n) ? `${(n * 100).toFixed(1).replace(/\.0$/, '')}%` : value;
}
