import type { OpenAPIHono } from '@hono/zod-openapi';
import { AUTHENTICATED } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import {
  commonErrors,
  conflict,
  jsonResponse,
  notFound,
  route,
  z,
  type AppEnv,
} from '../../../kernel/http.js';
import { CBAM_SECTORS } from '../model.js';
import type { CbamServices } from '../services.js';
import { MAX_SUPPLIER_FILE_BYTES } from './service.js';
import { MAX_SHIPMENT_BYTES } from './shipments.js';

const tags = ['cbam'];
const P = '/api/v1/cbam';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const OrgQuery = z.string().max(64).optional().openapi({
  description: "The importer organisation (id or slug); default: the caller's only organisation",
  example: 'demo-importer',
});
const Num = z.string().openapi({ description: 'A decimal number as a string', example: '285' });
const NumOrNull = Num.nullable();

const Good = z
  .object({
    cn: z.string(),
    sector: z.enum(CBAM_SECTORS).nullable().optional(),
    seeDirect: Num,
    seeIndirect: NumOrNull,
    seeTotal: Num,
    source: z.enum(['actual', 'default']),
  })
  .openapi('CbamSupplierGood');
const SupplierFile = z
  .object({
    id: z.string(),
    supplier: z.string(),
    installation: z.string(),
    country: z.string(),
    operator: z.string(),
    version: z.number().int(),
    filename: z.string(),
    format: z.enum(['json', 'xlsx']),
    importedAt: z.string(),
    signed: z.boolean(),
    keyThumbprint: z.string().nullable(),
    latest: z.boolean(),
    reportingPeriod: z.object({ start: z.string(), end: z.string() }),
    warnings: z.array(z.string()),
    goods: z.array(Good),
  })
  .openapi('CbamSupplierFile');
const Imported = z
  .object({
    id: z.string(),
    supplier: z.string(),
    installation: z.string(),
    version: z.number().int(),
    warnings: z.array(z.string()),
  })
  .openapi('CbamSupplierFileImported');
const LinkedShipment = z
  .object({
    reference: z.string(),
    importDate: z.string(),
    cn: z.string(),
    countryOfOrigin: z.string(),
    sector: z.enum(CBAM_SECTORS),
    netMass: Num,
    unit: z.enum(['t', 'MWh']),
    installation: z.string().nullable(),
    linked: z.object({ supplierFileId: z.string(), version: z.number().int() }).nullable(),
    source: z.enum(['supplier', 'default', 'missing']),
    direct: NumOrNull,
    indirect: NumOrNull,
    total: NumOrNull,
  })
  .openapi('CbamShipment');
const Line = z
  .object({
    cn: z.string(),
    country: z.string(),
    sector: z.enum(CBAM_SECTORS),
    route: z.string().nullable().openapi({
      description:
        'The production route the supplier files state (its EU benchmark); null for default values',
    }),
    unit: z.enum(['t', 'MWh']),
    netMass: Num,
    direct: Num,
    indirect: Num,
    total: Num,
    indirectCounted: z.boolean(),
    defaultShare: Num,
    shipments: z.number().int(),
    supplierFiles: z.array(z.object({ id: z.string(), version: z.number().int(), installation: z.string() })),
  })
  .openapi('CbamDeclarationLine');
const Totals = z
  .object({ netMass: Num, electricity: Num, direct: Num, indirect: Num, total: Num })
  .openapi('CbamTotals');
const Declarant = z.object({ id: z.string(), slug: z.string(), name: z.string() });
const Period = z.object({ start: z.string(), end: z.string() });
const Declaration = z
  .object({
    year: z.number().int(),
    declarant: Declarant,
    dueDate: z.string(),
    period: Period,
    deMinimis: z.object({
      exempt: z.boolean(),
      totalMass: Num,
      threshold: NumOrNull,
      excludedSectors: z.array(z.enum(CBAM_SECTORS)),
      source: z.string(),
      explanation: z.string(),
    }),
    lines: z.array(Line),
    totals: Totals,
    complete: z.boolean(),
    warnings: z.array(z.string()),
  })
  .openapi('CbamDeclaration');
const Report = z
  .object({
    year: z.number().int(),
    quarter: z.number().int(),
    declarant: Declarant,
    period: Period,
    lines: z.array(Line),
    totals: Totals,
    complete: z.boolean(),
    warnings: z.array(z.string()),
  })
  .openapi('CbamReport');

const pathParam = <T extends z.ZodType>(name: string, schema: T, example: string) =>
  schema.openapi({ param: { name, in: 'path' }, example });
const Year = z.coerce.number().int().min(2023).max(2100);

const importFile = route({
  method: 'post',
  path: `${P}/supplier-files`,
  access: AUTHENTICATED,
  tags,
  summary:
    "Import a supplier's communication file (JSON or the XLSX template): validated, signature checked, kept as a new version",
  maxBodyBytes: MAX_SUPPLIER_FILE_BYTES,
  request: {
    query: z.object({ org: OrgQuery, filename: z.string().max(200).optional() }),
    body: {
      // Plain OpenAPI schemas, not zod: the raw bytes are read and checked by the service.
      content: {
        'application/json': {
          schema: { type: 'object', description: 'A greentrade.cbam.communication/1 file' },
        },
        [XLSX]: { schema: { type: 'string', format: 'binary' } },
      },
      required: true,
    },
  },
  responses: {
    201: jsonResponse(Imported, 'Imported as a new version'),
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
});
const listFiles = route({
  method: 'get',
  path: `${P}/supplier-files`,
  access: AUTHENTICATED,
  tags,
  summary: "The importer's supplier files, every version, newest first",
  request: { query: z.object({ org: OrgQuery }) },
  responses: {
    200: jsonResponse(z.object({ items: z.array(SupplierFile) }), 'Supplier files'),
    ...commonErrors,
    ...notFound,
  },
});
const getFile = route({
  method: 'get',
  path: `${P}/supplier-files/{id}`,
  access: AUTHENTICATED,
  tags,
  summary: 'One supplier file version, with the file as imported',
  request: {
    params: z.object({ id: pathParam('id', z.string().max(64), '00000000-0000-0000-0000-000000000000') }),
    query: z.object({ org: OrgQuery }),
  },
  responses: {
    200: jsonResponse(SupplierFile.extend({ file: z.unknown() }), 'The file'),
    ...commonErrors,
    ...notFound,
  },
});
const importShipments = route({
  method: 'post',
  path: `${P}/shipments`,
  access: AUTHENTICATED,
  tags,
  summary:
    'Import shipments (CSV: reference,importDate,cn,countryOfOrigin,netMass,unit,installation); all lines or none',
  maxBodyBytes: MAX_SHIPMENT_BYTES,
  request: {
    query: z.object({ org: OrgQuery }),
    body: { content: { 'text/csv': { schema: { type: 'string', format: 'binary' } } }, required: true },
  },
  responses: {
    201: jsonResponse(z.object({ imported: z.number().int() }), 'Imported'),
    ...commonErrors,
    ...notFound,
  },
});
const listShipments = route({
  method: 'get',
  path: `${P}/shipments`,
  access: AUTHENTICATED,
  tags,
  summary: 'Shipments of a year, each linked to its supplier file version or to default values',
  request: { query: z.object({ org: OrgQuery, year: Year.optional() }) },
  responses: {
    200: jsonResponse(z.object({ items: z.array(LinkedShipment) }), 'Shipments'),
    ...commonErrors,
    ...notFound,
  },
});
const declaration = route({
  method: 'get',
  path: `${P}/declarations/{year}`,
  access: AUTHENTICATED,
  tags,
  summary: 'The annual CBAM declaration: per CN code and country of origin, de minimis applied',
  request: {
    params: z.object({ year: pathParam('year', Year, '2026') }),
    query: z.object({ org: OrgQuery }),
  },
  responses: { 200: jsonResponse(Declaration, 'The declaration'), ...commonErrors, ...notFound },
});
const declarationXml = route({
  method: 'get',
  path: `${P}/declarations/{year}/xml`,
  access: AUTHENTICATED,
  tags,
  summary: 'The annual declaration as XML (structure documented in docs/cbam-declaration.md)',
  request: {
    params: z.object({ year: pathParam('year', Year, '2026') }),
    query: z.object({ org: OrgQuery }),
  },
  responses: {
    200: {
      description: 'The declaration XML',
      content: { 'application/xml': { schema: { type: 'string' } } },
    },
    ...commonErrors,
    ...notFound,
  },
});
const report = route({
  method: 'get',
  path: `${P}/reports/{year}/{quarter}`,
  access: AUTHENTICATED,
  tags,
  summary: 'The periodic report of one quarter: the declaration lines over its shipments',
  request: {
    params: z.object({
      year: pathParam('year', Year, '2026'),
      quarter: pathParam('quarter', z.coerce.number().int().min(1).max(4), '1'),
    }),
    query: z.object({ org: OrgQuery }),
  },
  responses: { 200: jsonResponse(Report, 'The quarterly report'), ...commonErrors, ...notFound },
});

export function importerRoutes(app: OpenAPIHono<AppEnv>, services: CbamServices): void {
  const svc = services.importer;
  const principal = (c: { get(k: 'principal'): AppEnv['Variables']['principal'] }) => c.get('principal')!;

  app.openapi(importFile, async (c) => {
    const { org, filename } = c.req.valid('query');
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json' && type !== XLSX)
      throw new AppError('bad_request', `Content-Type: send application/json or ${XLSX}`, {
        field: 'content-type',
      });
    const bytes = Buffer.from(await c.req.arrayBuffer());
    const name = filename ?? (type === XLSX ? 'supplier-file.xlsx' : 'supplier-file.json');
    return c.json(await svc.importSupplierFile(principal(c), org ?? '', bytes, name), 201);
  });
  app.openapi(listFiles, async (c) =>
    c.json({ items: await svc.listSupplierFiles(principal(c), c.req.valid('query').org) }, 200),
  );
  app.openapi(getFile, async (c) =>
    c.json(await svc.getSupplierFile(principal(c), c.req.valid('param').id, c.req.valid('query').org), 200),
  );
  app.openapi(importShipments, async (c) =>
    c.json(await svc.importShipments(principal(c), c.req.valid('query').org ?? '', await c.req.text()), 201),
  );
  app.openapi(listShipments, async (c) => {
    const { org, year } = c.req.valid('query');
    return c.json(
      { items: await svc.shipments(principal(c), org, year ?? new Date().getUTCFullYear()) },
      200,
    );
  });
  app.openapi(declaration, async (c) =>
    c.json(await svc.declaration(principal(c), c.req.valid('query').org, c.req.valid('param').year), 200),
  );
  app.openapi(declarationXml, async (c) => {
    const xml = await svc.declarationXml(principal(c), c.req.valid('query').org, c.req.valid('param').year);
    return c.body(xml, 200, { 'content-type': 'application/xml; charset=utf-8' });
  });
  app.openapi(report, async (c) => {
    const { year, quarter } = c.req.valid('param');
    return c.json(await svc.report(principal(c), c.req.valid('query').org, year, quarter), 200);
  });
}
