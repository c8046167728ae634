/** The PACT host's owner-side calls (publishing, sharing, who pulled what), typed from the generated OpenAPI types. */
import { request } from '../../../api';
import type { components } from '../../../api-schema';

type Schemas = components['schemas'];
export type Publishable = Schemas['PactPublishable'];
export type Publication = Schemas['PactPublication'];
export type Agreement = Schemas['PactAgreement'];
export type Access = Schemas['PactAccess'];
export type PactRequest = Schemas['PactRequest'];
export type Recipient = Schemas['PactRecipient'];
export type PublishOptions = NonNullable<Schemas['PactPublishRequest']['options']>;

export const publishedApi = {
  publishable: (signal?: AbortSignal) =>
    request<{ footprints: Publishable[] }>('GET', '/exchange/publishable', { signal }),
  publications: (signal?: AbortSignal) =>
    request<{ publications: Publication[] }>('GET', '/exchange/publications', { signal }),
  publish: (footprintId: string, options: PublishOptions) =>
    request<{ publication: Publication }>('POST', '/exchange/publications', {
      body: { footprintId, options },
    }),
  deprecate: (id: string, reason: string) =>
    request<{ publication: Publication }>(
      'POST',
      `/exchange/publications/${encodeURIComponent(id)}/deprecate`,
      {
        body: reason ? { reason } : {},
      },
    ),
  recipients: (signal?: AbortSignal) =>
    request<{ recipients: Recipient[] }>('GET', '/exchange/recipients', { signal }),
  agreements: (signal?: AbortSignal) =>
    request<{ agreements: Agreement[] }>('GET', '/exchange/agreements', { signal }),
  endAgreement: (id: string) =>
    request<{ agreement: Agreement }>('POST', `/exchange/agreements/${encodeURIComponent(id)}/end`),
  accessLog: (signal?: AbortSignal) =>
    request<{ entries: Access[] }>('GET', '/exchange/access-log', { signal, query: { limit: '100' } }),
  requests: (signal?: AbortSignal) =>
    request<{ requests: PactRequest[] }>('GET', '/exchange/requests', { signal }),
};
