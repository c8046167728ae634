import type { OpenAPIHono } from '@hono/zod-openapi';
import { AUTHENTICATED } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import {
  commonErrors,
  conflict,
  jsonBody,
  jsonResponse,
  notFound,
  route,
  z,
  type AppEnv,
} from '../../../kernel/http.js';
import type { PactClientService } from './service.js';

const tags = ['exchange'];
const P = '/api/v1/exchange';
const Id = z.string().max(64);
const idParam = z.object({
  id: Id.openapi({ param: { name: 'id', in: 'path' }, example: '0b8e0c38-6a0c-4f55-9d7e-8d1c8f0e7a11' }),
});
const Urn = z
  .string()
  .trim()
  .regex(/^urn:[^\s]+$/i, 'a URN (urn:...)')
  .max(500);

const Connection = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    baseUrl: z.string(),
    specVersion: z.union([z.literal(2), z.literal(3)]),
    clientId: z.string(),
    createdBy: z.string(),
    createdAt: z.string(),
    status: z.enum(['new', 'ok', 'failing']),
    failingSince: z.string().nullable(),
    lastError: z.string().nullable(),
    lastAttemptAt: z.string().nullable(),
    lastPulledAt: z.string().nullable(),
    footprints: z.number().int(),
  })
  .openapi('PactConnection');
const Pulled = z
  .object({
    connectionId: z.string(),
    connectionName: z.string(),
    pfId: z.string(),
    specVersion: z.string(),
    version: z.number().int().nullable(),
    precedingPfIds: z.array(z.string()),
    status: z.string(),
    productIds: z.array(z.string()),
    productName: z.string(),
    companyName: z.string(),
    pcfExcludingBiogenic: z.string(),
    declaredAmount: z.string(),
    declaredUnit: z.string(),
    created: z.string(),
    pulledAt: z.string(),
  })
  .openapi('PactPulledFootprint');
const PullResult = z
  .object({
    ok: z.boolean(),
    pulled: z.number().int(),
    rejected: z.array(z.object({ index: z.number().int(), pfId: z.string().nullable(), error: z.string() })),
    error: z.string().nullable(),
    connection: Connection,
  })
  .openapi('PactPullResult');
const Update = z
  .object({
    productId: z.string(),
    productName: z.string(),
    materialIndex: z.number().int(),
    materialName: z.string(),
    connectionId: z.string(),
    linked: z.object({ pfId: z.string(), version: z.number().int().nullable() }),
    newer: Pulled,
  })
  .openapi('PactUpdateAvailable');

const createConn = route({
  method: 'post',
  path: `${P}/connections`,
  access: AUTHENTICATED,
  tags,
  summary:
    "Connect to a supplier's PACT host (organisation admins); the secret is stored encrypted, never returned",
  request: {
    body: jsonBody(
      z.object({
        org: z.string().max(64).optional(),
        name: z.string().trim().min(1).max(100),
        baseUrl: z.string().trim().min(1).max(500),
        clientId: z.string().min(1).max(200),
        clientSecret: z.string().min(1).max(1024),
        specVersion: z.union([z.literal(2), z.literal(3)]).optional(),
      }),
    ),
  },
  responses: {
    201: jsonResponse(z.object({ connection: Connection }), 'Connected'),
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
});
const listConn = route({
  method: 'get',
  path: `${P}/connections`,
  access: AUTHENTICATED,
  tags,
  summary: "Connections of the caller's organisations (or of one) with their status",
  request: { query: z.object({ org: z.string().max(64).optional() }) },
  responses: {
    200: jsonResponse(z.object({ connections: z.array(Connection) }), 'Connections'),
    ...commonErrors,
    ...notFound,
  },
});
const pullRoute = route({
  method: 'post',
  path: `${P}/connections/{id}/pull`,
  access: AUTHENTICATED,
  tags,
  summary:
    "Pull every footprint the supplier shares (admins); a supplier's failure is answered in `ok`/`error`, 200",
  request: { params: idParam },
  responses: {
    200: jsonResponse(PullResult, 'What was pulled or why not'),
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
});
const pullOneRoute = route({
  method: 'post',
  path: `${P}/connections/{id}/pull/{pfId}`,
  access: AUTHENTICATED,
  tags,
  summary: 'Pull one footprint by its PACT id (GetFootprint; admins); 404 when the supplier does not have it',
  request: {
    params: idParam.extend({ pfId: z.uuid().openapi({ param: { name: 'pfId', in: 'path' } }) }),
  },
  responses: {
    200: jsonResponse(z.object({ footprint: Pulled }), 'Pulled and stored'),
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
});
const requestRoute = route({
  method: 'post',
  path: `${P}/connections/{id}/requests`,
  access: AUTHENTICATED,
  tags,
  summary: 'Ask the supplier for a footprint it has not shared (a PACT RequestCreated event)',
  request: {
    params: idParam,
    body: jsonBody(
      z.object({ productIds: z.array(Urn).min(1).max(100), comment: z.string().max(2000).optional() }),
    ),
  },
  responses: {
    201: jsonResponse(
      z.object({ id: z.string(), status: z.enum(['sent', 'failed']), error: z.string().nullable() }),
      'The request and whether the supplier took it',
    ),
    ...commonErrors,
    ...notFound,
  },
});
const pulledRoute = route({
  method: 'get',
  path: `${P}/pulled`,
  access: AUTHENTICATED,
  tags,
  summary: "Footprints pulled from suppliers (the caller's organisations, or one connection)",
  request: { query: z.object({ org: z.string().max(64).optional(), connectionId: Id.optional() }) },
  responses: {
    200: jsonResponse(z.object({ footprints: z.array(Pulled) }), 'Pulled footprints, newest first'),
    ...commonErrors,
    ...notFound,
  },
});
const LinkBody = z.object({
  productId: Id,
  materialIndex: z.number().int().min(0).max(10_000),
  connectionId: Id,
  pfId: z.uuid(),
});
const linkRoute = route({
  method: 'post',
  path: `${P}/links`,
  access: AUTHENTICATED,
  tags,
  summary: "Use a pulled footprint as primary data for a material of a product model (the model's editors)",
  request: { body: jsonBody(LinkBody) },
  responses: {
    200: jsonResponse(z.object({ productId: z.string(), productVersion: z.number().int() }), 'Linked'),
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
});
const updatesRoute = route({
  method: 'get',
  path: `${P}/updates`,
  access: AUTHENTICATED,
  tags,
  summary: 'Product-model materials whose linked supplier footprint has a newer version pulled',
  request: { query: z.object({ org: z.string().max(64).optional() }) },
  responses: {
    200: jsonResponse(z.object({ updates: z.array(Update) }), 'Updates available'),
    ...commonErrors,
    ...notFound,
  },
});
const applyRoute = route({
  method: 'post',
  path: `${P}/updates/apply`,
  access: AUTHENTICATED,
  tags,
  summary: "Move a material to the newer supplier footprint and record the product's footprint again",
  request: {
    body: jsonBody(z.object({ productId: Id, materialIndex: z.number().int().min(0).max(10_000) })),
  },
  responses: {
    200: jsonResponse(
      z.object({
        productVersion: z.number().int(),
        footprintId: z.string(),
        total: z.string(),
        pfId: z.string(),
      }),
      'Recalculated',
    ),
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
});

/** Routes under /api/v1/exchange/...: each checks, in the service, what the caller's organisation may see. */
export function pactClientRoutes(app: OpenAPIHono<AppEnv>, svc: PactClientService): void {
  app.openapi(createConn, async (c) => {
    const connection = await svc.createConnection(c.req.valid('json'), c.get('principal')!);
    return c.json({ connection }, 201);
  });
  app.openapi(listConn, async (c) =>
    c.json({ connections: await svc.listConnections(c.get('principal')!, c.req.valid('query').org) }, 200),
  );
  app.openapi(pullRoute, async (c) =>
    c.json(await svc.pull(c.req.valid('param').id, c.get('principal')!), 200),
  );
  app.openapi(pullOneRoute, async (c) => {
    const { id, pfId } = c.req.valid('param');
    const footprint = await svc.pullOne(id, pfId, c.get('principal')!);
    if (!footprint)
      throw new AppError('not_found', `pfId: the supplier has no footprint ${pfId} for us`, {
        field: 'pfId',
      });
    return c.json({ footprint }, 200);
  });
  app.openapi(requestRoute, async (c) =>
    c.json(
      await svc.requestFootprint(c.req.valid('param').id, c.req.valid('json'), c.get('principal')!),
      201,
    ),
  );
  app.openapi(pulledRoute, async (c) =>
    c.json({ footprints: await svc.listPulled(c.get('principal')!, c.req.valid('query')) }, 200),
  );
  app.openapi(linkRoute, async (c) => c.json(await svc.link(c.req.valid('json'), c.get('principal')!), 200));
  app.openapi(updatesRoute, async (c) =>
    c.json({ updates: await svc.updatesAvailable(c.get('principal')!, c.req.valid('query').org) }, 200),
  );
  app.openapi(applyRoute, async (c) =>
    c.json(await svc.applyUpdate(c.req.valid('json'), c.get('principal')!), 200),
  );
}
