import type { OpenAPIHono } from '@hono/zod-openapi';
import { AUTHENTICATED, anyRole } from '../../kernel/access.js';
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
import {
  ClassifyRequestSchema,
  ClassifyResultSchema,
  CodeDetailSchema,
  CodeParam,
  DiffSchema,
  Edition,
  EntrySchema,
  IsoDate,
  ListSlug,
  ListSummarySchema,
  NewListSchema,
  NewProposalSchema,
  ProposalDetailSchema,
  ProposalSchema,
  SearchResultSchema,
  VersionSchema,
} from './model.js';
import { parseConcordanceCsv } from './reference.js';
import type { ClassificationService } from './service.js';

const tags = ['classification'];
const P = '/api/v1/classification';
const slugParam = z.object({
  slug: ListSlug.openapi({ param: { name: 'slug', in: 'path' }, example: 'apec-egs' }),
});
const idParam = z.object({
  id: z
    .string()
    .max(40)
    .openapi({ param: { name: 'id', in: 'path' } }),
});
const VersionWithEntries = z.object({
  version: VersionSchema,
  entries: z.array(EntrySchema),
  unmapped: z.array(z.string()),
});

const search = route({
  method: 'get',
  path: `${P}/search`,
  access: AUTHENTICATED,
  tags,
  summary: 'Find HS codes by code prefix or by words in the description, ranked',
  request: {
    query: z.object({
      q: z.string().min(1).max(200),
      limit: z.coerce.number().int().min(1).max(100).default(20),
    }),
  },
  responses: { 200: jsonResponse(SearchResultSchema, 'Matches, best first'), ...commonErrors },
});

const getCode = route({
  method: 'get',
  path: `${P}/codes/{code}`,
  access: AUTHENTICATED,
  tags,
  summary: 'One code: its hierarchy, former codes and its memberships of every list the caller can see',
  request: { params: z.object({ code: CodeParam }), query: z.object({ asOf: IsoDate.optional() }) },
  responses: { 200: jsonResponse(CodeDetailSchema, 'The code'), ...commonErrors, ...notFound },
});

const classify = route({
  method: 'post',
  path: `${P}/classify`,
  access: AUTHENTICATED,
  tags,
  summary: 'Classify up to 10,000 codes against the lists (all visible ones, or those named), as of a date',
  maxBodyBytes: 2 << 20,
  request: { body: jsonBody(ClassifyRequestSchema) },
  responses: {
    200: jsonResponse(ClassifyResultSchema, 'One result per code, in order'),
    ...commonErrors,
    ...notFound,
  },
});

const lists = route({
  method: 'get',
  path: `${P}/lists`,
  access: AUTHENTICATED,
  tags,
  summary: 'The green-goods lists the caller can see',
  responses: { 200: jsonResponse(z.object({ lists: z.array(ListSummarySchema) }), 'Lists'), ...commonErrors },
});

const createList = route({
  method: 'post',
  path: `${P}/lists`,
  access: anyRole('admin', 'regulator'),
  tags,
  summary: 'Create a list (for example a national green-trade classification) with its first version',
  request: { body: jsonBody(NewListSchema) },
  responses: {
    201: jsonResponse(z.object({ list: ListSummarySchema }), 'Created'),
    ...commonErrors,
    ...conflict,
  },
});

const getList = route({
  method: 'get',
  path: `${P}/lists/{slug}`,
  access: AUTHENTICATED,
  tags,
  summary: 'A list and its versions',
  request: { params: slugParam },
  responses: {
    200: jsonResponse(z.object({ list: ListSummarySchema, versions: z.array(VersionSchema) }), 'The list'),
    ...commonErrors,
    ...notFound,
  },
});

const getVersion = route({
  method: 'get',
  path: `${P}/lists/{slug}/versions/{number}`,
  access: AUTHENTICATED,
  tags,
  summary: 'The entries of one version',
  request: {
    params: slugParam.extend({
      number: z.coerce
        .number()
        .int()
        .min(1)
        .openapi({ param: { name: 'number', in: 'path' } }),
    }),
  },
  responses: { 200: jsonResponse(VersionWithEntries, 'The version'), ...commonErrors, ...notFound },
});

const asOf = route({
  method: 'get',
  path: `${P}/lists/{slug}/as-of/{date}`,
  access: AUTHENTICATED,
  tags,
  summary: 'The version in force on a date, with its entries',
  request: { params: slugParam.extend({ date: IsoDate.openapi({ param: { name: 'date', in: 'path' } }) }) },
  responses: { 200: jsonResponse(VersionWithEntries, 'The version'), ...commonErrors, ...notFound },
});

const diff = route({
  method: 'get',
  path: `${P}/lists/{slug}/diff`,
  access: AUTHENTICATED,
  tags,
  summary: 'What changed between two versions',
  request: {
    params: slugParam,
    query: z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) }),
  },
  responses: {
    200: jsonResponse(DiffSchema, 'Added, removed and changed entries'),
    ...commonErrors,
    ...notFound,
  },
});

const createProposal = route({
  method: 'post',
  path: `${P}/lists/{slug}/proposals`,
  access: AUTHENTICATED,
  tags,
  summary: 'Propose changes to a list (add, remove, amend entries, with reasons)',
  request: { params: slugParam, body: jsonBody(NewProposalSchema) },
  responses: {
    201: jsonResponse(z.object({ proposal: ProposalDetailSchema }), 'Submitted for review'),
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
});

const listProposals = route({
  method: 'get',
  path: `${P}/proposals`,
  access: AUTHENTICATED,
  tags,
  summary: 'Change proposals of the lists the caller can see',
  request: {
    query: z.object({
      list: ListSlug.optional(),
      status: z.enum(['submitted', 'approved', 'rejected', 'withdrawn']).optional(),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ proposals: z.array(ProposalSchema) }), 'Proposals, newest first'),
    ...commonErrors,
  },
});

const getProposal = route({
  method: 'get',
  path: `${P}/proposals/{id}`,
  access: AUTHENTICATED,
  tags,
  summary: 'A proposal with its changes and the entries they change',
  request: { params: idParam },
  responses: {
    200: jsonResponse(z.object({ proposal: ProposalDetailSchema }), 'The proposal'),
    ...commonErrors,
    ...notFound,
  },
});

const approve = route({
  method: 'post',
  path: `${P}/proposals/{id}/approve`,
  access: anyRole('admin', 'regulator'),
  tags,
  summary: 'Approve: the changes become a new version (maintainers of the list, not the proposer)',
  request: { params: idParam, body: jsonBody(z.object({ comment: z.string().max(4000).optional() })) },
  responses: {
    200: jsonResponse(z.object({ proposal: ProposalDetailSchema, version: VersionSchema }), 'Approved'),
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
});

const reject = route({
  method: 'post',
  path: `${P}/proposals/{id}/reject`,
  access: anyRole('admin', 'regulator'),
  tags,
  summary: 'Reject, with a comment',
  request: {
    params: idParam,
    body: jsonBody(z.object({ comment: z.string().trim().min(1, 'say why').max(4000) })),
  },
  responses: {
    200: jsonResponse(z.object({ proposal: ProposalDetailSchema }), 'Rejected'),
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
});

const importConcordance = route({
  method: 'post',
  path: `${P}/concordances`,
  access: anyRole('admin', 'regulator'),
  tags,
  summary:
    'Import an HS correlation table (CSV: from_edition, from_code, to_edition, to_code, relation); all rows or none',
  maxBodyBytes: 20 << 20,
  request: {
    body: { content: { 'text/csv': { schema: z.string().openapi({ format: 'binary' }) } }, required: true },
  },
  responses: { 200: jsonResponse(z.object({ imported: z.number().int() }), 'Imported'), ...commonErrors },
});

const concordanceOf = route({
  method: 'get',
  path: `${P}/concordances/{edition}/{code}`,
  access: AUTHENTICATED,
  tags,
  summary: 'Where a code of another edition went in HS 2022',
  request: {
    params: z.object({
      edition: Edition.openapi({ param: { name: 'edition', in: 'path' }, example: 'HS2012' }),
      code: CodeParam,
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({
        from: z.object({ edition: z.string(), code: z.string() }),
        to: z.array(z.object({ edition: z.string(), code: z.string(), relation: z.string() })),
      }),
      'The mapped codes',
    ),
    ...commonErrors,
  },
});

export function classificationRoutes(app: OpenAPIHono<AppEnv>, svc: ClassificationService): void {
  const principal = (c: { get(k: 'principal'): AppEnv['Variables']['principal'] }) => c.get('principal')!;

  app.openapi(search, async (c) => {
    const { q, limit } = c.req.valid('query');
    return c.json(await svc.search(q, limit), 200);
  });
  app.openapi(getCode, async (c) =>
    c.json(await svc.getCode(c.req.valid('param').code, principal(c), c.req.valid('query').asOf), 200),
  );
  app.openapi(classify, async (c) => {
    const body = c.req.valid('json');
    return c.json(await svc.classify(body.codes, principal(c), { lists: body.lists, asOf: body.asOf }), 200);
  });
  app.openapi(lists, async (c) => c.json({ lists: await svc.lists(principal(c)) }, 200));
  app.openapi(createList, async (c) =>
    c.json({ list: await svc.createList(c.req.valid('json'), principal(c)) }, 201),
  );
  app.openapi(getList, async (c) => c.json(await svc.getList(c.req.valid('param').slug, principal(c)), 200));
  app.openapi(getVersion, async (c) => {
    const { slug, number } = c.req.valid('param');
    return c.json(await svc.getVersion(slug, number, principal(c)), 200);
  });
  app.openapi(asOf, async (c) => {
    const { slug, date } = c.req.valid('param');
    return c.json(await svc.versionAsOfDate(slug, date, principal(c)), 200);
  });
  app.openapi(diff, async (c) => {
    const { from, to } = c.req.valid('query');
    return c.json(await svc.diff(c.req.valid('param').slug, from, to, principal(c)), 200);
  });
  app.openapi(createProposal, async (c) =>
    c.json(
      { proposal: await svc.createProposal(c.req.valid('param').slug, c.req.valid('json'), principal(c)) },
      201,
    ),
  );
  app.openapi(listProposals, async (c) =>
    c.json({ proposals: await svc.listProposals(principal(c), c.req.valid('query')) }, 200),
  );
  app.openapi(getProposal, async (c) =>
    c.json({ proposal: await svc.getProposal(c.req.valid('param').id, principal(c)) }, 200),
  );
  app.openapi(approve, async (c) =>
    c.json(await svc.approve(c.req.valid('param').id, c.req.valid('json').comment, principal(c)), 200),
  );
  app.openapi(reject, async (c) =>
    c.json(
      { proposal: await svc.reject(c.req.valid('param').id, c.req.valid('json').comment, principal(c)) },
      200,
    ),
  );
  app.openapi(importConcordance, async (c) => {
    const rows = parseConcordanceCsv(await c.req.text());
    return c.json({ imported: await svc.importConcordance(rows, `upload by ${principal(c).name}`) }, 200);
  });
  app.openapi(concordanceOf, async (c) => {
    const { edition, code } = c.req.valid('param');
    return c.json({ from: { edition, code }, to: await svc.concordanceOf(edition, code) }, 200);
  });
}
