import { z } from '@hono/zod-openapi';

export const Hex32 = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'a SHA-256 hash: 64 lower-case hex digits')
  .openapi({ example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });

/** What a module appends: the body is any JSON, kept as its RFC 8785 canonical form. */
export const AppendInput = z.object({
  type: z.string().regex(/^[a-z][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, dots, dashes; up to 64'),
  subject: z.string().min(1).max(200),
  body: z.unknown(),
  orgId: z.string().uuid().nullable().optional(),
  public: z.boolean().optional(),
});
export type AppendInput = z.infer<typeof AppendInput> & { time?: Date };

export const MAX_ENTRY_BYTES = 64 * 1024;

export const Appended = z.object({ index: z.number().int(), leafHash: Hex32 }).openapi('LedgerAppended');
export type Appended = z.infer<typeof Appended>;

export const CheckpointView = z
  .object({
    origin: z.string(),
    treeSize: z.number().int(),
    rootHash: Hex32,
    timestamp: z.string(),
    signature: z.string(),
    publicKey: z.string(),
    note: z.string(),
  })
  .openapi('LedgerCheckpoint');

export const EntryView = z
  .object({
    index: z.number().int(),
    type: z.string(),
    subject: z.string(),
    time: z.string(),
    body: z.unknown(),
    /** The canonical JSON text that was hashed. */
    entry: z.string(),
    leafHash: Hex32,
    public: z.boolean(),
  })
  .openapi('LedgerEntry');
export type EntryView = z.infer<typeof EntryView>;

export const InclusionProofView = z
  .object({
    index: z.number().int(),
    treeSize: z.number().int(),
    leafHash: Hex32,
    rootHash: Hex32,
    path: z.array(Hex32),
    entry: z.string(),
    checkpoint: CheckpointView.optional(),
  })
  .openapi('LedgerInclusionProof');

export const ConsistencyProofView = z
  .object({
    fromSize: z.number().int(),
    toSize: z.number().int(),
    fromRoot: Hex32,
    toRoot: Hex32,
    proof: z.array(Hex32),
  })
  .openapi('LedgerConsistencyProof');

export interface VerifyReport {
  ok: boolean;
  entries: number;
  checkpoints: number;
  references: number;
  /** The first entry found not to match, and why. */
  firstBad?: { index: number; reason: string };
}
