import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { ListEntry } from '../../api';
import { useLocalize } from '../../format';

/** Entries of a list version (or of a diff group) as a table. */
export function EntryTable({
  entries,
  testId,
  linkCodes = true,
}: {
  entries: ListEntry[];
  testId?: string;
  linkCodes?: boolean;
}) {
  const { t } = useTranslation();
  const loc = useLocalize();
  if (entries.length === 0) return <p className="empty">{t('entry.none')}</p>;
  return (
    <div className="table-wrap">
      <table className="table responsive-table" {...(testId ? { 'data-testid': testId } : {})}>
        <thead>
          <tr>
            <th>{t('entry.code')}</th>
            <th>{t('entry.ruleLabel')}</th>
            <th>{t('entry.coverageLabel')}</th>
            <th>{t('entry.category')}</th>
            <th>{t('entry.scopeNote')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e, i) => (
            <tr key={`${e.code}-${i}`}>
              <td data-label={t('entry.code')}>
                {linkCodes ? (
                  <Link to={`/classification/codes/${e.code}`} className="code">
                    {e.code}
                  </Link>
                ) : (
                  <span className="code">{e.code}</span>
                )}
              </td>
              <td data-label={t('entry.ruleLabel')}>{t(`entry.rule.${e.rule}`, { defaultValue: e.rule })}</td>
              <td data-label={t('entry.coverageLabel')}>
                <span className={`badge ${e.coverage === 'full' ? 'badge-green' : 'badge-amber'}`}>
                  {t(`entry.coverage.${e.coverage}`, { defaultValue: e.coverage })}
                </span>
              </td>
              <td data-label={t('entry.category')}>{loc.category(e.category)}</td>
              <td data-label={t('entry.scopeNote')} className="scope-note">
                {loc.text(e.scopeNote, e.scopeNoteZh)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
