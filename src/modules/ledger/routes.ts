import type { OpenAPIHono } from '@hono/zod-openapi';
import { AUTHENTICATED, PUBLIC, anyRole } from '../../kernel/access.js';
import { commonErrors, jsonBody, jsonResponse, notFound, route, z, type AppEnv } from '../../kernel/http.js';
import {
  Appended,
  CheckpointView,
  ConsistencyProofView,
  EntryView,
  Hex32,
  InclusionProofView,
} from './model.js';
import type { LedgerService } from './service.js';

const tags = ['ledger'];
const P = '/api/v1/ledger';
const indexParam = z.object({
  index: z.coerce
    .number()
    .int()
    .min(0)
    .openapi({ param: { name: 'index', in: 'path' }, example: 0 }),
});

const publicKey = route({
  method: 'get',
  path: `${P}/public-key`,
  access: PUBLIC,
  tags,
  summary: "The log's name and Ed25519 public keys (the current one first), to check its checkpoints",
  responses: {
    200: jsonResponse(
      z.object({ origin: z.string(), publicKey: z.string(), trustedKeys: z.array(z.string()) }),
      'The keys, raw Ed25519, hex',
    ),
  },
});

const latest = route({
  method: 'get',
  path: `${P}/checkpoints/latest`,
  access: PUBLIC,
  tags,
  summary: 'The latest signed checkpoint (what an outside witness keeps)',
  responses: { 200: jsonResponse(CheckpointView, 'The checkpoint'), ...notFound },
});

const recent = route({
  method: 'get',
  path: `${P}/checkpoints`,
  access: PUBLIC,
  tags,
  summary: 'Recent signed checkpoints, newest first',
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(20) }) },
  responses: { 200: jsonResponse(z.object({ checkpoints: z.array(CheckpointView) }), 'Checkpoints') },
});

const makeCheckpoint = route({
  method: 'post',
  path: `${P}/checkpoints`,
  access: anyRole('admin', 'registry_operator', 'regulator'),
  tags,
  summary: 'Sign a checkpoint of the log as it is now',
  responses: { 201: jsonResponse(CheckpointView, 'The new checkpoint'), ...commonErrors },
});

const getEntry = route({
  method: 'get',
  path: `${P}/entries/{index}`,
  access: PUBLIC,
  tags,
  summary: "One entry: public entries to anyone, others to their organisation's members",
  request: { params: indexParam },
  responses: { 200: jsonResponse(EntryView, 'The entry'), ...commonErrors, ...notFound },
});

const getProof = route({
  method: 'get',
  path: `${P}/entries/{index}/proof`,
  access: PUBLIC,
  tags,
  summary: 'Inclusion proof (RFC 9162 audit path) of an entry, with its text and a signed checkpoint',
  request: {
    params: indexParam,
    query: z.object({ treeSize: z.coerce.number().int().min(1).optional() }),
  },
  responses: { 200: jsonResponse(InclusionProofView, 'The proof'), ...commonErrors, ...notFound },
});

const consistency = route({
  method: 'get',
  path: `${P}/consistency`,
  access: PUBLIC,
  tags,
  summary: 'Consistency proof (RFC 9162) between two tree sizes',
  request: {
    query: z.object({ from: z.coerce.number().int().min(0), to: z.coerce.number().int().min(0) }),
  },
  responses: { 200: jsonResponse(ConsistencyProofView, 'The proof'), ...commonErrors },
});

const notarize = route({
  method: 'post',
  path: `${P}/notarizations`,
  access: AUTHENTICATED,
  tags,
  summary: "Anchor an outside document's SHA-256 (the document itself is not sent)",
  maxBodyBytes: 4096,
  request: {
    body: jsonBody(z.object({ sha256: Hex32, orgId: z.string().uuid().optional() })),
  },
  responses: { 201: jsonResponse(Appended, 'The entry that anchors it'), ...commonErrors },
});

const notarizations = route({
  method: 'get',
  path: `${P}/notarizations/{sha256}`,
  access: PUBLIC,
  tags,
  summary: 'When a document (by its SHA-256) was anchored',
  request: { params: z.object({ sha256: Hex32.openapi({ param: { name: 'sha256', in: 'path' } }) }) },
  responses: {
    200: jsonResponse(
      z.object({ anchors: z.array(z.object({ index: z.number().int(), time: z.string() })) }),
      'The entries that anchor it, oldest first',
    ),
    ...commonErrors,
  },
});

export function ledgerRoutes(app: OpenAPIHono<AppEnv>, svc: LedgerService): void {
  app.openapi(publicKey, (c) =>
    c.json({ origin: svc.origin, publicKey: svc.publicKey, trustedKeys: svc.trustedKeys }, 200),
  );
  app.openapi(latest, async (c) => {
    const cp = (await svc.latestCheckpoint()) ?? (await svc.checkpoint());
    return c.json(cp, 200);
  });
  app.openapi(recent, async (c) =>
    c.json({ checkpoints: await svc.recentCheckpoints(c.req.valid('query').limit) }, 200),
  );
  app.openapi(makeCheckpoint, async (c) => c.json(await svc.checkpoint(), 201));
  app.openapi(getEntry, async (c) =>
    c.json(await svc.entry(c.req.valid('param').index, c.get('principal')), 200),
  );
  app.openapi(getProof, async (c) =>
    c.json(
      await svc.inclusionProof(c.req.valid('param').index, c.get('principal'), c.req.valid('query').treeSize),
      200,
    ),
  );
  app.openapi(consistency, async (c) => {
    const { from, to } = c.req.valid('query');
    return c.json(await svc.consistencyProof(from, to), 200);
  });
  app.openapi(notarize, async (c) => {
    const body = c.req.valid('json');
    return c.json(await svc.notarize(body.sha256, c.get('principal'), body.orgId), 201);
  });
  app.openapi(notarizations, async (c) =>
    c.json({ anchors: await svc.notarizationsOf(c.req.valid('param').sha256) }, 200),
  );
}
