import type { OpenAPIHono } from '@hono/zod-openapi';
import { PUBLIC, anyRole } from '../../../kernel/access.js';
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
import { Factor, ImportRequest, MAX_IMPORT_BYTES, Release, SearchQuery, SearchResult } from './model.js';
import type { FactorService } from './service.js';

const tags = ['footprint'];
const P = '/api/v1/footprint/factors';
const idParam = z.object({
  id: z
    .string()
    .max(80)
    .openapi({ param: { name: 'id', in: 'path' } }),
});
const tooLarge = {
  413: {
    description: 'The content is over 20 MB or 200,000 factors',
    content: { 'application/json': { schema: z.object({ error: z.object({}).loose() }) } },
  },
};

const search = route({
  method: 'get',
  path: P,
  access: PUBLIC,
  tags,
  summary:
    'Search emission factors by words (prefix match, ranked), activity prefix, region, year, unit and release; shared public data for anyone, an organisation’s own for its members',
  request: { query: SearchQuery },
  responses: {
    200: jsonResponse(SearchResult, 'Matches, best first, with the total count'),
    ...commonErrors,
  },
});

const listReleases = route({
  method: 'get',
  path: `${P}/releases`,
  access: PUBLIC,
  tags,
  summary: 'The factor library releases the caller can see (shared public ones; its organisations’ own)',
  responses: {
    200: jsonResponse(z.object({ releases: z.array(Release) }), 'Releases'),
    ...commonErrors,
  },
});

const getRelease = route({
  method: 'get',
  path: `${P}/releases/{id}`,
  access: PUBLIC,
  tags,
  summary: 'One release',
  request: { params: idParam },
  responses: {
    200: jsonResponse(z.object({ release: Release }), 'The release'),
    ...commonErrors,
    ...notFound,
  },
});

const importRelease = route({
  method: 'post',
  path: `${P}/releases`,
  access: anyRole('admin', 'member'),
  tags,
  summary:
    'Import a CSV or JSON file of factors as a new release of an organisation (all or nothing; problems named by line and column); a draft unless publish (admins)',
  maxBodyBytes: MAX_IMPORT_BYTES + (1 << 20),
  request: { body: jsonBody(ImportRequest) },
  responses: {
    201: jsonResponse(z.object({ release: Release }), 'Imported'),
    ...commonErrors,
    ...notFound,
    ...conflict,
    ...tooLarge,
  },
});

const publish = route({
  method: 'post',
  path: `${P}/releases/{id}/publish`,
  access: anyRole('admin'),
  tags,
  summary:
    'Publish a draft release (an admin of its organisation): from then on it is immutable, and its content hash is in the ledger',
  request: { params: idParam },
  responses: {
    200: jsonResponse(z.object({ release: Release }), 'Published'),
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
});

const getFactor = route({
  method: 'get',
  path: `${P}/{id}`,
  access: PUBLIC,
  tags,
  summary: 'One emission factor',
  request: { params: idParam },
  responses: {
    200: jsonResponse(z.object({ factor: Factor }), 'The factor'),
    ...commonErrors,
    ...notFound,
  },
});

export function factorRoutes(app: OpenAPIHono<AppEnv>, svc: FactorService): void {
  const viewer = (c: { get(k: 'principal'): AppEnv['Variables']['principal'] }) => c.get('principal');

  // The /releases paths first: `{id}` would otherwise take "releases" for a factor id.
  app.openapi(listReleases, async (c) => c.json({ releases: await svc.releases(viewer(c)) }, 200));
  app.openapi(getRelease, async (c) =>
    c.json({ release: await svc.release(viewer(c), c.req.valid('param').id) }, 200),
  );
  app.openapi(importRelease, async (c) =>
    c.json({ release: await svc.importRelease(viewer(c), c.req.valid('json')) }, 201),
  );
  app.openapi(publish, async (c) =>
    c.json({ release: await svc.publish(viewer(c), c.req.valid('param').id) }, 200),
  );
  app.openapi(search, async (c) => c.json(await svc.search(viewer(c), c.req.valid('query')), 200));
  app.openapi(getFactor, async (c) =>
    c.json({ factor: await svc.getFactor(viewer(c), c.req.valid('param').id) }, 200),
  );
}
