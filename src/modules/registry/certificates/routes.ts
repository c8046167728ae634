import type { OpenAPIHono } from '@hono/zod-openapi';
import { AUTHENTICATED, anyRole } from '../../../kernel/access.js';
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
  CERT_STATES,
  CancelInput,
  ClaimInput,
  DecisionInput,
  DeviceInput,
  ExpireInput,
  IssueInput,
  TransferInput,
  WithdrawInput,
} from './model.js';

const tags = ['registry-certificates'];
const P = '/api/v1/registry/certificates';
const MAX_BODY = 16 * 1024;
const OPERATOR = anyRole('registry_operator');

const Org = z.object({ id: z.string(), slug: z.string(), name: z.string() });
const Ledger = z.object({ index: z.number().int(), leafHash: z.string() });
const Scheme = z
  .object({
    code: z.string(),
    name: z.string(),
    issuingBody: z.string(),
    whPerCertificate: z.string(),
    unit: z.string(),
    periodRule: z.string(),
    maxPeriodHours: z.number(),
    validityMonths: z.number(),
    validityFrom: z.string(),
  })
  .openapi('CertificateScheme');
const Device = z
  .object({
    id: z.string(),
    code: z.string(),
    org: Org,
    name: z.string(),
    energySource: z.string(),
    capacityMW: z.string(),
    country: z.string(),
    gridZone: z.string(),
    commissioned: z.string(),
    latitude: z.string().nullable(),
    longitude: z.string().nullable(),
    status: z.enum(['pending', 'approved', 'rejected']),
    decisionReason: z.string().nullable(),
    createdAt: z.string(),
    ledger: Ledger,
  })
  .openapi('CertificateDevice');
const Issuance = z
  .object({
    id: z.string(),
    scheme: z.string(),
    device: z.object({ id: z.string(), code: z.string(), name: z.string() }),
    periodStart: z.string(),
    periodEnd: z.string(),
    quantity: z.string(),
    unit: z.string(),
    energyWh: z.string(),
    serial: z.string(),
    emissionFactor: z.string(),
    expiresAt: z.string(),
    org: Org,
    createdAt: z.string(),
    ledger: Ledger,
  })
  .openapi('CertificateIssuance');
const Block = z
  .object({
    id: z.string(),
    serial: z.string(),
    scheme: z.string(),
    unit: z.string(),
    issuanceId: z.string(),
    issuingBody: z.string(),
    device: z.object({
      id: z.string(),
      code: z.string(),
      name: z.string(),
      energySource: z.string(),
      country: z.string(),
      gridZone: z.string(),
    }),
    periodStart: z.string(),
    periodEnd: z.string(),
    quantity: z.string(),
    energyWh: z.string(),
    emissionFactor: z.string(),
    holder: Org,
    state: z.enum(CERT_STATES),
    expiresAt: z.string(),
    cancellationId: z.string().nullable(),
  })
  .openapi('CertificateBlock');
const Cancellation = z
  .object({
    id: z.string(),
    serial: z.string(),
    scheme: z.string(),
    issuanceId: z.string(),
    quantity: z.string(),
    unit: z.string(),
    energyWh: z.string(),
    energyKWh: z.string(),
    holder: Org,
    beneficiary: Org,
    beneficiaryName: z.string(),
    consumptionStart: z.string(),
    consumptionEnd: z.string(),
    purpose: z.string(),
    location: z.string().nullable(),
    createdAt: z.string(),
    ledger: Ledger,
    claim: z
      .object({
        id: z.string(),
        amountKWh: z.string(),
        footprintId: z.string().nullable(),
        createdAt: z.string(),
      })
      .nullable(),
  })
  .openapi('CertificateCancellation');
const Claim = z
  .object({
    id: z.string(),
    cancellationId: z.string(),
    serial: z.string(),
    scheme: z.string(),
    org: Org,
    amountKWh: z.string(),
    footprintId: z.string().nullable(),
    reference: z.string().nullable(),
    createdAt: z.string(),
    ledger: Ledger,
  })
  .openapi('CertificateClaim');
const TxResult = z
  .object({
    transactionId: z.string(),
    kind: z.string(),
    quantity: z.string(),
    serial: z.string(),
    block: Block,
    ledger: Ledger,
    replayed: z.boolean(),
  })
  .openapi('CertificateTransaction');

const idempotency = IdempotencyHeader;
const idParam = z.object({
  id: z
    .string()
    .max(100)
    .openapi({ param: { name: 'id', in: 'path' } }),
});
const errors = { ...commonErrors, ...notFound, ...conflict };

const schemesRoute = route({
  method: 'get',
  path: `${P}/schemes`,
  access: AUTHENTICATED,
  tags,
  summary: 'Certificate schemes (GEC, I-REC, EnergyTag) and their rules: unit, production period, validity',
  responses: { 200: jsonResponse(z.object({ schemes: z.array(Scheme) }), 'Schemes'), ...commonErrors },
});
const devicesRoute = route({
  method: 'get',
  path: `${P}/devices`,
  access: AUTHENTICATED,
  tags,
  summary: "Production devices of the caller's organisations (all, for the operator and the regulator)",
  request: {
    query: z.object({
      org: z.string().max(100).optional(),
      status: z.enum(['pending', 'approved', 'rejected']).optional(),
    }),
  },
  responses: { 200: jsonResponse(z.object({ devices: z.array(Device) }), 'Devices'), ...errors },
});
const registerRoute = route({
  method: 'post',
  path: `${P}/devices`,
  access: AUTHENTICATED,
  tags,
  summary: "Register a production device of the caller's organisation (the registry operator approves it)",
  maxBodyBytes: MAX_BODY,
  request: { body: jsonBody(DeviceInput) },
  responses: { 201: jsonResponse(z.object({ device: Device }), 'Registered, pending approval'), ...errors },
});
const deviceRoute = route({
  method: 'get',
  path: `${P}/devices/{id}`,
  access: AUTHENTICATED,
  tags,
  summary: 'A device (by id or code) and its issuances',
  request: { params: idParam },
  responses: {
    200: jsonResponse(z.object({ device: Device, issuances: z.array(Issuance) }), 'The device'),
    ...errors,
  },
});
const decideRoute = route({
  method: 'post',
  path: `${P}/devices/{id}/decision`,
  access: OPERATOR,
  tags,
  summary: 'Approve or reject a registered device (the registry operator, as issuing body)',
  maxBodyBytes: MAX_BODY,
  request: { params: idParam, body: jsonBody(DecisionInput) },
  responses: { 200: jsonResponse(z.object({ device: Device }), 'Decided'), ...errors },
});
const issuancesRoute = route({
  method: 'get',
  path: `${P}/issuances`,
  access: AUTHENTICATED,
  tags,
  summary: 'Issuances (of one device, or of every device the caller may see)',
  request: { query: z.object({ device: z.string().max(100).optional() }) },
  responses: { 200: jsonResponse(z.object({ issuances: z.array(Issuance) }), 'Issuances'), ...errors },
});
const issueRoute = route({
  method: 'post',
  path: `${P}/issuances`,
  access: OPERATOR,
  tags,
  summary:
    "Issue certificates for a device's production period (refused when it overlaps an earlier issuance or exceeds capacity × hours)",
  maxBodyBytes: MAX_BODY,
  request: { headers: idempotency, body: jsonBody(IssueInput) },
  responses: {
    201: jsonResponse(z.object({ issuance: Issuance, block: Block, replayed: z.boolean() }), 'Issued'),
    ...errors,
  },
});
const holdingsRoute = route({
  method: 'get',
  path: `${P}/holdings`,
  access: AUTHENTICATED,
  tags,
  summary: "Certificate blocks held by the caller's organisations (all, for the operator and the regulator)",
  request: {
    query: z.object({ org: z.string().max(100).optional(), state: z.enum(CERT_STATES).optional() }),
  },
  responses: { 200: jsonResponse(z.object({ blocks: z.array(Block) }), 'Blocks, by serial'), ...errors },
});
const transferRoute = route({
  method: 'post',
  path: `${P}/transfers`,
  access: AUTHENTICATED,
  tags,
  summary: 'Transfer certificates (a block, or its lowest `quantity`) to another organisation',
  maxBodyBytes: MAX_BODY,
  request: { headers: idempotency, body: jsonBody(TransferInput) },
  responses: { 201: jsonResponse(TxResult, 'Transferred'), ...errors },
});
const cancelRoute = route({
  method: 'post',
  path: `${P}/cancellations`,
  access: AUTHENTICATED,
  tags,
  summary: 'Cancel certificates for a beneficiary, a consumption period and a purpose (final)',
  maxBodyBytes: MAX_BODY,
  request: { headers: idempotency, body: jsonBody(CancelInput) },
  responses: {
    201: jsonResponse(TxResult.extend({ cancellation: Cancellation }), 'Cancelled'),
    ...errors,
  },
});
const cancellationsRoute = route({
  method: 'get',
  path: `${P}/cancellations`,
  access: AUTHENTICATED,
  tags,
  summary: "Cancellations the caller's organisations made or benefit from, with their claim",
  responses: {
    200: jsonResponse(z.object({ cancellations: z.array(Cancellation) }), 'Cancellations'),
    ...errors,
  },
});
const cancellationRoute = route({
  method: 'get',
  path: `${P}/cancellations/{id}`,
  access: AUTHENTICATED,
  tags,
  summary: 'A cancellation (by id or serial) and its claim',
  request: { params: idParam },
  responses: { 200: jsonResponse(z.object({ cancellation: Cancellation }), 'The cancellation'), ...errors },
});
const claimRoute = route({
  method: 'post',
  path: `${P}/claims`,
  access: AUTHENTICATED,
  tags,
  summary: 'Claim a cancellation for its beneficiary (once), e.g. in an RE100 report',
  maxBodyBytes: MAX_BODY,
  request: { headers: idempotency, body: jsonBody(ClaimInput) },
  responses: {
    201: jsonResponse(z.object({ claim: Claim, replayed: z.boolean() }), 'Claimed'),
    ...errors,
  },
});
const claimsRoute = route({
  method: 'get',
  path: `${P}/claims`,
  access: AUTHENTICATED,
  tags,
  summary: "Claims of the caller's organisations (footprints and other reports)",
  responses: { 200: jsonResponse(z.object({ claims: z.array(Claim) }), 'Claims'), ...errors },
});
const withdrawRoute = route({
  method: 'post',
  path: `${P}/withdrawals`,
  access: OPERATOR,
  tags,
  summary: 'Withdraw an active block (the registry operator)',
  maxBodyBytes: MAX_BODY,
  request: { headers: idempotency, body: jsonBody(WithdrawInput) },
  responses: { 201: jsonResponse(TxResult, 'Withdrawn'), ...errors },
});
const expireRoute = route({
  method: 'post',
  path: `${P}/expire`,
  access: OPERATOR,
  tags,
  summary: "The expiry run: active certificates past their scheme's validity become expired",
  maxBodyBytes: MAX_BODY,
  request: { body: { content: { 'application/json': { schema: ExpireInput } }, required: false } },
  responses: {
    200: jsonResponse(
      z.object({
        asOf: z.string(),
        expired: z.array(
          z.object({ serial: z.string(), quantity: z.string(), unit: z.string(), holder: z.string() }),
        ),
        more: z.boolean(),
      }),
      'What expired',
    ),
    ...errors,
  },
});

export function certificatesRoutes(app: OpenAPIHono<AppEnv>, services: RegistryServices): void {
  const svc = services.certificates;
  const who = (c: { get(k: 'principal'): AppEnv['Variables']['principal'] }) => c.get('principal')!;
  const key = (c: { req: { header(n: string): string | undefined } }) => c.req.header('idempotency-key');

  app.openapi(schemesRoute, async (c) =>
    c.json(
      {
        schemes: (await svc.schemes()).map((s) => ({
          ...s,
          whPerCertificate: s.whPerCertificate.toString(),
        })),
      },
      200,
    ),
  );
  app.openapi(devicesRoute, async (c) => {
    const q = c.req.valid('query');
    return c.json({ devices: await svc.listDevices(who(c), { org: q.org, status: q.status }) }, 200);
  });
  app.openapi(registerRoute, async (c) =>
    c.json({ device: await svc.registerDevice(await c.req.json(), who(c)) }, 201),
  );
  app.openapi(deviceRoute, async (c) => {
    const device = await svc.getDevice(c.req.valid('param').id, who(c));
    return c.json({ device, issuances: await svc.listIssuances(who(c), { device: device.id }) }, 200);
  });
  app.openapi(decideRoute, async (c) =>
    c.json({ device: await svc.decideDevice(c.req.valid('param').id, c.req.valid('json'), who(c)) }, 200),
  );
  app.openapi(issuancesRoute, async (c) =>
    c.json({ issuances: await svc.listIssuances(who(c), { device: c.req.valid('query').device }) }, 200),
  );
  // Bodies are parsed again by the service (quantities become bigint there): it gets the raw JSON.
  app.openapi(issueRoute, async (c) => c.json(await svc.issue(await c.req.json(), who(c), key(c)), 201));
  app.openapi(holdingsRoute, async (c) => {
    const q = c.req.valid('query');
    return c.json({ blocks: await svc.holdings(who(c), { org: q.org, state: q.state }) }, 200);
  });
  app.openapi(transferRoute, async (c) =>
    c.json(await svc.transfer(await c.req.json(), who(c), key(c)), 201),
  );
  app.openapi(cancelRoute, async (c) => c.json(await svc.cancel(await c.req.json(), who(c), key(c)), 201));
  app.openapi(cancellationsRoute, async (c) =>
    c.json({ cancellations: await svc.listCancellations(who(c)) }, 200),
  );
  app.openapi(cancellationRoute, async (c) =>
    c.json({ cancellation: await svc.getCancellation(c.req.valid('param').id, who(c)) }, 200),
  );
  app.openapi(claimRoute, async (c) => c.json(await svc.claim(await c.req.json(), who(c), key(c)), 201));
  app.openapi(claimsRoute, async (c) => c.json({ claims: await svc.listClaims(who(c)) }, 200));
  app.openapi(withdrawRoute, async (c) =>
    c.json(await svc.withdraw(await c.req.json(), who(c), key(c)), 201),
  );
  app.openapi(expireRoute, async (c) => {
    const text = await c.req.text();
    let body: unknown = {};
    try {
      if (text.trim()) body = JSON.parse(text);
    } catch {
      throw new AppError('bad_request', 'the body is not JSON');
    }
    return c.json(await svc.expire(body, who(c)), 200);
  });
}
