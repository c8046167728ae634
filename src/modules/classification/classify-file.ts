import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
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

/** An output buffer that takes bytes and strings and hands full 1 MiB blocks to a stream. */
class Output {
  private buf = Buffer.allocUnsafe(1 << 21);
  private pos = 0;
  constructor(private readonly stream: WriteStream) {}

  private room(n: number): void {
    if (this.pos + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(bigger, 0, 0, this.pos);
      this.buf = bigger;
    }
  }
  bytes(src: Buffer, start: number, end: number): void {
    this.room(end - start);
    if (end - start > 96) {
      this.pos += src.copy(this.buf, this.pos, start, end);
      return;
    }
    // Short runs (a CSV line, a suffix): a loop beats the native call's overhead.
    const buf = this.buf;
    let pos = this.pos;
    for (let i = start; i < end; i++) buf[pos++] = src[i]!;
    this.pos = pos;
  }
  string(s: string): void {
    this.room(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
  /** Hands what is buffered to the stream; resolves when the stream can take more. */
  async flush(): Promise<void> {
    if (this.pos === 0) return;
    const block = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.buf.length); // the stream owns the old block now
    this.pos = 0;
    if (!this.stream.write(block)) await new Promise<void>((r) => this.stream.once('drain', () => r()));
  }
  get size(): number {
    return this.pos;
  }
}

const NL = 10;
const CR = 13;
const COMMA = 44;
const QUOTE = 34;

/**
 * Streams a CSV of any size, appending for each list a status column (`<slug>`: full, partial or
 * none) and a category column (`<slug>_categories`, `|`-separated). Output goes to a temporary
 * file renamed into place at the end: on any bad row nothing is written, and the error lists the
 * bad lines. Results are memoised per distinct code.
 *
 * Why by hand rather than csv-parse: the common record (no quotes) is scanned as bytes, never
 * decoded, and copied to the output with its precomputed suffix; that keeps the classifier near
 * the I/O limit (bench/classify-file.ts measures both). Records with quotes take the RFC 4180
 * path (splitCsvRecord), line breaks inside quotes included.
 */
export async function classifyFile(opts: ClassifyFileOptions): Promise<ClassifyFileResult> {
  const reportLimit = opts.reportLimit ?? 50;
  const tmp = `${opts.output}.partial-${process.pid}`;
  const stream = createWriteStream(tmp, { highWaterMark: 1 << 20 });
  const streamDone = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  const out = new Output(stream);

  const memo = new Map<string, Buffer | null>();
  // Digit fields keyed by length then digits (e.g. "0101" is 40101), so no string is made per row.
  const byNumber = new Map<number, Buffer | null>();
  const suffixOf = (raw: string): Buffer | null => {
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
      s = Buffer.from(acc, 'utf8');
    }
    if (memo.size > 1_000_000) {
      memo.clear();
      byNumber.clear();
    }
    memo.set(raw, s);
    return s;
  };

  let columnIndex = -1;
  let eol = Buffer.from('\n');
  let lineNo = 0; // physical line number of the line being read
  let rows = 0;
  const badLines: string[] = [];
  let badCount = 0;
  const bad = (line: number, why: string) => {
    badCount++;
    if (badLines.length < reportLimit) badLines.push(`line ${line}: ${why}`);
  };

  // ---- the RFC 4180 path: header, quoted records, records spanning lines ----
  let pending = '';
  let pendingStart = 0;
  let pendingBreak = '\n';
  const slowRecord = (record: string, startLine: number) => {
    if (columnIndex < 0) {
      const header = splitCsvRecord(record.replace(/^\uFEFF/, ''));
      columnIndex = header.findIndex((h) => h.trim() === opts.column);
      if (columnIndex < 0)
        throw new AppError(
          'bad_request',
          `no column "${opts.column}" in the header; columns are: ${header.join(', ')}`,
          {
            field: 'column',
          },
        );
      out.string(
        record +
          ',' +
          opts.lists.map((l) => `${csvField(l.slug)},${csvField(l.slug + '_categories')}`).join(','),
      );
      out.bytes(eol, 0, eol.length);
      return;
    }
    if (record.length === 0) return;
    rows++;
    let raw: string | undefined;
    try {
      raw = splitCsvRecord(record)[columnIndex];
    } catch (e) {
      return bad(startLine, (e as Error).message);
    }
    if (raw === undefined) return bad(startLine, `has no column ${opts.column}`);
    const suffix = suffixOf(raw);
    if (suffix === null)
      return bad(startLine, raw === '' ? `empty ${opts.column}` : `"${raw.slice(0, 40)}" is not an HS code`);
    if (badCount === 0) {
      out.string(record);
      out.bytes(suffix, 0, suffix.length);
      out.bytes(eol, 0, eol.length);
    }
  };
  const slowLine = (line: string, cr: boolean) => {
    if (pending) {
      pending += pendingBreak + line;
      pendingBreak = cr ? '\r\n' : '\n';
      if (countQuotes(pending) % 2 === 0) {
        slowRecord(pending, pendingStart);
        pending = '';
      }
      return;
    }
    if (countQuotes(line) % 2 === 1) {
      pending = line;
      pendingStart = lineNo;
      pendingBreak = cr ? '\r\n' : '\n';
      return;
    }
    slowRecord(line, lineNo);
  };

  // ---- the byte path: one unquoted line [start, end) of buf ----
  const line = (buf: Buffer, start: number, end: number, cr: boolean, quoted: boolean) => {
    lineNo++;
    if (lineNo === 1 && cr) eol = Buffer.from('\r\n');
    if (pending || quoted || columnIndex < 0) return slowLine(buf.toString('utf8', start, end), cr);
    if (start === end) return;
    let field = 0;
    let fStart = start;
    let fEnd = -1;
    for (let i = start; i < end; i++) {
      if (buf[i] === COMMA) {
        if (field === columnIndex) {
          fEnd = i;
          break;
        }
        field++;
        fStart = i + 1;
      }
    }
    if (fEnd < 0) {
      if (field !== columnIndex) {
        rows++;
        return bad(lineNo, `has no column ${opts.column}`);
      }
      fEnd = end;
    }
    rows++;
    // A field of 2-10 plain digits is keyed by number (no string made); anything else by text.
    let key = fEnd - fStart;
    let digits = key >= 2 && key <= 10;
    for (let i = fStart; digits && i < fEnd; i++) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) digits = false;
      else key = key * 10 + d;
    }
    let suffix = digits ? byNumber.get(key) : undefined;
    if (suffix === undefined) {
      suffix = suffixOf(buf.toString('utf8', fStart, fEnd));
      if (digits) byNumber.set(key, suffix);
    }
    if (suffix === null) {
      const text = buf.toString('utf8', fStart, fEnd);
      return bad(lineNo, text === '' ? `empty ${opts.column}` : `"${text.slice(0, 40)}" is not an HS code`);
    }
    if (badCount === 0) {
      out.bytes(buf, start, end);
      out.bytes(suffix, 0, suffix.length);
      out.bytes(eol, 0, eol.length);
    }
  };

  try {
    let rest: Buffer | undefined;
    const input = createReadStream(opts.input, { highWaterMark: 1 << 20 });
    for await (const chunk of input as AsyncIterable<Buffer>) {
      const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
      let start = 0;
      // The next quote in the block, found once and reused, so that quote-free lines cost nothing.
      let nextQuote = buf.indexOf(QUOTE);
      for (let nl = buf.indexOf(NL, start); nl >= 0; nl = buf.indexOf(NL, start)) {
        const cr = nl > start && buf[nl - 1] === CR;
        if (nextQuote >= 0 && nextQuote < start) nextQuote = buf.indexOf(QUOTE, start);
        line(buf, start, cr ? nl - 1 : nl, cr, nextQuote >= 0 && nextQuote < nl);
        start = nl + 1;
      }
      rest = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined;
      if (out.size >= 1 << 20) await out.flush();
    }
    if (rest && rest.length > 0) {
      const cr = rest[rest.length - 1] === CR;
      line(rest, 0, cr ? rest.length - 1 : rest.length, false, rest.includes(QUOTE));
    }
    if (pending) bad(pendingStart, 'unterminated quoted field');
    if (columnIndex < 0)
      throw new AppError('bad_request', 'the file is empty (no header row)', { field: 'file' });
    if (badCount === 0) await out.flush();
    stream.end();
    await streamDone;
    if (badCount > 0)
      throw new AppError(
        'bad_request',
        `${badCount} bad row(s); nothing written. ${badLines.join('; ')}${badCount > badLines.length ? '; …' : ''}`,
        { field: opts.column, details: { badRows: badCount, lines: badLines } },
      );
    await rename(tmp, opts.output);
    return { rows, lists: opts.lists.map((l) => l.slug) };
  } catch (e) {
    stream.destroy();
    await unlink(tmp).catch(() => undefined);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AppError('bad_request', `cannot read ${opts.input}`, { field: 'file' });
    throw e;
  }
}
