import { parse } from 'csv-parse/sync';
import { AppError } from './errors.js';

/**
 * Parses a whole CSV text (RFC 4180, header row) into records, with line numbers for errors.
 * For reference data and uploads of bounded size; big files stream through classify's reader.
 */
export function parseCsv(text: string, what: string): { line: number; record: Record<string, string> }[] {
  try {
    const records = parse(text, {
      bom: true,
      columns: (header: string[]) => header.map((h) => h.trim()),
      skip_empty_lines: true,
      trim: true,
      info: true,
    }) as { record: Record<string, string>; info: { lines: number } }[];
    return records.map((r) => ({ line: r.info.lines, record: r.record }));
  } catch (e) {
    const err = e as { message: string; lines?: number };
    throw new AppError(
      'bad_request',
      `${what}: malformed CSV${err.lines ? ` at line ${err.lines}` : ''}: ${err.message}`,
      {
        field: 'file',
        ...(err.lines ? { details: { lines: [err.lines] } } : {}),
      },
    );
  }
}

/** Throws when columns are missing, naming them. */
export function requireColumns(
  rows: { record: Record<string, string> }[],
  columns: readonly string[],
  what: string,
): void {
  const first = rows[0]?.record;
  if (!first) throw new AppError('bad_request', `${what}: no rows`, { field: 'file' });
  const missing = columns.filter((c) => !(c in first));
  if (missing.length > 0)
    throw new AppError('bad_request', `${what}: missing column(s) ${missing.join(', ')}`, { field: 'file' });
}
