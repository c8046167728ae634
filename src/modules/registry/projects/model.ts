import { z } from '@hono/zod-openapi';
import { AppError } from '../../../kernel/errors.js';

export const PROJECT_STATUSES = [
  'draft',
  'submitted',
  'validated',
  'registered',
  'rejected',
  'withdrawn',
] as const;
export type ProjectStatus = (typeof PROJECT_STATUSES)[number];
export const PROJECT_ACTIONS = ['submit', 'validate', 'register', 'reject', 'withdraw'] as const;
export type ProjectAction = (typeof PROJECT_ACTIONS)[number];
export const DOCUMENT_KINDS = [
  'pdd',
  'validation-report',
  'monitoring-report',
  'verification-report',
  'letter',
  'other',
] as const;

/** Documents are kept in the database: 5 MiB each. */
export const MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
  .refine(
    (s) =>
      !Number.isNaN(Date.parse(s + 'T00:00:00Z')) && new Date(s + 'T00:00:00Z').toISOString().startsWith(s),
    'not a calendar date',
  );

export const CreditingPeriod = z
  .object({ starts: isoDate, ends: isoDate })
  .openapi('RegistryCreditingPeriod');
export type CreditingPeriod = z.infer<typeof CreditingPeriod>;

export const Label = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, 'letters, digits, dot, dash; up to 32');
export const Methodology = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._\-/()]*$/, 'letters, digits, spaces and . _ - / ( )');

export const ProjectInput = z
  .object({
    /** The proponent organisation (slug or id); default the caller's only one. */
    org: z.string().max(64).optional(),
    name: z.string().trim().min(1).max(200),
    methodology: Methodology,
    hostCountry: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code in capitals'),
    sector: z.string().trim().min(1).max(60),
    description: z.string().max(10_000).default(''),
    latitude: z.number().min(-90).max(90).nullable().optional(),
    longitude: z.number().min(-180).max(180).nullable().optional(),
    creditingPeriods: z.array(CreditingPeriod).min(1).max(10),
    labels: z.array(Label).max(20).default([]),
    /** The verifier organisation that validates the project (slug or id). */
    validatorOrg: z.string().max(64).nullable().optional(),
  })
  .openapi('RegistryProjectInput');
export type ProjectInput = z.infer<typeof ProjectInput>;

/** A quantity of units or tonnes: a positive integer, as a decimal string or a JSON integer. */
export const Quantity = z
  .union([z.string().max(19), z.number()])
  .openapi({ type: 'string', example: '4000', description: 'a positive whole number' });

export function parseQuantity(v: unknown, field: string): bigint {
  const s = typeof v === 'number' ? (Number.isSafeInteger(v) ? String(v) : 'x') : String(v).trim();
  if (!/^-?\d+$/.test(s))
    throw new AppError('bad_request', `${field}: a whole number of units is needed`, { field });
  const n = BigInt(s);
  if (n <= 0n) throw new AppError('bad_request', `${field}: must be more than zero`, { field });
  if (n > 9_000_000_000_000_000n) throw new AppError('bad_request', `${field}: too large`, { field });
  return n;
}

/** A percentage with at most two decimals, 0 ≤ p ≤ max; returned in hundredths (5.5 → 550n). */
export function parsePercent(v: unknown, field: string, max: number): bigint {
  const s = typeof v === 'number' ? String(v) : String(v ?? '').trim();
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) throw new AppError('bad_request', `${field}: a percentage like 5 or 2.5 is needed`, { field });
  const hundredths = BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0') || '0');
  if (hundredths > BigInt(max) * 100n)
    throw new AppError('bad_request', `${field}: at most ${max} %`, { field });
  return hundredths;
}
export const percentText = (hundredths: bigint): string => {
  const whole = hundredths / 100n;
  const frac = hundredths % 100n;
  return frac === 0n ? String(whole) : `${whole}.${String(frac).padStart(2, '0').replace(/0$/, '')}`;
};

export const MonitoringInput = z
  .object({
    periodStart: isoDate,
    periodEnd: isoDate,
    claimed: Quantity,
    /** The verifier organisation (slug or id). */
    verifierOrg: z.string().min(1).max(64),
  })
  .openapi('RegistryMonitoringInput');

export const VerifyInput = z
  .object({ verified: Quantity, statement: z.string().trim().min(1).max(10_000) })
  .openapi('RegistryVerifyInput');

export const ReasonInput = z.object({ reason: z.string().trim().min(1).max(2000) }).openapi('RegistryReason');

export const IssuanceRequestInput = z
  .object({
    reportId: z.string().uuid(),
    vintage: z.number().int().min(1990).max(2100),
    quantity: Quantity,
    unitType: z
      .string()
      .regex(/^[A-Z0-9]{2,12}$/, '2 to 12 capital letters or digits')
      .default('VER'),
    bufferPercent: z.union([z.string().max(6), z.number()]).optional(),
    /** A holding account of the proponent (number or id); default its holding account. */
    account: z.string().max(64).optional(),
  })
  .openapi('RegistryIssuanceRequestInput');

export const ControlsInput = z
  .object({
    vintageCutoff: z.number().int().min(1990).max(2100).nullable(),
    allowedMethodologies: z.array(Methodology).max(200).default([]),
    labelsForImport: z.array(Label).max(20).default([]),
    labelsForUse: z.array(Label).max(20).default([]),
    note: z.string().max(2000).default(''),
  })
  .openapi('RegistryControlsInput');
export type ControlsInput = z.infer<typeof ControlsInput>;

export const ObligationInput = z
  .object({
    org: z.string().min(1).max(64),
    year: z.number().int().min(2000).max(2100),
    obligationTonnes: Quantity,
    maxOffsetPercent: z.union([z.string().max(6), z.number()]).optional(),
    scheme: z.string().max(60).default(''),
  })
  .openapi('RegistryObligationInput');

export const DocumentInput = z
  .object({
    kind: z.enum(DOCUMENT_KINDS),
    filename: z.string().trim().min(1).max(200),
    contentType: z.string().max(100).default('application/octet-stream'),
    /** The file, base64-encoded (at most 5 MiB once decoded). */
    contentBase64: z
      .string()
      .min(1)
      .max(Math.ceil(MAX_DOCUMENT_BYTES / 3) * 4 + 4),
  })
  .openapi('RegistryDocumentInput');

/** One project registered elsewhere (a CAD Trust extract row). */
export const ExternalProject = z.object({
  registry: z.string().trim().min(1).max(60),
  id: z.string().trim().min(1).max(100),
  name: z.string().trim().min(1).max(300),
  country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code in capitals'),
  sector: z.string().trim().min(1).max(60),
  start: isoDate.nullable().optional(),
  end: isoDate.nullable().optional(),
  lat: z.number().min(-90).max(90).nullable().optional(),
  lon: z.number().min(-180).max(180).nullable().optional(),
});
export type ExternalProject = z.infer<typeof ExternalProject>;
export const MAX_EXTERNAL_ROWS = 20_000;
