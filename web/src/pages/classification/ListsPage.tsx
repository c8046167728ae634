import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api';
import { Loading } from '../../components/Badge';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatEdition, useLocalize } from '../../format';

export function ListsPage() {
  const { t } = useTranslation();
  const loc = useLocalize();
  const query = useQuery({
    queryKey: ['classification', 'lists'],
    queryFn: ({ signal }) => api.lists(signal),
  });
  const lists = query.data?.lists ?? [];

  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('lists.title')}</h1>
        <p className="muted">{t('lists.intro')}</p>
      </header>
      <ErrorAlert error={query.error} />
      {query.isLoading ? <Loading /> : null}
      {query.data ? (
        lists.length === 0 ? (
          <p className="empty">{t('lists.none')}</p>
        ) : (
          <div className="card table-card">
            <div className="table-wrap">
              <table className="table responsive-table" data-testid="lists">
                <thead>
                  <tr>
                    <th>{t('lists.table.name')}</th>
                    <th>{t('lists.table.owner')}</th>
                    <th>{t('lists.table.edition')}</th>
                    <th>{t('lists.table.current')}</th>
                    <th className="num">{t('lists.table.versions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {lists.map((l) => (
                    <tr key={l.slug} data-testid="list-row" data-slug={l.slug}>
                      <td data-label={t('lists.table.name')}>
                        <Link to={`/classification/lists/${l.slug}`} className="list-name">
                          {loc.name(l)}
                        </Link>
                        <div className="muted small clamp-2">{loc.text(l.description, l.descriptionZh)}</div>
                        <div className="badges">
                          <span className="badge badge-outline">
                            {t(`lists.visibility.${l.visibility}`, { defaultValue: l.visibility })}
                          </span>
                          {l.canMaintain ? (
                            <span className="badge badge-green">{t('lists.maintainer')}</span>
                          ) : null}
                        </div>
                      </td>
                      <td data-label={t('lists.table.owner')}>{l.owner.name}</td>
                      <td data-label={t('lists.table.edition')} className="nowrap">
                        {formatEdition(l.hsEdition)}
                      </td>
                      <td data-label={t('lists.table.current')}>
                        {l.currentVersion ? (
                          <>
                            <span className="nowrap">
                              {t('common.versionN', { n: l.currentVersion.number })}
                            </span>
                            <div className="muted small nowrap">
                              {t('common.effective')} {l.currentVersion.effectiveFrom}
                            </div>
                          </>
                        ) : (
                          <span className="muted">{t('lists.noVersion')}</span>
                        )}
                      </td>
                      <td data-label={t('lists.table.versions')} className="num">
                        {l.versionCount}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        )
      ) : null}
    </section>
  );
}
