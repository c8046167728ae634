import { z } from '../../../kernel/http.js';

export const PROTOCOL = 'greentrade-registry-interop/1';

const Code = z
  .string()
  .regex(/^[A-Z][A-Z0-9]{1,7}$/, 'a registry code: 2 to 8 capital letters or digits, a letter first');
const Digits = z.string().regex(/^[0-9]{1,19}$/, 'a whole number as a decimal string');
const PositiveDigits = z
  .string()
  .regex(/^[0-9]{1,19}$/, 'a whole number as a decimal string')
  .refine((s) => BigInt(s) > 0n, 'must be more than zero');
const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a raw Ed25519 public key: 64 lower-case hex digits');

/* ---------- peers ---------- */

export const PeerCreate = z
  .object({
    code: Code,
    name: z.string().min(1).max(200),
    baseUrl: z.url().max(500),
    publicKey: Hex64,
    clientId: z.string().min(3).max(100).optional(),
    clientSecret: z.string().min(8).max(1024).optional(),
  })
  .openapi('RegistryPeerCreate');
export type PeerCreate = z.infer<typeof PeerCreate>;

export const PeerUpdate = z
  .object({
    name: z.string().min(1).max(200).optional(),
    baseUrl: z.url().max(500).optional(),
    publicKey: Hex64.optional(),
    clientId: z.string().min(3).max(100).optional(),
    clientSecret: z.string().min(8).max(1024).optional(),
  })
  .openapi('RegistryPeerUpdate');
export type PeerUpdate = z.infer<typeof PeerUpdate>;

export const PeerView = z
  .object({
    code: z.string(),
    name: z.string(),
    baseUrl: z.string(),
    publicKey: z.string(),
    /** Whether we can call it (credentials entered); the secret itself is never shown. */
    credentials: z.boolean(),
    clientId: z.string().nullable(),
    inboundClientId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('RegistryPeer');
export type PeerView = z.infer<typeof PeerView>;

export const PeerCreated = PeerView.extend({
  /** The API client the peer calls us with: give both to the peer's operator. The secret is shown once. */
  inbound: z.object({ clientId: z.string(), clientSecret: z.string() }).nullable(),
}).openapi('RegistryPeerCreated');

export const PublicKeyView = z
  .object({
    registry: z.string(),
    algorithm: z.literal('Ed25519'),
    publicKey: z.string(),
    publicUrl: z.string(),
    protocol: z.string(),
  })
  .openapi('RegistryInteropPublicKey');

/* ---------- the wire messages ---------- */

export const WireProject = z.object({
  code: z.string().min(1).max(100),
  name: z.string().min(1).max(300),
  methodology: z.string().min(1).max(200),
  hostCountry: z.string().regex(/^[A-Z]{2}$/),
  sector: z.string().min(1).max(100),
  labels: z.array(z.string().max(100)).max(50),
});
export type WireProject = z.infer<typeof WireProject>;

export const WireUnits = z.object({
  /** The serial of these units in the sending registry. */
  serial: z.string().min(1).max(300),
  start: Digits,
  end: Digits,
  quantity: PositiveDigits,
  vintage: z.number().int().min(1990).max(2100),
  unitType: z.string().regex(/^[A-Z0-9]{2,12}$/),
  project: WireProject,
  authorized: z.boolean(),
  authorizationId: z.string().max(100).nullable(),
  firstTransferred: z.boolean(),
});
export type WireUnits = z.infer<typeof WireUnits>;

export const TransferMessage = z
  .object({
    protocol: z.literal(PROTOCOL),
    type: z.literal('transfer'),
    transferId: z.uuid(),
    from: Code,
    to: Code,
    toAccount: z.string().min(1).max(100),
    quantity: PositiveDigits,
    sentAt: z.string().max(40),
    units: z.array(WireUnits).min(1).max(1000),
    signature: z.string().min(1).max(200),
  })
  .openapi('RegistryTransferMessage');
export type TransferMessage = z.infer<typeof TransferMessage>;

export const MirrorView = z.object({
  originSerial: z.string(),
  serial: z.string(),
  quantity: z.string(),
});

export const AnswerMessage = z
  .object({
    protocol: z.literal(PROTOCOL),
    type: z.enum(['acknowledgement', 'rejection']),
    transferId: z.uuid(),
    /** The answering registry. */
    from: Code,
    to: Code,
    /** SHA-256 of the canonical transfer message this answers: it answers exactly that. */
    messageSha256: z.string().regex(/^[0-9a-f]{64}$/),
    answeredAt: z.string().max(40),
    mirrors: z.array(MirrorView).max(1000).optional(),
    reason: z.string().max(2000).optional(),
    signature: z.string().min(1).max(200),
  })
  .openapi('RegistryTransferAnswer');
export type AnswerMessage = z.infer<typeof AnswerMessage>;

/* ---------- exports ---------- */

const RangeInput = z.object({ start: PositiveDigits, end: PositiveDigits });

export const ExportCreate = z
  .object({
    peer: Code,
    toAccount: z.string().min(1).max(100),
    fromAccount: z.string().min(1).max(100),
    ranges: z.array(RangeInput).min(1).max(100).optional(),
    issuanceId: z.uuid().optional(),
    blockId: z.uuid().optional(),
    quantity: PositiveDigits.optional(),
  })
  .openapi('RegistryExportCreate');
export type ExportCreate = z.infer<typeof ExportCreate>;

export const OUTGOING_STATES = ['pending', 'exported', 'reverted'] as const;
export type OutgoingState = (typeof OUTGOING_STATES)[number];

const LedgerRef = z.object({ index: z.number().int(), leafHash: z.string() }).nullable();

export const ExportView = z
  .object({
    id: z.string(),
    peer: z.string(),
    toAccount: z.string(),
    fromAccount: z.object({ id: z.string(), number: z.string() }),
    orgId: z.string(),
    quantity: z.string(),
    ranges: z.array(z.object({ start: z.string(), end: z.string(), serial: z.string() })),
    state: z.enum(OUTGOING_STATES),
    reason: z.string().nullable(),
    mirrors: z.array(MirrorView),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    lastAttemptAt: z.string().nullable(),
    actor: z.string(),
    ledger: LedgerRef,
    completionLedger: LedgerRef,
    createdAt: z.string(),
    completedAt: z.string().nullable(),
    /** True when this answers a replay of an earlier request with the same idempotency key. */
    replayed: z.boolean().optional(),
  })
  .openapi('RegistryExport');
export type ExportView = z.infer<typeof ExportView>;

export const ImportView = z
  .object({
    id: z.string(),
    fromRegistry: z.string(),
    transferId: z.string(),
    toAccount: z.string(),
    quantity: z.string(),
    state: z.enum(['accepted', 'rejected']),
    reason: z.string().nullable(),
    mirrors: z.array(MirrorView),
    units: z.array(WireUnits),
    ledger: LedgerRef,
    createdAt: z.string(),
  })
  .openapi('RegistryImport');
export type ImportView = z.infer<typeof ImportView>;

export const ReconcileReport = z
  .object({
    checked: z.number().int(),
    exported: z.number().int(),
    reverted: z.number().int(),
    pending: z.number().int(),
    errors: z.array(z.object({ id: z.string(), error: z.string() })),
  })
  .openapi('RegistryReconcileReport');
export type ReconcileReport = z.infer<typeof ReconcileReport>;
