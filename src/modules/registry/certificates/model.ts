import { z } from '@hono/zod-openapi';
import { Decimal } from 'decimal.js';
import { AppError } from '../../../kernel/errors.js';

export const SCHEMES = ['GEC', 'I-REC', 'EnergyTag'] as const;
export type SchemeCode = (typeof SCHEMES)[number];

export const ENERGY_SOURCES = [
  'solar',
  'wind',
  'hydro',
  'biomass',
  'geothermal',
  'marine',
  'nuclear',
  'other',
] as const;

export const CERT_STATES = ['active', 'cancelled', 'expired', 'withdrawn'] as const;
export type CertState = (typeof CERT_STATES)[number];

/** A scheme's rules, as the cert_scheme table holds them (data, not code). */
export interface Scheme {
  code: SchemeCode;
  name: string;
  issuingBody: string;
  whPerCertificate: bigint;
  unit: string;
  periodRule: 'month' | 'any' | 'hour';
  maxPeriodHours: number;
  validityMonths: number;
  validityFrom: 'period_start' | 'period_end';
}

const Id = z.string().trim().min(1).max(100);
/** A whole, positive number of certificates, as a string of digits (or a safe integer). */
export const Quantity = z
  .union([z.string().trim().max(20), z.number()])
  .transform((v, ctx) => {
    const s = String(v);
    if (!/^\d+$/.test(s) || !/[1-9]/.test(s)) {
      ctx.addIssue({
        code: 'custom',
        message: /^\d*\.\d+$/.test(s)
          ? 'must be a whole number of certificates (no fractions)'
          : 'must be a whole number greater than 0',
      });
      return z.NEVER;
    }
    return BigInt(s);
  })
  .openapi({ type: 'string', example: '100', description: 'A whole number of certificates' });

const Instant = z.iso
  .datetime({ offset: true })
  .openapi({ example: '2026-01-01T00:00:00+08:00', description: 'ISO 8601 with an offset' });
const Day = z.iso.date().openapi({ example: '2026-01-01' });
const Decimalish = z.union([z.string().trim().max(40), z.number()]).transform((v, ctx) => {
  try {
    return new Decimal(String(v));
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a decimal number' });
    return z.NEVER;
  }
});

export const DeviceInput = z.strictObject({
  /** The owning organisation (slug or id); default the caller's only one. */
  org: Id.optional(),
  name: z.string().trim().min(1).max(200),
  energySource: z.enum(ENERGY_SOURCES),
  /** Net capacity in MW (a decimal). */
  capacityMW: Decimalish.refine((d) => d.greaterThan(0) && d.lessThan(100000), 'must be > 0 and < 100000 MW'),
  country: z
    .string()
    .trim()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 code such as CN'),
  /** Grid or market (bidding) zone, e.g. "CN-East" or "CN-JS". */
  gridZone: z.string().trim().min(1).max(60),
  commissioned: Day,
  latitude: Decimalish.refine((d) => d.abs().lte(90), 'between -90 and 90').optional(),
  longitude: Decimalish.refine((d) => d.abs().lte(180), 'between -180 and 180').optional(),
});
export type DeviceInput = z.output<typeof DeviceInput>;

export const DecisionInput = z.strictObject({
  approve: z.boolean(),
  reason: z.string().trim().max(1000).optional(),
});

export const IssueInput = z.strictObject({
  scheme: z.enum(SCHEMES),
  device: Id,
  periodStart: Instant,
  periodEnd: Instant,
  /** Certificates in the scheme's unit: whole MWh for GEC and I-REC, Wh for EnergyTag. */
  quantity: Quantity,
  /** g CO2e per kWh of the certified production (default 0). */
  emissionFactor: Decimalish.refine((d) => !d.isNegative(), 'must not be negative').optional(),
});
export type IssueInput = z.output<typeof IssueInput>;

/** Which certificates: a block (id or serial) and how many of it (default all), lowest numbers first. */
export const TransferInput = z.strictObject({
  block: Id,
  quantity: Quantity.optional(),
  /** The receiving organisation (slug or id). */
  to: Id,
});
export type TransferInput = z.output<typeof TransferInput>;

export const CancelInput = z.strictObject({
  block: Id,
  quantity: Quantity.optional(),
  /** The organisation that may claim the cancelled certificates (slug or id); default the holder. */
  beneficiary: Id.optional(),
  /** The beneficiary's name as printed on the cancellation statement (default the organisation's name). */
  beneficiaryName: z.string().trim().min(1).max(200).optional(),
  consumptionStart: Day,
  consumptionEnd: Day,
  purpose: z.string().trim().min(1).max(300),
  location: z.string().trim().max(200).optional(),
});
export type CancelInput = z.output<typeof CancelInput>;

export const ClaimInput = z.strictObject({
  /** The cancellation (its id or its serial). */
  cancellation: Id,
  /** kWh of the cancelled energy used, at most all of it. */
  amountKWh: Decimalish.refine((d) => d.greaterThan(0), 'must be greater than 0'),
  reference: z.string().trim().max(300).optional(),
});
export type ClaimInput = z.output<typeof ClaimInput>;

export const WithdrawInput = z.strictObject({
  block: Id,
  reason: z.string().trim().min(1).max(1000),
});

export const ExpireInput = z.strictObject({
  /** Expire what is due at this instant (default now). */
  asOf: Instant.optional(),
});

/** Parses outside input (CLI files, service calls): a 400 naming the first field at fault. */
export function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.');
  throw new AppError('validation_failed', `${field || 'input'}: ${issue.message}`, {
    ...(field ? { field } : {}),
  });
}

/** Months added in UTC (used on instants already shifted to the zone that counts). */
const addMonths = (d: Date, n: number) => {
  const r = new Date(d.getTime());
  r.setUTCMonth(r.getUTCMonth() + n);
  return r;
};
/** China Standard Time, the zone of GEC production months. */
const CST_MS = 8 * 3600 * 1000;

/**
 * Checks a production period against the scheme's rule; returns its length in seconds.
 * GEC: exactly one calendar month in China Standard Time (UTC+08:00). EnergyTag: at most one
 * hour. I-REC: at most max_period_hours. Periods start and end on whole seconds.
 */
export function checkPeriod(scheme: Scheme, start: Date, end: Date): number {
  const secs = (end.getTime() - start.getTime()) / 1000;
  if (!(secs > 0))
    throw new AppError('validation_failed', 'periodEnd: must be after periodStart', { field: 'periodEnd' });
  if (start.getTime() % 1000 !== 0 || end.getTime() % 1000 !== 0)
    throw new AppError('validation_failed', 'periodStart: whole seconds only', { field: 'periodStart' });
  if (scheme.periodRule === 'month') {
    const s = new Date(start.getTime() + CST_MS);
    const monthStart =
      s.getUTCDate() === 1 && s.getUTCHours() === 0 && s.getUTCMinutes() === 0 && s.getUTCSeconds() === 0;
    if (!monthStart)
      throw new AppError(
        'validation_failed',
        `periodStart: a ${scheme.code} production period is a calendar month: it starts on the 1st at 00:00 China Standard Time (+08:00)`,
        { field: 'periodStart' },
      );
    if (addMonths(s, 1).getTime() - CST_MS !== end.getTime())
      throw new AppError(
        'validation_failed',
        `periodEnd: a ${scheme.code} production period is one calendar month: it ends when the next month starts (+08:00)`,
        { field: 'periodEnd' },
      );
  } else if (secs > scheme.maxPeriodHours * 3600)
    throw new AppError(
      'validation_failed',
      `periodEnd: a ${scheme.code} production period is at most ${scheme.maxPeriodHours} hour${scheme.maxPeriodHours === 1 ? '' : 's'}`,
      { field: 'periodEnd' },
    );
  return secs;
}

/** When certificates of a period expire under the scheme's rule. */
export function expiryOf(scheme: Scheme, start: Date, end: Date): Date {
  if (scheme.validityFrom === 'period_start') {
    const s = new Date(start.getTime() + CST_MS);
    return new Date(addMonths(s, scheme.validityMonths).getTime() - CST_MS);
  }
  return addMonths(end, scheme.validityMonths);
}

/** The most energy (Wh) a device of `capacityMW` produces in `seconds`: capacity × hours, rounded down. */
export const maxEnergyWh = (capacityMW: string, seconds: number): bigint =>
  BigInt(new Decimal(capacityMW).times(seconds).div(3600).times(1_000_000).floor().toFixed(0));

/** yyyymm, yyyymmdd or yyyymmddhh of the production period start (UTC+08:00 for GEC, else UTC). */
function periodLabel(scheme: Pick<Scheme, 'periodRule'>, start: Date): string {
  const cst = scheme.periodRule === 'month';
  const d = new Date(start.getTime() + (cst ? CST_MS : 0));
  const p = (n: number) => String(n).padStart(2, '0');
  const ymd = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}`;
  if (scheme.periodRule === 'month') return ymd;
  if (scheme.periodRule === 'hour') return `${ymd}${p(d.getUTCDate())}T${p(d.getUTCHours())}Z`;
  return `${ymd}${p(d.getUTCDate())}`;
}

/**
 * The serial of a range of certificates:
 * `<registry>-<scheme>-<country>-<device code>-<period>-<first>-<last>`, e.g.
 * `GTR-GEC-CN-CN000001-202601-1-3720`. The period is the month (GEC, China time), the day the
 * period starts (I-REC) or the UTC hour (EnergyTag, `20260115T04Z`); first and last are this
 * registry's certificate numbers (one number per MWh, or per Wh for EnergyTag).
 */
export function formatSerial(
  registry: string,
  scheme: Pick<Scheme, 'code' | 'periodRule'>,
  country: string,
  deviceCode: string,
  periodStart: Date,
  first: bigint,
  last: bigint,
): string {
  return `${registry}-${scheme.code}-${country}-${deviceCode}-${periodLabel(scheme, periodStart)}-${first}-${last}`;
}

/** The certificate numbers a serial names (its last two parts), or null when it is not one of ours. */
export function parseSerial(registry: string, serial: string): { first: bigint; last: bigint } | null {
  if (!serial.startsWith(`${registry}-`)) return null;
  const m = /-(\d{1,19})-(\d{1,19})$/.exec(serial);
  if (!m) return null;
  return { first: BigInt(m[1]!), last: BigInt(m[2]!) };
}
