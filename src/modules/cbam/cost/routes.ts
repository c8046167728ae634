import type { OpenAPIHono } from '@hono/zod-openapi';
import { AUTHENTICATED, anyRole } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
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
import { ProjectionInput } from './service.js';

const tags = ['cbam'];
const P = '/api/v1/cbam';
/** ~20 years of weekly prices fit in 64 KiB; 1 MiB leaves room for comments and CRLFs. */
const CSV_MAX = 1 << 20;

const OrgQuery = z.string().max(64).optional().openapi({
  description: 'The organisation, by id or slug (default: your only one)',
  example: 'demo-importer',
});

const Price = z
  .object({
    periodStart: z.string(),
    periodEnd: z.string(),
    priceEur: z.string(),
    kind: z.enum(['quarterly', 'weekly']),
    importedAt: z.string(),
  })
  .openapi('CbamEtsPrice');

const YearPrice = z
  .object({
    year: z.number().int(),
    eurPerCertificate: z.string(),
    kind: z.enum(['quarterly', 'weekly']),
    periods: z.number().int(),
    complete: z.boolean(),
    rule: z.string(),
  })
  .openapi('CbamYearPrice');

const Owed = z
  .object({
    orgId: z.string(),
    year: z.number().int(),
    exempt: z.boolean(),
    exemptReason: z.string().nullable(),
    price: YearPrice.nullable(),
    lines: z.array(
      z.object({
        cn: z.string(),
        country: z.string(),
        sector: z.string().nullable(),
        route: z.string().nullable(),
        netMass: z.string(),
        embedded: z.string(),
        freeAllocationShare: z.string(),
        benchmark: z.string().nullable(),
        benchmarkSource: z.string().nullable(),
        freeAllocationAdjustment: z.string(),
        carbonPriceDeduction: z.string(),
        certificates: z.string(),
        costEur: z.string().nullable(),
        notes: z.array(z.string()),
      }),
    ),
    totals: z.object({
      embedded: z.string(),
      freeAllocationAdjustment: z.string(),
      carbonPriceDeduction: z.string(),
      certificatesExact: z.string(),
      certificatesToSurrender: z.string(),
      costEur: z.string().nullable(),
    }),
    timeline: z.object({
      certificatesOnSaleFrom: z.string(),
      declarationDue: z.string(),
      surrenderBy: z.string(),
    }),
    notes: z.array(z.string()),
  })
  .openapi('CbamCertificatesOwed');

const Projection = z
  .object({
    cn: z.string(),
    country: z.string(),
    route: z.string().nullable(),
    sector: z.string().nullable(),
    benchmark: z.object({ value: z.string(), source: z.string() }).nullable(),
    priceBasis: z.string(),
    rows: z.array(
      z.object({
        year: z.number().int(),
        freeAllocationShare: z.string(),
        see: z.string(),
        embedded: z.string(),
        benchmark: z.string().nullable(),
        benchmarkAdjustment: z.string(),
        carbonPriceDeduction: z.string(),
        certificates: z.string(),
        wholeCertificates: z.string(),
        priceEur: z.string(),
        costEur: z.string(),
      }),
    ),
    totals: z.object({ certificates: z.string(), costEur: z.string() }),
    notes: z.array(z.string()),
  })
  .openapi('CbamCostProjection');

const importPricesRoute = route({
  method: 'post',
  path: `${P}/prices`,
  access: anyRole('admin', 'member'),
  tags,
  summary:
    'Import an EU ETS price series (CSV: periodStart,periodEnd,priceEur,kind; quarterly in 2026, weekly from 2027); all rows or none, periods held already are replaced',
  maxBodyBytes: CSV_MAX,
  request: {
    query: z.object({ org: OrgQuery }),
    body: { content: { 'text/csv': { schema: z.string().openapi({ format: 'binary' }) } }, required: true },
  },
  responses: {
    201: jsonResponse(z.object({ imported: z.number().int() }), 'Imported'),
    ...commonErrors,
    ...notFound,
  },
});

const listPricesRoute = route({
  method: 'get',
  path: `${P}/prices`,
  access: AUTHENTICATED,
  tags,
  summary: "An organisation's EU ETS price series, oldest period first",
  request: {
    query: z.object({ org: OrgQuery, year: z.coerce.number().int().min(2026).max(2100).optional() }),
  },
  responses: {
    200: jsonResponse(z.object({ orgId: z.string(), prices: z.array(Price) }), 'The series'),
    ...commonErrors,
    ...notFound,
  },
});

const owedRoute = route({
  method: 'get',
  path: `${P}/cost/{year}`,
  access: AUTHENTICATED,
  tags,
  summary:
    'Certificates owed for a declaration year: embedded emissions less the free-allocation adjustment and the carbon price paid abroad, in whole certificates, and their cost',
  request: {
    params: z.object({
      year: z.coerce
        .number()
        .int()
        .min(2026)
        .max(2100)
        .openapi({ param: { name: 'year', in: 'path' }, example: 2026 }),
    }),
    query: z.object({
      org: OrgQuery,
      rates: z.string().max(500).optional().openapi({
        description: 'EUR per unit of other currencies, for carbon prices paid abroad',
        example: 'CNY:0.128,USD:0.92',
      }),
    }),
  },
  responses: { 200: jsonResponse(Owed, 'Certificates owed'), ...commonErrors, ...notFound },
});

const projectionRoute = route({
  method: 'post',
  path: `${P}/cost/projection`,
  access: AUTHENTICATED,
  tags,
  summary:
    'A product line year by year, 2026–2034: free-allocation share, adjustment, certificates, price, cost',
  maxBodyBytes: 16 * 1024,
  request: { body: jsonBody(ProjectionInput.openapi('CbamProjectionInput')) },
  responses: { 200: jsonResponse(Projection, 'The projection'), ...commonErrors, ...notFound },
});

/** `CNY:0.128,USD:0.92` → { CNY: "0.128", USD: "0.92" }. */
export function parseRates(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const rates: Record<string, string> = {};
  for (const part of text.split(',')) {
    const m = /^\s*([A-Z]{3})\s*[:=]\s*(\d+(\.\d+)?)\s*$/.exec(part);
    if (!m)
      throw new AppError('bad_request', `rates: "${part.slice(0, 30)}" is not CUR:rate (e.g. CNY:0.128)`, {
        field: 'rates',
      });
    rates[m[1]!] = m[2]!;
  }
  return rates;
}

export function costRoutes(app: OpenAPIHono<AppEnv>, services: CbamServices): void {
  const svc = services.cost;
  const principal = (c: { get(k: 'principal'): AppEnv['Variables']['principal'] }) => c.get('principal')!;

  app.openapi(importPricesRoute, async (c) =>
    c.json(await svc.importPrices(principal(c), await c.req.text(), c.req.valid('query').org), 201),
  );
  app.openapi(listPricesRoute, async (c) => {
    const q = c.req.valid('query');
    return c.json(await svc.listPrices(principal(c), q.org, q.year), 200);
  });
  app.openapi(owedRoute, async (c) => {
    const q = c.req.valid('query');
    const orgId = await svc.resolveOrg(principal(c), q.org);
    const eurRates = parseRates(q.rates);
    return c.json(
      await svc.owed(principal(c), orgId, c.req.valid('param').year, eurRates ? { eurRates } : {}),
      200,
    );
  });
  app.openapi(projectionRoute, async (c) =>
    c.json(await svc.projection(principal(c), c.req.valid('json')), 200),
  );
}
