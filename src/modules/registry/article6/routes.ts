import type { OpenAPIHono } from '@hono/zod-openapi';
import { AUTHENTICATED, PUBLIC, anyRole } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
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
  ApplyAdjustmentsInput,
  ApproachInput,
  AuthorizationInput,
  CA_STATUSES,
  MarkInput,
  RevokeInput,
  USES,
  UseInput,
} from './model.js';

const tags = ['registry-article6'];
const P = '/api/v1/registry/article6';
const BODY_MAX = 64 * 1024;
const OPERATOR = anyRole('registry_operator');
const READERS = anyRole('registry_operator', 'regulator');

const LedgerRef = z.object({ index: z.number().int(), leafHash: z.string() });
const idParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'Id or code (CN-LOA-2026-001)' }),
});

const Approach = z
  .object({
    id: z.string(),
    code: z.string(),
    name: z.string(),
    description: z.string(),
    parties: z.array(z.string()),
    createdBy: z.string(),
    createdAt: z.string(),
    ledger: LedgerRef,
  })
  .openapi('A6Approach');

const Authorization = z
  .object({
    id: z.string(),
    code: z.string(),
    approach: z.object({ id: z.string(), code: z.string(), name: z.string() }),
    hostParty: z.string(),
    acquiringParty: z.string().nullable(),
    uses: z.array(z.enum(USES)),
    oimpPurpose: z.string().nullable(),
    firstTransferOimp: z.string().nullable(),
    metric: z.string(),
    sector: z.string(),
    activityType: z.string(),
    mitigationType: z.string(),
    authorizedQuantity: z.string().nullable(),
    validFrom: z.string(),
    validUntil: z.string(),
    vintageFrom: z.number().int().nullable(),
    vintageTo: z.number().int().nullable(),
    projects: z.array(z.object({ id: z.string(), code: z.string(), name: z.string() })),
    issuances: z.array(z.string()),
    document: z.object({ name: z.string(), sha256: z.string() }),
    terms: z.string(),
    version: z.number().int(),
    status: z.enum(['active', 'revoked']),
    units: z.object({ authorized: z.string(), firstTransferred: z.string() }),
    createdBy: z.string(),
    createdAt: z.string(),
    ledger: LedgerRef,
    revocation: z
      .object({ at: z.string(), by: z.string(), reason: z.string(), ledger: LedgerRef })
      .nullable(),
  })
  .openapi('A6Authorization');

const Unit = z
  .object({
    serial: z.string(),
    start: z.string(),
    end: z.string(),
    quantity: z.string(),
    vintage: z.number().int(),
    projectCode: z.string(),
    state: z.string(),
    firstTransferred: z.boolean(),
    adjustment: z.enum(CA_STATUSES),
    account: z.string().nullable(),
  })
  .openapi('A6Unit');

const Marked = z
  .object({
    authorization: z.string(),
    transactionId: z.string(),
    quantity: z.string(),
    ranges: z.array(
      z.object({ start: z.string(), end: z.string(), quantity: z.string(), serial: z.string() }),
    ),
    firstTransfer: z.boolean(),
    ledger: LedgerRef,
  })
  .openapi('A6Marked');

const Adjustments = z
  .object({
    summary: z.array(
      z.object({
        party: z.string(),
        year: z.number().int(),
        pending: z.string(),
        completed: z.string(),
        total: z.string(),
      }),
    ),
    notStarted: z.array(z.object({ party: z.string(), quantity: z.string() })),
    adjustments: z.array(
      z.object({
        id: z.string(),
        party: z.string(),
        year: z.number().int(),
        authorization: z.string().nullable(),
        vintage: z.number().int().nullable(),
        start: z.string(),
        end: z.string(),
        quantity: z.string(),
        firstTransfer: z.object({ transactionId: z.string(), kind: z.string(), at: z.string() }),
        status: z.enum(CA_STATUSES),
        reference: z.string().nullable(),
      }),
    ),
  })
  .openapi('A6Adjustments');

const AdjustmentReport = z
  .object({
    id: z.string(),
    party: z.string(),
    year: z.number().int(),
    reference: z.string(),
    quantity: z.string(),
    adjustments: z.number().int(),
    ledger: LedgerRef,
  })
  .openapi('A6AdjustmentReport');

const UseAnswer = z
  .object({
    transactionId: z.string(),
    use: z.enum(USES),
    party: z.string(),
    quantity: z.string(),
    fromAccount: z.string().nullable(),
    toAccount: z.string().nullable(),
    ndcPeriod: z.string().nullable(),
    year: z.number().int().nullable(),
    purpose: z.string().nullable(),
    entity: z.string().nullable(),
    voluntary: z.boolean(),
    at: z.string(),
    ledgerIndex: z.number().int().nullable(),
    replayed: z.boolean().optional(),
  })
  .openapi('A6Use');

const Cell = z.union([z.string(), z.number(), z.null()]);
const AefJson = z
  .object({
    party: z.string(),
    year: z.number().int(),
    submission: z.record(z.string(), Cell),
    authorizations: z.array(z.record(z.string(), Cell)),
    actions: z.array(z.record(z.string(), Cell)),
    holdings: z.array(z.record(z.string(), Cell)),
    authorizedEntities: z.array(z.record(z.string(), Cell)),
  })
  .openapi('A6AefReport');

const listApproaches = route({
  method: 'get',
  path: `${P}/approaches`,
  access: PUBLIC,
  tags,
  summary: 'Cooperative approaches under Article 6.2 (public)',
  responses: { 200: jsonResponse(z.object({ approaches: z.array(Approach) }), 'Approaches by code') },
});
const createApproach = route({
  method: 'post',
  path: `${P}/approaches`,
  access: OPERATOR,
  tags,
  summary: 'Record a cooperative approach (the registry operator)',
  maxBodyBytes: BODY_MAX,
  request: { body: jsonBody(ApproachInput) },
  responses: {
    201: jsonResponse(z.object({ approach: Approach }), 'Recorded, with its ledger entry'),
    ...commonErrors,
    ...conflict,
  },
});
const listAuthorizations = route({
  method: 'get',
  path: `${P}/authorizations`,
  access: PUBLIC,
  tags,
  summary: 'Letters of authorisation (public), newest first',
  request: {
    query: z.object({
      host: z.string().max(2).optional().openapi({ example: 'CN' }),
      approach: z.string().max(64).optional(),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ authorizations: z.array(Authorization) }), 'The letters'),
    ...commonErrors,
    ...notFound,
  },
});
const createAuthorization = route({
  method: 'post',
  path: `${P}/authorizations`,
  access: OPERATOR,
  tags,
  summary: "Record a host Party's letter of authorisation (the registry operator)",
  maxBodyBytes: BODY_MAX,
  request: { body: jsonBody(AuthorizationInput) },
  responses: {
    201: jsonResponse(z.object({ authorization: Authorization }), 'Recorded, with its ledger entry'),
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
});
const getAuthorization = route({
  method: 'get',
  path: `${P}/authorizations/{id}`,
  access: PUBLIC,
  tags,
  summary: 'A letter of authorisation (public)',
  request: { params: idParam },
  responses: { 200: jsonResponse(z.object({ authorization: Authorization }), 'The letter'), ...notFound },
});
const listUnits = route({
  method: 'get',
  path: `${P}/authorizations/{id}/units`,
  access: AUTHENTICATED,
  tags,
  summary: "A letter's ITMO serial ranges with first transfer and corresponding-adjustment status",
  request: { params: idParam },
  responses: {
    200: jsonResponse(
      z.object({ units: z.array(Unit) }),
      'The ITMO blocks; account numbers only for the operator, regulators and holders',
    ),
    ...commonErrors,
    ...notFound,
  },
});
const markUnits = route({
  method: 'post',
  path: `${P}/authorizations/{id}/units`,
  access: OPERATOR,
  tags,
  summary: 'Mark serial ranges as ITMOs under the letter (the registry operator)',
  maxBodyBytes: BODY_MAX,
  request: { params: idParam, body: jsonBody(MarkInput) },
  responses: {
    201: jsonResponse(Marked, 'Marked'),
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
});
const revoke = route({
  method: 'post',
  path: `${P}/authorizations/{id}/revoke`,
  access: OPERATOR,
  tags,
  summary: 'Revoke a letter; refused once any of its units was first transferred',
  maxBodyBytes: BODY_MAX,
  request: { params: idParam, body: jsonBody(RevokeInput) },
  responses: {
    200: jsonResponse(z.object({ authorization: Authorization }), 'Revoked'),
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
});
const listAdjustments = route({
  method: 'get',
  path: `${P}/corresponding-adjustments`,
  access: READERS,
  tags,
  summary: "Host Parties' corresponding adjustments per year (Not Started / Pending / Completed)",
  request: {
    query: z.object({
      party: z.string().max(2).optional().openapi({ example: 'CN' }),
      year: z.coerce.number().int().min(2021).max(2100).optional(),
    }),
  },
  responses: { 200: jsonResponse(Adjustments, 'The adjustments'), ...commonErrors },
});
const applyAdjustments = route({
  method: 'post',
  path: `${P}/corresponding-adjustments/applied`,
  access: OPERATOR,
  tags,
  summary: "Report a year's pending adjustments of a host Party as applied (with the report's reference)",
  maxBodyBytes: BODY_MAX,
  request: { body: jsonBody(ApplyAdjustmentsInput) },
  responses: { 201: jsonResponse(AdjustmentReport, 'Reported'), ...commonErrors, ...conflict },
});
const listUses = route({
  method: 'get',
  path: `${P}/uses`,
  access: AUTHENTICATED,
  tags,
  summary:
    "Uses of ITMOs towards NDCs and cancellations for OIMP (the caller's, or all for the operator and regulators)",
  responses: { 200: jsonResponse(z.object({ uses: z.array(UseAnswer) }), 'Newest first'), ...commonErrors },
});
const createUse = route({
  method: 'post',
  path: `${P}/uses`,
  access: anyRole('admin', 'member', 'registry_operator'),
  tags,
  summary: "Use ITMOs towards a Party's NDC, or cancel them for OIMP (the holder or the registry operator)",
  maxBodyBytes: BODY_MAX,
  request: {
    body: jsonBody(UseInput),
    headers: IdempotencyHeader,
  },
  responses: { 201: jsonResponse(UseAnswer, 'Used'), ...commonErrors, ...notFound, ...conflict },
});
const aef = route({
  method: 'get',
  path: `${P}/aef`,
  access: READERS,
  tags,
  summary:
    "A Party's UNFCCC Agreed Electronic Format report for a year: XLSX (the template's sheets) or JSON",
  request: {
    query: z.object({
      party: z.string().max(2).openapi({ example: 'CN' }),
      year: z.coerce.number().int().min(2021).max(2100),
      format: z.enum(['xlsx', 'json']).default('xlsx'),
      ndcFirstYear: z.coerce.number().int().min(2020).max(2100).optional(),
      ndcLastYear: z.coerce.number().int().min(2020).max(2100).optional(),
    }),
  },
  responses: {
    200: {
      description: 'The report',
      content: {
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
          schema: z.string().openapi({ format: 'binary' }),
        },
        'application/json': { schema: AefJson },
      },
    },
    ...commonErrors,
  },
});

/** Dates in the JSON form of the report: ISO dates. */
const jsonCells = (rows: Record<string, unknown>[]) =>
  rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [
        k,
        v instanceof Date ? v.toISOString().slice(0, 10) : (v as string | number | null),
      ]),
    ),
  );

export function article6Routes(app: OpenAPIHono<AppEnv>, services: RegistryServices): void {
  const svc = services.article6;
  const principal = (c: { get(k: 'principal'): AppEnv['Variables']['principal'] }) => c.get('principal')!;

  app.openapi(listApproaches, async (c) => c.json({ approaches: await svc.listApproaches() }, 200));
  app.openapi(createApproach, async (c) =>
    c.json({ approach: await svc.createApproach(c.req.valid('json'), principal(c)) }, 201),
  );
  app.openapi(listAuthorizations, async (c) => {
    const q = c.req.valid('query');
    return c.json(
      { authorizations: await svc.listAuthorizations({ host: q.host, approach: q.approach }) },
      200,
    );
  });
  app.openapi(createAuthorization, async (c) =>
    c.json({ authorization: await svc.createAuthorization(c.req.valid('json'), principal(c)) }, 201),
  );
  app.openapi(getAuthorization, async (c) =>
    c.json({ authorization: await svc.getAuthorization(c.req.valid('param').id) }, 200),
  );
  app.openapi(listUnits, async (c) =>
    c.json({ units: await svc.units(c.req.valid('param').id, principal(c)) }, 200),
  );
  app.openapi(markUnits, async (c) =>
    c.json(await svc.markUnits(c.req.valid('param').id, c.req.valid('json'), principal(c)), 201),
  );
  app.openapi(revoke, async (c) =>
    c.json(
      { authorization: await svc.revoke(c.req.valid('param').id, c.req.valid('json'), principal(c)) },
      200,
    ),
  );
  app.openapi(listAdjustments, async (c) => {
    const q = c.req.valid('query');
    return c.json(await svc.adjustments({ party: q.party, year: q.year }, principal(c)), 200);
  });
  app.openapi(applyAdjustments, async (c) =>
    c.json(await svc.applyAdjustments(c.req.valid('json'), principal(c)), 201),
  );
  app.openapi(listUses, async (c) => c.json({ uses: await svc.listUses(principal(c)) }, 200));
  app.openapi(createUse, async (c) =>
    c.json(await svc.use(c.req.valid('json'), principal(c), c.req.valid('header')['idempotency-key']), 201),
  );
  app.openapi(aef, async (c) => {
    const q = c.req.valid('query');
    if (q.ndcFirstYear !== undefined && q.ndcLastYear !== undefined && q.ndcLastYear < q.ndcFirstYear)
      throw new AppError('bad_request', 'ndcLastYear: before ndcFirstYear', { field: 'ndcLastYear' });
    const options = { ndcFirstYear: q.ndcFirstYear, ndcLastYear: q.ndcLastYear };
    if (q.format === 'json') {
      const r = await svc.aef(q.party, q.year, principal(c), options);
      return c.json(
        {
          party: r.party,
          year: r.year,
          submission: jsonCells([r.submission])[0]!,
          authorizations: jsonCells(r.authorizations),
          actions: jsonCells(r.actions),
          holdings: jsonCells(r.holdings),
          authorizedEntities: jsonCells(r.authorizedEntities),
        },
        200,
      );
    }
    const file = await svc.aefXlsx(q.party, q.year, principal(c), options);
    return c.body(new Uint8Array(file), 200, {
      'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'content-disposition': `attachment; filename="AEF-${q.party}-${q.year}.xlsx"`,
    }) as never;
  });
}
