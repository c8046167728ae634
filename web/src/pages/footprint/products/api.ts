/**
 * Product footprints' calls, typed from the generated OpenAPI types (npm run openapi), over the
 * shared transport of src/api.ts (errors name the model line, e.g. `materials.2.unit`).
 */
import { request } from '../../../api';
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

const call = <T>(
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  opts: {
    body?: unknown;
    query?: Record<string, string | number | undefined>;
    signal?: AbortSignal | undefined;
  } = {},
) => request<T>(method, `/footprint${path}`, opts);

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
