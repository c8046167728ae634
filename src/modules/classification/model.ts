import { z } from '@hono/zod-openapi';
import { AppError } from '../../kernel/errors.js';

/** The edition the nomenclature is shipped in; list entries of other editions are mapped to it. */
export const CURRENT_EDITION = 'HS2022';
export const Edition = z.string().regex(/^HS(19|20)\d\d$/, 'an HS edition such as HS2022');

/**
 * An HS code (2, 4 or 6 digits) or a national tariff line built on it (8 or 10 digits: CN, HTS...).
 * Dots and spaces, as written in tariffs ("8541.43", "2523 10 00"), are dropped.
 */
export function normalizeCode(raw: string, field = 'code'): string {
  const code = raw.trim().replace(/[.\s]/g, '');
  if (!/^\d+$/.test(code))
    throw new AppError('bad_request', `${field}: "${raw.slice(0, 40)}" is not an HS code (digits only)`, {
      field,
    });
  if (code.length < 2 || code.length > 10 || code.length % 2 !== 0)
    throw new AppError(
      'bad_request',
      `${field}: "${raw.slice(0, 40)}" has ${code.length} digits; an HS code has 2, 4, 6, 8 or 10`,
      {
        field,
      },
    );
  return code;
}

/** Like normalizeCode, but returns null instead of throwing (hot loops). */
export function tryNormalizeCode(raw: string): string | null {
  let code = raw;
  if (code.length !== 6 || !/^\d{6}$/.test(code)) {
    code = raw.trim().replace(/[.\s]/g, '');
    if (!/^\d+$/.test(code) || code.length < 2 || code.length > 10 || code.length % 2 !== 0) return null;
  }
  return code;
}

export const CodeParam = z
  .string()
  .max(40)
  .openapi({ param: { name: 'code', in: 'path' }, example: '854143' });
export const IsoDate = z.iso.date().openapi({ example: '2025-01-01' });
export const ListSlug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lower-case letters, digits and dashes, 2-63 long');

export const Coverage = z.enum(['full', 'partial']);
export const Rule = z.enum(['include', 'exclude']);
export const Status = z.enum(['full', 'partial', 'none']);
export type Coverage = z.infer<typeof Coverage>;
export type Rule = z.infer<typeof Rule>;
export type Status = z.infer<typeof Status>;

export const EntryInput = z.object({
  code: z.string().max(40),
  rule: Rule.default('include'),
  coverage: Coverage.default('full'),
  category: z.string().max(100).default(''),
  scopeNote: z.string().max(2000).default(''),
  scopeNoteZh: z.string().max(2000).optional(),
});
export type EntryInput = z.infer<typeof EntryInput>;

export const EntrySchema = z
  .object({
    code: z.string(),
    rule: Rule,
    coverage: Coverage,
    category: z.string(),
    scopeNote: z.string(),
    scopeNoteZh: z.string().nullable(),
  })
  .openapi('ListEntry');
export type Entry = z.infer<typeof EntrySchema>;

export const Via = z
  .object({ fromEdition: z.string(), fromCode: z.string(), relation: z.enum(['1:1', '1:n', 'n:1', 'n:n']) })
  .openapi('ConcordanceVia');
export type Relation = z.infer<typeof Via>['relation'];

export const MatchedEntrySchema = EntrySchema.extend({ hsEdition: z.string(), via: Via.nullable() }).openapi(
  'MatchedEntry',
);
export type MatchedEntry = z.infer<typeof MatchedEntrySchema>;

export const ListRefSchema = z
  .object({ slug: z.string(), name: z.string(), nameZh: z.string().nullable() })
  .openapi('ListRef');
export const VersionRefSchema = z
  .object({ number: z.number().int(), effectiveFrom: z.string() })
  .openapi('VersionRef');

export const MembershipSchema = z
  .object({
    list: ListRefSchema,
    version: VersionRefSchema.nullable(),
    status: Status,
    entries: z.array(MatchedEntrySchema),
  })
  .openapi('ListMembership');
export type ListMembership = z.infer<typeof MembershipSchema>;

export const CodeSummary = z
  .object({
    code: z.string(),
    level: z.number().int(),
    description: z.string(),
    nameZh: z.string().nullable(),
  })
  .openapi('CodeSummary');

export const CodeDetailSchema = z
  .object({
    code: z.string(),
    input: z.string(),
    edition: z.string(),
    level: z.number().int(),
    description: z.string(),
    nameZh: z.string().nullable(),
    section: z.object({ id: z.string(), name: z.string(), nameZh: z.string().nullable() }),
    ancestors: z.array(CodeSummary),
    children: z.array(CodeSummary),
    formerCodes: z.array(z.object({ edition: z.string(), code: z.string(), relation: z.string() })),
    memberships: z.array(MembershipSchema),
  })
  .openapi('CodeDetail');
export type CodeDetail = z.infer<typeof CodeDetailSchema>;

export const SearchResultSchema = z
  .object({
    query: z.string(),
    results: z.array(
      z.object({
        code: z.string(),
        level: z.number().int(),
        description: z.string(),
        parent: z.string().nullable(),
        score: z.number(),
      }),
    ),
  })
  .openapi('SearchResults');

export const ClassifyRequestSchema = z
  .object({
    codes: z.array(z.string().max(40)).min(1).max(10_000, 'at most 10,000 codes per request'),
    lists: z.array(ListSlug).max(100).optional(),
    asOf: IsoDate.optional(),
  })
  .openapi('ClassifyRequest');

export const ClassifyResultSchema = z
  .object({
    results: z.array(
      z.object({
        input: z.string(),
        code: z.string(),
        memberships: z.array(
          z.object({
            list: z.string(),
            version: z.number().int().nullable(),
            status: Status,
            categories: z.array(z.string()),
          }),
        ),
      }),
    ),
  })
  .openapi('ClassifyResults');

export const ListSummarySchema = z
  .object({
    slug: z.string(),
    name: z.string(),
    nameZh: z.string().nullable(),
    description: z.string(),
    descriptionZh: z.string().nullable(),
    owner: z.object({ id: z.string(), name: z.string() }),
    visibility: z.enum(['public', 'private']),
    hsEdition: z.string(),
    currentVersion: VersionRefSchema.nullable(),
    versionCount: z.number().int(),
    canMaintain: z.boolean(),
  })
  .openapi('GreenList');
export type ListSummary = z.infer<typeof ListSummarySchema>;

export const VersionSchema = z
  .object({
    number: z.number().int(),
    effectiveFrom: z.string(),
    changelog: z.string(),
    createdAt: z.string(),
    hsEdition: z.string(),
    entryCount: z.number().int(),
  })
  .openapi('ListVersion');
export type VersionView = z.infer<typeof VersionSchema>;

export const NewListSchema = z
  .object({
    slug: ListSlug,
    name: z.string().trim().min(1).max(200),
    nameZh: z.string().trim().max(200).optional(),
    description: z.string().max(4000).default(''),
    descriptionZh: z.string().max(4000).optional(),
    hsEdition: Edition.default(CURRENT_EDITION),
    visibility: z.enum(['public', 'private']).default('private'),
    ownerOrgId: z.string().uuid().optional(),
    effectiveFrom: IsoDate,
    entries: z.array(EntryInput).max(20_000).default([]),
  })
  .openapi('NewList');
export type NewList = z.infer<typeof NewListSchema>;

export const DiffSchema = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    added: z.array(EntrySchema),
    removed: z.array(EntrySchema),
    changed: z.array(z.object({ before: EntrySchema, after: EntrySchema })),
  })
  .openapi('ListDiff');
export type Diff = z.infer<typeof DiffSchema>;

export const ChangeInput = z.object({
  action: z.enum(['add', 'remove', 'amend']),
  code: z.string().max(40),
  rule: Rule.default('include'),
  coverage: Coverage.optional(),
  category: z.string().max(100).optional(),
  scopeNote: z.string().max(2000).optional(),
  reason: z.string().trim().min(1, 'say why').max(2000),
});
export type ChangeInput = z.infer<typeof ChangeInput>;

export const NewProposalSchema = z
  .object({
    title: z.string().trim().min(1).max(300),
    reason: z.string().trim().min(1).max(4000),
    effectiveFrom: IsoDate,
    changes: z.array(ChangeInput).min(1).max(5_000),
  })
  .openapi('NewProposal');
export type NewProposal = z.infer<typeof NewProposalSchema>;

export const ProposalSchema = z
  .object({
    id: z.string(),
    list: ListRefSchema,
    title: z.string(),
    reason: z.string(),
    status: z.enum(['submitted', 'approved', 'rejected', 'withdrawn']),
    baseVersion: z.number().int(),
    effectiveFrom: z.string(),
    proposedBy: z.object({ id: z.string().nullable(), name: z.string() }),
    reviewedBy: z.object({ id: z.string().nullable(), name: z.string() }).nullable(),
    reviewComment: z.string().nullable(),
    createdAt: z.string(),
    decidedAt: z.string().nullable(),
    resultingVersion: z.number().int().nullable(),
    changeCount: z.number().int(),
    canReview: z.boolean(),
  })
  .openapi('ChangeProposal');
export type ProposalView = z.infer<typeof ProposalSchema>;

export const ProposalDetailSchema = ProposalSchema.extend({
  changes: z.array(
    z.object({
      action: z.enum(['add', 'remove', 'amend']),
      code: z.string(),
      rule: Rule,
      coverage: Coverage.nullable(),
      category: z.string().nullable(),
      scopeNote: z.string().nullable(),
      reason: z.string(),
      before: EntrySchema.nullable(),
    }),
  ),
}).openapi('ChangeProposalDetail');
export type ProposalDetail = z.infer<typeof ProposalDetailSchema>;

export const ConcordanceRowSchema = z.object({
  fromEdition: z.string(),
  fromCode: z.string(),
  toEdition: z.string(),
  toCode: z.string(),
  relation: z.enum(['1:1', '1:n', 'n:1', 'n:n']),
});
export type ConcordanceRow = z.infer<typeof ConcordanceRowSchema>;
