// Reading and writing decimal figures in worksheet cells without losing digits: a figure is
// written as a number only when the number prints back to the same string, otherwise as text;
// read back, a number cell gives its shortest string and a text cell its trimmed text.
import { Decimal } from 'decimal.js';
import type ExcelJS from 'exceljs';

/** A problem in one cell, named as people read a workbook: `B_EmInst!E7 (NCV): not a number`. */
export interface CellProblem {
  cell: string;
  label: string;
  message: string;
}
export const describe = (p: CellProblem): string => `${p.cell} (${p.label}): ${p.message}`;

const PLAIN = /^-?\d+(\.\d+)?$/;

/** The value to put in a cell for a decimal string: a number when nothing is lost, else the text. */
export function decimalCell(value: string | undefined | null): string | number | null {
  if (value === undefined || value === null || value === '') return null;
  if (PLAIN.test(value) && String(Number(value)) === value) return Number(value);
  return value;
}

/** A share (0–1) shown as a percentage, as the Commission's template shows OxF, ConvF and BioC. */
export function percentCell(share: string | undefined): string | number | null {
  if (share === undefined) return null;
  return decimalCell(new Decimal(share).times(100).toFixed());
}

/** The plain value of a cell: formulas give their cached result, rich text its text. */
export function plainValue(cell: ExcelJS.Cell): unknown {
  const v = cell.value as unknown;
  if (v === null || v === undefined) return null;
  if (typeof v === 'object' && !(v instanceof Date)) {
    const o = v as Record<string, unknown>;
    if ('result' in o) return o['result'] ?? null;
    if ('formula' in o || 'sharedFormula' in o) return null;
    if (Array.isArray(o['richText']))
      return (o['richText'] as { text: string }[]).map((t) => t.text).join('');
    if ('text' in o) return o['text'];
    if ('error' in o) return { error: o['error'] };
  }
  return v;
}

export function isBlank(cell: ExcelJS.Cell): boolean {
  const v = plainValue(cell);
  return v === null || (typeof v === 'string' && v.trim() === '');
}

/** Reads cells of one sheet, collecting problems with their cell names. */
export class SheetReader {
  constructor(
    readonly ws: ExcelJS.Worksheet,
    readonly problems: CellProblem[],
  ) {}

  ref(row: number, col: number): string {
    return `${this.ws.name}!${this.ws.getCell(row, col).address}`;
  }

  private bad(row: number, col: number, label: string, message: string): undefined {
    this.problems.push({ cell: this.ref(row, col), label, message });
    return undefined;
  }

  text(row: number, col: number): string | undefined {
    const v = plainValue(this.ws.getCell(row, col));
    if (v === null) return undefined;
    if (v instanceof Date) return v.toISOString().slice(0, 10);
    if (typeof v === 'object') return undefined;
    const s = String(v).trim();
    return s === '' ? undefined : s;
  }

  /** A decimal: a number cell, or text such as "12.5" or "12,5". */
  decimal(row: number, col: number, label: string, options: { signed?: boolean } = {}): string | undefined {
    return this.decimalFrom(plainValue(this.ws.getCell(row, col)), row, col, label, options.signed ?? false);
  }

  private decimalFrom(
    v: unknown,
    row: number,
    col: number,
    label: string,
    signed: boolean,
  ): string | undefined {
    if (v === null) return undefined;
    let s: string;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return this.bad(row, col, label, 'not a number');
      s = /e/i.test(String(v)) ? new Decimal(v).toFixed() : String(v);
    } else if (typeof v === 'string') {
      s = v.trim().replace(/\s/g, '');
      if (s === '') return undefined;
      if (/^-?\d+,\d+$/.test(s)) s = s.replace(',', '.');
      if (!PLAIN.test(s)) return this.bad(row, col, label, `not a number ("${v.trim().slice(0, 40)}")`);
    } else return this.bad(row, col, label, 'not a number');
    if (!signed && s.startsWith('-')) return this.bad(row, col, label, 'must not be negative');
    return s;
  }

  /**
   * A share written as a percentage (99 = 0.99); a cell formatted as a percentage already holds
   * the fraction, and text may say "99%".
   */
  percent(row: number, col: number, label: string): string | undefined {
    const cell = this.ws.getCell(row, col);
    const v = plainValue(cell);
    if (typeof v === 'number' && typeof cell.numFmt === 'string' && cell.numFmt.includes('%'))
      return new Decimal(v).toFixed();
    const d = this.decimalFrom(
      typeof v === 'string' ? v.trim().replace(/%$/, '') : v,
      row,
      col,
      label,
      false,
    );
    if (d === undefined) return undefined;
    const share = new Decimal(d).div(100);
    if (share.gt(1)) return this.bad(row, col, label, `a percentage from 0 to 100, got ${d}`);
    return share.toFixed();
  }

  /** A number (coordinates). */
  number(row: number, col: number, label: string): number | undefined {
    const d = this.decimal(row, col, label, { signed: true });
    return d === undefined ? undefined : Number(d);
  }

  /** A date: a date cell, or text YYYY-MM-DD. */
  date(row: number, col: number, label: string): string | undefined {
    const v = plainValue(this.ws.getCell(row, col));
    if (v === null) return undefined;
    if (v instanceof Date) return v.toISOString().slice(0, 10);
    const s = String(v).trim();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(s))
      return this.bad(row, col, label, `a date YYYY-MM-DD, got "${s.slice(0, 30)}"`);
    return s;
  }

  /** One of a list of values, matched without case and spaces against codes and labels. */
  choice<T extends string>(
    row: number,
    col: number,
    label: string,
    options: Record<string, T>,
  ): T | undefined {
    const s = this.text(row, col);
    if (s === undefined) return undefined;
    const key = s
      .toLowerCase()
      .replace(/[\s_-]+/g, ' ')
      .trim();
    const hit = options[key];
    if (hit === undefined)
      return this.bad(
        row,
        col,
        label,
        `"${s.slice(0, 40)}" is not one of ${[...new Set(Object.values(options))].join(', ')}`,
      );
    return hit;
  }

  missing(row: number, col: number, label: string): void {
    this.bad(row, col, label, 'required');
  }

  /** The first row at or after `from` whose column `col` starts with `text` (section anchors). */
  findRow(col: number, text: string, from = 1): number | null {
    const last = this.ws.rowCount;
    for (let r = from; r <= last; r++) {
      const t = this.text(r, col);
      if (t && t.toLowerCase().startsWith(text.toLowerCase())) return r;
    }
    return null;
  }
}
