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
import { ACCOUNT_KINDS, TRANSACTION_KINDS, UNIT_STATES } from './contract.js';
import { retirementLinks } from './operations.js';

const tags = ['registry'];
const P = '/api/v1/registry';
const BODY_MAX = 64 * 1024;
const WRITE = anyRole('admin', 'member', 'registry_operator');

const Quantity = z
  .union([z.string().max(24), z.number()])
  .openapi({ description: 'A positive whole number of units (a decimal string)', example: '100' });

const Units = z
  .object({
    serials: z.array(z.string().max(200)).max(1000).optional(),
    issuanceId: z.string().max(64).optional(),
    blockId: z.string().max(64).optional(),
    quantity: Quantity.optional(),
  })
  .openapi('RegistryUnits', {
    description:
      'Which units: serial ranges (GTR-CN-VER-P0001-2024-1001-1500), or a quantity of an issuance (lowest serials first) or of a block',
  });

const Range = z
  .object({
    issuanceId: z.string(),
    start: z.string(),
    end: z.string(),
    quantity: z.string(),
    serial: z.string(),
  })
  .openapi('RegistryRange');
const LedgerRef = z.object({ index: z.number().int(), leafHash: z.string() });

const MoveAnswer = z
  .object({
    transactionId: z.string(),
    kind: z.enum(TRANSACTION_KINDS),
    from: z.string(),
    to: z.string(),
    quantity: z.string(),
    ranges: z.array(Range),
    ledger: LedgerRef,
    replayed: z.boolean(),
  })
  .openapi('RegistryMove');
const RetirementAnswer = MoveAnswer.extend({
  retirementId: z.string(),
  statementUrl: z.string(),
  verifyUrl: z.string(),
}).openapi('RegistryRetirement');

const Account = z
  .object({
    id: z.string(),
    number: z.string(),
    org: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
    kind: z.enum(ACCOUNT_KINDS),
    national: z.boolean(),
    name: z.string(),
    closed: z.boolean(),
    createdAt: z.string(),
  })
  .openapi('RegistryAccount');
const Holding = z
  .object({
    issuanceId: z.string(),
    projectId: z.string(),
    projectCode: z.string(),
    projectName: z.string(),
    hostCountry: z.string(),
    vintage: z.number().int(),
    unitType: z.string(),
    quantity: z.string(),
    byState: z.record(z.string(), z.string()),
    blocks: z.array(
      z.object({
        id: z.string(),
        serial: z.string(),
        start: z.string(),
        end: z.string(),
        quantity: z.string(),
        state: z.enum(UNIT_STATES),
        authorizationId: z.string().nullable(),
        firstTransferred: z.boolean(),
      }),
    ),
  })
  .openapi('RegistryHolding');
const Transaction = z
  .object({
    id: z.string(),
    kind: z.string(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    quantity: z.string(),
    orgId: z.string().nullable(),
    actor: z.string(),
    details: z.record(z.string(), z.unknown()),
    ranges: z.array(Range),
    ledger: LedgerRef.nullable(),
    createdAt: z.string(),
  })
  .openapi('RegistryTransaction');

const idemHeader = IdempotencyHeader;
const moveBase = {
  from: z.string().max(64).openapi({ example: 'GTR-100-000001' }),
  units: Units,
  /** For clients that cannot set headers (the web app's forms); the header wins. */
  idempotencyKey: z.string().max(200).optional(),
};

const moveRoute = <B extends z.ZodType, A extends z.ZodType>(
  path: string,
  summary: string,
  body: B,
  answer: A,
) =>
  route({
    method: 'post',
    path: `${P}/${path}`,
    access: WRITE,
    tags,
    summary,
    maxBodyBytes: BODY_MAX,
    request: { headers: idemHeader, body: jsonBody(body) },
    responses: {
      201: jsonResponse(answer, 'Done (a replay answers the first result, replayed: true)'),
      ...commonErrors,
      ...notFound,
      ...conflict,
    },
  });

const transferRoute = moveRoute(
  'transfers',
  'Transfer units from one of your holding accounts to another holding account',
  z.object({ ...moveBase, to: z.string().max(64), memo: z.string().max(500).optional() }),
  MoveAnswer,
);
const retireRoute = moveRoute(
  'retirements',
  "Retire units for a beneficiary, purpose and claim period (into the organisation's retirement account)",
  z.object({
    ...moveBase,
    beneficiary: z.string().max(200),
    purpose: z.string().max(500),
    claimPeriod: z.object({ start: z.string().max(10), end: z.string().max(10) }),
    obligationReference: z.string().max(200).optional(),
  }),
  RetirementAnswer,
);
const cancelRoute = moveRoute(
  'cancellations',
  "Cancel units (into the organisation's cancellation account)",
  z.object({ ...moveBase, reason: z.string().max(500).optional() }),
  MoveAnswer,
);
const bufferRoute = moveRoute(
  'buffer-contributions',
  "Contribute units to the registry's national buffer account",
  z.object({ ...moveBase, reason: z.string().max(500).optional() }),
  MoveAnswer,
);

const listAccountsRoute = route({
  method: 'get',
  path: `${P}/accounts`,
  access: AUTHENTICATED,
  tags,
  summary: "Accounts: your organisations' (the operator and the regulator see all)",
  request: { query: z.object({ org: z.string().max(64).optional() }) },
  responses: {
    200: jsonResponse(z.object({ accounts: z.array(Account) }), 'Accounts'),
    ...commonErrors,
    ...notFound,
  },
});
const createAccountRoute = route({
  method: 'post',
  path: `${P}/accounts`,
  access: anyRole('admin', 'registry_operator'),
  tags,
  summary: 'Open an account (national ones by the registry operator)',
  maxBodyBytes: BODY_MAX,
  request: {
    body: jsonBody(
      z.object({
        org: z.string().max(64).optional(),
        kind: z.string().max(20).openapi({ example: 'holding' }),
        name: z.string().max(200),
        national: z.boolean().optional(),
      }),
    ),
  },
  responses: { 201: jsonResponse(z.object({ account: Account }), 'Opened'), ...commonErrors, ...notFound },
});
const getAccountRoute = route({
  method: 'get',
  path: `${P}/accounts/{number}`,
  access: AUTHENTICATED,
  tags,
  summary: 'An account and its holdings (blocks grouped by issuance, with serials)',
  request: {
    params: z.object({
      number: z
        .string()
        .max(64)
        .openapi({ param: { name: 'number', in: 'path' } }),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ account: Account, holdings: z.array(Holding) }), 'The account'),
    ...commonErrors,
    ...notFound,
  },
});
const listTxRoute = route({
  method: 'get',
  path: `${P}/transactions`,
  access: AUTHENTICATED,
  tags,
  summary: 'Transactions you may see, newest first',
  request: {
    query: z.object({
      account: z.string().max(64).optional(),
      kind: z.enum(TRANSACTION_KINDS).optional(),
      since: z.string().max(40).optional(),
      until: z.string().max(40).optional(),
      limit: z.coerce.number().int().min(1).max(1000).optional(),
      cursor: z.string().max(200).optional(),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({ transactions: z.array(Transaction), nextCursor: z.string().nullable() }),
      'A page of transactions',
    ),
    ...commonErrors,
    ...notFound,
  },
});
const getTxRoute = route({
  method: 'get',
  path: `${P}/transactions/{id}`,
  access: AUTHENTICATED,
  tags,
  summary: 'One transaction with its serial ranges and ledger entry',
  request: {
    params: z.object({
      id: z
        .string()
        .max(64)
        .openapi({ param: { name: 'id', in: 'path' } }),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ transaction: Transaction }), 'The transaction'),
    ...commonErrors,
    ...notFound,
  },
});
const historyRoute = route({
  method: 'get',
  path: `${P}/serials/{serial}/history`,
  access: AUTHENTICATED,
  tags,
  summary:
    'Every transaction that moved any unit of a serial range, oldest first, and where the units are now',
  request: {
    params: z.object({
      serial: z
        .string()
        .max(200)
        .openapi({ param: { name: 'serial', in: 'path' }, example: 'GTR-CN-VER-P0001-2024-1001-1500' }),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({
        serial: z.string(),
        start: z.string(),
        end: z.string(),
        current: z.array(
          z.object({ serial: z.string(), account: z.string().nullable(), state: z.enum(UNIT_STATES) }),
        ),
        transactions: z.array(Transaction),
      }),
      'The history',
    ),
    ...commonErrors,
    ...notFound,
  },
});

export function unitRoutes(app: OpenAPIHono<AppEnv>, services: RegistryServices): void {
  const svc = services.units;
  const principal = (c: { get(k: 'principal'): AppEnv['Variables']['principal'] }) => c.get('principal')!;
  const key = (h: { 'idempotency-key'?: string | undefined }, b: { idempotencyKey?: string | undefined }) =>
    h['idempotency-key'] ?? b.idempotencyKey;

  app.openapi(transferRoute, async (c) => {
    const b = c.req.valid('json');
    return c.json(
      await svc.transfer(principal(c), { ...b, idempotencyKey: key(c.req.valid('header'), b) }),
      201,
    );
  });
  app.openapi(retireRoute, async (c) => {
    const b = c.req.valid('json');
    const r = await svc.retire(principal(c), { ...b, idempotencyKey: key(c.req.valid('header'), b) });
    return c.json({ ...r, ...retirementLinks(services.context.publicUrl, r.retirementId) }, 201);
  });
  app.openapi(cancelRoute, async (c) => {
    const b = c.req.valid('json');
    return c.json(
      await svc.cancel(principal(c), { ...b, idempotencyKey: key(c.req.valid('header'), b) }),
      201,
    );
  });
  app.openapi(bufferRoute, async (c) => {
    const b = c.req.valid('json');
    return c.json(
      await svc.bufferContribution(principal(c), { ...b, idempotencyKey: key(c.req.valid('header'), b) }),
      201,
    );
  });
  app.openapi(listAccountsRoute, async (c) =>
    c.json({ accounts: await svc.listAccounts(principal(c), { org: c.req.valid('query').org }) }, 200),
  );
  app.openapi(createAccountRoute, async (c) =>
    c.json({ account: await svc.createAccount(principal(c), c.req.valid('json')) }, 201),
  );
  app.openapi(getAccountRoute, async (c) => {
    const { holdings, ...account } = await svc.getAccount(principal(c), c.req.valid('param').number);
    return c.json({ account, holdings }, 200);
  });
  app.openapi(listTxRoute, async (c) =>
    c.json(await svc.listTransactions(principal(c), c.req.valid('query')), 200),
  );
  app.openapi(getTxRoute, async (c) =>
    c.json({ transaction: await svc.getTransaction(principal(c), c.req.valid('param').id) }, 200),
  );
  app.openapi(historyRoute, async (c) =>
    c.json(await svc.history(principal(c), c.req.valid('param').serial), 200),
  );
}
