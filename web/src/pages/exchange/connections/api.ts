/** The PACT client's calls (connections to suppliers), typed from the generated OpenAPI types. */
import { request } from '../../../api';
import type { components } from '../../../api-schema';

type Schemas = components['schemas'];
export type Connection = Schemas['PactConnection'];
export type Pulled = Schemas['PactPulledFootprint'];
export type PullResult = Schemas['PactPullResult'];
export type UpdateAvailable = Schemas['PactUpdateAvailable'];

export interface NewConnection {
  name: string;
  baseUrl: string;
  clientId: string;
  clientSecret: string;
}

export const connectionsApi = {
  list: (signal?: AbortSignal) =>
    request<{ connections: Connection[] }>('GET', '/exchange/connections', { signal }),
  create: (body: NewConnection) =>
    request<{ connection: Connection }>('POST', '/exchange/connections', { body }),
  pull: (id: string) => request<PullResult>('POST', `/exchange/connections/${encodeURIComponent(id)}/pull`),
  request: (id: string, productIds: string[]) =>
    request<{ id: string; status: 'sent' | 'failed'; error: string | null }>(
      'POST',
      `/exchange/connections/${encodeURIComponent(id)}/requests`,
      { body: { productIds } },
    ),
  pulled: (signal?: AbortSignal) => request<{ footprints: Pulled[] }>('GET', '/exchange/pulled', { signal }),
  updates: (signal?: AbortSignal) =>
    request<{ updates: UpdateAvailable[] }>('GET', '/exchange/updates', { signal }),
  apply: (productId: string, materialIndex: number) =>
    request<{ productVersion: number; footprintId: string; total: string; pfId: string }>(
      'POST',
      '/exchange/updates/apply',
      { body: { productId, materialIndex } },
    ),
};
