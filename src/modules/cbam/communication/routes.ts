import type { OpenAPIHono } from '@hono/zod-openapi';
import { AUTHENTICATED, anyRole } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import { commonErrors, jsonResponse, notFound, route, z, type AppEnv } from '../../../kernel/http.js';
import { InstallationData } from '../model.js';
import type { CbamServices } from '../services.js';
import { CommunicationFileSchema, VerifyAnswer } from './model.js';
import { MAX_XLSX_BYTES } from './workbook.js';

const tags = ['cbam'];
const P = '/api/v1/cbam';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const tooLarge = {
  413: {
    description: 'Over the size limit',
    content: { 'application/json': { schema: z.object({}).loose() } },
  },
};

const Summary = z
  .object({
    id: z.string(),
    installationId: z.string(),
    installationVersion: z.number().int(),
    installationName: z.string(),
    sha256: z.string(),
    keyThumbprint: z.string(),
    ledgerIndex: z.number().int(),
    issuedAt: z.string(),
  })
  .openapi('CbamCommunicationSummary');

const issueRoute = route({
  method: 'post',
  path: `${P}/installations/{id}/communication`,
  access: anyRole('admin', 'member'),
  tags,
  summary:
    "Issue the communication file of an installation's latest version: calculated, signed (Ed25519 JWS), recorded in the public ledger by its hash only, and kept",
  maxBodyBytes: 1024,
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: {
    201: jsonResponse(z.object({ file: CommunicationFileSchema }), 'The signed file'),
    ...commonErrors,
    ...notFound,
  },
});

const listRoute = route({
  method: 'get',
  path: `${P}/communications`,
  access: AUTHENTICATED,
  tags,
  summary: 'The communication files your organisations issued, newest first',
  request: { query: z.object({ org: z.string().uuid().optional() }) },
  responses: {
    200: jsonResponse(z.object({ communications: z.array(Summary) }), 'Issued files'),
    ...commonErrors,
  },
});

const getRoute = route({
  method: 'get',
  path: `${P}/communications/{id}`,
  access: AUTHENTICATED,
  tags,
  summary:
    'One issued file, as signed: JSON, or the XLSX workbook laid out like the Commission template (`{id}.xlsx` or `?format=xlsx`)',
  request: {
    params: z.object({
      id: z.string().max(80).openapi({ description: 'The file id; with `.xlsx` the workbook' }),
    }),
    query: z.object({ format: z.enum(['json', 'xlsx']).default('json') }),
  },
  responses: {
    200: {
      description: 'The file',
      content: {
        'application/json': { schema: CommunicationFileSchema },
        [XLSX]: { schema: z.string().openapi({ format: 'binary' }) },
      },
    },
    ...commonErrors,
    ...notFound,
  },
});

const binaryOrJson = (description: string) => ({
  required: true,
  description,
  content: {
    'application/json': { schema: z.object({}).loose() },
    [XLSX]: { schema: z.string().openapi({ format: 'binary' }) },
  },
});

const verifyRoute = route({
  method: 'post',
  path: `${P}/communications/verify`,
  access: AUTHENTICATED,
  tags,
  summary:
    'Verify a communication file (JSON, or an XLSX we issued): its hash, its signature with the embedded key, and its ledger entry when it is on this server',
  maxBodyBytes: MAX_XLSX_BYTES,
  request: { body: binaryOrJson('The file: JSON, or XLSX bytes') },
  responses: { 200: jsonResponse(VerifyAnswer, 'The verdict and its reasons'), ...commonErrors, ...tooLarge },
});

const readRoute = route({
  method: 'post',
  path: `${P}/templates/read`,
  access: AUTHENTICATED,
  tags,
  summary:
    'Read a workbook laid out like the communication template (ours, or filled in by hand) into installation data; errors name sheet, cell and field',
  maxBodyBytes: MAX_XLSX_BYTES,
  request: {
    body: {
      required: true,
      content: { [XLSX]: { schema: z.string().openapi({ format: 'binary' }) } },
    },
  },
  responses: {
    200: jsonResponse(
      z.object({
        data: InstallationData,
        signed: z.boolean().openapi({ description: 'Whether the workbook carries a signed file' }),
      }),
      'The installation data',
    ),
    ...commonErrors,
    ...tooLarge,
  },
});

async function bodyBytes(c: { req: { arrayBuffer(): Promise<ArrayBuffer> } }): Promise<Buffer> {
  const bytes = Buffer.from(await c.req.arrayBuffer());
  if (bytes.length === 0) throw new AppError('bad_request', 'the request has no body', { field: 'body' });
  return bytes;
}

export function communicationRoutes(app: OpenAPIHono<AppEnv>, services: CbamServices): void {
  const svc = services.communication;
  const viewer = (c: { get(k: 'principal'): AppEnv['Variables']['principal'] }) => c.get('principal')!;

  app.openapi(issueRoute, async (c) =>
    c.json({ file: await svc.issue(viewer(c), c.req.valid('param').id) } as never, 201),
  );
  app.openapi(listRoute, async (c) =>
    c.json({ communications: await svc.list(viewer(c), c.req.valid('query').org) }, 200),
  );
  // Registered before `{id}`: "verify" is not a file id.
  app.openapi(verifyRoute, async (c) => c.json(await svc.verifyBytes(await bodyBytes(c)), 200));
  app.openapi(getRoute, async (c) => {
    let { id } = c.req.valid('param');
    let format = c.req.valid('query').format;
    if (id.endsWith('.xlsx')) [id, format] = [id.slice(0, -5), 'xlsx'];
    else if (id.endsWith('.json')) id = id.slice(0, -5);
    if (format === 'xlsx')
      return c.body(new Uint8Array(await svc.getXlsx(viewer(c), id)), 200, {
        'content-type': XLSX,
        'content-disposition': `attachment; filename="cbam-communication-${id}.xlsx"`,
      }) as never;
    return c.json((await svc.get(viewer(c), id)) as never, 200);
  });
  app.openapi(readRoute, async (c) => {
    const { data, file } = await svc.fromXlsx(await bodyBytes(c));
    return c.json({ data, signed: file !== null } as never, 200);
  });
}
