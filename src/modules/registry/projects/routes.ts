import type { OpenAPIHono } from '@hono/zod-openapi';
import { AUTHENTICATED, anyRole } from '../../../kernel/access.js';
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
  ControlsInput,
  CreditingPeriod,
  DocumentInput,
  IssuanceRequestInput,
  MAX_DOCUMENT_BYTES,
  MonitoringInput,
  ObligationInput,
  PROJECT_ACTIONS,
  PROJECT_STATUSES,
  ProjectInput,
  ReasonInput,
  VerifyInput,
} from './model.js';

const tags = ['registry'];
const P = '/api/v1/registry';
const OPERATOR = anyRole('registry_operator');
const OPERATOR_OR_REGULATOR = anyRole('registry_operator', 'regulator');

const param = (name: string) =>
  z
    .string()
    .max(64)
    .openapi({
      param: { name, in: 'path' },
      example: name === 'id' ? 'P0001' : '0b8e0c38-6a0c-4f55-9d7e-8d1c8f0e7a11',
    });
const idParam = z.object({ id: param('id') });

const OrgRef = z.object({ id: z.string(), slug: z.string(), name: z.string() }).openapi('RegistryOrgRef');
const LedgerRef = z.object({ index: z.number().int(), leafHash: z.string() });
const ProjectRef = z.object({ id: z.string(), code: z.string(), name: z.string() });

const Project = z
  .object({
    id: z.string(),
    code: z.string().openapi({ example: 'P0001' }),
    org: OrgRef,
    name: z.string(),
    methodology: z.string(),
    hostCountry: z.string(),
    sector: z.string(),
    description: z.string(),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
    status: z.enum(PROJECT_STATUSES),
    labels: z.array(z.string()),
    creditingPeriods: z.array(CreditingPeriod),
    validatorOrg: OrgRef.nullable(),
    openFlags: z.number().int(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('RegistryProject');
const ProjectWithActions = Project.extend({
  actions: z.array(z.string()).openapi({ description: 'the workflow steps the caller may take now' }),
}).openapi('RegistryProjectWithActions');

const Document = z
  .object({
    id: z.string(),
    kind: z.string(),
    filename: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    uploadedBy: z.string(),
    ledger: LedgerRef,
    uploadedAt: z.string(),
  })
  .openapi('RegistryProjectDocument');

const Report = z
  .object({
    id: z.string(),
    project: ProjectRef,
    periodStart: z.string(),
    periodEnd: z.string(),
    claimed: z.string(),
    verifierOrg: OrgRef,
    status: z.enum(['submitted', 'verified', 'rejected']),
    verified: z.string().nullable(),
    requested: z.string(),
    remaining: z.string(),
    statement: z.string().nullable(),
    reason: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    ledger: LedgerRef,
  })
  .openapi('RegistryMonitoringReport');

const Request = z
  .object({
    id: z.string(),
    reportId: z.string(),
    project: ProjectRef,
    vintage: z.number().int(),
    quantity: z.string(),
    unitType: z.string(),
    bufferPercent: z.string(),
    toAccount: z.object({ id: z.string(), number: z.string() }),
    status: z.enum(['pending', 'approved', 'rejected']),
    reason: z.string().nullable(),
    issuanceId: z.string().nullable(),
    bufferIssuanceId: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    ledger: LedgerRef,
  })
  .openapi('RegistryIssuanceRequest');
const Approved = Request.extend({
  issued: z.object({ quantity: z.string(), serial: z.string() }).optional(),
  buffer: z.object({ quantity: z.string(), serial: z.string() }).nullable().optional(),
  replayed: z.boolean(),
}).openapi('RegistryIssuanceApproval');

const Flag = z
  .object({
    id: z.string(),
    other: z.object({
      kind: z.enum(['internal', 'external']),
      registry: z.string().nullable(),
      id: z.string(),
      name: z.string(),
      projectId: z.string().nullable(),
    }),
    reasons: z.array(z.string()),
    nameScore: z.number(),
    distanceKm: z.number().nullable(),
    status: z.enum(['open', 'dismissed']),
    dismissedBy: z.string().nullable(),
    dismissedReason: z.string().nullable(),
    dismissedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('RegistryScreeningFlag');

const Event = z.object({
  id: z.string(),
  action: z.string(),
  from: z.string().nullable(),
  to: z.string(),
  actor: z.string(),
  reason: z.string().nullable(),
  ledger: LedgerRef,
  at: z.string(),
});

const ProjectDetail = ProjectWithActions.extend({
  events: z.array(Event),
  documents: z.array(Document),
  monitoringReports: z.array(Report),
  issuanceRequests: z.array(Request),
  flags: z.array(Flag),
}).openapi('RegistryProjectDetail');

const Controls = z
  .object({
    version: z.number().int(),
    vintageCutoff: z.number().int().nullable(),
    allowedMethodologies: z.array(z.string()),
    labelsForImport: z.array(z.string()),
    labelsForUse: z.array(z.string()),
    note: z.string(),
    setBy: z.string(),
    setAt: z.string().nullable(),
    ledgerIndex: z.number().int().nullable(),
  })
  .openapi('RegistryQualityControls');

const Obligation = z
  .object({
    id: z.string(),
    org: OrgRef,
    year: z.number().int(),
    scheme: z.string(),
    obligationTonnes: z.string(),
    maxOffsetPercent: z.string(),
    maxOffsetUnits: z.string(),
    used: z.string(),
    remaining: z.string(),
    createdAt: z.string(),
  })
  .openapi('RegistryObligation');

const External = z
  .object({
    id: z.string(),
    registry: z.string(),
    externalId: z.string(),
    name: z.string(),
    country: z.string(),
    sector: z.string(),
    start: z.string().nullable(),
    end: z.string().nullable(),
    lat: z.number().nullable(),
    lon: z.number().nullable(),
  })
  .openapi('RegistryExternalProject');

const errs = { ...commonErrors, ...notFound, ...conflict };

export function projectsRoutes(app: OpenAPIHono<AppEnv>, services: RegistryServices): void {
  const svc = services.projects;
  const who = (c: { get(k: 'principal'): AppEnv['Variables']['principal'] }) => c.get('principal')!;

  app.openapi(
    route({
      method: 'get',
      path: `${P}/projects`,
      access: AUTHENTICATED,
      tags,
      summary: 'Projects the caller may see (its own, those it validates or verifies, every registered one)',
      request: {
        query: z.object({ status: z.enum(PROJECT_STATUSES).optional(), org: z.string().max(64).optional() }),
      },
      responses: { 200: jsonResponse(z.object({ projects: z.array(Project) }), 'Projects'), ...errs },
    }),
    async (c) => c.json({ projects: await svc.listProjects(who(c), c.req.valid('query')) }, 200),
  );

  app.openapi(
    route({
      method: 'post',
      path: `${P}/projects`,
      access: AUTHENTICATED,
      tags,
      summary:
        'Create a draft project (admins and members of the proponent organisation); a code P0001... is allocated',
      maxBodyBytes: 64 * 1024,
      request: { body: jsonBody(ProjectInput) },
      responses: { 201: jsonResponse(z.object({ project: Project }), 'Created'), ...errs },
    }),
    async (c) => c.json({ project: await svc.createProject(c.req.valid('json'), who(c)) }, 201),
  );

  app.openapi(
    route({
      method: 'get',
      path: `${P}/projects/{id}`,
      access: AUTHENTICATED,
      tags,
      summary: 'A project (by id or code) with its history, documents, reports, requests and screening flags',
      request: { params: idParam },
      responses: { 200: jsonResponse(z.object({ project: ProjectDetail }), 'The project'), ...errs },
    }),
    async (c) => c.json({ project: await svc.getProject(c.req.valid('param').id, who(c)) }, 200),
  );

  app.openapi(
    route({
      method: 'put',
      path: `${P}/projects/{id}`,
      access: AUTHENTICATED,
      tags,
      summary: 'Edit a draft project (its proponent)',
      maxBodyBytes: 64 * 1024,
      request: { params: idParam, body: jsonBody(ProjectInput) },
      responses: { 200: jsonResponse(z.object({ project: Project }), 'Saved'), ...errs },
    }),
    async (c) =>
      c.json({ project: await svc.updateProject(c.req.valid('param').id, c.req.valid('json'), who(c)) }, 200),
  );

  const who_: Record<(typeof PROJECT_ACTIONS)[number], string> = {
    submit: 'the proponent; runs double-issuance screening',
    validate: 'the verifier organisation assigned to the project',
    register: 'the registry operator; refused while screening flags are open',
    reject: 'the registry operator, with a reason',
    withdraw: 'the proponent',
  };
  for (const action of PROJECT_ACTIONS)
    app.openapi(
      route({
        method: 'post',
        path: `${P}/projects/{id}/${action}`,
        access: AUTHENTICATED,
        tags,
        summary: `Workflow: ${action} the project (${who_[action]})`,
        request: {
          params: idParam,
          body: {
            content: {
              'application/json': { schema: z.object({ reason: z.string().trim().max(2000).optional() }) },
            },
            required: false,
          },
        },
        responses: { 200: jsonResponse(z.object({ project: ProjectWithActions }), 'The project'), ...errs },
      }),
      async (c) => {
        let reason: string | undefined;
        if ((c.req.header('content-type') ?? '').includes('json')) {
          const body = (await c.req.json().catch(() => ({}))) as { reason?: unknown };
          if (typeof body.reason === 'string' && body.reason.trim())
            reason = body.reason.trim().slice(0, 2000);
        }
        return c.json(
          { project: await svc.transition(c.req.valid('param').id, action, who(c), reason) },
          200,
        );
      },
    );

  app.openapi(
    route({
      method: 'post',
      path: `${P}/projects/{id}/documents`,
      access: AUTHENTICATED,
      tags,
      summary: 'Attach a document (base64, at most 5 MiB); its SHA-256 is recorded in the ledger',
      maxBodyBytes: Math.ceil(MAX_DOCUMENT_BYTES / 3) * 4 + 64 * 1024,
      request: { params: idParam, body: jsonBody(DocumentInput) },
      responses: {
        201: jsonResponse(z.object({ document: Document }), 'Stored'),
        ...errs,
        413: jsonResponse(
          z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
          'Too large',
        ),
      },
    }),
    async (c) =>
      c.json({ document: await svc.addDocument(c.req.valid('param').id, c.req.valid('json'), who(c)) }, 201),
  );

  app.openapi(
    route({
      method: 'get',
      path: `${P}/projects/{id}/documents/{docId}`,
      access: AUTHENTICATED,
      tags,
      summary: 'Download a document (whoever may see the project)',
      request: { params: z.object({ id: param('id'), docId: param('docId') }) },
      responses: {
        200: {
          description: 'The document',
          content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
        },
        ...errs,
      },
    }),
    async (c) => {
      const { id, docId } = c.req.valid('param');
      const d = await svc.getDocument(id, docId, who(c));
      return c.body(new Uint8Array(d.content), 200, {
        'content-type': d.contentType,
        'content-disposition': `attachment; filename="${d.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
        'x-content-sha256': d.sha256,
      }) as never;
    },
  );

  app.openapi(
    route({
      method: 'post',
      path: `${P}/projects/{id}/monitoring-reports`,
      access: AUTHENTICATED,
      tags,
      summary: 'Submit a monitoring report of a registered project (its proponent)',
      request: { params: idParam, body: jsonBody(MonitoringInput) },
      responses: { 201: jsonResponse(z.object({ report: Report }), 'Submitted'), ...errs },
    }),
    async (c) =>
      c.json({ report: await svc.addReport(c.req.valid('param').id, c.req.valid('json'), who(c)) }, 201),
  );

  app.openapi(
    route({
      method: 'get',
      path: `${P}/monitoring-reports`,
      access: AUTHENTICATED,
      tags,
      summary: 'Monitoring reports of the caller’s projects and those its organisation verifies',
      request: { query: z.object({ status: z.enum(['submitted', 'verified', 'rejected']).optional() }) },
      responses: { 200: jsonResponse(z.object({ reports: z.array(Report) }), 'Reports'), ...errs },
    }),
    async (c) => c.json({ reports: await svc.listReports(who(c), c.req.valid('query')) }, 200),
  );

  app.openapi(
    route({
      method: 'post',
      path: `${P}/monitoring-reports/{id}/verify`,
      access: AUTHENTICATED,
      tags,
      summary:
        'Verify a monitoring report (its verifier organisation): the verified quantity ≤ claimed, a statement',
      request: { params: idParam, body: jsonBody(VerifyInput) },
      responses: { 200: jsonResponse(z.object({ report: Report }), 'Verified'), ...errs },
    }),
    async (c) =>
      c.json(
        { report: await svc.decideReport(c.req.valid('param').id, 'verify', c.req.valid('json'), who(c)) },
        200,
      ),
  );

  app.openapi(
    route({
      method: 'post',
      path: `${P}/monitoring-reports/{id}/reject`,
      access: AUTHENTICATED,
      tags,
      summary: 'Reject a monitoring report (its verifier organisation), with a reason',
      request: { params: idParam, body: jsonBody(ReasonInput) },
      responses: { 200: jsonResponse(z.object({ report: Report }), 'Rejected'), ...errs },
    }),
    async (c) =>
      c.json(
        { report: await svc.decideReport(c.req.valid('param').id, 'reject', c.req.valid('json'), who(c)) },
        200,
      ),
  );

  app.openapi(
    route({
      method: 'get',
      path: `${P}/issuance-requests`,
      access: AUTHENTICATED,
      tags,
      summary: 'Issuance requests of the caller’s organisations (all, for the operator and the regulator)',
      request: { query: z.object({ status: z.enum(['pending', 'approved', 'rejected']).optional() }) },
      responses: { 200: jsonResponse(z.object({ requests: z.array(Request) }), 'Requests'), ...errs },
    }),
    async (c) => c.json({ requests: await svc.listRequests(who(c), c.req.valid('query')) }, 200),
  );

  app.openapi(
    route({
      method: 'post',
      path: `${P}/issuance-requests`,
      access: AUTHENTICATED,
      tags,
      summary:
        'Request issuance on a verified monitoring report (the proponent); quantity ≤ verified not yet requested',
      request: { body: jsonBody(IssuanceRequestInput) },
      responses: { 201: jsonResponse(z.object({ request: Request }), 'Requested'), ...errs },
    }),
    async (c) => c.json({ request: await svc.requestIssuance(c.req.valid('json'), who(c)) }, 201),
  );

  app.openapi(
    route({
      method: 'post',
      path: `${P}/issuance-requests/{id}/approve`,
      access: OPERATOR,
      tags,
      summary:
        'Approve an issuance request: units are issued in the same transaction (send an Idempotency-Key to retry safely)',
      request: {
        params: idParam,
        headers: IdempotencyHeader,
      },
      responses: { 200: jsonResponse(z.object({ request: Approved }), 'Approved and issued'), ...errs },
    }),
    async (c) =>
      c.json(
        {
          request: await svc.approveRequest(
            c.req.valid('param').id,
            who(c),
            c.req.valid('header')['idempotency-key'] || undefined,
          ),
        },
        200,
      ),
  );

  app.openapi(
    route({
      method: 'post',
      path: `${P}/issuance-requests/{id}/reject`,
      access: OPERATOR,
      tags,
      summary: 'Reject an issuance request, with a reason',
      request: { params: idParam, body: jsonBody(ReasonInput) },
      responses: { 200: jsonResponse(z.object({ request: Request }), 'Rejected'), ...errs },
    }),
    async (c) =>
      c.json(
        { request: await svc.rejectRequest(c.req.valid('param').id, c.req.valid('json').reason, who(c)) },
        200,
      ),
  );

  app.openapi(
    route({
      method: 'get',
      path: `${P}/queue`,
      access: OPERATOR_OR_REGULATOR,
      tags,
      summary:
        'The operator’s approval queue: projects to validate or register, verified reports, pending requests',
      responses: {
        200: jsonResponse(
          z.object({
            registrations: z.array(Project),
            awaitingRequests: z.array(Report),
            issuanceRequests: z.array(Request),
          }),
          'The queue',
        ),
        ...errs,
      },
    }),
    async (c) => c.json(await svc.queue(who(c)), 200),
  );

  app.openapi(
    route({
      method: 'get',
      path: `${P}/controls`,
      access: AUTHENTICATED,
      tags,
      summary: 'The quality controls in force, and their earlier versions',
      responses: {
        200: jsonResponse(z.object({ controls: Controls, history: z.array(Controls) }), 'Controls'),
        ...errs,
      },
    }),
    async (c) => c.json({ controls: await svc.controls(), history: await svc.controlsHistory() }, 200),
  );

  app.openapi(
    route({
      method: 'put',
      path: `${P}/controls`,
      access: OPERATOR,
      tags,
      summary:
        'Set the quality controls (a new version): vintage cut-off, allowed methodologies, required labels',
      request: { body: jsonBody(ControlsInput) },
      responses: { 200: jsonResponse(z.object({ controls: Controls }), 'In force'), ...errs },
    }),
    async (c) => c.json({ controls: await svc.setControls(c.req.valid('json'), who(c)) }, 200),
  );

  app.openapi(
    route({
      method: 'get',
      path: `${P}/obligations`,
      access: AUTHENTICATED,
      tags,
      summary:
        'Compliance obligations with the offsets used and remaining (own organisations; all for the operator)',
      responses: {
        200: jsonResponse(z.object({ obligations: z.array(Obligation) }), 'Obligations'),
        ...errs,
      },
    }),
    async (c) => c.json({ obligations: await svc.listObligations(who(c)) }, 200),
  );

  app.openapi(
    route({
      method: 'post',
      path: `${P}/obligations`,
      access: OPERATOR,
      tags,
      summary: 'Record a compliance obligation and its offset-use limit (default 5 %)',
      request: { body: jsonBody(ObligationInput) },
      responses: { 201: jsonResponse(z.object({ obligation: Obligation }), 'Recorded'), ...errs },
    }),
    async (c) => c.json({ obligation: await svc.addObligation(c.req.valid('json'), who(c)) }, 201),
  );

  app.openapi(
    route({
      method: 'get',
      path: `${P}/screening/external-projects`,
      access: OPERATOR_OR_REGULATOR,
      tags,
      summary: 'Projects registered elsewhere that screening compares with',
      responses: {
        200: jsonResponse(z.object({ projects: z.array(External) }), 'External projects'),
        ...errs,
      },
    }),
    async (c) => c.json({ projects: await svc.listExternal(who(c)) }, 200),
  );

  app.openapi(
    route({
      method: 'post',
      path: `${P}/screening/external-projects`,
      access: OPERATOR,
      tags,
      summary:
        'Import projects registered elsewhere (CSV or JSON: registry,id,name,country,sector,start,end,lat,lon)',
      maxBodyBytes: 8 * 1024 * 1024,
      request: {
        body: jsonBody(
          z.object({
            format: z.enum(['csv', 'json']),
            content: z
              .string()
              .min(1)
              .max(6 * 1024 * 1024),
          }),
        ),
      },
      responses: {
        200: jsonResponse(
          z.object({
            rows: z.number().int(),
            inserted: z.number().int(),
            updated: z.number().int(),
            sha256: z.string(),
            ledgerIndex: z.number().int(),
          }),
          'Imported',
        ),
        ...errs,
      },
    }),
    async (c) => {
      const b = c.req.valid('json');
      return c.json(await svc.importExternal(b.content, b.format, who(c)), 200);
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: `${P}/projects/{id}/screening`,
      access: AUTHENTICATED,
      tags,
      summary: 'Double-issuance screening flags of a project, with reasons and scores',
      request: { params: idParam },
      responses: { 200: jsonResponse(z.object({ flags: z.array(Flag) }), 'Flags'), ...errs },
    }),
    async (c) => c.json({ flags: await svc.flags(c.req.valid('param').id, who(c)) }, 200),
  );

  app.openapi(
    route({
      method: 'post',
      path: `${P}/projects/{id}/screening`,
      access: OPERATOR,
      tags,
      summary: 'Screen a project again now (the operator)',
      request: { params: idParam },
      responses: { 200: jsonResponse(z.object({ flags: z.array(Flag) }), 'Flags'), ...errs },
    }),
    async (c) => c.json({ flags: await svc.screen(c.req.valid('param').id, who(c)) }, 200),
  );

  app.openapi(
    route({
      method: 'post',
      path: `${P}/projects/{id}/screening/{flagId}/dismiss`,
      access: OPERATOR,
      tags,
      summary:
        'Acknowledge a screening flag (dismiss it with a reason); registration needs every flag dismissed',
      request: {
        params: z.object({ id: param('id'), flagId: param('flagId') }),
        body: jsonBody(ReasonInput),
      },
      responses: { 200: jsonResponse(z.object({ flags: z.array(Flag) }), 'Flags'), ...errs },
    }),
    async (c) => {
      const { id, flagId } = c.req.valid('param');
      return c.json({ flags: await svc.dismissFlag(id, flagId, c.req.valid('json').reason, who(c)) }, 200);
    },
  );
}
