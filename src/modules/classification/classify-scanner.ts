import { writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
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

const NL = 10;
const CR = 13;
const COMMA = 44;
const QUOTE = 34;
const DOT = 46;
const SPACE = 32;
const TAB = 9;
const HASH = 0x9e3779b1; // Fibonacci hashing

/** Where classified lines go: a region [pos, end) of ws, handed on by spill() when full. */
export interface Sink {
  pos: number;
  readonly end: number;
  spill(): void;
  string(s: string): void;
}

export interface Workspace {
  ws: Buffer;
  blockBytes: number;
  outStart: number;
  outSize: number;
  /** Where input block r (0 or 1) starts; blockBytes before it are room for a carried line. */
  dataStart: (r: number) => number;
}

/**
 * The one buffer a scanner works in: [suffix cache][output block × 2][(carry room, input block) ×
 * 2][sentinel and slack].
 */
export function workspace(blockBytes: number, cacheBytes: number): Workspace {
  const outStart = cacheBytes;
  const outSize = 2 * blockBytes + 4096;
  const inStart = outStart + 2 * outSize;
  return {
    ws: Buffer.allocUnsafe(inStart + 4 * blockBytes + 8),
    blockBytes,
    outStart,
    outSize,
    dataStart: (r: number) => inStart + (2 * r + 1) * blockBytes,
  };
}

/** The header's column index, and the header line to write (with the added columns' names). */
function readHeader(
  record: string,
  column: string,
  lists: readonly CompiledList[],
  eol: string,
): { columnIndex: number; line: string } {
  const header = splitCsvRecord(record.replace(/^\uFEFF/, ''));
  const columnIndex = header.findIndex((h) => h.trim() === column);
  if (columnIndex < 0)
    throw new AppError(
      'bad_request',
      `no column "${column}" in the header; columns are: ${header.join(', ')}`,
      {
        field: 'column',
      },
    );
  const added = lists.map((l) => `${csvField(l.slug)},${csvField(l.slug + '_categories')}`);
  return { columnIndex, line: record + ',' + added.join(',') + eol };
}

/**
 * Reads the file two blocks at a time (the next is read while this one is scanned) and scans
 * each; afterBlock runs between blocks (to hand output on).
 */
export async function scanFile(
  sc: Scanner,
  input: FileHandle,
  w: Workspace,
  afterBlock: () => Promise<void>,
  inputName: string,
): Promise<void> {
  const { ws, dataStart, blockBytes: B } = w;
  const read = (r: number, at: number) =>
    input.read(ws, dataStart(r), B, at).catch((e: unknown) => {
      throw new AppError('bad_request', `cannot read ${inputName} (${(e as NodeJS.ErrnoException).code})`, {
        field: 'file',
      });
    });
  let r = 0;
  let carry = 0; // bytes of an incomplete line, just before the block's data
  let filePos = 0; // the file position of ws[dataStart(r)]
  let reading = read(r, filePos);
  try {
    for (;;) {
      const { bytesRead } = await reading;
      const start = dataStart(r) - carry;
      const bEnd = dataStart(r) + bytesRead;
      if (bytesRead === 0) {
        if (carry > 0) {
          // The last line has no line feed: give it one, and a sentinel after it.
          ws[bEnd] = NL;
          ws[bEnd + 1] = NL;
          sc.scan(start, bEnd + 1);
        }
        return;
      }
      filePos += bytesRead;
      reading = read(1 - r, filePos);
      reading.catch(() => undefined); // awaited in the next turn or below
      ws[bEnd] = NL;
      const s = sc.scan(start, bEnd);
      carry = bEnd - s;
      if (carry >= B)
        throw new AppError('bad_request', `line ${sc.lineNo + 1} is longer than ${B} bytes`, {
          field: 'file',
        });
      r = 1 - r;
      ws.copyWithin(dataStart(r) - carry, s, bEnd);
      await afterBlock();
    }
  } finally {
    await reading.catch(() => undefined); // ws and the file stay in use until the last read ends
  }
}

export interface ScanOptions {
  column: string;
  lists: readonly CompiledList[];
  reportLimit: number;
  blockBytes: number;
}

/**
 * Classifies CSV lines held in ws, appending the memoised suffix of each row's code and handing
 * the result to a sink. The common record (no quotes) is scanned as bytes and never decoded;
 * records with quotes take the RFC 4180 path (splitCsvRecord), line breaks inside quotes included.
 * Why one buffer: every copy stays inside ws (short ones four bytes at a time through a DataView,
 * long ones by copyWithin), where a JS byte loop or Buffer.copy costs 3-4 times as much per row.
 */
export class Scanner {
  columnIndex = -1;
  lineNo = 0; // physical line number of the line being read
  rows = 0;
  badCount = 0;
  readonly badLines: string[] = [];
  private pending = '';
  private pendingStart = 0;
  private pendingBreak = '\n';
  private readonly u8: Uint8Array;
  private readonly dv: DataView;

  constructor(
    private readonly ws: Buffer,
    readonly cache: SuffixCache,
    private readonly opts: ScanOptions,
    public sink: Sink,
  ) {
    this.u8 = new Uint8Array(ws.buffer, ws.byteOffset, ws.length); // indexed faster than a Buffer
    this.dv = new DataView(ws.buffer, ws.byteOffset, ws.length);
  }

  /** The end of input: a quoted field still open is a bad row. */
  finish(): void {
    if (this.pending) this.bad(this.pendingStart, 'unterminated quoted field');
    this.pending = '';
  }

  private bad(line: number, why: string): void {
    this.badCount++;
    if (this.badLines.length < this.opts.reportLimit) this.badLines.push(`line ${line}: ${why}`);
  }

  private notACode(text: string): string {
    return text === '' ? `empty ${this.opts.column}` : `"${text.slice(0, 40)}" is not an HS code`;
  }

  private emitSuffix(id: number): void {
    const o = this.sink;
    const off = this.cache.off[id]!;
    const n = this.cache.len[id]!;
    if (o.pos + n > o.end) o.spill();
    this.ws.copyWithin(o.pos, off, off + n);
    o.pos += n;
  }

  private header(record: string): void {
    const h = readHeader(record, this.opts.column, this.opts.lists, this.cache.eol);
    this.columnIndex = h.columnIndex;
    this.sink.string(h.line);
  }

  private slowRecord(record: string, startLine: number): void {
    if (this.columnIndex < 0) return this.header(record);
    if (record.length === 0) return;
    this.rows++;
    let raw: string | undefined;
    try {
      raw = splitCsvRecord(record)[this.columnIndex];
    } catch (e) {
      return this.bad(startLine, (e as Error).message);
    }
    if (raw === undefined) return this.bad(startLine, `has no column ${this.opts.column}`);
    const id = this.cache.ofText(raw);
    if (id < 0) return this.bad(startLine, this.notACode(raw));
    if (this.badCount === 0) {
      this.sink.string(record);
      this.emitSuffix(id);
    }
  }

  private slowLine(line: string, cr: boolean): void {
    if (this.pending) {
      this.pending += this.pendingBreak + line;
      this.pendingBreak = cr ? '\r\n' : '\n';
      if (this.pending.length > this.opts.blockBytes) {
        this.bad(this.pendingStart, `a quoted field runs on for more than ${this.opts.blockBytes} bytes`);
        this.pending = '';
      } else if (countQuotes(this.pending) % 2 === 0) {
        const record = this.pending;
        this.pending = '';
        this.slowRecord(record, this.pendingStart);
      }
      return;
    }
    if (countQuotes(line) % 2 === 1) {
      this.pending = line;
      this.pendingStart = this.lineNo;
      this.pendingBreak = cr ? '\r\n' : '\n';
      return;
    }
    this.slowRecord(line, this.lineNo);
  }

  /**
   * The common case, kept tight: from s, complete lines before `limit` that are unquoted, have a
   * code of up to 8 digits already in the cache, and fit the sink. Stops at the first line that is
   * anything else, without reading it; returns its start.
   */
  private fastRun(s: number, limit: number): number {
    const { ws, u8, dv, sink } = this;
    const table = this.cache.table;
    const shift = 32 - this.cache.bits;
    const mask = (1 << this.cache.bits) - 1;
    const off = this.cache.off;
    const len = this.cache.len;
    const column = this.columnIndex;
    const outEnd = sink.end;
    let outPos = sink.pos;
    let lines = 0;
    for (;;) {
      const nl = ws.indexOf(NL, s);
      if (nl >= limit || nl < 0) break;
      const end = nl > s && u8[nl - 1] === CR ? nl - 1 : nl;
      let i = s;
      let field = 0;
      while (field < column && i < end) if (u8[i++] === COMMA) field++;
      if (field < column) break;
      let count = 0;
      let value = 0;
      let c = 0;
      for (; i < end; i++) {
        c = u8[i]!;
        const d = c - 48;
        if (d >= 0 && d <= 9) {
          value = value * 10 + d;
          count++;
        } else if (c !== DOT && c !== SPACE && c !== TAB) break;
      }
      if (i < end && c !== COMMA) break; // not plain digits
      if (count < 2 || count > 8 || (count & 1) !== 0) break;
      const key = count * 1e8 + value;
      let slot = Math.imul(key, HASH) >>> shift;
      let k = table[2 * slot]!;
      while (k !== key && k !== 0) {
        slot = (slot + 1) & mask;
        k = table[2 * slot]!;
      }
      if (k === 0) break; // not cached yet
      const id = table[2 * slot + 1]!;
      const sOff = off[id]!;
      const sLen = len[id]!;
      const n = end - s;
      if (outPos + n + sLen + 4 > outEnd) break;
      // Up to 3 bytes past the end are copied too; the next copy overwrites them.
      if (n > 64) ws.copyWithin(outPos, s, end);
      else for (let k = 0; k < n; k += 4) dv.setUint32(outPos + k, dv.getUint32(s + k));
      outPos += n;
      if (sLen > 64) ws.copyWithin(outPos, sOff, sOff + sLen);
      else for (let k = 0; k < sLen; k += 4) dv.setUint32(outPos + k, dv.getUint32(sOff + k));
      outPos += sLen;
      lines++;
      s = nl + 1;
    }
    sink.pos = outPos;
    this.lineNo += lines;
    this.rows += lines;
    return s;
  }

  /**
   * Classifies the complete lines of ws[s, bEnd); ws[bEnd] must be a line feed (a sentinel).
   * Returns where the last, incomplete line starts.
   */
  scan(s: number, bEnd: number): number {
    const ws = this.ws;
    let nextQuote = ws.indexOf(QUOTE, s);
    if (nextQuote < 0 || nextQuote > bEnd) nextQuote = bEnd;
    for (;;) {
      if (nextQuote < s) {
        nextQuote = ws.indexOf(QUOTE, s);
        if (nextQuote < 0 || nextQuote > bEnd) nextQuote = bEnd;
      }
      if (!this.pending && this.columnIndex >= 0 && this.badCount === 0)
        s = this.fastRun(s, Math.min(nextQuote, bEnd));
      const nl = ws.indexOf(NL, s);
      if (nl < 0 || nl >= bEnd) break;
      this.lineNo++;
      const cr = nl > s && ws[nl - 1] === CR;
      const end = cr ? nl - 1 : nl;
      if (this.lineNo === 1 && cr) this.cache.eol = '\r\n';
      if (nextQuote < nl || this.pending || this.columnIndex < 0)
        this.slowLine(ws.toString('utf8', s, end), cr);
      else if (end > s) this.plainLine(s, end);
      s = nl + 1;
    }
    return s;
  }

  /** An unquoted line that fastRun did not take: a new code, a bad row, or a full sink. */
  private plainLine(s: number, end: number): void {
    const ws = this.ws;
    this.rows++;
    let i = s;
    let field = 0;
    while (field < this.columnIndex && i < end) if (ws[i++] === COMMA) field++;
    if (field < this.columnIndex) return this.bad(this.lineNo, `has no column ${this.opts.column}`);
    const fStart = i;
    let count = 0;
    let value = 0;
    let plain = true; // digits, dots, spaces and tabs only
    for (; i < end; i++) {
      const c = ws[i]!;
      if (c === COMMA) break;
      const d = c - 48;
      if (d >= 0 && d <= 9) {
        value = value * 10 + d;
        count++;
      } else if (c !== DOT && c !== SPACE && c !== TAB) plain = false;
    }
    let id: number;
    if (plain && count <= 10) id = count >= 2 && (count & 1) === 0 ? this.cache.ofDigits(count, value) : -1;
    else id = this.cache.ofText(ws.toString('utf8', fStart, i));
    if (id < 0) return this.bad(this.lineNo, this.notACode(ws.toString('utf8', fStart, i).trim()));
    if (this.badCount > 0) return;
    const o = this.sink;
    if (o.pos + (end - s) > o.end) o.spill();
    ws.copyWithin(o.pos, s, end);
    o.pos += end - s;
    this.emitSuffix(id);
  }
}

/**
 * The memoised output of each distinct code: its appended columns and the line ending, as bytes in
 * ws[0, cacheBytes), found by suffix id. Codes of up to 8 digits are found by number in an
 * open-addressing table of (key, id) pairs, so no string is made per row; when the bytes run out
 * everything is forgotten and rebuilt on demand.
 */
export class SuffixCache {
  /** Where suffix `id` is in ws, and its length. */
  off = new Int32Array(1024);
  len = new Int32Array(1024);
  private count = 0;
  private pos = 0;
  bits = 14;
  table = new Int32Array(2 << this.bits); // [key, id] pairs; key 0 is empty (keys are >= 2e8)
  private used = 0;
  private readonly longCodes = new Map<number, number>(); // ten-digit codes, beyond int32
  private readonly byText = new Map<string, number>(); // anything else; -1 when not an HS code
  eol = '\n';

  constructor(
    private readonly ws: Buffer,
    private readonly cacheBytes: number,
    private readonly lists: readonly CompiledList[],
  ) {}

  private reset(): void {
    this.count = 0;
    this.pos = 0;
    this.table.fill(0);
    this.used = 0;
    this.longCodes.clear();
    this.byText.clear();
  }

  /** Computes and stores the suffix of a normalised code. */
  private add(code: string): number {
    let acc = '';
    for (const l of this.lists) {
      const m = matchCode(l, code);
      const cats = new Set(
        m.entries.filter((e) => e.rule === 'include' && e.category).map((e) => e.category),
      );
      acc += ',' + m.status + ',' + csvField([...cats].join('|'));
    }
    acc += this.eol;
    const n = Buffer.byteLength(acc);
    if (n > this.cacheBytes)
      throw new AppError('bad_request', `too many lists: the added columns exceed ${this.cacheBytes} bytes`, {
        field: 'lists',
      });
    if (this.pos + n > this.cacheBytes) this.reset();
    this.ws.write(acc, this.pos);
    if (this.count === this.off.length) {
      const off = new Int32Array(this.count * 2);
      const len = new Int32Array(this.count * 2);
      off.set(this.off);
      len.set(this.len);
      this.off = off;
      this.len = len;
    }
    this.off[this.count] = this.pos;
    this.len[this.count] = n;
    this.pos += n;
    return this.count++;
  }

  /** A field that the normaliser must read; -1 when it is not an HS code. */
  ofText(raw: string): number {
    let id = this.byText.get(raw);
    if (id === undefined) {
      const code = tryNormalizeCode(raw);
      id = code === null ? -1 : this.add(code);
      if (this.byText.size >= 1 << 20) this.byText.clear();
      this.byText.set(raw, id);
    }
    return id;
  }

  /** A code of `count` digits (2-10, even) whose value is `value`. */
  ofDigits(count: number, value: number): number {
    if (count > 8) {
      let id = this.longCodes.get(value);
      if (id === undefined) {
        id = this.add(String(value).padStart(count, '0'));
        if (this.longCodes.size >= 1 << 20) this.longCodes.clear();
        this.longCodes.set(value, id);
      }
      return id;
    }
    const key = count * 1e8 + value; // unique per (count, value), and within int32
    const table = this.table;
    const mask = (1 << this.bits) - 1;
    for (let slot = Math.imul(key, HASH) >>> (32 - this.bits); ; slot = (slot + 1) & mask) {
      const k = table[2 * slot]!;
      if (k === key) return table[2 * slot + 1]!;
      if (k === 0) break;
    }
    const id = this.add(String(value).padStart(count, '0')); // may have reset the table
    if (this.used >= (1 << this.bits) >> 1) this.grow();
    this.insert(key, id);
    return id;
  }

  private insert(key: number, id: number): void {
    const mask = (1 << this.bits) - 1;
    let slot = Math.imul(key, HASH) >>> (32 - this.bits);
    while (this.table[2 * slot] !== 0) slot = (slot + 1) & mask;
    this.table[2 * slot] = key;
    this.table[2 * slot + 1] = id;
    this.used++;
  }

  private grow(): void {
    const old = this.table;
    this.bits++;
    this.table = new Int32Array(2 << this.bits);
    this.used = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.insert(old[i]!, old[i + 1]!);
  }
}

/**
 * Two output blocks in ws: one fills while the other is written, at explicit file positions so
 * that the rare synchronous spill (one block's output overflowing) cannot reorder the file.
 */
export class OutputBlocks implements Sink {
  private base: number;
  pos: number;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ws: Buffer,
    private readonly start: number,
    private readonly size: number,
    private readonly fd: FileHandle,
    /** Where in the file the first byte goes. */
    private fileAt = 0,
  ) {
    this.base = start;
    this.pos = start;
  }

  get end(): number {
    return this.base + this.size;
  }

  /** Writes what the current block holds now, synchronously. */
  spill(): void {
    for (let p = this.base; p < this.pos;) {
      const n = writeSync(this.fd.fd, this.ws, p, this.pos - p, this.fileAt);
      p += n;
      this.fileAt += n;
    }
    this.pos = this.base;
  }

  string(s: string): void {
    const n = Buffer.byteLength(s);
    if (this.pos + n > this.end) this.spill();
    if (n > this.size) {
      const b = Buffer.from(s);
      for (let p = 0; p < n;) {
        const w = writeSync(this.fd.fd, b, p, n - p, this.fileAt);
        p += w;
        this.fileAt += w;
      }
      return;
    }
    this.pos += this.ws.write(s, this.pos);
  }

  /** Starts writing the current block and switches to the other, once its write has finished. */
  async rotate(): Promise<void> {
    await this.writing;
    const from = this.base;
    const length = this.pos - from;
    const at = this.fileAt;
    this.fileAt += length;
    this.writing = (async () => {
      for (let p = 0; p < length;)
        p += (await this.fd.write(this.ws, from + p, length - p, at + p)).bytesWritten;
    })();
    this.writing.catch(() => undefined); // awaited at the next rotate or at finish
    this.base = this.base === this.start ? this.start + this.size : this.start;
    this.pos = this.base;
  }

  /** Drops what the current block holds (after a bad row nothing is written). */
  discard(): void {
    this.pos = this.base;
  }

  async finish(): Promise<void> {
    await this.rotate();
    await this.writing;
  }

  /** Waits for a write in flight, whatever its outcome (before the file is closed on an error). */
  async settle(): Promise<void> {
    await this.writing.catch(() => undefined);
  }
}
