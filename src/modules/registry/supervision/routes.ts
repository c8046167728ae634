import type { OpenAPIHono } from '@hono/zod-openapi';
import { PUBLIC, anyRole } from '../../../kernel/access.js';
import { commonErrors, jsonResponse, notFound, route, z, type AppEnv } from '../../../kernel/http.js';
import type { RegistryServices } from '../services.js';
import { contentType } from './export.js';
import {
  EXPORTS,
  EXPORT_FORMATS,
  ExplorerCertificateCancellation,
  ExplorerIssuance,
  ExplorerProject,
  ExplorerProjectDetail,
  ExplorerRetirement,
  ExplorerRetirementDetail,
  ExplorerSummary,
  InvariantReport,
  Page,
  RegulatorOverview,
} from './model.js';

const tags = ['registry'];
const X = '/api/v1/registry/explorer';
const R = '/api/v1/registry/regulator';
const SUPERVISORS = anyRole('regulator', 'registry_operator');

const paging = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
};
const text = (max: number) => z.string().trim().max(max).optional();
const vintage = z.coerce.number().int().min(1990).max(2100).optional();
const country = z
  .string()
  .regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 code')
  .optional();

const summaryRoute = route({
  method: 'get',
  path: `${X}/summary`,
  access: PUBLIC,
  tags,
  summary: 'Public totals: units issued, retired and cancelled per vintage; Article 6 counts per host Party',
  responses: { 200: jsonResponse(ExplorerSummary, 'The totals') },
});

const projectsRoute = route({
  method: 'get',
  path: `${X}/projects`,
  access: PUBLIC,
  tags,
  summary: 'Public projects (every status but draft), searchable',
  request: {
    query: z.object({
      q: text(100),
      status: z.enum(['submitted', 'validated', 'registered', 'rejected', 'withdrawn']).optional(),
      hostCountry: country,
      sector: text(100),
      methodology: text(100),
      ...paging,
    }),
  },
  responses: {
    200: jsonResponse(Page.extend({ projects: z.array(ExplorerProject) }), 'Projects by code'),
    ...commonErrors,
  },
});

const projectRoute = route({
  method: 'get',
  path: `${X}/projects/{code}`,
  access: PUBLIC,
  tags,
  summary: 'One public project: crediting periods, document hashes, issuances, ledger entries',
  request: {
    params: z.object({
      code: z
        .string()
        .max(100)
        .openapi({ param: { name: 'code', in: 'path' } }),
    }),
  },
  responses: { 200: jsonResponse(ExplorerProjectDetail, 'The project'), ...commonErrors, ...notFound },
});

const issuancesRoute = route({
  method: 'get',
  path: `${X}/issuances`,
  access: PUBLIC,
  tags,
  summary: 'Issuances (project, vintage, quantity, serial range), newest first',
  request: {
    query: z.object({
      project: text(100),
      vintage,
      hostCountry: country,
      unitType: text(12),
      ...paging,
    }),
  },
  responses: {
    200: jsonResponse(Page.extend({ issuances: z.array(ExplorerIssuance) }), 'Issuances'),
    ...commonErrors,
  },
});

const retirementsRoute = route({
  method: 'get',
  path: `${X}/retirements`,
  access: PUBLIC,
  tags,
  summary:
    'Retirements and cancellations (serials, quantity, beneficiary, purpose, claim period), newest first',
  request: {
    query: z.object({
      kind: z.enum(['retirement', 'cancellation']).optional(),
      project: text(100),
      vintage,
      beneficiary: text(200),
      ...paging,
    }),
  },
  responses: {
    200: jsonResponse(Page.extend({ retirements: z.array(ExplorerRetirement) }), 'Retirements'),
    ...commonErrors,
  },
});

const certificatesRoute = route({
  method: 'get',
  path: `${X}/certificate-cancellations`,
  access: PUBLIC,
  tags,
  summary:
    'Cancellations of energy-attribute certificates (beneficiary, consumption period, purpose), newest first',
  request: { query: z.object(paging) },
  responses: {
    200: jsonResponse(
      Page.extend({ cancellations: z.array(ExplorerCertificateCancellation) }),
      'Certificate cancellations',
    ),
    ...commonErrors,
  },
});

const idParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, example: '0b8e0c38-6a0c-4f55-9d7e-8d1c8f0e7a11' }),
});

const retirementRoute = route({
  method: 'get',
  path: `${X}/retirements/{id}`,
  access: PUBLIC,
  tags,
  summary: 'One retirement or cancellation with the inclusion proof of its ledger entry',
  request: { params: idParam },
  responses: {
    200: jsonResponse(ExplorerRetirementDetail, 'The retirement'),
    ...commonErrors,
    ...notFound,
  },
});

const statementRoute = route({
  method: 'get',
  path: '/api/v1/registry/retirements/{id}/statement.pdf',
  access: PUBLIC,
  tags,
  summary: 'The retirement statement (PDF) with its verification link and QR code; public, as a claim is',
  request: { params: idParam },
  responses: {
    200: {
      description: 'The statement',
      content: { 'application/pdf': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    ...commonErrors,
    ...notFound,
  },
});

const overviewRoute = route({
  method: 'get',
  path: `${R}/overview`,
  access: SUPERVISORS,
  tags,
  summary:
    "The regulator's read-only view: every account with its balances per state, transactions, totals per organisation",
  request: { query: z.object(paging) },
  responses: { 200: jsonResponse(RegulatorOverview, 'The overview'), ...commonErrors },
});

const exportRoute = route({
  method: 'get',
  path: `${R}/export`,
  access: SUPERVISORS,
  tags,
  summary: 'Export accounts, holdings (every block), transactions or projects as CSV or XLSX',
  request: {
    query: z.object({ what: z.enum(EXPORTS), format: z.enum(EXPORT_FORMATS).default('csv') }),
  },
  responses: {
    200: {
      description: 'The file',
      content: {
        [contentType.csv]: { schema: z.string() },
        [contentType.xlsx]: { schema: z.string().openapi({ format: 'binary' }) },
      },
    },
    ...commonErrors,
  },
});

const invariantsRoute = route({
  method: 'get',
  path: `${R}/invariants`,
  access: SUPERVISORS,
  tags,
  summary:
    "Checks the registry's invariants over the database now (units conserved, no overlap, finality...)",
  responses: { 200: jsonResponse(InvariantReport, 'The report'), ...commonErrors },
});

export function supervisionRoutes(app: OpenAPIHono<AppEnv>, services: RegistryServices): void {
  const svc = services.supervision;
  const principal = (c: { get(k: 'principal'): AppEnv['Variables']['principal'] }) => c.get('principal')!;

  app.openapi(summaryRoute, async (c) => c.json(await svc.summary(), 200));
  app.openapi(projectsRoute, async (c) => {
    const { limit, offset, ...filter } = c.req.valid('query');
    const p = await svc.projects(filter, { limit, offset });
    return c.json({ projects: p.items, total: p.total, limit: p.limit, offset: p.offset }, 200);
  });
  app.openapi(projectRoute, async (c) => c.json(await svc.project(c.req.valid('param').code), 200));
  app.openapi(issuancesRoute, async (c) => {
    const { limit, offset, ...filter } = c.req.valid('query');
    const p = await svc.issuances(filter, { limit, offset });
    return c.json({ issuances: p.items, total: p.total, limit: p.limit, offset: p.offset }, 200);
  });
  app.openapi(retirementsRoute, async (c) => {
    const { limit, offset, ...filter } = c.req.valid('query');
    const p = await svc.retirements(filter, { limit, offset });
    return c.json({ retirements: p.items, total: p.total, limit: p.limit, offset: p.offset }, 200);
  });
  app.openapi(certificatesRoute, async (c) => {
    const p = await svc.certificateCancellations(c.req.valid('query'));
    return c.json({ cancellations: p.items, total: p.total, limit: p.limit, offset: p.offset }, 200);
  });
  app.openapi(retirementRoute, async (c) => c.json(await svc.retirement(c.req.valid('param').id), 200));
  app.openapi(statementRoute, async (c) => {
    const id = c.req.valid('param').id;
    const pdf = await svc.statement(id);
    return c.body(new Uint8Array(pdf), 200, {
      'content-type': 'application/pdf',
      'content-disposition': `inline; filename="retirement-${id}.pdf"`,
    }) as never;
  });
  app.openapi(overviewRoute, async (c) =>
    c.json(await svc.overview(principal(c), c.req.valid('query')), 200),
  );
  app.openapi(exportRoute, async (c) => {
    const { what, format } = c.req.valid('query');
    const file = await svc.export(what, format, principal(c));
    const day = new Date().toISOString().slice(0, 10);
    return c.body(new Uint8Array(file), 200, {
      'content-type': contentType[format],
      'content-disposition': `attachment; filename="registry-${what}-${day}.${format}"`,
    }) as never;
  });
  app.openapi(invariantsRoute, async (c) => c.json(await svc.invariants(principal(c)), 200));
}
