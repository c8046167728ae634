/**
 * What the public explorer and the regulator's view answer. The explorer's shapes hold no
 * account, no holder and no balance: only projects, issuances, retirements, cancellations and
 * counts, each with the ledger entry behind it.
 */
import { z } from '@hono/zod-openapi';

export const LedgerRef = z
  .object({
    index: z.number().int(),
    leafHash: z.string(),
    /** The web page of the entry: /ledger/entries/{index}. */
    entryPath: z.string(),
  })
  .openapi('RegistryLedgerRef');
export type LedgerRef = z.infer<typeof LedgerRef>;

export const Page = z.object({
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

export const CreditingPeriod = z.object({ starts: z.string(), ends: z.string() });

export const ProjectDocument = z.object({ name: z.string(), sha256: z.string().nullable() });

export const ExplorerProject = z
  .object({
    id: z.string(),
    code: z.string(),
    name: z.string(),
    proponent: z.string(),
    methodology: z.string(),
    hostCountry: z.string(),
    sector: z.string(),
    status: z.string(),
    labels: z.array(z.string()),
    creditingPeriods: z.array(CreditingPeriod),
    /** Units issued to the project so far (decimal string). */
    issued: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('ExplorerProject');
export type ExplorerProject = z.infer<typeof ExplorerProject>;

export const SerialRangeView = z.object({
  start: z.string(),
  end: z.string(),
  quantity: z.string(),
  /** The range in the registry's documented serial format. */
  serial: z.string(),
  issuanceId: z.string(),
  projectCode: z.string(),
  projectName: z.string(),
  hostCountry: z.string(),
  vintage: z.number().int(),
  unitType: z.string(),
});
export type SerialRangeView = z.infer<typeof SerialRangeView>;

export const ExplorerIssuance = z
  .object({
    id: z.string(),
    projectCode: z.string(),
    projectName: z.string(),
    hostCountry: z.string(),
    vintage: z.number().int(),
    unitType: z.string(),
    quantity: z.string(),
    serialStart: z.string(),
    serialEnd: z.string(),
    serial: z.string(),
    /** A mirror issuance of units another registry exported: its code and original serial. */
    origin: z.object({ registry: z.string(), serial: z.string() }).nullable(),
    /** Of this issuance, how many units are retired and cancelled now (public totals, no holder). */
    retired: z.string(),
    cancelled: z.string(),
    transactionId: z.string().nullable(),
    ledger: LedgerRef.nullable(),
    createdAt: z.string(),
  })
  .openapi('ExplorerIssuance');
export type ExplorerIssuance = z.infer<typeof ExplorerIssuance>;

export const ClaimPeriod = z.object({ from: z.string().nullable(), to: z.string().nullable() });

export const ExplorerRetirement = z
  .object({
    id: z.string(),
    kind: z.enum(['retirement', 'cancellation']),
    quantity: z.string(),
    beneficiary: z.string().nullable(),
    purpose: z.string().nullable(),
    claimPeriod: ClaimPeriod.nullable(),
    ranges: z.array(SerialRangeView),
    ledger: LedgerRef.nullable(),
    createdAt: z.string(),
    /** GET this for the retirement statement (PDF). */
    statementPath: z.string().nullable(),
  })
  .openapi('ExplorerRetirement');
export type ExplorerRetirement = z.infer<typeof ExplorerRetirement>;

export const InclusionProof = z.object({
  index: z.number().int(),
  treeSize: z.number().int(),
  leafHash: z.string(),
  rootHash: z.string(),
  path: z.array(z.string()),
  entry: z.string(),
  checkpoint: z
    .object({
      origin: z.string(),
      treeSize: z.number().int(),
      rootHash: z.string(),
      timestamp: z.string(),
      signature: z.string(),
      publicKey: z.string(),
      note: z.string(),
    })
    .optional(),
});

export const ExplorerRetirementDetail = ExplorerRetirement.extend({
  registry: z.string(),
  verificationUrl: z.string(),
  /** The inclusion proof of the ledger entry (null when the entry is not public). */
  proof: InclusionProof.nullable(),
}).openapi('ExplorerRetirementDetail');
export type ExplorerRetirementDetail = z.infer<typeof ExplorerRetirementDetail>;

export const VintageTotal = z.object({
  vintage: z.number().int(),
  unitType: z.string(),
  issued: z.string(),
  retired: z.string(),
  cancelled: z.string(),
});

export const HostParty = z.object({
  hostCountry: z.string(),
  /** Active letters of authorisation of the host Party (else: distinct letters behind authorised units). */
  authorizations: z.number().int(),
  authorizedUnits: z.string(),
  /** Corresponding adjustments recorded (rows) and the units they cover. */
  adjustments: z.number().int(),
  adjustedUnits: z.string(),
});

export const ExplorerSummary = z
  .object({
    registry: z.string(),
    projects: z.number().int(),
    issuances: z.number().int(),
    retirements: z.number().int(),
    cancellations: z.number().int(),
    byVintage: z.array(VintageTotal),
    article6: z.array(HostParty),
    /** Energy-attribute certificates per scheme (GEC, I-REC, hourly), when that part is installed. */
    certificates: z.array(
      z.object({
        scheme: z.string(),
        issuances: z.number().int(),
        issued: z.string(),
        cancellations: z.number().int(),
        cancelled: z.string(),
      }),
    ),
  })
  .openapi('ExplorerSummary');

export const ExplorerCertificateCancellation = z
  .object({
    id: z.string(),
    scheme: z.string(),
    quantity: z.string(),
    /** Energy the cancelled certificates stand for, in Wh (decimal string). */
    energyWh: z.string(),
    beneficiary: z.string(),
    consumptionPeriod: z.object({ from: z.string(), to: z.string() }),
    purpose: z.string(),
    ledger: LedgerRef,
    createdAt: z.string(),
  })
  .openapi('ExplorerCertificateCancellation');
export type ExplorerCertificateCancellation = z.infer<typeof ExplorerCertificateCancellation>;
export type ExplorerSummary = z.infer<typeof ExplorerSummary>;

export const ExplorerProjectDetail = ExplorerProject.extend({
  description: z.string(),
  latitude: z.string().nullable(),
  longitude: z.string().nullable(),
  documents: z.array(ProjectDocument),
  issuances: z.array(ExplorerIssuance),
  /** Public ledger entries about the project (registration, status changes...). */
  entries: z.array(LedgerRef.extend({ type: z.string(), time: z.string() })),
}).openapi('ExplorerProjectDetail');
export type ExplorerProjectDetail = z.infer<typeof ExplorerProjectDetail>;

// ---- the regulator's view -----------------------------------------------------------------

export const Balances = z.record(z.string(), z.string());

export const RegulatorAccount = z
  .object({
    id: z.string(),
    number: z.string(),
    name: z.string(),
    kind: z.string(),
    national: z.boolean(),
    closed: z.boolean(),
    org: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
    /** Units per state (held, retired, ...), decimal strings. */
    balances: Balances,
  })
  .openapi('RegulatorAccount');
export type RegulatorAccount = z.infer<typeof RegulatorAccount>;

export const RegulatorTransaction = z
  .object({
    id: z.string(),
    kind: z.string(),
    quantity: z.string(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    org: z.string().nullable(),
    actor: z.string(),
    details: z.unknown(),
    ledger: LedgerRef.nullable(),
    createdAt: z.string(),
  })
  .openapi('RegulatorTransaction');
export type RegulatorTransaction = z.infer<typeof RegulatorTransaction>;

export const OrgTotal = z.object({
  org: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  accounts: z.number().int(),
  balances: Balances,
});

export const RegulatorOverview = z
  .object({
    registry: z.string(),
    totals: z.object({ issued: z.string(), byState: Balances }),
    orgs: z.array(OrgTotal),
    accounts: z.array(RegulatorAccount),
    transactions: z.array(RegulatorTransaction),
    transactionsTotal: z.number().int(),
  })
  .openapi('RegulatorOverview');
export type RegulatorOverview = z.infer<typeof RegulatorOverview>;

export const EXPORTS = ['accounts', 'holdings', 'transactions', 'projects'] as const;
export type ExportWhat = (typeof EXPORTS)[number];
export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const InvariantCheck = z.object({
  name: z.string(),
  description: z.string(),
  ok: z.boolean(),
  violations: z.number().int(),
  /** Up to 20 of them, each in words. */
  examples: z.array(z.string()),
});
export type InvariantCheck = z.infer<typeof InvariantCheck>;

export const InvariantReport = z
  .object({
    ok: z.boolean(),
    checkedAt: z.string(),
    counts: z.object({
      issuances: z.number().int(),
      blocks: z.number().int(),
      transactions: z.number().int(),
      units: z.string(),
    }),
    checks: z.array(InvariantCheck),
  })
  .openapi('RegistryInvariantReport');
export type InvariantReport = z.infer<typeof InvariantReport>;
