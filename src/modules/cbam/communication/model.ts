// The communication file's schema: what `verify` and the importer check a file against. The
// installation data part reuses the shared InstallationData schema; the results and the proof
// are described here (model.ts declares them as TypeScript interfaces only).
import { z } from '@hono/zod-openapi';
import { COMMUNICATION_FORMAT, CBAM_SECTORS, InstallationData } from '../model.js';

const DecString = z
  .string()
  .max(60)
  .regex(/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/, 'a decimal number as a string');

export const ProcessResultSchema = z.object({
  process: z.string().max(64),
  goodsCategory: z.string().max(64),
  route: z.string().max(64).nullable(),
  production: DecString,
  directEmissions: DecString,
  attributedDirect: DecString,
  attributedIndirect: DecString,
  precursorsDirect: DecString,
  precursorsIndirect: DecString,
  seeDirect: DecString,
  seeIndirect: DecString,
  seeTotal: DecString,
  defaults: z.array(z.string().max(500)).max(500),
  warnings: z.array(z.string().max(1000)).max(500),
});

export const GoodResultSchema = z.object({
  cn: z.string().regex(/^\d{8}$/, 'an 8-digit CN code'),
  process: z.string().max(64),
  goodsCategory: z.string().max(64),
  route: z.string().max(64).nullable(),
  sector: z.enum(CBAM_SECTORS),
  seeDirect: DecString,
  seeIndirect: DecString,
  seeTotal: DecString,
  source: z.enum(['actual', 'default']),
  electricity: z
    .object({ factor: DecString, source: z.enum(['grid', 'ppa', 'direct_connection']) })
    .nullable(),
});

export const CalculationResultSchema = z.object({
  installation: z.object({ name: z.string().max(300), country: z.string().max(2) }),
  reportingPeriod: z.object({ start: z.string().max(10), end: z.string().max(10) }),
  sourceStreams: z.array(z.object({ id: z.string().max(64), emissions: DecString })).max(500),
  totalDirectEmissions: DecString,
  processes: z.array(ProcessResultSchema).max(200),
  goods: z.array(GoodResultSchema).max(5000),
  warnings: z.array(z.string().max(1000)).max(1000),
});

export const ProofSchema = z.object({
  jws: z
    .string()
    .max(4000)
    .regex(/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+$/, 'a compact JWS with a detached payload'),
  publicKey: z.record(z.string(), z.string().max(200)),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
  ledger: z
    .object({
      origin: z.string().max(200),
      index: z.number().int().min(0),
      leafHash: z.string().regex(/^[0-9a-f]{64}$/),
    })
    .nullable(),
});

/** A communication file as received: structure checked, values kept as they are (the hash covers them). */
export const CommunicationFileSchema = z
  .object({
    format: z.literal(COMMUNICATION_FORMAT),
    id: z.string().min(1).max(64),
    issuedAt: z.iso.datetime({ offset: true }),
    issuer: z.object({ org: z.string().max(64), name: z.string().max(300) }),
    data: InstallationData,
    results: CalculationResultSchema,
    proof: ProofSchema.optional(),
  })
  .openapi('CbamCommunicationFile');

/** What `verify` answers. */
export const VerifyAnswer = z
  .object({
    valid: z.boolean(),
    reasons: z.array(z.string()),
    publicKeyThumbprint: z.string().nullable(),
  })
  .openapi('CbamCommunicationVerification');

/** An issued file in the organisation's list. */
export interface IssuedSummary {
  id: string;
  installationId: string;
  installationVersion: number;
  installationName: string;
  sha256: string;
  keyThumbprint: string;
  ledgerIndex: number;
  issuedAt: string;
}
