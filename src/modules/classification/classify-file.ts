import { createReadStream, createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { AppError } from '../../kernel/errors.js';
import { matchCode, type CompiledList } from './matcher.js';
import { tryNormalizeCode } from './model.js';

/** RFC 4180 fields of one record (which may hold line breaks inside quotes). */
export function splitCsvRecord(record: string): string[] {
  const fields: string[] = [];
  let i = 0;
  const n = record.length;
  while (i <= n) {
    if (record[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = record.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quoted field');
        value += record.slice(i, q);
        if (record[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
      if (i < n && record[i] !== ',') throw new Error('characters after a closing quote');
      i++;
    } else {
      const comma = record.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      fields.push(record.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}

const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The `index`-th field of a record with no quotes: no allocation but the field itself. */
function plainField(line: string, index: number): string | undefined {
  let start = 0;
  for (let k = 0; k < index; k++) {
    const c = line.indexOf(',', start);
    if (c < 0) return undefined;
    start = c + 1;
  }
  const end = line.indexOf(',', start);
  return line.slice(start, end < 0 ? line.length : end);
}

const countQuotes = (s: string): number => {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
};

export interface ClassifyFileOptions {
  input: string;
  output: string;
  column: string;
  lists: readonly CompiledList[];
  /** How many bad lines to name in the error (all are counted). */
  reportLimit?: number;
}

export interface ClassifyFileResult {
  rows: number;
  lists: string[];
}

/**
 * Streams a CSV of any size, appending for each list a status column (`<slug>`: full, partial or
 * none) and a category column (`<slug>_categories`, `|`-separated). Output goes to a temporary
 * file renamed into place at the end: on any bad row nothing is written, and the error lists the
 * bad lines. Results are memoised per distinct code, so the cost is the CSV scan.
 */
export async function classifyFile(opts: ClassifyFileOptions): Promise<ClassifyFileResult> {
  const reportLimit = opts.reportLimit ?? 50;
  const tmp = `${opts.output}.partial-${process.pid}`;
  const out = createWriteStream(tmp, { highWaterMark: 1 << 20 });
  const outDone = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  const memo = new Map<string, string | null>();
  const suffixOf = (raw: string): string | null => {
    let s = memo.get(raw);
    if (s !== undefined) return s;
    const code = tryNormalizeCode(raw);
    if (code === null) s = null;
    else {
      let acc = '';
      for (const l of opts.lists) {
        const m = matchCode(l, code);
        const cats = [
          ...new Set(m.entries.filter((e) => e.rule === 'include' && e.category).map((e) => e.category)),
        ];
        acc += ',' + m.status + ',' + csvField(cats.join('|'));
      }
      s = acc;
    }
    if (memo.size > 1_000_000) memo.clear();
    memo.set(raw, s);
    return s;
  };

  let columnIndex = -1;
  let eol = '\n';
  let lineNo = 0; // physical line number of the record being read
  let rows = 0;
  const badLines: string[] = [];
  let badCount = 0;
  const bad = (line: number, why: string) => {
    badCount++;
    if (badLines.length < reportLimit) badLines.push(`line ${line}: ${why}`);
  };

  let pending = ''; // a quoted record spanning lines
  let pendingStart = 0;
  let pieces: string[] = [];

  const handleRecord = (record: string, startLine: number) => {
    if (columnIndex < 0) {
      const header = splitCsvRecord(record.replace(/^\uFEFF/, ''));
      columnIndex = header.findIndex((h) => h.trim() === opts.column);
      if (columnIndex < 0)
        throw new AppError(
          'bad_request',
          `no column "${opts.column}" in the header; columns are: ${header.join(', ')}`,
          { field: 'column' },
        );
      const added = opts.lists
        .map((l) => `${csvField(l.slug)},${csvField(l.slug + '_categories')}`)
        .join(',');
      pieces.push(record, ',', added, eol);
      return;
    }
    if (record.length === 0) return;
    rows++;
    let raw: string | undefined;
    if (record.indexOf('"') < 0) raw = plainField(record, columnIndex);
    else {
      try {
        raw = splitCsvRecord(record)[columnIndex];
      } catch (e) {
        bad(startLine, (e as Error).message);
        return;
      }
    }
    if (raw === undefined) return bad(startLine, `has no column ${opts.column}`);
    const suffix = suffixOf(raw);
    if (suffix === null)
      return bad(startLine, raw === '' ? `empty ${opts.column}` : `"${raw.slice(0, 40)}" is not an HS code`);
    if (badCount === 0) pieces.push(record, suffix, eol);
  };

  let pendingBreak = '\n'; // the line break inside the quoted field, kept as it was
  const handleLine = (line: string, cr: boolean) => {
    lineNo++;
    if (pending) {
      pending += pendingBreak + line;
      pendingBreak = cr ? '\r\n' : '\n';
      if (countQuotes(pending) % 2 === 0) {
        handleRecord(pending, pendingStart);
        pending = '';
      }
      return;
    }
    if (line.indexOf('"') >= 0 && countQuotes(line) % 2 === 1) {
      pending = line;
      pendingStart = lineNo;
      pendingBreak = cr ? '\r\n' : '\n';
      return;
    }
    handleRecord(line, lineNo);
  };

  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    const input = createReadStream(opts.input, { highWaterMark: 1 << 20 });
    for await (const chunk of input) {
      const text = rest + decoder.write(chunk as Buffer);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        const cr = nl > start && text.charCodeAt(nl - 1) === 13;
        if (cr && lineNo === 0) eol = '\r\n';
        handleLine(text.slice(start, cr ? nl - 1 : nl), cr);
        start = nl + 1;
      }
      rest = text.slice(start);
      if (pieces.length > 0) {
        if (badCount === 0 && !out.write(pieces.join('')))
          await new Promise<void>((r) => out.once('drain', () => r()));
        pieces = [];
      }
    }
    rest += decoder.end();
    if (rest.length > 0) handleLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest, false);
    if (pending) bad(pendingStart, 'unterminated quoted field');
    if (columnIndex < 0)
      throw new AppError('bad_request', 'the file is empty (no header row)', { field: 'file' });
    if (badCount === 0 && pieces.length > 0) out.write(pieces.join(''));
    out.end();
    await outDone;
    if (badCount > 0)
      throw new AppError(
        'bad_request',
        `${badCount} bad row(s); nothing written. ${badLines.join('; ')}${badCount > badLines.length ? '; …' : ''}`,
        {
          field: opts.column,
          details: { badRows: badCount, lines: badLines },
        },
      );
    await rename(tmp, opts.output);
    return { rows, lists: opts.lists.map((l) => l.slug) };
  } catch (e) {
    out.destroy();
    await unlink(tmp).catch(() => undefined);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AppError('bad_request', `cannot read ${opts.input}`, { field: 'file' });
    throw e;
  }
}
