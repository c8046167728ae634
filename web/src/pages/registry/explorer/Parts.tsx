import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { LedgerRef } from './api';

const num = (n: string | number) => {
  const s = String(n);
  return /^\d+$/.test(s) ? s.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : s;
};
export const Num = ({ n }: { n: string | number }) => <span className="num">{num(n)}</span>;

export function EntryLink({ ledger }: { ledger: LedgerRef | null }) {
  if (!ledger) return <span className="muted">–</span>;
  return (
    <Link to={ledger.entryPath} data-testid="entry-link">
      #{ledger.index}
    </Link>
  );
}

/** A table that becomes stacked cards on a phone; each cell says its column. */
export function Table({
  head,
  rows,
  testId,
  empty,
}: {
  head: string[];
  rows: { key: string; cells: ReactNode[] }[];
  testId: string;
  empty: string;
}) {
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  return (
    <div className="table-wrap">
      <table className="table responsive-table" data-testid={testId}>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              {r.cells.map((c, i) => (
                <td key={head[i]} data-label={head[i]}>
                  {c}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
