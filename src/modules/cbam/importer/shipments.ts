// The importer's shipments CSV: parsed and checked line by line, so that every error names its
// line and column. Pure functions; the service looks the CN codes up and writes all or nothing.
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import type { ScopeAnswer } from '../contract.js';
import { AppError } from '../../../kernel/errors.js';
import { convert, parseUnit } from '../../../kernel/units.js';
import type { CbamSector } from '../model.js';
import type { ShipmentRow } from './aggregate.js';

export const SHIPMENT_COLUMNS = [
  'reference',
  'importDate',
  'cn',
  'countryOfOrigin',
  'netMass',
  'unit',
  'installation',
] as const;
export const MAX_SHIPMENT_LINES = 50_000;
export const MAX_SHIPMENT_BYTES = 10 * 1024 * 1024;

export interface LineIssue {
  line: number;
  column: string;
  message: string;
}

export interface ParsedLine {
  line: number;
  reference: string;
  importDate: string;
  cn: string;
  countryOfOrigin: string;
  netMass: string;
  unit: string;
  installation: string | null;
}

const issue = (line: number, column: string, what: string): LineIssue => ({
  line,
  column,
  message: `line ${line}, ${column}: ${what}`,
});

const validDate = (s: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
};

/** Refuses the whole file with the first issue in the message and up to 50 in the details. */
export function refuse(issues: readonly LineIssue[]): never {
  const first = issues[0]!;
  throw new AppError(
    'validation_failed',
    issues.length > 1 ? `${first.message} (and ${issues.length - 1} more)` : first.message,
    {
      field: `lines.${first.line}.${first.column}`,
      details: { errors: issues.slice(0, 50) },
    },
  );
}

/** Step 1: the CSV's shape and each line's syntax (line numbers count the header as line 1). */
export function parseShipmentsCsv(csv: string): { lines: ParsedLine[]; issues: LineIssue[] } {
  if (Buffer.byteLength(csv, 'utf8') > MAX_SHIPMENT_BYTES)
    throw new AppError('payload_too_large', `the CSV is over ${MAX_SHIPMENT_BYTES / 1024 / 1024} MiB`, {
      field: 'csv',
    });
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(csv, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      to_line: MAX_SHIPMENT_LINES + 2,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    const line = (e as { lines?: number }).lines ?? 0;
    throw new AppError('validation_failed', `line ${line}: not valid CSV (${(e as Error).message})`, {
      field: `lines.${line}`,
    });
  }
  const header = records[0]?.record;
  if (!header) throw new AppError('validation_failed', 'the CSV is empty', { field: 'csv' });
  const index = new Map(header.map((h, i) => [h.trim(), i]));
  const missing = SHIPMENT_COLUMNS.filter((c) => c !== 'installation' && !index.has(c));
  if (missing.length > 0)
    throw new AppError(
      'validation_failed',
      `line 1: the header lacks ${missing.join(', ')} (expected ${SHIPMENT_COLUMNS.join(',')})`,
      { field: 'lines.1' },
    );
  if (records.length - 1 > MAX_SHIPMENT_LINES)
    throw new AppError('payload_too_large', `over ${MAX_SHIPMENT_LINES} shipments in one file`, {
      field: 'csv',
    });
  const issues: LineIssue[] = [];
  const lines: ParsedLine[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    const get = (c: (typeof SHIPMENT_COLUMNS)[number]) => {
      const i = index.get(c);
      return i === undefined ? '' : (record[i] ?? '').trim();
    };
    const before = issues.length;
    const reference = get('reference');
    if (!reference) issues.push(issue(line, 'reference', 'missing'));
    else if (reference.length > 100) issues.push(issue(line, 'reference', 'longer than 100 characters'));
    else if (seen.has(reference))
      issues.push(issue(line, 'reference', `'${reference}' is a duplicate of line ${seen.get(reference)}`));
    else seen.set(reference, line);
    const importDate = get('importDate');
    if (!validDate(importDate))
      issues.push(issue(line, 'importDate', `'${importDate}' is not a date (YYYY-MM-DD)`));
    const cn = get('cn').replace(/[\s.]/g, '');
    if (!/^\d{8}$/.test(cn)) issues.push(issue(line, 'cn', `'${get('cn')}' is not an 8-digit CN code`));
    const countryOfOrigin = get('countryOfOrigin').toUpperCase();
    if (!/^[A-Z]{2}$/.test(countryOfOrigin))
      issues.push(
        issue(line, 'countryOfOrigin', `'${get('countryOfOrigin')}' is not an ISO 3166-1 alpha-2 code`),
      );
    const netMass = get('netMass');
    if (!/^\d+(\.\d+)?$/.test(netMass) || new Decimal(netMass).lte(0))
      issues.push(issue(line, 'netMass', `'${netMass}' is not a positive decimal number`));
    const unit = get('unit');
    if (!unit) issues.push(issue(line, 'unit', 'missing (t, kg, or MWh for electricity)'));
    else if (!parseUnit(unit)) issues.push(issue(line, 'unit', `'${unit}' is not a known unit (t, kg, MWh)`));
    const installation = get('installation');
    if (installation.length > 300) issues.push(issue(line, 'installation', 'longer than 300 characters'));
    if (issues.length === before)
      lines.push({
        line,
        reference,
        importDate,
        cn,
        countryOfOrigin,
        netMass,
        unit,
        installation: installation || null,
      });
  }
  return { lines, issues };
}

export interface CnLookup {
  /** False when the code's HS subheading is not in the nomenclature. */
  known: boolean;
  scope: ScopeAnswer | null;
}

/**
 * Step 2: CN codes known and in scope; the net mass converted to tonnes (MWh for electricity),
 * refusing a unit of the wrong dimension.
 */
export function resolveShipments(
  lines: readonly ParsedLine[],
  lookup: ReadonlyMap<string, CnLookup>,
): { rows: (ShipmentRow & { line: number })[]; issues: LineIssue[] } {
  const issues: LineIssue[] = [];
  const rows: (ShipmentRow & { line: number })[] = [];
  for (const l of lines) {
    const found = lookup.get(l.cn);
    if (!found || !found.known) {
      issues.push(issue(l.line, 'cn', `'${l.cn}' is not a known CN code`));
      continue;
    }
    if (!found.scope?.inScope || !found.scope.sector) {
      issues.push(
        issue(
          l.line,
          'cn',
          `'${l.cn}' is not a CBAM good and does not belong in a CBAM declaration${found.scope ? ` (${found.scope.reason})` : ''}`,
        ),
      );
      continue;
    }
    const sector: CbamSector = found.scope.sector;
    const electricity = sector === 'electricity';
    const dim = parseUnit(l.unit)!.dimension;
    if (electricity ? dim !== 'energy' : dim !== 'mass') {
      issues.push(
        issue(
          l.line,
          'unit',
          electricity
            ? `'${l.unit}' is not an energy (electricity is declared in MWh)`
            : `'${l.unit}' is not a mass`,
        ),
      );
      continue;
    }
    const amount = convert(l.netMass, l.unit, electricity ? 'MWh' : 't', `lines.${l.line}.netMass`);
    rows.push({
      line: l.line,
      reference: l.reference,
      importDate: l.importDate,
      cn: l.cn,
      countryOfOrigin: l.countryOfOrigin,
      sector,
      netMass: amount.toFixed(),
      installation: l.installation,
    });
  }
  return { rows, issues };
}
