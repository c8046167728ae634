import type { OpenAPIHono } from '@hono/zod-openapi';
import { AUTHENTICATED } from '../../../kernel/access.js';
import {
  commonErrors,
  jsonBody,
  jsonResponse,
  notFound,
  route,
  z,
  type AppEnv,
} from '../../../kernel/http.js';
import type { CbamServices } from '../services.js';

const tags = ['cbam'];
const P = '/api/v1/cbam/installations';
/** Installation data with hundreds of streams and processes stays far below 1 MiB. */
const BODY_MAX = 1 << 20;

const idParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, example: '0b8e0c38-6a0c-4f55-9d7e-8d1c8f0e7a11' }),
});
const versionQuery = z.object({
  version: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .optional()
    .openapi({ description: 'A version; default the latest' }),
});

/**
 * The body is the installation data itself (the shared InstallationData schema, documented in
 * docs/cbam-installations.md); it is validated by the service, so that errors name fields of the
 * data (`processes.0.production`) exactly as a file on disk has them.
 */
const DataBody = z.record(z.string(), z.unknown()).openapi('CbamInstallationData', {
  description:
    'Installation data: installation, reportingPeriod, sourceStreams, energyFlows, processes, purchasedPrecursors, carbonPricePaid (see docs/cbam-installations.md)',
});

const Summary = z
  .object({
    id: z.string(),
    orgId: z.string(),
    orgSlug: z.string(),
    name: z.string(),
    country: z.string(),
    version: z.number().int(),
    latestVersion: z.number().int(),
    reportingPeriod: z.object({ start: z.string(), end: z.string() }),
    updatedAt: z.string(),
    createdBy: z.string(),
  })
  .openapi('CbamInstallation');
const Detail = Summary.extend({
  data: DataBody,
  versions: z.array(z.object({ version: z.number().int(), createdBy: z.string(), createdAt: z.string() })),
}).openapi('CbamInstallationDetail');

const Figure = z.string().openapi({ description: 'A decimal (t CO2e, or t CO2e per t of good)' });
const Calculation = z
  .object({
    installation: z.object({ name: z.string(), country: z.string() }),
    reportingPeriod: z.object({ start: z.string(), end: z.string() }),
    sourceStreams: z.array(z.object({ id: z.string(), emissions: Figure })),
    totalDirectEmissions: Figure,
    processes: z.array(
      z.object({
        process: z.string(),
        goodsCategory: z.string(),
        route: z.string().nullable(),
        production: Figure,
        directEmissions: Figure,
        attributedDirect: Figure,
        attributedIndirect: Figure,
        precursorsDirect: Figure,
        precursorsIndirect: Figure,
        seeDirect: Figure,
        seeIndirect: Figure,
        seeTotal: Figure,
        defaults: z.array(z.string()),
        warnings: z.array(z.string()),
      }),
    ),
    goods: z.array(
      z.object({
        cn: z.string(),
        process: z.string(),
        goodsCategory: z.string(),
        route: z.string().nullable(),
        sector: z.string(),
        seeDirect: Figure,
        seeIndirect: Figure,
        seeTotal: Figure,
        source: z.enum(['actual', 'default']),
        electricity: z
          .object({ factor: z.string(), source: z.enum(['grid', 'ppa', 'direct_connection']) })
          .nullable(),
      }),
    ),
    warnings: z.array(z.string()),
  })
  .openapi('CbamCalculation');

const createRoute = route({
  method: 'post',
  path: P,
  access: AUTHENTICATED,
  tags,
  summary: "Save a new installation's data (version 1) for an organisation (its admins and members)",
  maxBodyBytes: BODY_MAX,
  request: {
    query: z.object({
      org: z
        .string()
        .max(64)
        .optional()
        .openapi({ description: "Slug or id; default the caller's only organisation" }),
    }),
    body: jsonBody(DataBody),
  },
  responses: {
    201: jsonResponse(z.object({ installation: Summary }), 'Saved'),
    ...commonErrors,
    ...notFound,
  },
});

const updateRoute = route({
  method: 'put',
  path: `${P}/{id}`,
  access: AUTHENTICATED,
  tags,
  summary: "Save a new version of an installation's data (earlier versions are kept)",
  maxBodyBytes: BODY_MAX,
  request: { params: idParam, body: jsonBody(DataBody) },
  responses: {
    200: jsonResponse(z.object({ installation: Summary }), 'Saved as the next version'),
    ...commonErrors,
    ...notFound,
  },
});

const listRoute = route({
  method: 'get',
  path: P,
  access: AUTHENTICATED,
  tags,
  summary: "Installations of the caller's organisations (or of one, by slug), latest versions",
  request: { query: z.object({ org: z.string().max(64).optional() }) },
  responses: {
    200: jsonResponse(z.object({ installations: z.array(Summary) }), 'Installations, last changed first'),
    ...commonErrors,
    ...notFound,
  },
});

const getRoute = route({
  method: 'get',
  path: `${P}/{id}`,
  access: AUTHENTICATED,
  tags,
  summary: "An installation's data (the latest version, or ?version=) and its versions",
  request: { params: idParam, query: versionQuery },
  responses: {
    200: jsonResponse(z.object({ installation: Detail }), 'The installation'),
    ...commonErrors,
    ...notFound,
  },
});

const calculationRoute = route({
  method: 'get',
  path: `${P}/{id}/calculation`,
  access: AUTHENTICATED,
  tags,
  summary:
    'Specific embedded emissions per process and good (Implementing Regulation (EU) 2023/1773, Annex III), with the rules of the year the period ends in',
  request: { params: idParam, query: versionQuery },
  responses: {
    200: jsonResponse(z.object({ calculation: Calculation }), 'The calculation'),
    ...commonErrors,
    ...notFound,
  },
});

export function installationsRoutes(app: OpenAPIHono<AppEnv>, services: CbamServices): void {
  const svc = services.installations;
  const principal = (c: { get(k: 'principal'): AppEnv['Variables']['principal'] }) => c.get('principal')!;

  app.openapi(createRoute, async (c) =>
    c.json(
      { installation: await svc.saveFor(principal(c), c.req.valid('query').org, c.req.valid('json')) },
      201,
    ),
  );
  app.openapi(updateRoute, async (c) =>
    c.json(
      {
        installation: await svc.saveFor(
          principal(c),
          undefined,
          c.req.valid('json'),
          c.req.valid('param').id,
        ),
      },
      200,
    ),
  );
  app.openapi(listRoute, async (c) =>
    c.json({ installations: await svc.list(principal(c), c.req.valid('query').org) }, 200),
  );
  app.openapi(getRoute, async (c) => {
    const d = await svc.get(principal(c), c.req.valid('param').id, c.req.valid('query').version);
    return c.json({ installation: { ...d, data: d.data as unknown as Record<string, unknown> } }, 200);
  });
  app.openapi(calculationRoute, async (c) =>
    c.json(
      {
        calculation: await svc.calculate(principal(c), c.req.valid('param').id, c.req.valid('query').version),
      },
      200,
    ),
  );
}
