import type { OpenAPIHono } from '@hono/zod-openapi';
import { AUTHENTICATED, PUBLIC, anyRole } from '../../../kernel/access.js';
import {
  commonErrors,
  conflict,
  jsonBody,
  jsonResponse,
  notFound,
  route,
  z,
  type AppEnv,
  IdempotencyHeader,
} from '../../../kernel/http.js';
import type { RegistryServices } from '../services.js';
import {
  AnswerMessage,
  ExportCreate,
  ExportView,
  ImportView,
  PeerCreate,
  PeerCreated,
  PeerUpdate,
  PeerView,
  PublicKeyView,
  ReconcileReport,
  TransferMessage,
} from './model.js';

const tags = ['registry-interop'];
const P = '/api/v1/registry/interop';

const codeParam = z.object({
  code: z
    .string()
    .max(8)
    .openapi({ param: { name: 'code', in: 'path' }, example: 'SGR' }),
});
const idParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' } }),
});
const transferParam = z.object({
  transferId: z
    .string()
    .max(64)
    .openapi({ param: { name: 'transferId', in: 'path' } }),
});

const publicKey = route({
  method: 'get',
  path: `${P}/public-key`,
  access: PUBLIC,
  tags,
  summary: "This registry's code and the Ed25519 public key its messages to peers are signed with",
  responses: { 200: jsonResponse(PublicKeyView, 'The key') },
});

const listPeers = route({
  method: 'get',
  path: `${P}/peers`,
  access: AUTHENTICATED,
  tags,
  summary: 'Peer registries (credentials shown only as a yes/no; client ids to the operator and regulator)',
  responses: { 200: jsonResponse(z.object({ peers: z.array(PeerView) }), 'Peers'), ...commonErrors },
});

const createPeer = route({
  method: 'post',
  path: `${P}/peers`,
  access: anyRole('registry_operator'),
  tags,
  summary:
    'Register a peer registry: its code, address, public key and the credentials it gave us; answers, once, the credentials it calls us with',
  maxBodyBytes: 16 * 1024,
  request: { body: jsonBody(PeerCreate) },
  responses: { 201: jsonResponse(PeerCreated, 'Registered'), ...commonErrors, ...conflict },
});

const updatePeer = route({
  method: 'put',
  path: `${P}/peers/{code}`,
  access: anyRole('registry_operator'),
  tags,
  summary:
    "Change a peer's name, address, public key or the credentials we call it with (fields left out stay)",
  maxBodyBytes: 16 * 1024,
  request: { params: codeParam, body: jsonBody(PeerUpdate) },
  responses: { 200: jsonResponse(PeerView, 'Changed'), ...commonErrors, ...notFound },
});

const listExports = route({
  method: 'get',
  path: `${P}/exports`,
  access: AUTHENTICATED,
  tags,
  summary: "Exports to peer registries (your organisations'; all for the operator and the regulator)",
  request: {
    query: z.object({ state: z.enum(['pending', 'exported', 'reverted']).optional() }),
  },
  responses: { 200: jsonResponse(z.object({ exports: z.array(ExportView) }), 'Exports'), ...commonErrors },
});

const createExport = route({
  method: 'post',
  path: `${P}/exports`,
  access: anyRole('admin', 'member', 'registry_operator'),
  tags,
  summary:
    'Export units to an account at a peer registry: pending_export, then exported when the peer acknowledges (or held again when it refuses)',
  maxBodyBytes: 64 * 1024,
  request: { headers: IdempotencyHeader, body: jsonBody(ExportCreate) },
  responses: {
    201: jsonResponse(ExportView, 'The export, in the state reached (pending when the peer did not answer)'),
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
});

const getExport = route({
  method: 'get',
  path: `${P}/exports/{id}`,
  access: AUTHENTICATED,
  tags,
  summary: 'One export',
  request: { params: idParam },
  responses: { 200: jsonResponse(ExportView, 'The export'), ...commonErrors, ...notFound },
});

const reconcileExport = route({
  method: 'post',
  path: `${P}/exports/{id}/reconcile`,
  access: anyRole('admin', 'member', 'registry_operator'),
  tags,
  summary: 'Ask the peer for the outcome of a pending export and complete it',
  request: { params: idParam },
  responses: { 200: jsonResponse(ExportView, 'The export'), ...commonErrors, ...notFound },
});

const reconcileAll = route({
  method: 'post',
  path: `${P}/reconcile`,
  access: anyRole('registry_operator'),
  tags,
  summary: 'Ask the peers for the outcome of every pending export (the server also does this every 30 s)',
  responses: { 200: jsonResponse(ReconcileReport, 'What was found'), ...commonErrors },
});

const incoming = route({
  method: 'post',
  path: `${P}/incoming`,
  access: AUTHENTICATED,
  tags,
  summary:
    'Peer registries only: a signed transfer; answers our signed acknowledgement (mirror holdings issued) or rejection. A replay answers the same',
  maxBodyBytes: 1 << 20,
  request: { body: jsonBody(TransferMessage) },
  responses: {
    200: jsonResponse(AnswerMessage, 'Signed acknowledgement or rejection'),
    ...commonErrors,
    ...conflict,
  },
});

const incomingStatus = route({
  method: 'get',
  path: `${P}/incoming/{transferId}`,
  access: AUTHENTICATED,
  tags,
  summary: 'Peer registries only: the signed answer to a transfer it sent; 404 when it never arrived',
  request: { params: transferParam },
  responses: { 200: jsonResponse(AnswerMessage, 'Signed answer'), ...commonErrors, ...notFound },
});

const listImports = route({
  method: 'get',
  path: `${P}/imports`,
  access: AUTHENTICATED,
  tags,
  summary: "Transfers received from peers (your organisations' accounts; all for the operator and regulator)",
  responses: { 200: jsonResponse(z.object({ imports: z.array(ImportView) }), 'Imports'), ...commonErrors },
});

const summary = route({
  method: 'get',
  path: `${P}/summary`,
  access: anyRole('registry_operator', 'regulator'),
  tags,
  summary: "This registry's units per state and its transfers per state",
  responses: {
    200: jsonResponse(
      z.object({
        registry: z.string(),
        units: z.record(z.string(), z.string()),
        exports: z.record(z.string(), z.string()),
        imports: z.record(z.string(), z.string()),
      }),
      'Totals',
    ),
    ...commonErrors,
  },
});

export function interopRoutes(app: OpenAPIHono<AppEnv>, services: RegistryServices): void {
  const interop = services.interop;
  interop.useImportControls(services.projects);

  app.openapi(publicKey, (c) => c.json(interop.publicKey(), 200));
  app.openapi(listPeers, async (c) => c.json({ peers: await interop.listPeers(c.get('principal')!) }, 200));
  app.openapi(createPeer, async (c) =>
    c.json(await interop.createPeer(c.req.valid('json'), c.get('principal')!), 201),
  );
  app.openapi(updatePeer, async (c) =>
    c.json(
      await interop.updatePeer(c.req.valid('param').code, c.req.valid('json'), c.get('principal')!),
      200,
    ),
  );
  app.openapi(listExports, async (c) =>
    c.json({ exports: await interop.listExports(c.get('principal')!, c.req.valid('query').state) }, 200),
  );
  app.openapi(createExport, async (c) => {
    const key = c.req.valid('header')['idempotency-key'];
    return c.json(await interop.createExport(c.req.valid('json'), c.get('principal')!, key), 201);
  });
  app.openapi(getExport, async (c) =>
    c.json(await interop.getExport(c.req.valid('param').id, c.get('principal')!), 200),
  );
  app.openapi(reconcileExport, async (c) =>
    c.json(await interop.reconcileExport(c.req.valid('param').id, c.get('principal')!), 200),
  );
  app.openapi(reconcileAll, async (c) => c.json(await interop.reconcile(c.get('principal')!), 200));
  app.openapi(incoming, async (c) =>
    c.json(await interop.receive(c.get('principal'), c.req.valid('json')), 200),
  );
  app.openapi(incomingStatus, async (c) =>
    c.json(await interop.incomingStatus(c.get('principal'), c.req.valid('param').transferId), 200),
  );
  app.openapi(listImports, async (c) =>
    c.json({ imports: await interop.listImports(c.get('principal')!) }, 200),
  );
  app.openapi(summary, async (c) => c.json(await interop.summary(c.get('principal')!), 200));
}
