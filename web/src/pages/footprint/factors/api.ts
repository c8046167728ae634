/**
 * The factor library's calls, typed from the generated OpenAPI types. Kept beside the page (the
 * shared client in src/api.ts does not export its transport), with the same conventions: the
 * session cookie rides along, errors become ApiError with the server's code, message and field.
 */
import { ApiError, type ErrorBody } from '../../../api';
import type { components } from '../../../api-schema';

type Schemas = components['schemas'];
export type Factor = Schemas['EmissionFactor'];
export type FactorRelease = Schemas['FactorRelease'];
export type FactorSearchResult = Schemas['FactorSearchResult'];

export interface FactorQuery {
  q?: string;
  activity?: string;
  region?: string;
  year?: string;
  release?: string;
  limit?: number;
  offset?: number;
}

const BASE = '/api/v1/footprint/factors';

async function get<T>(
  path: string,
  query: Record<string, string | number | undefined>,
  signal?: AbortSignal,
) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  let res: Response;
  try {
    res = await fetch(`${BASE}${path}${qs ? `?${qs}` : ''}`, {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, { code: 'network', message: e instanceof Error ? e.message : String(e) });
  }
  const json = (await res.json().catch(() => undefined)) as { error?: ErrorBody } | undefined;
  if (!res.ok)
    throw new ApiError(res.status, json?.error ?? { code: `http_${res.status}`, message: res.statusText });
  return json as T;
}

export const factorsApi = {
  search: (q: FactorQuery, signal?: AbortSignal) => get<FactorSearchResult>('', { ...q }, signal),
  factor: (id: string, signal?: AbortSignal) =>
    get<{ factor: Factor }>(`/${encodeURIComponent(id)}`, {}, signal),
  releases: (signal?: AbortSignal) => get<{ releases: FactorRelease[] }>('/releases', {}, signal),
};
