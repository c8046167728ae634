import type { OpenAPIHono } from '@hono/zod-openapi';
import { AUTHENTICATED } from '../../../kernel/access.js';
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
import { Factor } from '../factors/index.js';
import { ProductModel } from './model.js';
import { FootprintResult } from './result.js';
import type { ProductService } from './service.js';

const tags = ['footprint'];
const P = '/api/v1/footprint';
/** A product model is small; 512 KiB holds a bill of materials of thousands of lines. */
const MODEL_MAX_BYTES = 512 * 1024;

const idParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, example: '0b8e0c38-6a0c-4f55-9d7e-8d1c8f0e7a11' }),
});

const FootprintSummary = z
  .object({
    id: z.string(),
    productId: z.string(),
    productVersion: z.number().int(),
    total: z.string(),
    resultSha256: z.string(),
    ledger: z.object({ index: z.number().int(), leafHash: z.string(), entryPath: z.string() }),
    createdBy: z.string(),
    createdAt: z.string(),
  })
  .openapi('FootprintSummary');

const ProductView = z
  .object({
    id: z.string(),
    org: z.object({ id: z.string(), slug: z.string() }),
    name: z.string(),
    version: z.number().int(),
    model: ProductModel,
    footprints: z.number().int(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('ProductView');
const ProductDetail = ProductView.extend({ history: z.array(FootprintSummary) }).openapi('ProductDetail');

const ResolvedFactors = z
  .object({
    lines: z.record(z.string(), Factor),
    electricity: z.record(z.string(), z.object({ grid: Factor, residualMix: Factor.nullable() })),
  })
  .openapi('ResolvedFactors');

const FootprintView = FootprintSummary.extend({
  orgId: z.string(),
  model: ProductModel,
  result: FootprintResult,
  factors: ResolvedFactors,
}).openapi('ProductFootprint');

const calculateRoute = route({
  method: 'post',
  path: `${P}/calculate`,
  access: AUTHENTICATED,
  tags,
  summary: "Calculate a product model's footprint without saving it (the editor's live recalculation)",
  maxBodyBytes: MODEL_MAX_BYTES,
  request: { body: jsonBody(ProductModel) },
  responses: { 200: jsonResponse(FootprintResult, 'The footprint per declared unit'), ...commonErrors },
});

const listRoute = route({
  method: 'get',
  path: `${P}/products`,
  access: AUTHENTICATED,
  tags,
  summary: "Product models of the caller's organisations (or of one, by slug)",
  request: { query: z.object({ org: z.string().max(64).optional() }) },
  responses: {
    200: jsonResponse(z.object({ products: z.array(ProductView) }), 'Products, last changed first'),
    ...commonErrors,
    ...notFound,
  },
});

const createRoute = route({
  method: 'post',
  path: `${P}/products`,
  access: AUTHENTICATED,
  tags,
  summary: 'Save a new product model (admins and members of the organisation)',
  maxBodyBytes: MODEL_MAX_BYTES,
  request: {
    body: jsonBody(
      z.object({
        /** The owning organisation (slug or id); default the caller's only one. */
        org: z.string().max(64).optional(),
        model: ProductModel,
      }),
    ),
  },
  responses: { 201: jsonResponse(z.object({ product: ProductView }), 'Saved'), ...commonErrors, ...notFound },
});

const getRoute = route({
  method: 'get',
  path: `${P}/products/{id}`,
  access: AUTHENTICATED,
  tags,
  summary: 'A product model and its recorded footprints (members of its organisation)',
  request: { params: idParam },
  responses: {
    200: jsonResponse(z.object({ product: ProductDetail }), 'The product'),
    ...commonErrors,
    ...notFound,
  },
});

const updateRoute = route({
  method: 'put',
  path: `${P}/products/{id}`,
  access: AUTHENTICATED,
  tags,
  summary: 'Replace a product model (its version counts up); expectedVersion refuses a stale edit',
  maxBodyBytes: MODEL_MAX_BYTES,
  request: {
    params: idParam,
    body: jsonBody(z.object({ model: ProductModel, expectedVersion: z.number().int().min(1).optional() })),
  },
  responses: {
    200: jsonResponse(z.object({ product: ProductView }), 'Saved'),
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
});

const recordRoute = route({
  method: 'post',
  path: `${P}/products/{id}/footprints`,
  access: AUTHENTICATED,
  tags,
  summary: "Calculate the product's current model and record the footprint, anchored in the ledger",
  request: { params: idParam },
  responses: {
    201: jsonResponse(FootprintView, 'The recorded footprint'),
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
});

const getFootprintRoute = route({
  method: 'get',
  path: `${P}/footprints/{id}`,
  access: AUTHENTICATED,
  tags,
  summary: 'A recorded footprint: the JSON export (model, factors used, result, ledger entry)',
  request: { params: idParam },
  responses: { 200: jsonResponse(FootprintView, 'The footprint'), ...commonErrors, ...notFound },
});

const reportRoute = route({
  method: 'get',
  path: `${P}/footprints/{id}/report.pdf`,
  access: AUTHENTICATED,
  tags,
  summary: 'A recorded footprint as a PDF report',
  request: { params: idParam },
  responses: {
    200: {
      description: 'The report',
      content: { 'application/pdf': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    ...commonErrors,
    ...notFound,
  },
});

const recomputeRoute = route({
  method: 'post',
  path: `${P}/footprints/{id}/recompute`,
  access: AUTHENTICATED,
  tags,
  summary:
    'Recalculate a recorded footprint from its model and recorded factors; says whether it is identical',
  request: { params: idParam },
  responses: {
    200: jsonResponse(
      z.object({
        identical: z.boolean(),
        resultSha256: z.string(),
        recomputedSha256: z.string(),
        result: FootprintResult,
      }),
      'The recomputation',
    ),
    ...commonErrors,
    ...notFound,
  },
});

export function productRoutes(app: OpenAPIHono<AppEnv>, svc: ProductService): void {
  const principal = (c: { get(k: 'principal'): AppEnv['Variables']['principal'] }) => c.get('principal')!;

  app.openapi(calculateRoute, async (c) =>
    c.json((await svc.calculate(c.req.valid('json'), principal(c))).result, 200),
  );
  app.openapi(listRoute, async (c) =>
    c.json({ products: await svc.listProducts(principal(c), c.req.valid('query').org) }, 200),
  );
  app.openapi(createRoute, async (c) => {
    const body = c.req.valid('json');
    return c.json(
      { product: await svc.createProduct({ org: body.org, model: body.model }, principal(c)) },
      201,
    );
  });
  app.openapi(getRoute, async (c) =>
    c.json({ product: await svc.getProduct(c.req.valid('param').id, principal(c)) }, 200),
  );
  app.openapi(updateRoute, async (c) => {
    const body = c.req.valid('json');
    return c.json(
      {
        product: await svc.updateProduct(
          c.req.valid('param').id,
          { model: body.model, expectedVersion: body.expectedVersion },
          principal(c),
        ),
      },
      200,
    );
  });
  app.openapi(recordRoute, async (c) =>
    c.json(await svc.recordFootprint(c.req.valid('param').id, principal(c)), 201),
  );
  app.openapi(getFootprintRoute, async (c) =>
    c.json(await svc.getFootprint(c.req.valid('param').id, principal(c)), 200),
  );
  app.openapi(reportRoute, async (c) => {
    const id = c.req.valid('param').id;
    const pdf = await svc.report(id, principal(c));
    return c.body(new Uint8Array(pdf), 200, {
      'content-type': 'application/pdf',
      'content-disposition': `inline; filename="footprint-${id}.pdf"`,
    }) as never;
  });
  app.openapi(recomputeRoute, async (c) =>
    c.json(await svc.recompute(c.req.valid('param').id, principal(c)), 200),
  );
}
