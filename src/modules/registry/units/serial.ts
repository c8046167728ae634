import { AppError } from '../../../kernel/errors.js';
import type { AccountKind, BlockRow, SerialRange } from './contract.js';

/**
 * Serial numbers of this registry, one registry-wide sequence: every unit ever issued here has
 * its own number. A block of units is written
 *
 *   <registry>-<host country>-<unit type>-<project code>-<vintage>-<start>-<end>
 *   GTR-CN-VER-P0001-2024-1001-1500
 *
 * and a single unit is the same with start = end. The project code may itself hold dashes: it
 * is whatever lies between the unit type and the vintage.
 */
export function formatSerial(
  registryCode: string,
  b: Pick<BlockRow, 'hostCountry' | 'unitType' | 'projectCode' | 'vintage' | 'start' | 'end'>,
): string {
  return `${registryCode}-${b.hostCountry}-${b.unitType}-${b.projectCode}-${b.vintage}-${b.start}-${b.end}`;
}

export interface ParsedSerial extends SerialRange {
  registry: string;
  hostCountry: string;
  unitType: string;
  projectCode: string;
  vintage: number;
}

const NUM = /^[1-9][0-9]{0,17}$/;

/** Reads a serial written by formatSerial; a 400 naming `field` when it is not one. */
export function parseSerial(text: string, field = 'serial'): ParsedSerial {
  const bad = (why: string): never => {
    throw new AppError(
      'bad_request',
      `${field}: "${text.slice(0, 120)}" is not a serial (${why}); the format is <registry>-<country>-<unit type>-<project>-<vintage>-<start>-<end>, e.g. GTR-CN-VER-P0001-2024-1001-1500`,
      { field },
    );
  };
  if (text.length > 200) bad('too long');
  const parts = text.trim().split('-');
  if (parts.length < 7) bad('too few parts');
  const [registry, hostCountry, unitType] = parts as [string, string, string];
  const [vintageText, startText, endText] = parts.slice(-3) as [string, string, string];
  const projectCode = parts.slice(3, -3).join('-');
  if (!/^[A-Z0-9]{1,16}$/.test(registry)) bad('registry code');
  if (!/^[A-Z]{2}$/.test(hostCountry)) bad('host country');
  if (!/^[A-Z0-9]{2,12}$/.test(unitType)) bad('unit type');
  if (projectCode === '') bad('project code');
  if (!/^[0-9]{4}$/.test(vintageText)) bad('vintage');
  if (!NUM.test(startText) || !NUM.test(endText)) bad('start and end are positive whole numbers');
  const start = BigInt(startText);
  const end = BigInt(endText);
  if (end < start) bad('end before start');
  return { registry, hostCountry, unitType, projectCode, vintage: Number(vintageText), start, end };
}

/** Account numbers: `<registry>-<kind code>-<six digits>`, e.g. GTR-100-000001 (a holding account). */
export const KIND_CODE: Record<AccountKind, string> = {
  holding: '100',
  retirement: '200',
  cancellation: '300',
  buffer: '400',
};

export const formatAccountNumber = (registryCode: string, kind: AccountKind, seq: bigint | number): string =>
  `${registryCode}-${KIND_CODE[kind]}-${String(seq).padStart(6, '0')}`;

export const ACCOUNT_NUMBER_RE = /^[A-Z0-9]{1,16}-[1-4]00-[0-9]{6,}$/;
