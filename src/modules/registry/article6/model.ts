import { z } from '@hono/zod-openapi';
import { AppError } from '../../../kernel/errors.js';
import { isCountry } from './parties.js';

/**
 * Article 6.2 of the Paris Agreement: cooperative approaches, letters of authorisation (LoAs),
 * ITMOs, uses, and the UNFCCC Agreed Electronic Format (AEF, decision 6/CMA.4 annex VII as
 * revised at CMA.6). The controlled values below are the AEF's own spellings, from the UNFCCC
 * "List of common nomenclatures under Article 6, paragraph 2" (see docs/registry-article6.md).
 */

/** AEF Table 15(b) sectors. */
export const AEF_SECTORS = [
  'Agriculture',
  'Building and construction',
  'Cross-sectoral mechanisms',
  'Energy generation',
  'Forestry and land use',
  'Industrial processes',
  'Transportation',
  'Urban development',
  'Waste management',
] as const;

/** AEF Table 51(b) activity types ("C02 usage" is spelled with a zero in the source). */
export const AEF_ACTIVITY_TYPES = [
  'Afforestation',
  'Agriculture',
  'Biogas',
  'Biomass Energy',
  'Cement',
  'C02 usage',
  'Coal bed/mine methane',
  'Energy distribution',
  'Energy Efficiency households',
  'Energy Efficiency Industry',
  'Energy Efficiency own generation',
  'Energy Efficiency service',
  'Energy Efficiency supply side',
  'Fossil fuel switch',
  'Fugitive',
  'Geothermal',
  'Hydro',
  'Landfill gas',
  'Methane avoidance',
  'N2O',
  'PFCs and SF6',
  'Reforestation',
  'Solar',
  'Tidal',
  'Transport',
  'Waste',
  'Wind',
] as const;

/** AEF Table 36(b). */
export const AEF_MITIGATION_TYPES = [
  'Emission reductions',
  'Removals',
  'Emission reductions and removals',
] as const;

/** Authorised uses: towards an NDC, other international mitigation purposes (decision 2/CMA.3 annex para 1(f)). */
export const USES = ['ndc', 'oimp'] as const;
export type Use = (typeof USES)[number];

/** When the first transfer of units authorised for OIMP happens (decision 2/CMA.3 annex para 2(b)). */
export const FIRST_TRANSFER_OIMP = ['authorization', 'issuance', 'use-or-cancellation'] as const;
export type FirstTransferOimp = (typeof FIRST_TRANSFER_OIMP)[number];
/** Their AEF spellings (Table 22(b)). */
export const AEF_FIRST_TRANSFER_OIMP: Record<FirstTransferOimp, string> = {
  authorization: 'Authorisation',
  issuance: 'Issuance',
  'use-or-cancellation': 'Use or Cancellation',
};

/** CAD Trust's corresponding-adjustment status vocabulary. */
export const CA_STATUSES = ['Not Started', 'Pending', 'Completed'] as const;
export type CaStatus = (typeof CA_STATUSES)[number];

const party = (field: string) =>
  z
    .string()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code in capitals, e.g. CN')
    .refine(isCountry, `not an ISO 3166-1 country code`)
    .openapi({ example: field === 'acquiringParty' ? 'SG' : 'CN' });

/** A whole number of units (1 unit = 1 t CO2e): digits only, no sign, no fraction. */
export const Quantity = z
  .string()
  .max(19)
  .regex(/^[1-9][0-9]*$/, 'a positive whole number of units, written as digits (no sign, no fraction)')
  .openapi({ example: '1000' });

const DIGITS = /^[1-9][0-9]*$/;
const serialNumber = z
  .string()
  .max(19)
  .regex(/^[1-9][0-9]*$/, 'a serial number: a positive whole number written as digits')
  .openapi({ example: '1001' });

export const SerialRangeInput = z
  .object({ start: serialNumber, end: serialNumber })
  .refine((r) => !DIGITS.test(r.start) || !DIGITS.test(r.end) || BigInt(r.end) >= BigInt(r.start), {
    message: 'end is before start',
    path: ['end'],
  })
  .openapi('A6SerialRange');

export const ApproachInput = z
  .object({
    /** The UNFCCC cooperative approach ID (CANNNN, from the CARP). */
    code: z
      .string()
      .regex(/^CA[0-9]{4}$/, 'the UNFCCC cooperative approach ID: CA and four digits, e.g. CA0001')
      .openapi({ example: 'CA0001' }),
    name: z.string().trim().min(1).max(200),
    description: z.string().max(4000).default(''),
    /** The participating Parties (ISO 3166-1 alpha-2), at least two. */
    parties: z
      .array(party('parties'))
      .min(2, 'a cooperative approach has at least two participating Parties')
      .max(50)
      .refine((p) => new Set(p).size === p.length, 'a Party is named twice'),
  })
  .openapi('A6ApproachInput');
export type ApproachInput = z.infer<typeof ApproachInput>;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date, YYYY-MM-DD');

export const AuthorizationInput = z
  .object({
    /** The AEF Authorization ID, as the host Party assigns it. */
    code: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9 -]+$/, 'letters, digits, spaces and hyphens only (the AEF Authorization ID)')
      .openapi({ example: 'CN-LOA-2026-001' }),
    /** The cooperative approach: its code (CA0001) or id. */
    approach: z.string().min(1).max(64),
    hostParty: party('hostParty'),
    acquiringParty: party('acquiringParty').nullable().default(null),
    uses: z
      .array(z.enum(USES))
      .min(1)
      .max(2)
      .refine((u) => new Set(u).size === u.length, 'a use is named twice'),
    /** For OIMP: which purpose (e.g. CORSIA). */
    oimpPurpose: z.string().trim().max(200).nullable().default(null),
    /** For OIMP: when the first transfer happens. */
    firstTransferOimp: z.enum(FIRST_TRANSFER_OIMP).nullable().default(null),
    sector: z.enum(AEF_SECTORS),
    activityType: z.enum(AEF_ACTIVITY_TYPES),
    mitigationType: z.enum(AEF_MITIGATION_TYPES).default('Emission reductions'),
    /** An optional cap on the units this letter may authorise. */
    authorizedQuantity: Quantity.nullable().default(null),
    validFrom: isoDate,
    validUntil: isoDate,
    /** Vintages the letter covers (inclusive); null: any. */
    vintageFrom: z.number().int().min(1990).max(2100).nullable().default(null),
    vintageTo: z.number().int().min(1990).max(2100).nullable().default(null),
    /** The projects covered: codes or ids, at least one. */
    projects: z.array(z.string().min(1).max(64)).min(1).max(100),
    /** Optionally only these issuances of those projects. */
    issuances: z.array(z.string().uuid()).max(100).default([]),
    document: z.object({
      name: z.string().trim().min(1).max(200),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/, 'the SHA-256 of the signed letter, 64 lower-case hex digits'),
    }),
    terms: z.string().max(4000).default(''),
  })
  .superRefine((a, ctx) => {
    if (a.validUntil < a.validFrom)
      ctx.addIssue({ code: 'custom', path: ['validUntil'], message: 'validUntil is before validFrom' });
    if (a.vintageFrom !== null && a.vintageTo !== null && a.vintageTo < a.vintageFrom)
      ctx.addIssue({ code: 'custom', path: ['vintageTo'], message: 'vintageTo is before vintageFrom' });
    if (a.acquiringParty !== null && a.acquiringParty === a.hostParty)
      ctx.addIssue({
        code: 'custom',
        path: ['acquiringParty'],
        message: 'the acquiring Party is another Party than the host',
      });
    const oimp = a.uses.includes('oimp');
    if (oimp && a.firstTransferOimp === null)
      ctx.addIssue({
        code: 'custom',
        path: ['firstTransferOimp'],
        message:
          'an authorisation for OIMP says when the first transfer happens (authorization, issuance or use-or-cancellation)',
      });
    if (!oimp && a.firstTransferOimp !== null)
      ctx.addIssue({
        code: 'custom',
        path: ['firstTransferOimp'],
        message: 'only an authorisation for OIMP defines its first transfer',
      });
  })
  .openapi('A6AuthorizationInput');
export type AuthorizationInput = z.infer<typeof AuthorizationInput>;

export const MarkInput = z
  .object({ ranges: z.array(SerialRangeInput).min(1).max(1000) })
  .openapi('A6MarkInput');

export const RevokeInput = z.object({ reason: z.string().trim().min(1).max(2000) }).openapi('A6RevokeInput');

export const UseInput = z
  .object({
    /** `ndc`: use towards the NDC of `party`; `oimp`: cancellation for other international mitigation purposes. */
    use: z.enum(USES),
    /** The using (or cancelling) Party, alpha-2. */
    party: party('party'),
    /** The account the ITMOs are taken from (number or id). */
    fromAccount: z.string().min(1).max(64),
    ranges: z.array(SerialRangeInput).min(1).max(1000),
    /** For NDC use: the NDC implementation period, e.g. 2021-2030. */
    ndcPeriod: z
      .string()
      .regex(/^\d{4}-\d{4}$/, 'YYYY-YYYY, e.g. 2021-2030')
      .nullable()
      .default(null),
    /** For NDC use: the calendar year the ITMOs are used for. */
    year: z.number().int().min(2021).max(2100).nullable().default(null),
    /** For OIMP: the purpose (e.g. CORSIA); the using authorised entity, if any. */
    purpose: z.string().trim().max(200).nullable().default(null),
    entity: z.string().trim().max(200).nullable().default(null),
    /** A voluntary cancellation (AEF action type "Voluntary Cancellation"). */
    voluntary: z.boolean().default(false),
  })
  .superRefine((u, ctx) => {
    if (u.use === 'ndc' && u.year === null)
      ctx.addIssue({
        code: 'custom',
        path: ['year'],
        message: 'a use towards an NDC names the calendar year it counts for',
      });
    if (u.use === 'ndc' && u.ndcPeriod === null)
      ctx.addIssue({
        code: 'custom',
        path: ['ndcPeriod'],
        message: 'a use towards an NDC names the NDC period, e.g. 2021-2030',
      });
  })
  .openapi('A6UseInput');
export type UseInput = z.infer<typeof UseInput>;

export const ApplyAdjustmentsInput = z
  .object({
    party: party('party'),
    year: z.number().int().min(2021).max(2100),
    /** Where the adjustment is reported, e.g. "BTR1 (2026), table 4". */
    reference: z.string().trim().min(1).max(500),
  })
  .openapi('A6ApplyAdjustmentsInput');
export type ApplyAdjustmentsInput = z.infer<typeof ApplyAdjustmentsInput>;

/** Parses outside input with `schema`: a 400 naming the first field at fault. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, prefix = ''): z.infer<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = prefix + issue.path.join('.');
  throw new AppError(
    'validation_failed',
    `${field ? field + ': ' : ''}${issue.message}`,
    field ? { field } : {},
  );
}
