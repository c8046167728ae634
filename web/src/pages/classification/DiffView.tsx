import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { ListEntry } from '../../api';
import { humanize, useLocalize } from '../../format';
import type { DiffRow } from './diff';

const FIELDS = ['rule', 'coverage', 'category', 'scopeNote'] as const;
type Field = (typeof FIELDS)[number];

function show(t: TFunction, field: Field, e: ListEntry | null | undefined): string {
  if (!e) return '';
  const v = e[field];
  if (v === null || v === undefined || v === '') return '—';
  if (field === 'rule') return t(`entry.rule.${v}`, { defaultValue: v });
  if (field === 'coverage') return t(`entry.coverage.${v}`, { defaultValue: v });
  if (field === 'category') return t(`category.${v}`, { defaultValue: humanize(String(v)) });
  return String(v);
}

/** One row per code: added (green), removed (red), or changed with the changed fields marked. */
export function DiffTable({ rows, testId }: { rows: DiffRow[]; testId?: string }) {
  const { t } = useTranslation();
  const loc = useLocalize();
  if (rows.length === 0) return <p className="empty">{t('diff.empty')}</p>;
  return (
    <div className="table-wrap">
      <table className="table diff-table responsive-table" {...(testId ? { 'data-testid': testId } : {})}>
        <thead>
          <tr>
            <th>{t('diff.change')}</th>
            <th>{t('entry.code')}</th>
            {FIELDS.map((f) => (
              <th key={f}>{t(`diff.fields.${f}`)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr
              key={`${r.kind}-${r.code}-${i}`}
              className={`diff-${r.kind}`}
              data-testid="diff-row"
              data-kind={r.kind}
            >
              <td data-label={t('diff.change')}>
                <span
                  className={`badge ${r.kind === 'added' ? 'badge-green' : r.kind === 'removed' ? 'badge-red' : 'badge-amber'}`}
                >
                  {t(`diff.kind.${r.kind}`)}
                </span>
                {r.note ? <div className="muted small">{r.note}</div> : null}
              </td>
              <td data-label={t('entry.code')}>
                <span className="code">{r.code}</span>
              </td>
              {FIELDS.map((f) => {
                const before = show(t, f, r.before);
                const after = show(t, f, r.after);
                const beforeText =
                  f === 'scopeNote' && r.before
                    ? loc.text(r.before.scopeNote, r.before.scopeNoteZh) || '—'
                    : before;
                const afterText =
                  f === 'scopeNote' && r.after
                    ? loc.text(r.after.scopeNote, r.after.scopeNoteZh) || '—'
                    : after;
                const short = f === 'rule' || f === 'coverage';
                const empty = r.kind === 'removed' ? before === '—' : after === '—';
                return (
                  <td key={f} data-label={t(`diff.fields.${f}`)} className={short ? 'nowrap' : undefined}>
                    {empty && (r.kind !== 'changed' || before === after) ? (
                      <span className="muted">—</span>
                    ) : r.kind === 'changed' && before !== after ? (
                      <>
                        <del>{beforeText}</del> <ins>{afterText}</ins>
                      </>
                    ) : r.kind === 'removed' ? (
                      <del>{beforeText}</del>
                    ) : r.kind === 'added' ? (
                      <ins>{afterText}</ins>
                    ) : (
                      <span className="muted">{afterText}</span>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
