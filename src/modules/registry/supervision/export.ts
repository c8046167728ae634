/** A table (header + rows of text) as CSV (csv-stringify, RFC 4180) or XLSX (exceljs). */
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import type { ExportFormat } from './model.js';

export interface Table {
  name: string;
  columns: string[];
  rows: (string | number | boolean | null)[][];
  /** Columns written as numbers in XLSX (quantities that fit a double exactly, years). */
  numeric?: string[];
}

export const contentType: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export async function writeTable(table: Table, format: ExportFormat): Promise<Buffer> {
  if (format === 'csv')
    // A byte-order mark so that spreadsheet programs read Chinese names as UTF-8.
    return Buffer.from('\ufeff' + stringify([table.columns, ...table.rows.map((r) => r.map(cell))]), 'utf8');
  const wb = new ExcelJS.Workbook();
  wb.creator = 'GreenTrade';
  const ws = wb.addWorksheet(table.name);
  ws.addRow(table.columns).font = { bold: true };
  const numeric = new Set((table.numeric ?? []).map((c) => table.columns.indexOf(c)));
  for (const r of table.rows)
    ws.addRow(
      r.map((v, i) => {
        // Units are integers; up to 2^53 a spreadsheet number is exact, beyond it they stay text.
        if (numeric.has(i) && typeof v === 'string' && /^-?\d{1,15}$/.test(v)) return Number(v);
        return v;
      }),
    );
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  ws.columns.forEach((c, i) => {
    const longest = Math.max(
      table.columns[i]!.length,
      ...table.rows.slice(0, 200).map((r) => cell(r[i]).length),
    );
    c.width = Math.min(60, Math.max(8, longest + 2));
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const cell = (v: string | number | boolean | null | undefined): string =>
  v === null || v === undefined ? '' : String(v);
