import type { OpenAPIHono } from '@hono/zod-openapi';
import { anyRole } from '../../kernel/access.js';
import {
  commonErrors,
  conflict,
  jsonBody,
  jsonResponse,
  notFound,
  route,
  z,
  type AppEnv,
} from '../../kernel/http.js';
import { PublishOptions } from './model.js';
import type { PactHostService } from './service.js';

/**
 * /api/v1/exchange/...: the owner's side of the PACT host for the web app (publish, deprecate,
 * share, who pulled what, requests). Reading needs admin or member of the organisation;
 * publishing, deprecating and sharing need its admin (the service checks the organisation).
 */
const tags = ['exchange'];
const P = '/api/v1/exchange';
const READ = anyRole('admin', 'member');
const OWNER = anyRole('admin');

const idParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, example: '3a6c14a7-4deb-498a-b5ea-16ce2535b576' }),
});
const orgQuery = z.object({
  org: z
    .string()
    .max(100)
    .optional()
    .openapi({ description: 'Organisation slug or id (default: all of yours)' }),
});

const Org = z.object({ id: z.string(), slug: z.string(), name: z.string() });
const Publication = z
  .object({
    id: z.string(),
    org: Org,
    footprintId: z.string(),
    productId: z.string(),
    productName: z.string(),
    status: z.enum(['Active', 'Deprecated']),
    statusComment: z.string().nullable(),
    version: z.number().int(),
    precedingPfIds: z.array(z.string()),
    pcfExcludingBiogenicUptake: z.string(),
    declaredUnit: z.string(),
    validityPeriodStart: z.string(),
    validityPeriodEnd: z.string(),
    v2Available: z.boolean(),
    sharedWith: z.array(z.object({ org: z.string(), name: z.string(), scope: z.enum(['all', 'selected']) })),
    publishedBy: z.string(),
    created: z.string(),
    updated: z.string(),
  })
  .openapi('PactPublication');
const PublicationDetail = Publication.extend({
  document: z.record(z.string(), z.unknown()),
  documentV2: z.record(z.string(), z.unknown()).nullable(),
}).openapi('PactPublicationDetail');
const Agreement = z
  .object({
    id: z.string(),
    owner: Org,
    recipient: Org,
    scope: z.enum(['all', 'selected']),
    publications: z.array(z.string()),
    createdBy: z.string(),
    createdAt: z.string(),
    endedAt: z.string().nullable(),
  })
  .openapi('PactAgreement');
const Access = z
  .object({
    id: z.string(),
    recipient: Org,
    clientId: z.string(),
    publicationId: z.string(),
    productName: z.string().nullable(),
    action: z.string(),
    spec: z.string(),
    at: z.string(),
  })
  .openapi('PactAccess');
const Request = z
  .object({
    id: z.string(),
    recipient: Org,
    spec: z.enum(['2', '3']),
    requestEventId: z.string(),
    source: z.string(),
    criteria: z.unknown(),
    comment: z.string().nullable(),
    status: z.enum(['Pending', 'Fulfilled', 'Rejected']),
    publicationIds: z.array(z.string()),
    answeredBy: z.string().nullable(),
    answeredAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('PactRequest');
const Outbound = z
  .object({
    replyTo: z.string(),
    url: z.string(),
    spec: z.enum(['2', '3']),
    event: z.record(z.string(), z.unknown()),
  })
  .openapi('PactOutboundEvent');
const Recipient = z.object({ id: z.string(), slug: z.string(), name: z.string() }).openapi('PactRecipient');

const Publishable = z
  .object({
    footprintId: z.string(),
    productId: z.string(),
    productName: z.string(),
    org: z.string(),
    declaredUnit: z.string(),
    total: z.string(),
    recordedAt: z.string(),
    publications: z.array(z.object({ id: z.string(), status: z.enum(['Active', 'Deprecated']) })),
  })
  .openapi('PactPublishable');

const publishable = route({
  method: 'get',
  path: `${P}/publishable`,
  access: READ,
  tags,
  summary: 'The newest recorded footprint of each of your products, with its PACT publications',
  request: { query: orgQuery },
  responses: {
    200: jsonResponse(z.object({ footprints: z.array(Publishable) }), 'Footprints'),
    ...commonErrors,
  },
});

const listPublications = route({
  method: 'get',
  path: `${P}/publications`,
  access: READ,
  tags,
  summary: "Your organisations' PACT publications, newest first",
  request: { query: orgQuery },
  responses: {
    200: jsonResponse(z.object({ publications: z.array(Publication) }), 'Publications'),
    ...commonErrors,
  },
});
const getPublication = route({
  method: 'get',
  path: `${P}/publications/{id}`,
  access: READ,
  tags,
  summary: 'One publication with its PACT documents (v3 and v2.3) as served',
  request: { params: idParam },
  responses: {
    200: jsonResponse(z.object({ publication: PublicationDetail }), 'The publication'),
    ...commonErrors,
    ...notFound,
  },
});
const publish = route({
  method: 'post',
  path: `${P}/publications`,
  access: OWNER,
  tags,
  summary: 'Publish a recorded footprint over PACT, optionally to chosen organisations',
  request: {
    body: jsonBody(
      z
        .object({ footprintId: z.string().max(64), options: PublishOptions.optional() })
        .openapi('PactPublishRequest'),
    ),
  },
  responses: {
    201: jsonResponse(z.object({ publication: Publication }), 'Published'),
    ...commonErrors,
    ...notFound,
  },
});
const deprecate = route({
  method: 'post',
  path: `${P}/publications/{id}/deprecate`,
  access: OWNER,
  tags,
  summary: 'Mark a publication Deprecated',
  request: { params: idParam, body: jsonBody(z.object({ reason: z.string().max(1000).optional() })) },
  responses: {
    200: jsonResponse(z.object({ publication: Publication }), 'Deprecated'),
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
});
const listAgreements = route({
  method: 'get',
  path: `${P}/agreements`,
  access: READ,
  tags,
  summary: 'Data-sharing agreements your organisations are part of',
  request: { query: orgQuery.extend({ ended: z.enum(['true', 'false']).optional() }) },
  responses: {
    200: jsonResponse(z.object({ agreements: z.array(Agreement) }), 'Agreements'),
    ...commonErrors,
  },
});
const createAgreement = route({
  method: 'post',
  path: `${P}/agreements`,
  access: OWNER,
  tags,
  summary: 'Share all publications (scope all) or the ones named (selected) with a recipient organisation',
  request: {
    body: jsonBody(
      z
        .object({
          org: z.string().max(100).optional(),
          recipient: z.string().min(1).max(100),
          scope: z.enum(['all', 'selected']),
          publications: z.array(z.string().max(64)).max(500).optional(),
        })
        .openapi('PactAgreementRequest'),
    ),
  },
  responses: {
    201: jsonResponse(z.object({ agreement: Agreement }), 'The agreement'),
    ...commonErrors,
    ...notFound,
  },
});
const endAgreement = route({
  method: 'post',
  path: `${P}/agreements/{id}/end`,
  access: OWNER,
  tags,
  summary: 'End an agreement: the recipient sees nothing more under it',
  request: { params: idParam },
  responses: { 200: jsonResponse(z.object({ agreement: Agreement }), 'Ended'), ...commonErrors, ...notFound },
});
const recipients = route({
  method: 'get',
  path: `${P}/recipients`,
  access: READ,
  tags,
  summary: 'Organisations one can publish to (every organisation but your own)',
  request: { query: orgQuery },
  responses: {
    200: jsonResponse(z.object({ recipients: z.array(Recipient) }), 'Organisations'),
    ...commonErrors,
  },
});
const accessLog = route({
  method: 'get',
  path: `${P}/access-log`,
  access: READ,
  tags,
  summary: 'Who pulled which of your footprints over PACT, newest first',
  request: {
    query: orgQuery.extend({
      limit: z.coerce.number().int().min(1).max(1000).optional(),
      publication: z.string().max(64).optional(),
    }),
  },
  responses: { 200: jsonResponse(z.object({ entries: z.array(Access) }), 'Access log'), ...commonErrors },
});
const listRequests = route({
  method: 'get',
  path: `${P}/requests`,
  access: READ,
  tags,
  summary: 'Footprint requests received from data recipients',
  request: { query: orgQuery },
  responses: { 200: jsonResponse(z.object({ requests: z.array(Request) }), 'Requests'), ...commonErrors },
});
const fulfilRequest = route({
  method: 'post',
  path: `${P}/requests/{id}/fulfil`,
  access: OWNER,
  tags,
  summary: 'Answer a request with publications (returns the RequestFulfilled event to send)',
  request: {
    params: idParam,
    body: jsonBody(z.object({ publications: z.array(z.string().max(64)).min(1).max(100) })),
  },
  responses: { 200: jsonResponse(Outbound, 'The event'), ...commonErrors, ...notFound, ...conflict },
});
const rejectRequest = route({
  method: 'post',
  path: `${P}/requests/{id}/reject`,
  access: OWNER,
  tags,
  summary: 'Reject a request (returns the RequestRejected event to send)',
  request: { params: idParam, body: jsonBody(z.object({ reason: z.string().min(1).max(1000) })) },
  responses: { 200: jsonResponse(Outbound, 'The event'), ...commonErrors, ...notFound, ...conflict },
});

export function pactHostApiRoutes(app: OpenAPIHono<AppEnv>, svc: PactHostService): void {
  const who = (c: { get(k: 'principal'): AppEnv['Variables']['principal'] }) => c.get('principal')!;

  app.openapi(publishable, async (c) =>
    c.json({ footprints: await svc.publishable(who(c), c.req.valid('query').org) }, 200),
  );
  app.openapi(listPublications, async (c) =>
    c.json({ publications: await svc.publications(who(c), c.req.valid('query').org) }, 200),
  );
  app.openapi(getPublication, async (c) => {
    const p = await svc.publication(c.req.valid('param').id, who(c));
    return c.json(
      {
        publication: {
          ...p,
          document: p.document as unknown as Record<string, unknown>,
          documentV2: p.documentV2 as unknown as Record<string, unknown> | null,
        },
      },
      200,
    );
  });
  app.openapi(publish, async (c) => {
    const body = c.req.valid('json');
    return c.json({ publication: await svc.publish(body.footprintId, body.options ?? {}, who(c)) }, 201);
  });
  app.openapi(deprecate, async (c) =>
    c.json(
      { publication: await svc.deprecate(c.req.valid('param').id, c.req.valid('json').reason, who(c)) },
      200,
    ),
  );
  app.openapi(listAgreements, async (c) => {
    const q = c.req.valid('query');
    return c.json({ agreements: await svc.agreements(who(c), q.org, q.ended === 'true') }, 200);
  });
  app.openapi(createAgreement, async (c) =>
    c.json({ agreement: await svc.share(c.req.valid('json'), who(c)) }, 201),
  );
  app.openapi(endAgreement, async (c) =>
    c.json({ agreement: await svc.endAgreement(c.req.valid('param').id, who(c)) }, 200),
  );
  app.openapi(recipients, async (c) =>
    c.json({ recipients: await svc.recipients(who(c), c.req.valid('query').org) }, 200),
  );
  app.openapi(accessLog, async (c) => {
    const q = c.req.valid('query');
    return c.json({ entries: await svc.accessLog(who(c), q.org, q.limit ?? 200, q.publication) }, 200);
  });
  app.openapi(listRequests, async (c) =>
    c.json({ requests: await svc.requests(who(c), c.req.valid('query').org) }, 200),
  );
  app.openapi(fulfilRequest, async (c) => {
    const ev = await svc.fulfil(c.req.valid('param').id, c.req.valid('json').publications, who(c));
    return c.json({ ...ev, event: ev.event as unknown as Record<string, unknown> }, 200);
  });
  app.openapi(rejectRequest, async (c) => {
    const ev = await svc.reject(c.req.valid('param').id, c.req.valid('json').reason, who(c));
    return c.json({ ...ev, event: ev.event as unknown as Record<string, unknown> }, 200);
  });
}
