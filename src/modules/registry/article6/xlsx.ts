import ExcelJS from 'exceljs';
import {
  ACTION_COLUMNS,
  AUTHORIZATION_COLUMNS,
  AUTHORIZED_ENTITY_COLUMNS,
  HOLDING_COLUMNS,
  HOLDING_EXTRA_COLUMNS,
  SUBMISSION_FIELDS,
  type AefReport,
  type Cell,
  type Row,
} from './aef.js';

/** Sheet names of the UNFCCC AEF template. */
export const AEF_SHEETS = {
  submission: 'Table 1 Submission',
  authorizations: 'Table 2 Authorizations',
  actions: 'Table 3 Actions',
  holdings: 'Table 4 Holdings',
  entities: 'Table 5 Auth. entities',
} as const;

const DATE_FORMAT = 'dd/mm/yyyy';
const BOLD = { bold: true } as const;

/**
 * A row table as the template lays it out: the table's heading in A1 ("Table 3: Actions"), the
 * field names in row 2, one row per record from row 3.
 */
function rowSheet(
  wb: ExcelJS.Workbook,
  name: string,
  heading: string,
  columns: readonly string[],
  rows: Row[],
) {
  const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 2 }] });
  ws.getCell('A1').value = heading;
  ws.getCell('A1').font = { bold: true, size: 13 };
  const header = ws.getRow(2);
  columns.forEach((c, i) => {
    const cell = header.getCell(i + 1);
    cell.value = c;
    cell.font = BOLD;
    cell.alignment = { wrapText: true, vertical: 'top' };
    ws.getColumn(i + 1).width = Math.min(40, Math.max(12, c.length * 0.6 + 6));
  });
  rows.forEach((r, n) => {
    const row = ws.getRow(3 + n);
    columns.forEach((c, i) => {
      const v: Cell = r[c] ?? null;
      const cell = row.getCell(i + 1);
      cell.value = v;
      if (v instanceof Date) cell.numFmt = DATE_FORMAT;
    });
  });
  return ws;
}

/** The AEF workbook of one report, as XLSX bytes. */
export async function aefWorkbook(report: AefReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'GreenTrade registry';
  wb.created = report.submission['Date of submission'] as Date;

  // Table 1 is a column table: field names down column A, values in column B.
  const t1 = wb.addWorksheet(AEF_SHEETS.submission);
  t1.getCell('A1').value = 'Table 1: Submission';
  t1.getCell('A1').font = { bold: true, size: 13 };
  t1.getColumn(1).width = 70;
  t1.getColumn(2).width = 50;
  SUBMISSION_FIELDS.forEach((f, i) => {
    const label = t1.getCell(2 + i, 1);
    label.value = f;
    label.font = BOLD;
    const v = report.submission[f] ?? null;
    const cell = t1.getCell(2 + i, 2);
    cell.value = v;
    if (v instanceof Date) cell.numFmt = DATE_FORMAT;
  });

  rowSheet(
    wb,
    AEF_SHEETS.authorizations,
    'Table 2: Authorizations',
    AUTHORIZATION_COLUMNS,
    report.authorizations,
  );
  rowSheet(wb, AEF_SHEETS.actions, 'Table 3: Actions', ACTION_COLUMNS, report.actions);
  rowSheet(
    wb,
    AEF_SHEETS.holdings,
    'Table 4: Holdings',
    [...HOLDING_COLUMNS, ...HOLDING_EXTRA_COLUMNS],
    report.holdings,
  );
  rowSheet(
    wb,
    AEF_SHEETS.entities,
    'Table 5: Authorized entities',
    AUTHORIZED_ENTITY_COLUMNS,
    report.authorizedEntities,
  );
  return Buffer.from(await wb.xlsx.writeBuffer());
}
