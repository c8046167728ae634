/** The factor library's calls, typed from the generated OpenAPI types, over the shared transport of src/api.ts. */
import { request } from '../../../api';
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

const get = <T>(path: string, query: FactorQuery, signal?: AbortSignal) =>
  request<T>('GET', `/footprint/factors${path}`, { query: { ...query }, signal });

export const factorsApi = {
  search: (q: FactorQuery, signal?: AbortSignal) => get<FactorSearchResult>('', { ...q }, signal),
  factor: (id: string, signal?: AbortSignal) =>
    get<{ factor: Factor }>(`/${encodeURIComponent(id)}`, {}, signal),
  releases: (signal?: AbortSignal) => get<{ releases: FactorRelease[] }>('/releases', {}, signal),
};
