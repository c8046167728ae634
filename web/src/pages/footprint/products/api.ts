/**
 * Product footprints' calls, typed from the generated OpenAPI types (npm run openapi). Same
 * conventions as src/api.ts: the session cookie rides along, errors become ApiError with the
 * server's code, message and field (the field names the model line, e.g. `materials.2.unit`).
 */
import { ApiError, type ErrorBody } from '../../../api';
import type { components } from '../../../api-schema';

type Schemas = components['schemas'];
export type ProductModel = Schemas['ProductModel'];
export type FootprintResult = Schemas['FootprintResult'];
export type ProductView = Schemas['ProductView'];
export type ProductDetail = Schemas['ProductDetail'];
export type ProductFootprint = Schemas['ProductFootprint'];
export type FootprintSummary = Schemas['FootprintSummary'];
export type Factor = Schemas['EmissionFactor'];

const BASE = '/api/v1/footprint';

async function call<T>(
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  opts: {
    body?: unknown;
    query?: Record<string, string | number | undefined>;
    signal?: AbortSignal | undefined;
  } = {},
): Promise<T> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(opts.query ?? {}))
    if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  const headers: Record<string, string> = { Accept: 'application/json' };
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  if (opts.signal) init.signal = opts.signal;
  let res: Response;
  try {
    res = await fetch(`${BASE}${path}${qs ? `?${qs}` : ''}`, init);
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, { code: 'network', message: e instanceof Error ? e.message : String(e) });
  }
  const json = (await res.json().catch(() => undefined)) as { error?: ErrorBody } | undefined;
  if (!res.ok)
    throw new ApiError(res.status, json?.error ?? { code: `http_${res.status}`, message: res.statusText });
  return json as T;
}

/** Where the JSON export and the PDF report of a recorded footprint are (links, not fetches). */
export const footprintJsonUrl = (id: string) => `${BASE}/footprints/${encodeURIComponent(id)}`;
export const footprintPdfUrl = (id: string) => `${BASE}/footprints/${encodeURIComponent(id)}/report.pdf`;

export const productsApi = {
  calculate: (model: unknown, signal?: AbortSignal) =>
    call<FootprintResult>('POST', '/calculate', { body: model, signal }),
  list: (signal?: AbortSignal) => call<{ products: ProductView[] }>('GET', '/products', { signal }),
  get: (id: string, signal?: AbortSignal) =>
    call<{ product: ProductDetail }>('GET', `/products/${encodeURIComponent(id)}`, { signal }),
  create: (model: unknown) => call<{ product: ProductView }>('POST', '/products', { body: { model } }),
  update: (id: string, model: unknown, expectedVersion: number) =>
    call<{ product: ProductView }>('PUT', `/products/${encodeURIComponent(id)}`, {
      body: { model, expectedVersion },
    }),
  record: (id: string) => call<ProductFootprint>('POST', `/products/${encodeURIComponent(id)}/footprints`),
  footprint: (id: string, signal?: AbortSignal) =>
    call<ProductFootprint>('GET', `/footprints/${encodeURIComponent(id)}`, { signal }),
  searchFactors: (q: string, signal?: AbortSignal) =>
    call<{ total: number; results: Factor[] }>('GET', '/factors', { query: { q, limit: 8 }, signal }),
};
