import type { OpenAPIHono } from '@hono/zod-openapi';
import { AUTHENTICATED } from '../../../kernel/access.js';
import { commonErrors, jsonBody, jsonResponse, route, z, type AppEnv } from '../../../kernel/http.js';
import { CBAM_SECTORS } from '../model.js';
import type { CbamServices } from '../services.js';
import { SCOPE_BATCH_MAX } from './service.js';

const tags = ['cbam'];
const P = '/api/v1/cbam';

const Sector = z.enum(CBAM_SECTORS);
const ScopeAnswer = z
  .object({
    cn: z.string().openapi({ example: '72085120' }),
    inScope: z.boolean(),
    sector: Sector.nullable(),
    reason: z.string().openapi({ example: 'CN 7208 51 20 is under Annex I entry 7208 (iron and steel)' }),
    goodsCategory: z.string().nullable().optional().openapi({ example: 'iron_steel_products' }),
  })
  .openapi('CbamScope');
const AsOf = z.iso
  .date()
  .optional()
  .openapi({ description: 'The date the Annex I list is read at (default: today)' });
const YearQuery = z.object({
  year: z.coerce
    .number()
    .int()
    .min(2023)
    .max(2100)
    .optional()
    .openapi({ description: 'Calendar year (default: this year)', example: 2026 }),
});
const thisYear = () => new Date().getUTCFullYear();

const Category = z
  .object({
    code: z.string(),
    sector: Sector,
    name: z.string(),
    cnPrefixes: z.array(z.string()),
    routes: z.array(z.string()),
    countsIndirect: z.boolean(),
  })
  .openapi('CbamGoodsCategory');
const Default = z
  .object({
    cn: z.string(),
    country: z.string(),
    year: z.number().int(),
    baseDirect: z.string(),
    baseIndirect: z.string(),
    markup: z.string(),
    direct: z.string(),
    indirect: z.string(),
    total: z.string(),
    source: z.string(),
    status: z.string(),
    markupSource: z.string().nullable(),
  })
  .openapi('CbamDefaultValue');

const scopeRoute = route({
  method: 'get',
  path: `${P}/scope/{cn}`,
  access: AUTHENTICATED,
  tags,
  summary:
    'Is a CN code (8 digits, or a 4/6-digit prefix) a CBAM good? With sector, goods category and reason',
  request: {
    params: z.object({
      cn: z
        .string()
        .max(20)
        .openapi({ param: { name: 'cn', in: 'path' }, example: '72085120' }),
    }),
    query: z.object({ asOf: AsOf }),
  },
  responses: { 200: jsonResponse(ScopeAnswer, 'The answer'), ...commonErrors },
});
const scopeBatchRoute = route({
  method: 'post',
  path: `${P}/scope`,
  access: AUTHENTICATED,
  tags,
  summary: `Scope of up to ${SCOPE_BATCH_MAX} CN codes at once; bad codes are named by position (codes.N)`,
  maxBodyBytes: 512 * 1024,
  request: {
    body: jsonBody(
      z.object({
        codes: z.array(z.string().max(20)).min(1).max(SCOPE_BATCH_MAX),
        asOf: AsOf,
      }),
    ),
  },
  responses: {
    200: jsonResponse(z.object({ results: z.array(ScopeAnswer) }), 'One answer per code, in order'),
    ...commonErrors,
  },
});
const categoriesRoute = route({
  method: 'get',
  path: `${P}/rules/categories`,
  access: AUTHENTICATED,
  tags,
  summary:
    'Aggregated goods categories (Implementing Regulation (EU) 2023/1773, Annex II): sector, CN codes, routes, indirect coverage',
  request: { query: YearQuery },
  responses: {
    200: jsonResponse(z.object({ year: z.number().int(), categories: z.array(Category) }), 'The categories'),
    ...commonErrors,
  },
});
const defaultsRoute = route({
  method: 'get',
  path: `${P}/rules/defaults`,
  access: AUTHENTICATED,
  tags,
  summary:
    "The Commission's default values in force in a year, with the year's mark-up; one country (and the fallback) or one CN code",
  request: {
    query: YearQuery.extend({
      country: z
        .string()
        .trim()
        .regex(/^[A-Za-z]{2}$/, 'an ISO alpha-2 country code')
        .optional(),
      cn: z.string().max(20).optional(),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ year: z.number().int(), defaults: z.array(Default) }), 'Default values'),
    ...commonErrors,
  },
});
const deMinimisRoute = route({
  method: 'get',
  path: `${P}/rules/de-minimis`,
  access: AUTHENTICATED,
  tags,
  summary: 'The de-minimis threshold of a year (tonnes net mass per importer) and the sectors outside it',
  request: { query: YearQuery },
  responses: {
    200: jsonResponse(
      z.object({
        year: z.number().int(),
        thresholdTonnes: z.string().nullable(),
        excludedSectors: z.array(Sector),
        source: z.string(),
      }),
      'The threshold',
    ),
    ...commonErrors,
  },
});
const freeAllocationRoute = route({
  method: 'get',
  path: `${P}/rules/free-allocation`,
  access: AUTHENTICATED,
  tags,
  summary: 'The share of free allocation EU producers still receive (CBAM factor), year by year to 2034',
  responses: {
    200: jsonResponse(
      z.object({
        series: z.array(z.object({ year: z.number().int(), share: z.string(), source: z.string() })),
      }),
      'The series',
    ),
    ...commonErrors,
  },
});
const factorsRoute = route({
  method: 'get',
  path: `${P}/rules/factors`,
  access: AUTHENTICATED,
  tags,
  summary: 'Grid electricity factors by country (t CO2/MWh) and the benchmarks in force in a year',
  request: { query: YearQuery },
  responses: {
    200: jsonResponse(
      z.object({
        year: z.number().int(),
        gridFactors: z.array(
          z.object({ country: z.string(), factor: z.string(), year: z.number().int(), source: z.string() }),
        ),
        benchmarks: z.array(
          z.object({
            category: z.string(),
            route: z.string().nullable(),
            benchmark: z.string(),
            value: z.string(),
            status: z.string(),
            source: z.string(),
          }),
        ),
      }),
      'Factors',
    ),
    ...commonErrors,
  },
});

/** Read-only: every signed-in user may read the law; nothing here is an organisation's data. */
export function rulesRoutes(app: OpenAPIHono<AppEnv>, services: CbamServices): void {
  const rules = services.rules;
  app.openapi(scopeRoute, async (c) =>
    c.json(await rules.scope(c.req.valid('param').cn, c.req.valid('query').asOf), 200),
  );
  app.openapi(scopeBatchRoute, async (c) => {
    const b = c.req.valid('json');
    return c.json({ results: await rules.scopeMany(b.codes, b.asOf) }, 200);
  });
  app.openapi(categoriesRoute, async (c) => {
    const year = c.req.valid('query').year ?? thisYear();
    return c.json({ year, categories: await rules.categories(year) }, 200);
  });
  app.openapi(defaultsRoute, async (c) => {
    const q = c.req.valid('query');
    const year = q.year ?? thisYear();
    return c.json({ year, defaults: await rules.defaults(year, { country: q.country, cn: q.cn }) }, 200);
  });
  app.openapi(deMinimisRoute, async (c) => {
    const year = c.req.valid('query').year ?? thisYear();
    return c.json({ year, ...(await rules.deMinimis(year)) }, 200);
  });
  app.openapi(freeAllocationRoute, async (c) => c.json({ series: await rules.freeAllocationSeries() }, 200));
  app.openapi(factorsRoute, async (c) => {
    const year = c.req.valid('query').year ?? thisYear();
    return c.json({ year, ...(await rules.factors(year)) }, 200);
  });
}
